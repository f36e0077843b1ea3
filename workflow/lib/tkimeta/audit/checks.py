"""Internal-consistency checks for numbers typed from published papers.

Every number in ``data/raw`` is recorded *as printed*.  The functions here
compare such printed numbers with each other and with what can be recomputed
from them (a percentage from its count, a binomial CI from count and n, a
p value from a ratio CI, ...).  They are pure functions: no I/O, no global
state, and every one returns a :class:`CheckResult`.

Status semantics (shared by all checks)
---------------------------------------
``"consistent"``
    The printed number agrees with the recomputation under the standard
    reading: round-half-up or round-half-even at the printed precision, or,
    for checks on rounded inputs, some set of true values inside the
    printed-precision box (each printed value +/- half a unit in its last
    digit) satisfies the relation exactly.
``"rounding"``
    Agreement only under a non-standard rounding convention (truncation,
    rounding up) or within one unit in the last printed digit.  Almost always
    harmless, but worth a line in the audit log.
``"discrepancy"``
    The numbers cannot be reconciled by rounding; a human should look.
``"not_checkable"``
    A required input is missing (``None``, NaN, ``pd.NA``, empty or ``"NR"``)
    or unusable (not a number, zero denominator); ``detail`` says which.

Printed precision
-----------------
Whether a paper printed ``16.20`` or ``16.2`` changes what "agrees within
rounding" means, so every function accepts the printed *text* (``"16.20"``,
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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from ..stats import distributions as D

__all__ = [
    "STATUSES",
    "CI_METHODS",
    "CheckResult",
    "decimals_of",
    "round_to",
    "binomial_ci",
    "percent_from_count",
    "grim_candidates",
    "grim_percent",
    "which_denominator",
    "binomial_ci_check",
    "clopper_pearson_check",
    "sum_check",
    "events_vs_maturity",
    "median_ci_shape",
    "hr_midpoint_check",
    "implied_p_from_ci",
    "p_from_ci_check",
    "duplicate_pairs",
    "same_quantity_across_locations",
    "ranking_order_check",
]

STATUSES = ("consistent", "rounding", "discrepancy", "not_checkable")

#: Binomial CI methods known to :func:`binomial_ci`, in the order in which
#: alternatives are reported when a printed CI does not match the stated one.
CI_METHODS = (
    "clopper_pearson",
    "wilson",
    "wilson_cc",
    "wald",
    "wald_cc",
    "agresti_coull",
    "jeffreys",
)

_CI_LABELS = {
    "clopper_pearson": "Clopper-Pearson",
    "wilson": "Wilson",
    "wilson_cc": "Wilson with continuity correction",
    "wald": "Wald",
    "wald_cc": "Wald with continuity correction",
    "agresti_coull": "Agresti-Coull",
    "jeffreys": "Jeffreys",
}

# Rounding conventions: the first two are "standard" (=> consistent); the
# others are conventions some software or authors use (=> rounding).
_STANDARD_MODES = ("half_up", "half_even")
_OTHER_MODES = ("truncate", "up", "half_down")


# --------------------------------------------------------------------------
# Result type
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one audit check.

    Parameters
    ----------
    status : str
        One of :data:`STATUSES` (see the module docstring for semantics).
    reported : str
        The printed number(s) being checked, short (e.g. ``"16.2%"``).
    recomputed : str
        What the check recomputed, short (e.g. ``"11/68 = 16.176%"``).
    detail : str
        One human-readable line showing both numbers and the verdict.
    check : str, optional
        Name of the function that produced the result (for audit tables).
    extra : Mapping, optional
        Read-only, check-specific structured output (e.g. GRIM candidate
        counts, the CI methods that match, the shape of a median CI).  Not part
        of equality or hashing.
    """

    status: str
    reported: str
    recomputed: str
    detail: str
    check: str = ""
    extra: Mapping[str, Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")
        # Frozen means frozen: expose extras read-only so a driver cannot
        # mutate a result after it has been logged.
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def ok(self) -> bool:
        """True for ``consistent`` and ``rounding`` (nothing to fix)."""
        return self.status in ("consistent", "rounding")

    def to_dict(self) -> dict[str, str]:
        """Flat ``dict`` of the four text fields plus ``check`` (for a CSV row)."""
        return {
            "check": self.check,
            "status": self.status,
            "reported": self.reported,
            "recomputed": self.recomputed,
            "detail": self.detail,
        }


def _nc(check: str, reason: str, reported: str = "", recomputed: str = "") -> CheckResult:
    return CheckResult("not_checkable", reported, recomputed, reason, check)


# --------------------------------------------------------------------------
# Parsing printed numbers
# --------------------------------------------------------------------------

# Tokens a typist may have copied for "no number here".
_MISSING_TOKENS = {"", "na", "n/a", "nan", "nr", "ne", "none", "-", "--", "\u2014", "\u2013", "not reached"}
_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Decorations around a single printed number that carry no numeric meaning
# here (the relation of "<0.001" is handled separately by the p-value check).
_STRIP_RE = re.compile(r"^\s*(?:p\s*)?(?:[<>=\u2264\u2265]\s*)*|\s*%?\s*$", re.IGNORECASE)


def _is_missing_scalar(x: Any) -> bool:
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


def _parse(x: Any) -> tuple[Decimal | None, str | None]:
    """Printed value -> (exact Decimal, None) or (None, reason)."""
    if _is_missing_scalar(x):
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


def _relation_of(x: Any) -> str | None:
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
    d, _ = _parse(printed)
    if d is None:
        return None
    return max(0, -d.as_tuple().exponent)


def _dec(d: Decimal | None, decimals: int | None = None) -> int:
    """Decimals to use for one printed value: explicit override, else printed."""
    if decimals is not None:
        return int(decimals)
    return max(0, -d.as_tuple().exponent) if d is not None else 0


def _unit(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _half(decimals: int) -> Decimal:
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


def _f(d: Decimal | float, places: int | None = None) -> str:
    """Plain (never scientific) text of a number, optionally at fixed places."""
    if places is not None:
        return format(round_to(d, places, "half_up"), "f")
    return format(d, "f") if isinstance(d, Decimal) else repr(d)


def _txt(printed: Any, d: Decimal | None) -> str:
    """Text of a printed value for messages: the original string if given."""
    if isinstance(printed, str):
        return _STRIP_RE.sub("", printed).strip()
    return _f(d) if d is not None else str(printed)


def _as_count(x: Any, name: str) -> tuple[int | None, str | None]:
    d, why = _parse(x)
    if d is None:
        return None, f"{name} {why}"
    if d != d.to_integral_value():
        return None, f"{name} is not an integer ({_f(d)})"
    if d < 0:
        return None, f"{name} is negative ({_f(d)})"
    return int(d), None


def _matches(true_value: Any, printed: Decimal, decimals: int) -> str | None:
    """Which rounding tier maps ``true_value`` onto ``printed``.

    Returns ``"standard"`` (half-up or half-even), ``"other"`` (truncation,
    rounding up, half-down, or one unit off in the last digit) or ``None``.
    """
    for mode in _STANDARD_MODES:
        if round_to(true_value, decimals, mode) == printed:
            return "standard"
    # Truncation, rounding up and half-down never differ from half-up by more
    # than one unit, so the one-unit tolerance covers those conventions too.
    if abs(round_to(true_value, decimals, "half_up") - printed) <= _unit(decimals):
        return "other"
    return None


# --------------------------------------------------------------------------
# Percentages from counts, GRIM, denominators
# --------------------------------------------------------------------------


def percent_from_count(
    count: Any, n: Any, printed_percent: Any, decimals: int | None = None
) -> CheckResult:
    """Check a printed percentage against ``100 * count / n``.

    Parameters
    ----------
    count, n : int or str
        Numerator and denominator (integers, as printed).
    printed_percent : str or float
        The percentage as printed, in percent (``"16.2"`` or ``"16.2%"``).
    decimals : int, optional
        Decimals the paper printed; read from ``printed_percent`` if omitted.

    Returns
    -------
    CheckResult
        ``consistent`` if round-half-up or round-half-even of the exact
        percentage equals the printed one; ``rounding`` if it matches only
        under truncation / rounding up / half-down or is one unit off in the
        last printed digit; ``discrepancy`` otherwise (including count > n).

    Examples
    --------
    >>> percent_from_count(11, 68, "16.2").detail
    'printed 16.2% vs 11/68 = 16.176% -> 16.2%'
    """
    name = "percent_from_count"
    c, why_c = _as_count(count, "count")
    m, why_n = _as_count(n, "n")
    p, why_p = _parse(printed_percent)
    reported = _txt(printed_percent, p) + "%" if p is not None else ""
    for why in (why_c, why_n):
        if why:
            return _nc(name, why, reported)
    if p is None:
        return _nc(name, f"printed percent {why_p}", reported)
    if m == 0:
        return _nc(name, "n is 0", reported)
    dp = _dec(p, decimals)
    exact = Fraction(100 * c, m)
    shown = _f(round_to(exact, dp + 2))
    recomputed = f"{c}/{m} = {shown}%"
    if c > m:
        return CheckResult(
            "discrepancy", reported, recomputed,
            f"count {c} exceeds n {m} (printed {_txt(printed_percent, p)}%)", name,
        )
    std = round_to(exact, dp, "half_up")
    tier = _matches(exact, p, dp)
    base = f"printed {_txt(printed_percent, p)}% vs {c}/{m} = {shown}% -> {_f(std)}%"
    if tier == "standard":
        return CheckResult("consistent", reported, recomputed, base, name)
    if tier == "other":
        return CheckResult(
            "rounding", reported, recomputed,
            base + " (matches only by truncation/other rounding or 1 unit in last digit)", name,
        )
    return CheckResult("discrepancy", reported, recomputed, base, name)


def grim_candidates(
    printed_percent: Any, n: Any, decimals: int | None = None, lenient: bool = False
) -> tuple[int, ...]:
    """Integer counts ``0..n`` whose percentage prints as ``printed_percent``.

    Parameters
    ----------
    printed_percent : str or float
        Percentage as printed.
    n : int
        Denominator.
    decimals : int, optional
        Printed decimals; read from ``printed_percent`` if omitted.
    lenient : bool, default False
        Also accept truncation / rounding up / half-down (but not the
        one-unit tolerance, which would make the test meaningless).

    Returns
    -------
    tuple of int
        Sorted candidate counts (empty if impossible, missing or invalid input).
    """
    p, _ = _parse(printed_percent)
    m, why = _as_count(n, "n")
    if p is None or why or not m:
        return ()
    dp = _dec(p, decimals)
    modes = _STANDARD_MODES + (_OTHER_MODES if lenient else ())
    # Only counts near p*n/100 can round to p; scan a small window rather
    # than 0..n so the check stays cheap for large denominators.
    centre = Fraction(p) * m / 100
    lo = max(0, math.floor(centre) - 2)
    hi = min(m, math.ceil(centre) + 2)
    out = []
    for k in range(lo, hi + 1):
        exact = Fraction(100 * k, m)
        if any(round_to(exact, dp, md) == p for md in modes):
            out.append(k)
    return tuple(out)


def grim_percent(printed_percent: Any, n: Any, decimals: int | None = None) -> CheckResult:
    """GRIM test: can ``printed_percent`` arise from any integer count out of ``n``?

    Parameters
    ----------
    printed_percent : str or float
        Percentage as printed.
    n : int
        Denominator the percentage is claimed to use.
    decimals : int, optional
        Printed decimals; read from ``printed_percent`` if omitted.

    Returns
    -------
    CheckResult
        ``consistent`` if some count gives the percent under half-up/half-even
        rounding; ``rounding`` if only under truncation / rounding up;
        ``discrepancy`` if no count 0..n can produce it (typo, OCR damage, or a
        different denominator).  ``extra["candidates"]`` holds the matching
        counts (standard rounding, else lenient), ``extra["nearest"]`` the two
        counts bracketing the printed value.
    """
    name = "grim_percent"
    p, why_p = _parse(printed_percent)
    m, why_n = _as_count(n, "n")
    reported = (_txt(printed_percent, p) + "%") if p is not None else ""
    if p is None:
        return _nc(name, f"printed percent {why_p}", reported)
    if why_n:
        return _nc(name, why_n, reported)
    if m == 0:
        return _nc(name, "n is 0", reported)
    dp = _dec(p, decimals)
    strict = grim_candidates(printed_percent, m, dp)
    loose = strict or grim_candidates(printed_percent, m, dp, lenient=True)
    centre = Fraction(p) * m / 100
    nearest = tuple(k for k in (math.floor(centre), math.ceil(centre)) if 0 <= k <= m)
    nearest = tuple(sorted(set(nearest)))

    def show(ks: Iterable[int]) -> str:
        return ", ".join(f"{k}/{m} = {_f(round_to(Fraction(100 * k, m), dp + 2))}%" for k in ks)

    extra = {"candidates": loose, "nearest": nearest}
    if p > 100 or p < 0:
        return CheckResult("discrepancy", reported, "none", f"printed {reported} is outside 0-100", name, extra)
    if strict:
        return CheckResult(
            "consistent", reported, "count " + "/".join(map(str, strict)),
            f"printed {reported} with n={m} possible: {show(strict)}", name, extra,
        )
    if loose:
        return CheckResult(
            "rounding", reported, "count " + "/".join(map(str, loose)),
            f"printed {reported} with n={m} possible only by truncation/other rounding: {show(loose)}",
            name, extra,
        )
    return CheckResult(
        "discrepancy", reported, "no count",
        f"printed {reported} impossible with n={m}: nearest {show(nearest)}", name, extra,
    )


def which_denominator(
    printed_percent: Any,
    count: Any,
    candidates: Mapping[str, Any],
    decimals: int | None = None,
) -> CheckResult:
    """Which of several denominators (e.g. ITT vs evaluable) a percentage uses.

    Parameters
    ----------
    printed_percent : str or float
        Percentage as printed.
    count : int or None
        Printed count.  If missing, each denominator is tested with GRIM
        (can *any* count give the percentage?) instead.
    candidates : Mapping[str, int]
        Named denominators, e.g. ``{"itt": 72, "evaluable": 68}``; missing
        values are skipped.
    decimals : int, optional
        Printed decimals; read from ``printed_percent`` if omitted.

    Returns
    -------
    CheckResult
        ``extra["matches"]`` lists the names whose denominator reproduces the
        percentage under standard rounding (``extra["rounding_matches"]`` under
        lenient rounding).  Status ``consistent`` if at least one matches (the
        detail says "ambiguous" if several do), ``rounding`` if only lenient
        matches, ``discrepancy`` if none, ``not_checkable`` if the percent or
        all denominators are missing.
    """
    name = "which_denominator"
    p, why_p = _parse(printed_percent)
    reported = (_txt(printed_percent, p) + "%") if p is not None else ""
    if p is None:
        return _nc(name, f"printed percent {why_p}", reported)
    c, why_c = _as_count(count, "count")
    use_count = c is not None
    strict: list[str] = []
    loose: list[str] = []
    shown: list[str] = []
    skipped: list[str] = []
    for label, n in candidates.items():
        m, why = _as_count(n, label)
        if m is None or m == 0:
            skipped.append(label)
            continue
        r = percent_from_count(c, m, printed_percent, decimals) if use_count else grim_percent(
            printed_percent, m, decimals)
        if r.status == "consistent":
            strict.append(label)
        elif r.status == "rounding":
            loose.append(label)
        shown.append(f"{label} n={m}: {r.recomputed}")
    if not shown:
        return _nc(name, "no usable denominator" + (f" (skipped {', '.join(skipped)})" if skipped else ""),
                   reported)
    how = f"count {c}" if use_count else "GRIM (count not printed)"
    extra = {"matches": tuple(strict), "rounding_matches": tuple(loose)}
    body = f"printed {reported}, {how}; " + "; ".join(shown)
    if strict:
        verdict = strict[0] if len(strict) == 1 else "ambiguous: " + "/".join(strict)
        return CheckResult("consistent", reported, verdict, f"{body} -> {verdict}", name, extra)
    if loose:
        verdict = "/".join(loose)
        return CheckResult("rounding", reported, verdict, f"{body} -> {verdict} (lenient rounding)", name, extra)
    return CheckResult("discrepancy", reported, "none", f"{body} -> no denominator fits", name, extra)


# --------------------------------------------------------------------------
# Binomial confidence intervals
# --------------------------------------------------------------------------


def binomial_ci(count: int, n: int, method: str = "clopper_pearson", level: float = 95) -> tuple[float, float]:
    """Two-sided binomial confidence interval for ``count / n``, in percent.

    Parameters
    ----------
    count, n : int
        Successes and trials, ``0 <= count <= n``, ``n > 0``.
    method : str
        One of :data:`CI_METHODS`.  ``clopper_pearson`` is the exact
        beta-quantile interval; ``wilson_cc`` follows Newcombe (1998) method 4;
        Wald-type intervals are clipped to [0, 100] because papers print them
        so.
    level : float, default 95
        Confidence level in percent.

    Returns
    -------
    (float, float)
        Lower and upper bound in percent.
    """
    x, m = int(count), int(n)
    if m <= 0 or not 0 <= x <= m:
        raise ValueError("need n > 0 and 0 <= count <= n")
    alpha = 1 - level / 100
    z = float(D.norm_ppf(1 - alpha / 2))
    p = x / m
    q = 1 - p
    if method == "clopper_pearson":
        lo = 0.0 if x == 0 else float(D.beta_ppf(alpha / 2, x, m - x + 1))
        hi = 1.0 if x == m else float(D.beta_ppf(1 - alpha / 2, x + 1, m - x))
    elif method == "jeffreys":
        lo = 0.0 if x == 0 else float(D.beta_ppf(alpha / 2, x + 0.5, m - x + 0.5))
        hi = 1.0 if x == m else float(D.beta_ppf(1 - alpha / 2, x + 0.5, m - x + 0.5))
    elif method == "wilson":
        centre = (x + z * z / 2) / (m + z * z)
        half = z * math.sqrt(m * p * q + z * z / 4) / (m + z * z)
        lo, hi = centre - half, centre + half
    elif method == "wilson_cc":
        den = 2 * (m + z * z)
        lo = 0.0 if x == 0 else (
            2 * m * p + z * z - 1 - z * math.sqrt(max(0.0, z * z - 2 - 1 / m + 4 * p * (m * q + 1)))) / den
        hi = 1.0 if x == m else (
            2 * m * p + z * z + 1 + z * math.sqrt(max(0.0, z * z + 2 - 1 / m + 4 * p * (m * q - 1)))) / den
    elif method == "wald":
        half = z * math.sqrt(p * q / m)
        lo, hi = p - half, p + half
    elif method == "wald_cc":
        half = z * math.sqrt(p * q / m) + 1 / (2 * m)
        lo, hi = p - half, p + half
    elif method == "agresti_coull":
        mt = m + z * z
        pt = (x + z * z / 2) / mt
        half = z * math.sqrt(pt * (1 - pt) / mt)
        lo, hi = pt - half, pt + half
    else:
        raise ValueError(f"unknown CI method {method!r}; expected one of {CI_METHODS}")
    return 100 * max(0.0, lo), 100 * min(1.0, hi)


def _ci_tier(bounds: tuple[float, float], printed: tuple[Decimal, Decimal], dps: tuple[int, int]) -> str | None:
    """Worst tier over both bounds: 'standard', 'other' or None."""
    tiers = [_matches(b, p, d) for b, p, d in zip(bounds, printed, dps)]
    if None in tiers:
        return None
    return "other" if "other" in tiers else "standard"


def binomial_ci_check(
    count: Any,
    n: Any,
    printed_lower: Any,
    printed_upper: Any,
    decimals: int | None = None,
    method: str = "clopper_pearson",
    level: Any = 95,
) -> CheckResult:
    """Compare a printed binomial CI (in percent) with a recomputed one.

    Parameters
    ----------
    count, n : int
        Responders and denominator.
    printed_lower, printed_upper : str or float
        Printed bounds in percent.
    decimals : int, optional
        Printed decimals of both bounds; otherwise read from each bound.
    method : str, default "clopper_pearson"
        The method the paper states (one of :data:`CI_METHODS`).
    level : float, default 95
        Confidence level in percent (missing -> 95).

    Returns
    -------
    CheckResult
        ``consistent`` if both bounds equal the recomputed ones rounded
        half-up/half-even; ``rounding`` if each is within one unit in its last
        printed digit (or matches by truncation); ``discrepancy`` otherwise.
        The detail names other methods that reproduce the printed CI exactly
        (``extra["matching_methods"]``; ``extra["near_methods"]`` within one
        unit), e.g. a Wald CI labelled exact.
    """
    if method not in CI_METHODS:  # a caller bug, not a data problem: fail loudly
        raise ValueError(f"unknown CI method {method!r}; expected one of {CI_METHODS}")
    name = f"{method}_check" if method == "clopper_pearson" else "binomial_ci_check"
    c, why_c = _as_count(count, "count")
    m, why_n = _as_count(n, "n")
    lo, why_lo = _parse(printed_lower)
    hi, why_hi = _parse(printed_upper)
    reported = (f"{_txt(printed_lower, lo)}-{_txt(printed_upper, hi)}%" if lo is not None and hi is not None else "")
    for why in (why_c, why_n):
        if why:
            return _nc(name, why, reported)
    if lo is None or hi is None:
        return _nc(name, "CI bound " + (why_lo or why_hi), reported)
    if m == 0:
        return _nc(name, "n is 0", reported)
    if c > m:
        return CheckResult("discrepancy", reported, "", f"count {c} exceeds n {m}", name)
    lev, _ = _parse(level)
    lev_f = float(lev) if lev is not None else 95.0
    dps = (_dec(lo, decimals), _dec(hi, decimals))
    printed = (lo, hi)
    tiers = {}
    bounds = {}
    for meth in CI_METHODS:
        bounds[meth] = binomial_ci(c, m, meth, lev_f)
        tiers[meth] = _ci_tier(bounds[meth], printed, dps)
    b = bounds[method]
    shown = f"{_f(b[0], dps[0] + 2)}-{_f(b[1], dps[1] + 2)}%"
    recomputed = f"{_CI_LABELS[method]} {shown}"
    rounded = f"{_f(round_to(b[0], dps[0]))}-{_f(round_to(b[1], dps[1]))}%"
    others_exact = tuple(k for k in CI_METHODS if k != method and tiers[k] == "standard")
    others_near = tuple(k for k in CI_METHODS if k != method and tiers[k] == "other")
    extra = {"matching_methods": others_exact, "near_methods": others_near,
             "bounds": {k: v for k, v in bounds.items()}}
    base = f"printed {reported} vs {_CI_LABELS[method]} {c}/{m}: {shown} -> {rounded}"
    if tiers[method] == "standard":
        return CheckResult("consistent", reported, recomputed, base, name, extra)

    def names(ks: Sequence[str]) -> str:
        return ", ".join(_CI_LABELS[k] for k in ks)

    if others_exact:
        alt = f"; matches {names(others_exact)} exactly"
    elif others_near:
        alt = f"; within one unit of {names(others_near)}"
    else:
        alt = "; no standard method matches"
    if tiers[method] == "other":
        return CheckResult("rounding", reported, recomputed, base + " (within one unit in last digit)" + (
            alt if others_exact else ""), name, extra)
    return CheckResult("discrepancy", reported, recomputed, base + alt, name, extra)


def clopper_pearson_check(
    count: Any, n: Any, printed_lower: Any, printed_upper: Any,
    decimals: int | None = None, level: Any = 95,
) -> CheckResult:
    """Compare a printed CI (percent) with the exact Clopper-Pearson interval.

    Shorthand for ``binomial_ci_check(..., method="clopper_pearson")``; see
    :func:`binomial_ci_check` for parameters and status semantics.  When the CI
    is not Clopper-Pearson, the detail says whether Wilson, Wilson with
    continuity correction, Wald, ... would reproduce it.

    Examples
    --------
    >>> clopper_pearson_check(11, 68, "8.4", "27.1").status
    'consistent'
    """
    return binomial_ci_check(count, n, printed_lower, printed_upper, decimals, "clopper_pearson", level)


# --------------------------------------------------------------------------
# Sums and maturity
# --------------------------------------------------------------------------


def sum_check(
    parts: Mapping[str, Any],
    total: Any,
    what: str = "",
    rounded: bool = False,
    exact_total: bool = False,
) -> CheckResult:
    """Do the parts add up to the printed total?

    Parameters
    ----------
    parts : Mapping[str, number]
        Named parts as printed, e.g. ``{"CR": 0, "PR": 11, "SD": 41, ...}``.
    total : number
        Printed total (N, a grade-band total, 100 for percentages).
    what : str, optional
        Short label for the detail, e.g. ``"best response, evaluable"``.
    rounded : bool, default False
        False for counts (exact equality required).  True for rounded values
        such as percentages: each printed value is an interval of +/- half a
        unit in its last digit, and a sum that misses exactly but fits inside
        the summed intervals is ``rounding``.
    exact_total : bool, default False
        With ``rounded=True``: the total is exact, not rounded (e.g. 100 for
        percentages that must add to 100), so it adds no tolerance.

    Returns
    -------
    CheckResult
        ``consistent`` if the sum equals the total exactly; ``rounding`` (only
        with ``rounded=True``) if it agrees within accumulated rounding;
        ``discrepancy`` otherwise; ``not_checkable`` if a part or the total is
        missing (a missing part is not treated as zero).
    """
    name = "sum_check"
    label = f"{what}: " if what else ""
    vals: dict[str, Decimal] = {}
    missing = []
    for k, v in parts.items():
        d, why = _parse(v)
        if d is None:
            missing.append(f"{k} {why}")
        else:
            vals[k] = d
    t, why_t = _parse(total)
    reported = _txt(total, t) if t is not None else ""
    if missing:
        return _nc(name, f"{label}part(s) {', '.join(missing)}", reported)
    if t is None:
        return _nc(name, f"{label}total {why_t}", reported)
    if not vals:
        return _nc(name, f"{label}no parts", reported)
    s = sum(vals.values(), Decimal(0))
    terms = "+".join(vals)
    nums = "+".join(_txt(parts[k], vals[k]) for k in vals)
    detail = f"{label}{terms} = {nums} = {_f(s)} vs printed total {reported}"
    if s == t:
        return CheckResult("consistent", reported, _f(s), detail, name)
    if rounded:
        tol = sum((_half(_dec(d)) for d in vals.values()), Decimal(0))
        if not exact_total:
            tol += _half(_dec(t))
        if abs(s - t) <= tol:
            return CheckResult("rounding", reported, _f(s),
                               f"{detail} (within rounding tolerance {_f(tol)})", name)
    return CheckResult("discrepancy", reported, _f(s), f"{detail} (off by {_f(s - t)})", name)


def events_vs_maturity(
    events: Any,
    n: Any,
    printed_percent: Any = None,
    decimals: int | None = None,
    median_reached: bool | None = None,
) -> CheckResult:
    """Check an event count against n, its printed maturity and the median.

    Parameters
    ----------
    events, n : int
        Number of events (progressions/deaths) and patients at risk.
    printed_percent : str or float, optional
        Printed maturity, e.g. ``"58.3"`` from "42 events (58.3%)".
    decimals : int, optional
        Printed decimals of ``printed_percent``.
    median_reached : bool, optional
        Whether the paper gives a reached median for this endpoint.  Used for
        the Kaplan-Meier bound: KM puts at least ``1/n`` of mass on every event
        (censored mass only moves right), so ``S(t) <= 1 - events/n`` and a
        median *not* reached with ``events >= n/2`` is impossible.  (The
        converse is not checked: a median can be reached with fewer than n/2
        events when censoring is heavy.)

    Returns
    -------
    CheckResult
        ``discrepancy`` if events > n, if the median is said not reached
        although ``events >= n/2``, or if the printed percent is not
        ``events/n`` (then as :func:`percent_from_count`, including
        ``rounding``); ``consistent`` otherwise; ``not_checkable`` if events or
        n is missing.
    """
    name = "events_vs_maturity"
    e, why_e = _as_count(events, "events")
    m, why_n = _as_count(n, "n")
    reported = f"{events} events" if e is not None else ""
    if why_e or why_n:
        return _nc(name, why_e or why_n, reported)
    if m == 0:
        return _nc(name, "n is 0", reported)
    frac = _f(round_to(Fraction(100 * e, m), 1))
    if e > m:
        return CheckResult("discrepancy", reported, f"{e}/{m}", f"events {e} exceed n {m}", name)
    if median_reached is False and 2 * e >= m:
        return CheckResult(
            "discrepancy", reported, f"{e}/{m} = {frac}%",
            f"median printed as not reached but {e}/{m} = {frac}% >= 50% had events "
            f"(KM survival <= 1 - events/n)", name,
        )
    p, _ = _parse(printed_percent)
    if p is None:
        extra = "" if median_reached is None else f", median {'reached' if median_reached else 'not reached'}"
        return CheckResult("consistent", reported, f"{e}/{m} = {frac}%",
                           f"events {e} <= n {m} ({frac}% mature{extra}); no printed maturity", name)
    r = percent_from_count(e, m, printed_percent, decimals)
    return CheckResult(r.status, f"{e} events ({r.reported})", r.recomputed, "maturity " + r.detail, name)


# --------------------------------------------------------------------------
# Interval arithmetic on printed values
# --------------------------------------------------------------------------


def _box(d: Decimal, decimals: int | None = None) -> tuple[Decimal, Decimal]:
    """Interval of true values that print as ``d``: +/- half a unit in the last digit."""
    h = _half(_dec(d, decimals))
    return d - h, d + h


def _parse_triple(check: str, est: Any, lower: Any, upper: Any, names=("estimate", "lower", "upper")):
    vals = []
    for label, x in zip(names, (est, lower, upper)):
        d, why = _parse(x)
        if d is None:
            return None, _nc(check, f"{label} {why}")
        vals.append(d)
    return vals, None


def median_ci_shape(median: Any, lower: Any, upper: Any, decimals: int | None = None) -> CheckResult:
    """Classify the symmetry of a printed median-survival CI.

    Parameters
    ----------
    median, lower, upper : str or float
        Printed median and CI bounds (months).  "NR"/None/NaN -> missing.
    decimals : int, optional
        Printed decimals for all three values; otherwise read from each.

    Returns
    -------
    CheckResult
        ``recomputed`` / ``extra["shape"]`` is one of:

        ``"linear"``  symmetric on the linear scale, ``median - lower ==
        upper - median`` for some true values within printed precision (the
        SPSS-style ``median +/- 1.96 SE`` interval);
        ``"log"``  symmetric on the log scale, ``median**2 == lower * upper``
        within printed precision (a log-transformed SE interval);
        ``"both"``  narrow CIs can be both;
        ``"neither"``  asymmetric, as Brookmeyer-Crowley KM intervals
        generally are.

        The shape is information, not an error: status is ``consistent`` for
        every shape when ``lower <= median <= upper``, ``discrepancy`` if the
        median lies outside its CI, ``not_checkable`` if any value is missing.

    Notes
    -----
    "Within printed precision" is interval arithmetic: each printed value is
    ``[v - h, v + h]`` with ``h`` half a unit in its last printed digit; the
    shape holds if the relation is satisfiable inside that box.  The linear
    test is on ``2*median - lower - upper`` (exact in Decimal); the log test
    compares the intervals of ``median**2`` and ``lower*upper`` (also exact,
    no logarithms needed).
    """
    name = "median_ci_shape"
    vals, bad = _parse_triple(name, median, lower, upper, ("median", "lower bound", "upper bound"))
    if bad:
        return bad
    m, lo, hi = vals
    reported = f"{_txt(median, m)} ({_txt(lower, lo)}-{_txt(upper, hi)})"
    if not lo <= m <= hi:
        return CheckResult("discrepancy", reported, "median outside CI",
                           f"median {_txt(median, m)} outside its CI {_txt(lower, lo)}-{_txt(upper, hi)}", name)
    hm, hl, hu = (_half(_dec(d, decimals)) for d in (m, lo, hi))
    gap = 2 * m - lo - hi  # = (m - lo) - (hi - m)
    linear = abs(gap) <= 2 * hm + hl + hu
    m_lo, m_hi = max(m - hm, Decimal(0)), m + hm
    l_lo, l_hi = max(lo - hl, Decimal(0)), lo + hl
    u_lo, u_hi = hi - hu, hi + hu
    log_ok = lo > 0 and m > 0
    log = log_ok and not (m_hi * m_hi < l_lo * u_lo or m_lo * m_lo > l_hi * u_hi)
    shape = "both" if linear and log else "linear" if linear else "log" if log else "neither"
    gm = Decimal(math.sqrt(float(lo * hi))) if log_ok else None
    parts = [f"median-lower = {_f(m - lo)}, upper-median = {_f(hi - m)}"]
    if gm is not None:
        parts.append(f"sqrt(lower*upper) = {_f(gm, _dec(m, decimals) + 2)}")
    explain = {
        "linear": "symmetric on linear scale (SPSS-style median +/- z*SE)",
        "log": "symmetric on log scale",
        "both": "symmetric on both scales within printed precision (narrow CI)",
        "neither": "asymmetric on both scales (usual for Brookmeyer-Crowley KM CIs; not an error)",
    }[shape]
    detail = f"{reported}: {'; '.join(parts)} -> {shape}: {explain}"
    return CheckResult("consistent", reported, shape, detail, name,
                       {"shape": shape, "linear_gap": gap, "log_possible": log_ok})


def hr_midpoint_check(hr: Any, lower: Any, upper: Any, decimals: int | None = None) -> CheckResult:
    """Check a ratio estimate against the geometric midpoint of its CI.

    A Wald CI on the log scale (Cox HR, logistic OR) is symmetric around
    ``log(HR)``, so ``HR == sqrt(lower * upper)``.

    Parameters
    ----------
    hr, lower, upper : str or float
        Printed estimate and CI bounds (HR, OR or RR).
    decimals : int, optional
        Printed decimals for all three; otherwise read from each.

    Returns
    -------
    CheckResult
        ``consistent`` if ``hr**2 == lower*upper`` is satisfiable with every
        value inside its printed-precision interval; ``rounding`` if it is
        satisfiable once the estimate is allowed one more unit in its last
        digit; ``discrepancy`` otherwise or if the estimate lies outside its
        CI; ``not_checkable`` if a value is missing or not positive.
    """
    name = "hr_midpoint_check"
    vals, bad = _parse_triple(name, hr, lower, upper)
    if bad:
        return bad
    e, lo, hi = vals
    reported = f"{_txt(hr, e)} ({_txt(lower, lo)}-{_txt(upper, hi)})"
    if min(e, lo, hi) <= 0:
        return _nc(name, "ratio estimate and bounds must be positive", reported)
    de = _dec(e, decimals)
    gm = math.sqrt(float(lo) * float(hi))
    recomputed = f"sqrt(L*U) = {_f(gm, de + 2)}"
    detail = f"printed {_txt(hr, e)} vs sqrt({_txt(lower, lo)}*{_txt(upper, hi)}) = {_f(gm, de + 2)} -> {_f(round_to(gm, de))}"
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, recomputed, f"estimate outside its CI; {detail}", name)
    l_lo, l_hi = _box(lo, decimals)
    u_lo, u_hi = _box(hi, decimals)
    p_lo, p_hi = max(l_lo, Decimal(0)) * u_lo, l_hi * u_hi

    def fits(extra_units: int) -> bool:
        h = _half(de) + extra_units * _unit(de)
        a, b = max(e - h, Decimal(0)), e + h
        return not (b * b < p_lo or a * a > p_hi)

    if fits(0):
        return CheckResult("consistent", reported, recomputed, detail, name)
    if fits(1):
        return CheckResult("rounding", reported, recomputed, detail + " (one unit off in last digit)", name)
    return CheckResult("discrepancy", reported, recomputed, detail + " (CI not symmetric on log scale around estimate)", name)


# --------------------------------------------------------------------------
# p value from a CI
# --------------------------------------------------------------------------


def _z_level(level: float) -> float:
    return float(D.norm_ppf(1 - (1 - level / 100) / 2))


def implied_p_from_ci(estimate: float, lower: float, upper: float, ratio: bool = True, level: float = 95) -> float:
    """Two-sided p value implied by an estimate and its CI (Altman & Bland 2011).

    ``SE = (ln U - ln L) / (2 z)``, ``z = ln(est) / SE`` for ratios (``U - L``
    and ``est`` for differences), ``p = 2 * (1 - Phi(|z|))`` with the exact
    normal tail rather than Altman & Bland's ``exp(-0.717 z - 0.416 z^2)``
    approximation.

    Parameters
    ----------
    estimate, lower, upper : float
        Estimate and CI bounds (positive when ``ratio``).
    ratio : bool, default True
        Ratio measure (HR/OR/RR, null 1, log scale) or difference (null 0).
    level : float, default 95
        CI level in percent.

    Returns
    -------
    float
        Implied p value.
    """
    zc = _z_level(level)
    if ratio:
        se = (math.log(upper) - math.log(lower)) / (2 * zc)
        z = math.log(estimate) / se
    else:
        se = (upper - lower) / (2 * zc)
        z = estimate / se
    return float(2 * D.norm_sf(abs(z)))


_P_RELATIONS = {"=": "=", "==": "=", "<": "<", "<=": "<", "\u2264": "<", ">": ">", ">=": ">", "\u2265": ">"}


def p_from_ci_check(
    estimate: Any,
    lower: Any,
    upper: Any,
    printed_p: Any,
    p_relation: Any = "=",
    ratio: bool = True,
    level: Any = 95,
    factor: float = 2.0,
) -> CheckResult:
    """Check a printed p value against the one implied by the estimate's CI.

    Parameters
    ----------
    estimate, lower, upper : str or float
        Printed estimate and CI bounds.
    printed_p : str or float
        Printed p value (``"0.012"``; ``"<0.001"`` also sets the relation).
    p_relation : {"=", "<", ">"}, default "="
        How the p value was printed ("P<0.001" -> ``"<"``); missing -> ``"="``.
    ratio : bool, default True
        True for HR/OR/RR (null 1, log scale), False for differences (null 0).
    level : float, default 95
        CI level in percent (missing -> 95).  Its alpha (0.05) is the
        significance threshold for the direction rule below.
    factor : float, default 2.0
        Relative tolerance for the p value itself (see Notes).

    Returns
    -------
    CheckResult
        ``discrepancy`` if the estimate is outside its CI, if the CI excludes
        the null while the printed p is above alpha, if the CI contains the
        null strictly inside while the printed p is below alpha, or if the
        printed p disagrees with the implied p beyond ``factor``;
        ``consistent`` otherwise; ``not_checkable`` if anything is missing or a
        ratio value is not positive.  ``rounding`` is not used.

    Notes
    -----
    Agreement is defined as follows.  The implied p is computed at every
    corner of the printed-precision box of (estimate, lower, upper) (|z| is
    monotone in each of them), giving a range ``[p_min, p_max]``; the printed
    ``p = v`` is the interval ``v +/- half a unit`` in its last digit.  The two
    are consistent when the printed interval overlaps
    ``[p_min / factor, p_max * factor]``.  The factor absorbs the fact that a
    paper's p usually comes from another test (log-rank, likelihood ratio,
    Fisher) than the Wald CI: Altman & Bland's back-calculation is an
    approximation, so exact agreement is not expected.  For ``p < b``
    consistency needs ``p_min < b * factor``; for ``p > b``,
    ``p_max > b / factor``.  ``extra["within_rounding"]`` tells whether the
    printed p agrees without the factor.  A CI bound printed exactly at the
    null (e.g. ``1.00``) counts as neither excluding nor including it.
    """
    name = "p_from_ci_check"
    vals, bad = _parse_triple(name, estimate, lower, upper)
    if bad:
        return bad
    e, lo, hi = vals
    est_txt = f"{_txt(estimate, e)} ({_txt(lower, lo)}-{_txt(upper, hi)})"
    p, why_p = _parse(printed_p)
    if p is None:
        return _nc(name, f"printed p {why_p}", "", est_txt)
    rel_raw = _relation_of(printed_p) or (None if _is_missing_scalar(p_relation) else str(p_relation).strip())
    rel = _P_RELATIONS.get(rel_raw or "=")
    if rel is None:
        return _nc(name, f"unknown p relation {rel_raw!r}")
    reported = f"p{rel}{_txt(printed_p, p)}" if rel != "=" else f"p={_txt(printed_p, p)}"
    lev, _ = _parse(level)
    lev_f = float(lev) if lev is not None else 95.0
    alpha = Decimal(str(round(1 - lev_f / 100, 10)))
    null = Decimal(1) if ratio else Decimal(0)
    if ratio and min(e, lo, hi) <= 0:
        return _nc(name, "ratio estimate and bounds must be positive", reported)
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, "", f"estimate outside its CI {est_txt}", name)
    if lo == hi:
        return _nc(name, "CI has zero width", reported)

    # Range of implied p over the printed-precision box.
    boxes = [_box(d) for d in (e, lo, hi)]
    if ratio:
        tiny = Decimal("1e-12")  # a bound printed as 0.00 would have log(-inf)
        boxes = [(max(a, tiny), b) for a, b in boxes]
    ps = []
    for ee in boxes[0]:
        for ll in boxes[1]:
            for uu in boxes[2]:
                if uu > ll:
                    ps.append(implied_p_from_ci(float(ee), float(ll), float(uu), ratio, lev_f))
    p_point = implied_p_from_ci(float(e), float(lo), float(hi), ratio, lev_f)
    p_min = min(ps + [p_point])
    p_max = 1.0 if boxes[0][0] <= null <= boxes[0][1] else max(ps + [p_point])
    recomputed = f"p={p_point:.2g}"
    rng = f"{p_min:.2g}-{p_max:.2g}"
    head = f"printed {reported} vs implied p={p_point:.2g} (range {rng} at printed precision) from {est_txt}"

    excludes = lo > null or hi < null
    includes = lo < null < hi
    if excludes and ((rel == "=" and p > alpha) or (rel == ">" and p >= alpha)):
        return CheckResult("discrepancy", reported, recomputed,
                           f"{head}: CI excludes {null} but p > {alpha}", name, {"within_rounding": False})
    if includes and ((rel == "=" and p < alpha) or (rel == "<" and p <= alpha)):
        return CheckResult("discrepancy", reported, recomputed,
                           f"{head}: CI includes {null} but p < {alpha}", name, {"within_rounding": False})

    h = float(_half(_dec(p)))
    pv = float(p)
    if rel == "=":
        a, b = max(pv - h, 0.0), pv + h
        exact = not (b < p_min or a > p_max)
        ok = not (b < p_min / factor or a > p_max * factor)
    elif rel == "<":
        exact = p_min < pv
        ok = p_min < pv * factor
    else:
        exact = p_max > pv
        ok = p_max > pv / factor
    extra = {"within_rounding": exact, "p_implied": p_point, "p_min": p_min, "p_max": p_max}
    if exact:
        return CheckResult("consistent", reported, recomputed, f"{head}: agrees within rounding", name, extra)
    if ok:
        return CheckResult("consistent", reported, recomputed,
                           f"{head}: agrees within factor {factor:g} (test/approximation difference)", name, extra)
    return CheckResult("discrepancy", reported, recomputed,
                       f"{head}: differs by more than factor {factor:g}", name, extra)


