"""Checks of survival summaries: event counts against n, maturity and the median,
and the shape of a printed median's confidence interval.

Pure functions on printed values (see :mod:`.printed`), each returning a
:class:`~.result.CheckResult`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .printed import (
    decimal_places,
    half_unit,
    parse_count,
    parse_printed,
    parse_triple,
    plain,
    printed_text,
    round_to,
)
from .proportion_checks import percent_from_count
from .result import CheckResult, not_checkable

__all__ = ["events_vs_maturity", "median_ci_shape"]


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
    e, why_e = parse_count(events, "events")
    m, why_n = parse_count(n, "n")
    reported = f"{events} events" if e is not None else ""
    if why_e or why_n:
        return not_checkable(name, why_e or why_n, reported)
    if m == 0:
        return not_checkable(name, "n is 0", reported)
    frac = plain(round_to(Fraction(100 * e, m), 1))
    if e > m:
        return CheckResult("discrepancy", reported, f"{e}/{m}", f"events {e} exceed n {m}", name)
    if median_reached is False and 2 * e >= m:
        return CheckResult(
            "discrepancy", reported, f"{e}/{m} = {frac}%",
            f"median printed as not reached but {e}/{m} = {frac}% >= 50% had events "
            f"(KM survival <= 1 - events/n)", name,
        )
    p, _ = parse_printed(printed_percent)
    if p is None:
        extra = "" if median_reached is None else f", median {'reached' if median_reached else 'not reached'}"
        return CheckResult("consistent", reported, f"{e}/{m} = {frac}%",
                           f"events {e} <= n {m} ({frac}% mature{extra}); no printed maturity", name)
    r = percent_from_count(e, m, printed_percent, decimals)
    return CheckResult(r.status, f"{e} events ({r.reported})", r.recomputed, "maturity " + r.detail, name)


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
    vals, bad = parse_triple(name, median, lower, upper, ("median", "lower bound", "upper bound"))
    if bad:
        return bad
    m, lo, hi = vals
    reported = f"{printed_text(median, m)} ({printed_text(lower, lo)}-{printed_text(upper, hi)})"
    if not lo <= m <= hi:
        return CheckResult("discrepancy", reported, "median outside CI",
                           f"median {printed_text(median, m)} outside its CI {printed_text(lower, lo)}-{printed_text(upper, hi)}", name)
    hm, hl, hu = (half_unit(decimal_places(d, decimals)) for d in (m, lo, hi))
    gap = 2 * m - lo - hi  # = (m - lo) - (hi - m)
    linear = abs(gap) <= 2 * hm + hl + hu
    m_lo, m_hi = max(m - hm, Decimal(0)), m + hm
    l_lo, l_hi = max(lo - hl, Decimal(0)), lo + hl
    u_lo, u_hi = hi - hu, hi + hu
    log_ok = lo > 0 and m > 0
    log = log_ok and not (m_hi * m_hi < l_lo * u_lo or m_lo * m_lo > l_hi * u_hi)
    shape = "both" if linear and log else "linear" if linear else "log" if log else "neither"
    gm = Decimal(math.sqrt(float(lo * hi))) if log_ok else None
    parts = [f"median-lower = {plain(m - lo)}, upper-median = {plain(hi - m)}"]
    if gm is not None:
        parts.append(f"sqrt(lower*upper) = {plain(gm, decimal_places(m, decimals) + 2)}")
    explain = {
        "linear": "symmetric on linear scale (SPSS-style median +/- z*SE)",
        "log": "symmetric on log scale",
        "both": "symmetric on both scales within printed precision (narrow CI)",
        "neither": "asymmetric on both scales (usual for Brookmeyer-Crowley KM CIs; not an error)",
    }[shape]
    detail = f"{reported}: {'; '.join(parts)} -> {shape}: {explain}"
    return CheckResult("consistent", reported, shape, detail, name,
                       {"shape": shape, "linear_gap": gap, "log_possible": log_ok})
