"""Reading numbers as a paper printed them, and rounding them the way papers do.

Every number in ``data/raw`` is recorded *as printed*.  The helpers here turn such
printed text into exact numbers and say what "agrees within rounding" means for
them; the checks in :mod:`.proportion_checks`, :mod:`.survival_checks`,
:mod:`.ratio_checks` and :mod:`.cross_checks` are built on them.

Printed precision
-----------------
Whether a paper printed ``16.20`` or ``16.2`` changes what "agrees within
rounding" means, so every check accepts the printed *text* (``"16.20"``,
``"16.2%"``, ``"<0.001"``) and reads the number of decimals from it.  Floats
are accepted too, but a float cannot carry trailing zeros (``16.20`` arrives as
``16.2``): pass ``decimals=`` explicitly, or read the CSV with ``dtype=str``,
when trailing zeros matter.

Arithmetic on printed numbers is done with :class:`decimal.Decimal` and
:class:`fractions.Fraction` so that rounding decisions at exact halves
(``0.125 -> 0.13``) are not spoiled by binary floating point.
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .result import CheckResult, not_checkable

__all__ = [
    "STANDARD_MODES",
    "OTHER_MODES",
    "is_missing",
    "parse_printed",
    "relation_of",
    "decimals_of",
    "decimal_places",
    "last_unit",
    "half_unit",
    "round_to",
    "plain",
    "printed_text",
    "parse_count",
    "rounding_tier",
    "precision_box",
    "parse_triple",
]

# Rounding conventions: the first two are "standard" (=> consistent); the
# others are conventions some software or authors use (=> rounding).
STANDARD_MODES = ("half_up", "half_even")
OTHER_MODES = ("truncate", "up", "half_down")


# Tokens a typist may have copied for "no number here".
_MISSING_TOKENS = {"", "na", "n/a", "nan", "nr", "ne", "none", "-", "--", "\u2014", "\u2013", "not reached"}
_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Decorations around a single printed number that carry no numeric meaning
# here (the relation of "<0.001" is handled separately by the p-value check).
_STRIP_RE = re.compile(r"^\s*(?:p\s*)?(?:[<>=\u2264\u2265]\s*)*|\s*%?\s*$", re.IGNORECASE)


def is_missing(x: Any) -> bool:
    """True for a cell that holds no number: None, NaN, ``pd.NA``, empty, "NR", "-", ..."""
    if x is None:
        return True
    # pd.NA / pd.NaT without importing pandas: both refuse bool() or float().
    if type(x).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    if isinstance(x, str) and x.strip().lower() in _MISSING_TOKENS:
        return True
    return False


def parse_printed(x: Any) -> tuple[Decimal | None, str | None]:
    """Printed value -> (exact Decimal, None) or (None, reason)."""
    if is_missing(x):
        return None, "missing"
    if isinstance(x, Decimal):
        return (x, None) if x.is_finite() else (None, "not finite")
    if isinstance(x, bool):
        return None, "not a number"
    if isinstance(x, numbers.Integral):
        return Decimal(int(x)), None
    if isinstance(x, numbers.Real):
        f = float(x)
        if not math.isfinite(f):
            return None, "not finite"
        # repr gives the shortest string that round-trips, i.e. what was typed
        # (16.2, not 16.199999999999999289...).
        return Decimal(repr(f)), None
    if isinstance(x, str):
        s = x.replace("\u2212", "-").replace("\u00b7", ".")  # unicode minus, Lancet mid-dot
        s = _STRIP_RE.sub("", s)
        if not _NUMBER_RE.fullmatch(s):
            return None, f"not a number: {x!r}"
        try:
            d = Decimal(s)
        except InvalidOperation:  # pragma: no cover - regex already guards
            return None, f"not a number: {x!r}"
        return d, None
    return None, f"unsupported type {type(x).__name__}"


def relation_of(x: Any) -> str | None:
    """The comparison sign printed in front of a number, if any ("<0.001")."""
    if isinstance(x, str):
        m = re.match(r"^\s*(?:p\s*)?([<>=\u2264\u2265]+)", x, re.IGNORECASE)
        if m:
            return m.group(1)
    return None


def decimals_of(printed: Any) -> int | None:
    """Number of decimals a paper printed.

    Parameters
    ----------
    printed : str, int, float or Decimal
        The printed value.  Strings are read literally, so ``"16.20"`` gives 2
        and ``"16.2%"`` gives 1; ``"<0.001"`` gives 3; ``"1.2e-5"`` gives 6.
        Floats cannot keep trailing zeros: ``16.20`` (float) gives 1.

    Returns
    -------
    int or None
        Decimals printed, or ``None`` if the value is missing or not a number.

    Examples
    --------
    >>> decimals_of("16.20"), decimals_of(16.2), decimals_of("68"), decimals_of(None)
    (2, 1, 0, None)
    """
    d, _ = parse_printed(printed)
    if d is None:
        return None
    return max(0, -d.as_tuple().exponent)


def decimal_places(d: Decimal | None, decimals: int | None = None) -> int:
    """Decimals to use for one printed value: explicit override, else printed."""
    if decimals is not None:
        return int(decimals)
    return max(0, -d.as_tuple().exponent) if d is not None else 0


def last_unit(decimals: int) -> Decimal:
    """One unit in the last printed digit (``0.1`` for one decimal)."""
    return Decimal(1).scaleb(-decimals)


def half_unit(decimals: int) -> Decimal:
    """Half a unit in the last printed digit: how far a printed value may be from the truth."""
    return Decimal(5).scaleb(-(decimals + 1))


def _as_fraction(x: Any) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, Decimal):
        return Fraction(x)
    return Fraction(float(x)) if not isinstance(x, int) else Fraction(x)


def round_to(value: Any, decimals: int, mode: str = "half_up") -> Decimal:
    """Round exactly to ``decimals`` places under a named convention.

    Parameters
    ----------
    value : int, float, Decimal or Fraction
        Value to round; floats are taken at their exact binary value.
    decimals : int
        Number of decimals to keep.
    mode : {"half_up", "half_even", "half_down", "truncate", "up"}
        ``half_up`` rounds halves away from zero (the school rule, SAS, Excel);
        ``half_even`` is banker's rounding (R ``round``, Python ``round``,
        IEEE); ``truncate`` drops digits; ``up`` rounds away from zero.

    Returns
    -------
    Decimal
        The rounded value with exactly ``decimals`` places.
    """
    q = _as_fraction(value)
    sign = -1 if q < 0 else 1
    x = abs(q) * 10**decimals
    k, rem = divmod(x.numerator, x.denominator)
    frac = Fraction(rem, x.denominator)
    half = Fraction(1, 2)
    if mode == "half_up":
        k += frac >= half
    elif mode == "half_even":
        k += frac > half or (frac == half and k % 2 == 1)
    elif mode == "half_down":
        k += frac > half
    elif mode == "truncate":
        pass
    elif mode == "up":
        k += frac > 0
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return Decimal(sign * k).scaleb(-decimals)


def plain(d: Decimal | float, places: int | None = None) -> str:
    """Plain (never scientific) text of a number, optionally at fixed places."""
    if places is not None:
        return format(round_to(d, places, "half_up"), "f")
    return format(d, "f") if isinstance(d, Decimal) else repr(d)


def printed_text(printed: Any, d: Decimal | None) -> str:
    """Text of a printed value for messages: the original string if given."""
    if isinstance(printed, str):
        return _STRIP_RE.sub("", printed).strip()
    return plain(d) if d is not None else str(printed)


def parse_count(x: Any, name: str) -> tuple[int | None, str | None]:
    """Printed count -> (int, None), or (None, reason naming ``name``) if missing,
    fractional or negative."""
    d, why = parse_printed(x)
    if d is None:
        return None, f"{name} {why}"
    if d != d.to_integral_value():
        return None, f"{name} is not an integer ({plain(d)})"
    if d < 0:
        return None, f"{name} is negative ({plain(d)})"
    return int(d), None


def rounding_tier(true_value: Any, printed: Decimal, decimals: int) -> str | None:
    """Which rounding tier maps ``true_value`` onto ``printed``.

    Returns ``"standard"`` (half-up or half-even), ``"other"`` (truncation,
    rounding up, half-down, or one unit off in the last digit) or ``None``.
    """
    for mode in STANDARD_MODES:
        if round_to(true_value, decimals, mode) == printed:
            return "standard"
    # Truncation, rounding up and half-down never differ from half-up by more
    # than one unit, so the one-unit tolerance covers those conventions too.
    if abs(round_to(true_value, decimals, "half_up") - printed) <= last_unit(decimals):
        return "other"
    return None


def precision_box(d: Decimal, decimals: int | None = None) -> tuple[Decimal, Decimal]:
    """Interval of true values that print as ``d``: +/- half a unit in the last digit."""
    h = half_unit(decimal_places(d, decimals))
    return d - h, d + h


def parse_triple(
    check: str, est: Any, lower: Any, upper: Any, names=("estimate", "lower", "upper")
) -> tuple[list[Decimal] | None, CheckResult | None]:
    """An estimate and its CI bounds as printed -> ([Decimal] * 3, None), or
    (None, a ``not_checkable`` result of ``check`` naming the missing value)."""
    vals = []
    for label, x in zip(names, (est, lower, upper)):
        d, why = parse_printed(x)
        if d is None:
            return None, not_checkable(check, f"{label} {why}")
        vals.append(d)
    return vals, None