# --------------------------------------------------------------------------
# Cross-row checks
# --------------------------------------------------------------------------

_DEFAULT_LABEL_KEYS = ("study_id", "population", "endpoint", "factor", "level", "reference", "measure")
_DEFAULT_VALUE_KEYS = ("estimate", "ci_lower", "ci_upper")


def duplicate_pairs(
    rows: Iterable[Mapping[str, Any]],
    label_keys: Sequence[str] = _DEFAULT_LABEL_KEYS,
    value_keys: Sequence[str] = _DEFAULT_VALUE_KEYS,
) -> CheckResult:
    """Find identical (estimate, lower, upper) triples on different comparisons.

    The same comparison repeated in abstract, results and a table legitimately
    carries the same triple; an identical triple on *different* comparisons
    (another subgroup, endpoint or treatment pair) is a likely copy-paste
    error.

    Parameters
    ----------
    rows : iterable of Mapping
        E.g. ``effects_df.to_dict("records")``.
    label_keys : sequence of str
        Columns identifying a comparison (absent keys read as empty); default
        ``study_id, population, endpoint, factor, level, reference, measure``.
    value_keys : sequence of str
        Columns of the triple; default ``estimate, ci_lower, ci_upper``.
        Compared numerically at printed value (``0.50 == 0.5``).

    Returns
    -------
    CheckResult
        ``discrepancy`` naming each duplicated triple and its comparisons
        (``extra["groups"]``: tuple of ``(triple, labels)``), ``consistent`` if
        none, ``not_checkable`` if no row has a complete triple.  Rows with a
        missing value are skipped (counted in the detail).
    """
    name = "duplicate_pairs"
    seen: dict[tuple[Decimal, ...], dict[str, str]] = {}
    skipped = 0
    n_rows = 0
    for row in rows:
        vals = []
        for k in value_keys:
            d, _ = _parse(row.get(k))
            vals.append(d)
        if any(v is None for v in vals):
            skipped += 1
            continue
        n_rows += 1
        # Normalize so 0.50 and 0.5 collide but labels keep the printed text.
        key = tuple(v.normalize() for v in vals)
        label = " ".join(str(row.get(k)) for k in label_keys
                         if not _is_missing_scalar(row.get(k)))
        triple = f"{_txt(row.get(value_keys[0]), vals[0])} ({_txt(row.get(value_keys[1]), vals[1])}-" \
                 f"{_txt(row.get(value_keys[2]), vals[2])})"
        seen.setdefault(key, {}).setdefault(label, triple)
    skip_txt = f"; {skipped} incomplete row(s) skipped" if skipped else ""
    if n_rows == 0:
        return _nc(name, f"no row with a complete {'/'.join(value_keys)}{skip_txt}")
    groups = tuple((next(iter(labels.values())), tuple(labels)) for labels in seen.values() if len(labels) > 1)
    if not groups:
        return CheckResult("consistent", f"{n_rows} rows", "no duplicates",
                           f"{len(seen)} distinct triples over {n_rows} rows, none shared by different comparisons"
                           f"{skip_txt}", name, {"groups": ()})
    text = "; ".join(f"{t} for " + " | ".join(labs) for t, labs in groups)
    return CheckResult("discrepancy", f"{n_rows} rows", f"{len(groups)} duplicated triple(s)",
                       f"identical estimate/CI on different comparisons: {text}{skip_txt}", name,
                       {"groups": groups})


