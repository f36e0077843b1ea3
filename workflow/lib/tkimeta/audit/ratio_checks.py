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

__all__ = ["TEST_ALLOWANCE", "hr_midpoint_check", "implied_p_from_ci", "p_from_ci_check"]


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

#: Allowance on the z scale between the Wald statistic a CI implies and the statistic
#: behind a printed p (log-rank / score / likelihood ratio); derived in
#: :func:`p_from_ci_check`.
TEST_ALLOWANCE = 1.10


def _z_of_p(p: float) -> float:
    """|z| whose two-sided normal p value is ``p`` (``inf`` for p = 0)."""
    if p <= 0:
        return math.inf
    if p >= 1:
        return 0.0
    return float(D.norm_isf(p / 2))


def _z_from_ci(estimate: float, lower: float, upper: float, ratio: bool, level: float) -> float:
    """|z| of the Wald test implied by an estimate and its CI."""
    zc = D.critical_value(level)
    if ratio:
        se = (math.log(upper) - math.log(lower)) / (2 * zc)
        return abs(math.log(estimate)) / se
    return abs(estimate) / ((upper - lower) / (2 * zc))


def p_from_ci_check(
    estimate: Any,
    lower: Any,
    upper: Any,
    printed_p: Any,
    p_relation: Any = "=",
    ratio: bool = True,
    level: float = 0.95,
    allowance: float = TEST_ALLOWANCE,
) -> CheckResult:
    """Check a printed p value against the one implied by the estimate's CI, on the z scale.

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
        CI level, a fraction.  Its alpha (0.05) is the significance threshold.
    allowance : float, default :data:`TEST_ALLOWANCE` (1.10)
        Largest ratio accepted between the |z| of the printed p and the |z| of the
        CI, beyond what rounding allows (see Notes).

    Returns
    -------
    CheckResult
        ``discrepancy`` if the estimate is outside its CI, if the CI and the printed p
        disagree about significance at alpha (``extra["significance_disagrees"]``), or
        if the two |z| intervals are further apart than ``allowance``; ``consistent``
        otherwise (``extra["within_rounding"]`` says whether rounding alone explains
        the difference, ``extra["z_ratio"]`` how far apart the two are when it does
        not); ``not_checkable`` if anything is missing or a ratio value is not
        positive.  ``rounding`` is not used.

    Notes
    -----
    *What rounding permits.*  A printed value ``v`` with last digit unit ``u`` stands
    for some true value in ``[v - u/2, v + u/2]``.  The CI implies the Wald statistic
    ``|z_ci| = |ln E| / SE`` with ``SE = (ln U - ln L) / (2 z_{1-alpha/2})``; |z_ci| is
    monotone in each of E, L, U, so over the precision box of the three printed
    numbers it spans ``[z_ci_min, z_ci_max]`` (evaluated at the box's corners).  A
    printed ``p = v`` stands for ``[v - u/2, v + u/2]``, i.e. ``|z_p|`` in
    ``[Phi^-1(1 - (v + u/2)/2), Phi^-1(1 - (v - u/2)/2)]``; ``p < b`` means
    ``|z_p| > Phi^-1(1 - b/2)`` and ``p > b`` means ``|z_p| < Phi^-1(1 - b/2)`` (b is a
    threshold, not rounded).  The two agree *within rounding* when these intervals
    overlap.

    *What a different test permits.*  A paper's p usually comes from a log-rank (score)
    or likelihood-ratio test, its CI from a Wald interval of the same model.  The
    three statistics estimate the same standardised effect and differ only through
    the information used: for two groups with ``D`` events and hazard ratio ``h``
    (equal exposure), the Wald statistic is ``|ln h| / sqrt(1/D1 + 1/D2)`` with
    ``D1 = D h / (1 + h)``, the log-rank statistic ``|D1 - D/2| / sqrt(D/4)``.  Their
    ratio does not depend on ``D``: 1.02 at h = 0.5, 1.06 at h = 0.3, 1.11 at h = 0.2
    (and the same for 1/h), with the likelihood-ratio statistic in between.  An
    allowance of 1.10 on |z| therefore covers every HR between about 0.2 and 5, the
    range of the estimates audited here; beyond it, the difference is no longer a test
    difference.  On the p scale this is a narrow band near 0.05 (p implied 0.05 ->
    printed p 0.033-0.066) and a wide one for very small p, where it matters least.
    So the two agree *within the test allowance* when the |z_p| interval overlaps
    ``[z_ci_min / allowance, z_ci_max * allowance]``.  Unlike a factor on p, this never
    lets a printed 0.04 pass against an implied 0.08 (|z| 2.05 vs 1.75, ratio 1.17).

    *Significance.*  Whatever the allowance, the printed p and the CI must agree about
    significance at alpha: a CI excluding the null with a printed p above alpha, a CI
    strictly containing the null with a printed p below alpha, or a printed p on one
    side of alpha while the p implied by the estimate and its CI is on the other side
    over the whole precision box (an estimate that is not the centre of its CI can do
    this) is a discrepancy with ``extra["significance_disagrees"]``.  A bound printed
    exactly at the null (``1.00``) counts as neither.
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
        return CheckResult("discrepancy", reported, "", f"estimate outside its CI {est_txt}", name,
                           {"within_rounding": False, "significance_disagrees": False})
    if lo == hi:
        return not_checkable(name, "CI has zero width", reported)

    # |z| of the CI over the printed-precision box.
    boxes = [precision_box(d) for d in (e, lo, hi)]
    if ratio:
        tiny = Decimal("1e-12")  # a bound printed as 0.00 would have log(-inf)
        boxes = [(max(a, tiny), b) for a, b in boxes]
    zs = [_z_from_ci(float(ee), float(ll), float(uu), ratio, level)
          for ee in boxes[0] for ll in boxes[1] for uu in boxes[2] if uu > ll]
    z_point = _z_from_ci(float(e), float(lo), float(hi), ratio, level)
    z_min = 0.0 if boxes[0][0] <= null <= boxes[0][1] else min(zs + [z_point])
    z_max = max(zs + [z_point])
    p_point = implied_p_from_ci(float(e), float(lo), float(hi), ratio, level)
    p_min, p_max = float(2 * D.norm_sf(z_max)), float(2 * D.norm_sf(z_min))

    # |z| of the printed p.
    pv = float(p)
    h = float(half_unit(decimal_places(p)))
    if rel == "=":
        zp_lo, zp_hi = _z_of_p(min(pv + h, 1.0)), _z_of_p(max(pv - h, 0.0))
    elif rel == "<":
        zp_lo, zp_hi = _z_of_p(pv), math.inf
    else:
        zp_lo, zp_hi = 0.0, _z_of_p(pv)
    recomputed = f"p={p_point:.2g}"
    head = (f"printed {reported} vs p={p_point:.2g} implied by {est_txt} "
            f"(|z| {zp_lo:.2f}-{zp_hi:.2f} printed, {z_min:.2f}-{z_max:.2f} from the CI)")

    excludes = lo > null or hi < null
    includes = lo < null < hi
    extra = {"p_implied": p_point, "p_min": p_min, "p_max": p_max, "z_ci": (z_min, z_max),
             "z_printed": (zp_lo, zp_hi), "significance_disagrees": False, "within_rounding": False}
    if excludes and ((rel == "=" and p > alpha) or (rel == ">" and p >= alpha)):
        extra["significance_disagrees"] = True
        return CheckResult("discrepancy", reported, recomputed,
                           f"{head}: the CI excludes {null} (significant at {alpha}) but p > {alpha}", name, extra)
    if includes and ((rel == "=" and p < alpha) or (rel == "<" and p <= alpha)):
        extra["significance_disagrees"] = True
        return CheckResult("discrepancy", reported, recomputed,
                           f"{head}: the CI includes {null} (not significant at {alpha}) but p < {alpha}", name, extra)

    # The printed p and the p the CI implies on opposite sides of alpha, whatever the
    # rounding of the three printed numbers.
    a = float(alpha)
    printed_sig = (rel == "=" and pv + h < a) or (rel == "<" and pv <= a)
    printed_nonsig = (rel == "=" and pv - h > a) or (rel == ">" and pv >= a)
    if (printed_sig and p_min > a) or (printed_nonsig and p_max < a):
        extra["significance_disagrees"] = True
        return CheckResult("discrepancy", reported, recomputed,
                           f"{head}: the printed p is {'below' if printed_sig else 'above'} {alpha} but the p its CI "
                           f"implies is {'above' if printed_sig else 'below'} it (p {p_min:.2g}-{p_max:.2g})", name, extra)

    if not (zp_hi < z_min or zp_lo > z_max):
        extra["within_rounding"] = True
        return CheckResult("consistent", reported, recomputed, f"{head}: agrees within rounding", name, extra)
    gap = zp_lo / z_max if zp_lo > z_max else (z_min / zp_hi if zp_hi > 0 else math.inf)
    extra["z_ratio"] = gap
    if gap <= allowance:
        return CheckResult("consistent", reported, recomputed,
                           f"{head}: differs beyond rounding by a factor {gap:.2f} on |z|, within the "
                           f"{allowance:.2f} a log-rank/score vs Wald test difference allows", name, extra)
    return CheckResult("discrepancy", reported, recomputed,
                       f"{head}: differs by a factor {gap:.2f} on |z|, more than rounding and the "
                       f"{allowance:.2f} a log-rank/score vs Wald test difference allow", name, extra)
