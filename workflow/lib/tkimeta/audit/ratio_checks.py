"""Checks of ratio estimates (HR, OR, RR) and their p values: the estimate against
the geometric midpoint of its CI, and a printed p value against the one the CI
implies.

Pure functions on printed values (see :mod:`.printed`), each returning a
:class:`~.result.CheckResult`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ..stats import distributions as D
from .printed import (
    decimal_places,
    half_unit,
    is_missing,
    last_unit,
    parse_printed,
    parse_triple,
    plain,
    precision_box,
    printed_text,
    relation_of,
    round_to,
)
from .result import CheckResult, not_checkable

__all__ = ["hr_midpoint_check", "implied_p_from_ci", "p_from_ci_check"]


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
    vals, bad = parse_triple(name, hr, lower, upper)
    if bad:
        return bad
    e, lo, hi = vals
    reported = f"{printed_text(hr, e)} ({printed_text(lower, lo)}-{printed_text(upper, hi)})"
    if min(e, lo, hi) <= 0:
        return not_checkable(name, "ratio estimate and bounds must be positive", reported)
    de = decimal_places(e, decimals)
    gm = math.sqrt(float(lo) * float(hi))
    recomputed = f"sqrt(L*U) = {plain(gm, de + 2)}"
    detail = f"printed {printed_text(hr, e)} vs sqrt({printed_text(lower, lo)}*{printed_text(upper, hi)}) = {plain(gm, de + 2)} -> {plain(round_to(gm, de))}"
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, recomputed, f"estimate outside its CI; {detail}", name)
    l_lo, l_hi = precision_box(lo, decimals)
    u_lo, u_hi = precision_box(hi, decimals)
    p_lo, p_hi = max(l_lo, Decimal(0)) * u_lo, l_hi * u_hi

    def fits(extra_units: int) -> bool:
        h = half_unit(de) + extra_units * last_unit(de)
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


def implied_p_from_ci(estimate: float, lower: float, upper: float, ratio: bool = True, level: float = 0.95) -> float:
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
    level : float, default 0.95
        CI level, a fraction.

    Returns
    -------
    float
        Implied p value.
    """
    zc = D.critical_value(level)
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
    level: float = 0.95,
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
    level : float, default 0.95
        CI level, a fraction (a raw table's printed "95" is read by
        :func:`tkimeta.clean.ci_level_fraction`).  Its alpha (0.05) is the
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
    vals, bad = parse_triple(name, estimate, lower, upper)
    if bad:
        return bad
    e, lo, hi = vals
    est_txt = f"{printed_text(estimate, e)} ({printed_text(lower, lo)}-{printed_text(upper, hi)})"
    p, why_p = parse_printed(printed_p)
    if p is None:
        return not_checkable(name, f"printed p {why_p}", "", est_txt)
    rel_raw = relation_of(printed_p) or (None if is_missing(p_relation) else str(p_relation).strip())
    rel = _P_RELATIONS.get(rel_raw or "=")
    if rel is None:
        return not_checkable(name, f"unknown p relation {rel_raw!r}")
    reported = f"p{rel}{printed_text(printed_p, p)}" if rel != "=" else f"p={printed_text(printed_p, p)}"
    level = D.check_level(level)
    alpha = Decimal(str(round(1 - level, 10)))
    null = Decimal(1) if ratio else Decimal(0)
    if ratio and min(e, lo, hi) <= 0:
        return not_checkable(name, "ratio estimate and bounds must be positive", reported)
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, "", f"estimate outside its CI {est_txt}", name)
    if lo == hi:
        return not_checkable(name, "CI has zero width", reported)

    # Range of implied p over the printed-precision box.
    boxes = [precision_box(d) for d in (e, lo, hi)]
    if ratio:
        tiny = Decimal("1e-12")  # a bound printed as 0.00 would have log(-inf)
        boxes = [(max(a, tiny), b) for a, b in boxes]
    ps = []
    for ee in boxes[0]:
        for ll in boxes[1]:
            for uu in boxes[2]:
                if uu > ll:
                    ps.append(implied_p_from_ci(float(ee), float(ll), float(uu), ratio, level))
    p_point = implied_p_from_ci(float(e), float(lo), float(hi), ratio, level)
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

    h = float(half_unit(decimal_places(p)))
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