def same_quantity_across_locations(values: Sequence[tuple[str, Any]]) -> CheckResult:
    """Is one quantity printed identically everywhere it appears?

    Parameters
    ----------
    values : sequence of (location, printed)
        E.g. ``[("abstract", "16.2"), ("results", "16.2"), ("table_2", "16.3")]``.
        Missing values are skipped (named in the detail).

    Returns
    -------
    CheckResult
        ``consistent`` if all values are numerically equal; ``rounding`` if
        they differ only by printed precision (e.g. ``16`` vs ``16.2``: the
        printed-precision intervals share a value and values printed with the
        same number of decimals are identical); ``discrepancy`` otherwise,
        naming locations and values; ``not_checkable`` if fewer than two
        values are present.
    """
    name = "same_quantity_across_locations"
    present: list[tuple[str, Decimal, str]] = []
    missing = []
    for loc, x in values:
        d, _ = _parse(x)
        if d is None:
            missing.append(str(loc))
        else:
            present.append((str(loc), d, _txt(x, d)))
    listing = ", ".join(f"{loc} {t}" for loc, _, t in present)
    miss_txt = f" (missing at {', '.join(missing)})" if missing else ""
    if len(present) < 2:
        return _nc(name, f"fewer than two printed values: {listing or 'none'}{miss_txt}", listing)
    nums = {d for _, d, _ in present}
    if len(nums) == 1:
        return CheckResult("consistent", listing, _f(present[0][1]), f"all equal: {listing}{miss_txt}", name)
    by_dp: dict[int, set[Decimal]] = {}
    for _, d, _ in present:
        by_dp.setdefault(_dec(d), set()).add(d)
    same_precision_clash = any(len(s) > 1 for s in by_dp.values())
    lo = max(d - _half(_dec(d)) for _, d, _ in present)
    hi = min(d + _half(_dec(d)) for _, d, _ in present)
    if not same_precision_clash and lo <= hi:
        return CheckResult("rounding", listing, "differ only in printed precision",
                           f"differ only in printed precision: {listing}{miss_txt}", name)
    return CheckResult("discrepancy", listing, "values differ", f"values differ: {listing}{miss_txt}", name)


