"""Checks of counts and percentages: a percentage against its count, GRIM, which
denominator a percentage uses, binomial confidence intervals, parts adding up to
a total.

Pure functions on printed values (see :mod:`.printed`), each returning a
:class:`~.result.CheckResult`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..stats import distributions as D
from ..stats import proportions as prop
from .printed import (
    OTHER_MODES,
    STANDARD_MODES,
    decimal_places,
    half_unit,
    parse_count,
    parse_printed,
    plain,
    printed_text,
    round_to,
    rounding_tier,
)
from .result import CheckResult, not_checkable

__all__ = [
    "CI_METHODS",
    "percent_from_count",
    "grim_candidates",
    "grim_percent",
    "which_denominator",
    "binomial_ci",
    "binomial_ci_check",
    "clopper_pearson_check",
    "sum_check",
]

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
    c, why_c = parse_count(count, "count")
    m, why_n = parse_count(n, "n")
    p, why_p = parse_printed(printed_percent)
    reported = printed_text(printed_percent, p) + "%" if p is not None else ""
    for why in (why_c, why_n):
        if why:
            return not_checkable(name, why, reported)
    if p is None:
        return not_checkable(name, f"printed percent {why_p}", reported)
    if m == 0:
        return not_checkable(name, "n is 0", reported)
    dp = decimal_places(p, decimals)
    exact = Fraction(100 * c, m)
    shown = plain(round_to(exact, dp + 2))
    recomputed = f"{c}/{m} = {shown}%"
    if c > m:
        return CheckResult(
            "discrepancy", reported, recomputed,
            f"count {c} exceeds n {m} (printed {printed_text(printed_percent, p)}%)", name,
        )
    std = round_to(exact, dp, "half_up")
    tier = rounding_tier(exact, p, dp)
    base = f"printed {printed_text(printed_percent, p)}% vs {c}/{m} = {shown}% -> {plain(std)}%"
    if tier == "standard":
        return CheckResult("consistent", reported, recomputed, base, name)
    if tier == "other":
        once = round_to(exact, dp + 1, "half_up")
        if round_to(once, dp, "half_up") == p:
            return CheckResult(
                "rounding", reported, recomputed,
                base + f" (rounded twice: {shown}% -> {plain(once)}% -> {plain(p)}%)", name, {"double_rounding": True},
            )
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
    p, _ = parse_printed(printed_percent)
    m, why = parse_count(n, "n")
    if p is None or why or not m:
        return ()
    dp = decimal_places(p, decimals)
    modes = STANDARD_MODES + (OTHER_MODES if lenient else ())
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
    p, why_p = parse_printed(printed_percent)
    m, why_n = parse_count(n, "n")
    reported = (printed_text(printed_percent, p) + "%") if p is not None else ""
    if p is None:
        return not_checkable(name, f"printed percent {why_p}", reported)
    if why_n:
        return not_checkable(name, why_n, reported)
    if m == 0:
        return not_checkable(name, "n is 0", reported)
    dp = decimal_places(p, decimals)
    strict = grim_candidates(printed_percent, m, dp)
    loose = strict or grim_candidates(printed_percent, m, dp, lenient=True)
    centre = Fraction(p) * m / 100
    nearest = tuple(k for k in (math.floor(centre), math.ceil(centre)) if 0 <= k <= m)
    nearest = tuple(sorted(set(nearest)))

    def show(ks: Iterable[int]) -> str:
        return ", ".join(f"{k}/{m} = {plain(round_to(Fraction(100 * k, m), dp + 2))}%" for k in ks)

    extra = {"candidates": loose, "nearest": nearest}
    if p > 100 or p < 0:
        return CheckResult("discrepancy", reported, "none", f"printed {reported} is outside 0-100", name, extra)
    if strict:
        return CheckResult(
            "consistent", reported, "count " + "/".join(map(str, strict)),
            f"printed {reported} with n={m} possible: {show(strict)}", name, extra,
        )
    twice = [k for k in nearest if round_to(round_to(Fraction(100 * k, m), dp + 1, "half_up"), dp, "half_up") == p]
    if twice:
        k = twice[0]
        return CheckResult(
            "rounding", reported, f"count {k}",
            f"printed {reported} with n={m} possible only by rounding twice: {show([k])} -> "
            f"{plain(round_to(Fraction(100 * k, m), dp + 1, 'half_up'))}% -> {reported}", name,
            {**extra, "double_rounding": True},
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
    p, why_p = parse_printed(printed_percent)
    reported = (printed_text(printed_percent, p) + "%") if p is not None else ""
    if p is None:
        return not_checkable(name, f"printed percent {why_p}", reported)
    c, why_c = parse_count(count, "count")
    use_count = c is not None
    strict: list[str] = []
    loose: list[str] = []
    shown: list[str] = []
    skipped: list[str] = []
    for label, n in candidates.items():
        m, why = parse_count(n, label)
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
        return not_checkable(name, "no usable denominator" + (f" (skipped {', '.join(skipped)})" if skipped else ""),
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


#: The intervals the pooled analysis uses too: computed by :mod:`tkimeta.stats.proportions`.
_SHARED_CI = {"clopper_pearson": prop.clopper_pearson, "wilson": prop.wilson, "wald": prop.wald}


def binomial_ci(count: int, n: int, method: str = "clopper_pearson", level: float = 0.95) -> tuple[float, float]:
    """Two-sided binomial confidence interval for ``count / n``, in percent.

    Parameters
    ----------
    count, n : int
        Successes and trials, ``0 <= count <= n``, ``n > 0``.
    method : str
        One of :data:`CI_METHODS`.  ``clopper_pearson`` (the exact
        beta-quantile interval), ``wilson`` and ``wald`` are those of
        :mod:`tkimeta.stats.proportions`; the others are variants papers print:
        ``wilson_cc`` follows Newcombe (1998) method 4; Wald-type intervals are
        clipped to [0, 100] because papers print them so.
    level : float, default 0.95
        Confidence level, a fraction.

    Returns
    -------
    (float, float)
        Lower and upper bound in percent.
    """
    x, m = int(count), int(n)
    if m <= 0 or not 0 <= x <= m:
        raise ValueError("need n > 0 and 0 <= count <= n")
    if method in _SHARED_CI:
        lo, hi = _SHARED_CI[method](x, m, level)
        return 100 * max(0.0, lo), 100 * min(1.0, hi)
    alpha = 1 - D.check_level(level)
    z = D.critical_value(level)
    p = x / m
    q = 1 - p
    if method == "jeffreys":
        lo = 0.0 if x == 0 else float(D.beta_ppf(alpha / 2, x + 0.5, m - x + 0.5))
        hi = 1.0 if x == m else float(D.beta_ppf(1 - alpha / 2, x + 0.5, m - x + 0.5))
    elif method == "wilson_cc":
        den = 2 * (m + z * z)
        lo = 0.0 if x == 0 else (
            2 * m * p + z * z - 1 - z * math.sqrt(max(0.0, z * z - 2 - 1 / m + 4 * p * (m * q + 1)))) / den
        hi = 1.0 if x == m else (
            2 * m * p + z * z + 1 + z * math.sqrt(max(0.0, z * z + 2 - 1 / m + 4 * p * (m * q - 1)))) / den
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
    tiers = [rounding_tier(b, p, d) for b, p, d in zip(bounds, printed, dps)]
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
    level: float = 0.95,
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
    level : float, default 0.95
        Confidence level, a fraction (a raw table's printed "95" is read by
        :func:`tkimeta.clean.ci_level_fraction`).

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
    c, why_c = parse_count(count, "count")
    m, why_n = parse_count(n, "n")
    lo, why_lo = parse_printed(printed_lower)
    hi, why_hi = parse_printed(printed_upper)
    reported = (f"{printed_text(printed_lower, lo)}-{printed_text(printed_upper, hi)}%" if lo is not None and hi is not None else "")
    for why in (why_c, why_n):
        if why:
            return not_checkable(name, why, reported)
    if lo is None or hi is None:
        return not_checkable(name, "CI bound " + (why_lo or why_hi), reported)
    if m == 0:
        return not_checkable(name, "n is 0", reported)
    if c > m:
        return CheckResult("discrepancy", reported, "", f"count {c} exceeds n {m}", name)
    level = D.check_level(level)
    dps = (decimal_places(lo, decimals), decimal_places(hi, decimals))
    printed = (lo, hi)
    tiers = {}
    bounds = {}
    for meth in CI_METHODS:
        bounds[meth] = binomial_ci(c, m, meth, level)
        tiers[meth] = _ci_tier(bounds[meth], printed, dps)
    b = bounds[method]
    shown = f"{plain(b[0], dps[0] + 2)}-{plain(b[1], dps[1] + 2)}%"
    recomputed = f"{_CI_LABELS[method]} {shown}"
    rounded = f"{plain(round_to(b[0], dps[0]))}-{plain(round_to(b[1], dps[1]))}%"
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
    decimals: int | None = None, level: float = 0.95,
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
# Parts and totals
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
        d, why = parse_printed(v)
        if d is None:
            missing.append(f"{k} {why}")
        else:
            vals[k] = d
    t, why_t = parse_printed(total)
    reported = printed_text(total, t) if t is not None else ""
    if missing:
        return not_checkable(name, f"{label}part(s) {', '.join(missing)}", reported)
    if t is None:
        return not_checkable(name, f"{label}total {why_t}", reported)
    if not vals:
        return not_checkable(name, f"{label}no parts", reported)
    s = sum(vals.values(), Decimal(0))
    terms = "+".join(vals)
    nums = "+".join(printed_text(parts[k], vals[k]) for k in vals)
    detail = f"{label}{terms} = {nums} = {plain(s)} vs printed total {reported}"
    if s == t:
        return CheckResult("consistent", reported, plain(s), detail, name)
    if rounded:
        tol = sum((half_unit(decimal_places(d)) for d in vals.values()), Decimal(0))
        if not exact_total:
            tol += half_unit(decimal_places(t))
        if abs(s - t) <= tol:
            return CheckResult("rounding", reported, plain(s),
                               f"{detail} (within rounding tolerance {plain(tol)})", name)
    return CheckResult("discrepancy", reported, plain(s), f"{detail} (off by {plain(s - t)})", name)