def ranking_order_check(
    stated_order: Sequence[str], values: Mapping[str, Any], higher_is_better: bool = True
) -> CheckResult:
    """Does a stated ranking follow the numbers it is based on?

    Parameters
    ----------
    stated_order : sequence of str
        Names in the order the paper ranks them, best first.
    values : Mapping[str, number]
        The numbers per name (SUCRA, probability best, ORR, HR vs common
        comparator, ...).
    higher_is_better : bool, default True
        True for SUCRA/ORR, False for e.g. HR vs placebo.

    Returns
    -------
    CheckResult
        ``discrepancy`` if some name is ranked above one with a strictly
        better value (adjacent violations listed); ``consistent`` otherwise
        (ties are allowed and mentioned); ``not_checkable`` if fewer than two
        ranked names have values or a name is ranked twice.  Ranked names
        without a value are skipped and named in the detail.
    """
    name = "ranking_order_check"
    if len(set(stated_order)) != len(stated_order):
        return _nc(name, "a name appears twice in the stated order")
    ranked = []
    missing = []
    for nm in stated_order:
        d, _ = _parse(values.get(nm))
        if d is None:
            missing.append(nm)
        else:
            ranked.append((nm, d, _txt(values.get(nm), d)))
    reported = " > ".join(stated_order)
    miss_txt = f"; no value for {', '.join(missing)}" if missing else ""
    if len(ranked) < 2:
        return _nc(name, f"fewer than two ranked names with values{miss_txt}", reported)
    sign = 1 if higher_is_better else -1
    by_value = sorted(ranked, key=lambda t: -sign * t[1])  # stable: ties keep stated order
    recomputed = " > ".join(nm for nm, _, _ in by_value)
    listing = ", ".join(f"{nm} {t}" for nm, _, t in ranked)
    direction = "higher" if higher_is_better else "lower"
    bad = [(a, b) for a, b in zip(ranked, ranked[1:]) if sign * (b[1] - a[1]) > 0]
    ties = [(a, b) for a, b in zip(ranked, ranked[1:]) if a[1] == b[1]]
    if bad:
        txt = "; ".join(f"{a[0]} ({a[2]}) ranked above {b[0]} ({b[2]})" for a, b in bad)
        return CheckResult("discrepancy", reported, recomputed,
                           f"stated order contradicts values ({direction} is better): {txt}{miss_txt}", name,
                           {"violations": tuple((a[0], b[0]) for a, b in bad)})
    tie_txt = ("; ties: " + ", ".join(f"{a[0]}={b[0]}" for a, b in ties)) if ties else ""
    return CheckResult("consistent", reported, recomputed,
                       f"stated order follows values ({direction} is better): {listing}{tie_txt}{miss_txt}", name,
                       {"violations": ()})
