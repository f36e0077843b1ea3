"""Effect sizes and standard errors recovered from what trials report.

Published oncology trials rarely give the variance needed for inverse-variance
pooling; they give a confidence interval, a median with its CI, a log-rank
p-value, or 2x2 counts.  The functions here turn those into an estimate on an
additive scale (log ratio or log median) with its standard error.

All functions are pure and validate their inputs (``ValueError`` with a
message naming the offending value).  Levels are two-sided fractions
(0.95), so ``z = Phi^{-1}(1 - (1 - level)/2)`` (1.959964 for 0.95; see
:func:`tkimeta.stats.distributions.critical_value`).

The two cases where an approximation replaces a reported quantity are labelled
in the returned :class:`LogEstimate` (``approximate=True`` and a ``source``
string), so the pipeline can flag them in sensitivity analyses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import distributions as D

__all__ = [
    "LogEstimate",
    "se_log_ratio_from_ci",
    "se_log_median_from_ci",
    "se_log_median_from_events",
    "log_median_with_se",
    "log_ratio_of_medians",
    "log_odds_ratio",
    "hr_from_logrank",
    "pvalue_from_ci",
]


@dataclass(frozen=True)
class LogEstimate:
    """An estimate on the log scale with its standard error and provenance.

    Attributes
    ----------
    estimate : float
        Log of the quantity (log median, log ratio, log hazard ratio ...).
    se : float
        Standard error of ``estimate``.
    source : str
        How ``se`` was obtained (e.g. ``"ci-log"``, ``"events-exponential"``).
    approximate : bool
        True when ``se`` rests on a modelling assumption rather than on a
        reported interval (flag for sensitivity analyses).
    """

    estimate: float
    se: float
    source: str
    approximate: bool = False

    @property
    def variance(self) -> float:
        """Sampling variance ``se**2`` (what :func:`tkimeta.stats.rma.rma` takes as ``vi``)."""
        return self.se**2


# --------------------------------------------------------------------------- #
# validation
# --------------------------------------------------------------------------- #
def _positive(name: str, value) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _check_bounds(lower: float, upper: float, estimate: float | None = None) -> None:
    if not lower < upper:
        raise ValueError(f"lower CI bound must be below the upper bound, got [{lower}, {upper}]")
    if estimate is not None and not (lower <= estimate <= upper):
        raise ValueError(f"estimate {estimate} lies outside its CI [{lower}, {upper}]")


# --------------------------------------------------------------------------- #
# ratio measures and medians from confidence intervals
# --------------------------------------------------------------------------- #
def se_log_ratio_from_ci(lower: float, upper: float, level: float = 0.95) -> float:
    """Standard error of a log ratio (HR, OR, RR) from its confidence interval.

    Formula: ``SE = (ln U - ln L) / (2 z)``, valid because ratio CIs are
    computed symmetric on the log scale.

    Reference: Higgins JPT, et al. (eds). Cochrane Handbook for Systematic
    Reviews of Interventions, version 6.4, section 6.3.2; Altman DG, Bland JM.
    How to obtain the confidence interval from a P value. BMJ 2011;343:d2090.

    Raises
    ------
    ValueError
        If a bound is not positive or ``lower >= upper``.
    """
    lo = _positive("lower", lower)
    hi = _positive("upper", upper)
    _check_bounds(lo, hi)
    return (math.log(hi) - math.log(lo)) / (2.0 * D.critical_value(level))


def se_log_median_from_ci(
    median: float, lower: float, upper: float, shape: str = "linear", level: float = 0.95
) -> float:
    """Standard error of a log median survival time from its reported CI.

    Two shapes of published CI are handled:

    * ``shape="linear"``: an interval symmetric on the time scale (e.g. SPSS
      Kaplan-Meier output, ``median -/+ z SE``).  ``SE(median) = (U - L)/(2z)``
      and, by the delta method, ``SE(log median) = SE(median) / median``.
    * ``shape="log"``: an interval symmetric on the log scale (log or
      log-log transformed, e.g. R ``survfit(conf.type="log")``, SAS):
      ``SE(log median) = (ln U - ln L) / (2z)``.

    Kaplan-Meier median CIs from Brookmeyer-Crowley inversion (R's default)
    are not exactly symmetric on either scale; ``"log"`` is the closer choice.

    Reference: Brookmeyer R, Crowley J. A confidence interval for the median
    survival time. Biometrics 1982;38:29-41; delta method: e.g. Casella G,
    Berger RL. Statistical Inference, 2nd ed., section 5.5.4.

    Raises
    ------
    ValueError
        Non-positive values, ``lower >= upper``, median outside its CI, or an
        unknown ``shape``.
    """
    m = _positive("median", median)
    lo = _positive("lower", lower)
    hi = _positive("upper", upper)
    _check_bounds(lo, hi, m)
    z = D.critical_value(level)
    if shape == "linear":
        return (hi - lo) / (2.0 * z) / m
    if shape == "log":
        return (math.log(hi) - math.log(lo)) / (2.0 * z)
    raise ValueError(f"shape must be 'linear' or 'log', got {shape!r}")


def se_log_median_from_events(events: float) -> float:
    """Approximate SE of a log median survival time from the number of events.

    Assumes exponential survival: the MLE of the hazard ``lambda = d / T``
    has ``SE(log lambda) = 1/sqrt(d)``, and ``median = ln 2 / lambda``, so
    ``SE(log median) = 1 / sqrt(d)``.  This is an approximation (labelled as
    such by :func:`log_median_with_se`), used when a CI bound was not reached
    or not reported.

    Reference: Collett D. Modelling Survival Data in Medical Research, 3rd ed.
    CRC Press 2015, section 5.1 (exponential model); Michiels S, et al.
    Meta-analysis when only the median survival times are known.
    Int J Technol Assess Health Care 2005;21:119-125.

    Raises
    ------
    ValueError
        If ``events`` is not a positive whole number.
    """
    d = _positive("events", events)
    if d != round(d):
        raise ValueError(f"events must be a whole number, got {events!r}")
    return 1.0 / math.sqrt(d)


def log_median_with_se(
    median: float,
    lower: float | None = None,
    upper: float | None = None,
    *,
    events: float | None = None,
    shape: str = "linear",
    level: float = 0.95,
) -> LogEstimate:
    """Log median survival and its SE, from the CI when complete, else from events.

    Uses :func:`se_log_median_from_ci` when both bounds are given (``source``
    ``"ci-linear"`` or ``"ci-log"``); otherwise (a bound "not reached" or not
    reported) :func:`se_log_median_from_events`, with
    ``source="events-exponential"`` and ``approximate=True``.

    Raises
    ------
    ValueError
        If neither a complete CI nor ``events`` is available, or inputs are invalid.
    """
    m = _positive("median", median)
    if lower is not None and upper is not None:
        se = se_log_median_from_ci(m, lower, upper, shape=shape, level=level)
        return LogEstimate(math.log(m), se, f"ci-{shape}", approximate=False)
    if events is None:
        raise ValueError("need both CI bounds or the number of events to derive the SE of a log median")
    return LogEstimate(math.log(m), se_log_median_from_events(events), "events-exponential", approximate=True)


def log_ratio_of_medians(
    median1: float, se_log1: float, median2: float, se_log2: float
) -> LogEstimate:
    """Log ratio of two independent medians (arm 1 over arm 2) and its SE.

    Formula: ``log(m1/m2) = log m1 - log m2`` and
    ``SE = sqrt(SE(log m1)^2 + SE(log m2)^2)`` (independent arms).

    Reference: Michiels S, et al. Meta-analysis when only the median survival
    times are known. Int J Technol Assess Health Care 2005;21:119-125.
    """
    m1 = _positive("median1", median1)
    m2 = _positive("median2", median2)
    s1 = _positive("se_log1 (SE must be > 0)", se_log1)
    s2 = _positive("se_log2 (SE must be > 0)", se_log2)
    return LogEstimate(math.log(m1) - math.log(m2), math.hypot(s1, s2), "ratio-of-medians")


# --------------------------------------------------------------------------- #
# 2x2 tables
# --------------------------------------------------------------------------- #
def log_odds_ratio(a, b, c, d, add: float = 0.5, to: str = "only0"):
    """Log odds ratio and its variance from 2x2 counts (metafor ``escalc("OR")``).

    Table: ``a`` events / ``b`` non-events in arm 1, ``c`` / ``d`` in arm 2.
    Formula: ``yi = ln(a d / (b c))``, ``vi = 1/a + 1/b + 1/c + 1/d`` (Woolf),
    with ``add`` added to all four cells of tables containing a zero cell
    (``to="only0"``, metafor's default; ``"all"`` adds to every table,
    ``"none"`` never).  Tables with two zero cells in the same column
    (0/0 events or non-events) are kept, as with escalc's default ``drop00=FALSE``.

    Reference: Woolf B. On estimating the relation between blood group and
    disease. Ann Hum Genet 1955;19:251-253; metafor ``escalc()`` documentation.

    Returns
    -------
    (yi, vi) : tuple of float or of ndarray
    """
    arrs = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (a, b, c, d)]
    scalar = all(np.ndim(v) == 0 for v in (a, b, c, d))
    if len({x.shape for x in arrs}) != 1 or arrs[0].ndim != 1:
        raise ValueError("a, b, c and d must be scalars or one-dimensional sequences of the same length")
    tab = np.vstack(arrs)
    if tab.shape[1] == 0:
        raise ValueError("a, b, c and d must not be empty")
    if not np.all(np.isfinite(tab)) or np.any(tab < 0) or np.any(tab != np.round(tab)):
        raise ValueError("cell counts must be non-negative whole numbers")
    if np.any(tab[0] + tab[1] == 0) or np.any(tab[2] + tab[3] == 0):
        raise ValueError("each arm needs at least one patient (a + b > 0 and c + d > 0)")
    add = float(add)
    if add < 0:
        raise ValueError(f"add must be non-negative, got {add}")
    if to == "only0":
        corr = np.where(np.any(tab == 0, axis=0), add, 0.0)
    elif to == "all":
        corr = np.full(tab.shape[1], add)
    elif to == "none":
        corr = np.zeros(tab.shape[1])
    else:
        raise ValueError(f"to must be 'only0', 'all' or 'none', got {to!r}")
    t = tab + corr
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(t[0]) + np.log(t[3]) - np.log(t[1]) - np.log(t[2])
        vi = np.sum(1.0 / t, axis=0)
    if scalar:
        return float(yi[0]), float(vi[0])
    return yi, vi


# --------------------------------------------------------------------------- #
# log-rank p-value -> hazard ratio (Tierney et al. 2007)
# --------------------------------------------------------------------------- #
def hr_from_logrank(
    p: float,
    events: float,
    direction: str,
    ratio: float = 1.0,
    sided: int = 2,
) -> LogEstimate:
    """Log hazard ratio from a log-rank p-value and the total number of events.

    Tierney et al. (2007), method 'from the p-value and events':

    * ``z = Phi^{-1}(1 - p/2)`` (two-sided p) or ``Phi^{-1}(1 - p)`` (one-sided);
    * log-rank variance ``V = E R / (1 + R)^2`` with ``E`` total events and ``R``
      the ratio of patients randomised to the experimental vs control arm
      (``V = E/4`` for 1:1);
    * ``|O - E| = z sqrt(V)``; ``ln HR = (O - E)/V``; ``SE = 1/sqrt(V)``.

    The sign comes from ``direction``: ``"hr_below_1"`` when the paper states
    the experimental arm did better (fewer events than expected, HR < 1),
    ``"hr_above_1"`` when it did worse.

    Reference: Tierney JF, Stewart LA, Ghersi D, Burdett S, Sydes MR.
    Practical methods for incorporating summary time-to-event data into
    meta-analysis. Trials 2007;8:16.

    Parameters
    ----------
    p : float
        Reported log-rank p-value, 0 < p <= 1 (an exact value, not "p < 0.05").
    events : float
        Total number of events in both arms (> 0).
    direction : {"hr_below_1", "hr_above_1"}
    ratio : float, default 1.0
        Allocation ratio experimental : control (e.g. 2 for 2:1).
    sided : {1, 2}, default 2
        Whether ``p`` is two- or one-sided.

    Returns
    -------
    LogEstimate
        ``estimate`` = ln HR, ``se`` = 1/sqrt(V), ``approximate=True`` (the
        log-rank approximation to the Cox HR).
    """
    pv = float(p)
    if not (0.0 < pv <= 1.0):
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    e = _positive("events", events)
    r = _positive("ratio", ratio)
    if direction not in ("hr_below_1", "hr_above_1"):
        raise ValueError(f"direction must be 'hr_below_1' or 'hr_above_1', got {direction!r}")
    if sided == 2:
        z = float(D.norm_isf(pv / 2.0))
    elif sided == 1:
        if pv > 0.5:
            raise ValueError("a one-sided p-value above 0.5 contradicts the stated direction")
        z = float(D.norm_isf(pv))
    else:
        raise ValueError(f"sided must be 1 or 2, got {sided!r}")
    v = e * r / (1.0 + r) ** 2
    o_minus_e = z * math.sqrt(v) * (-1.0 if direction == "hr_below_1" else 1.0)
    return LogEstimate(o_minus_e / v, 1.0 / math.sqrt(v), "logrank-p-events", approximate=True)


# --------------------------------------------------------------------------- #
# p-value from estimate and CI
# --------------------------------------------------------------------------- #
def pvalue_from_ci(
    estimate: float,
    lower: float,
    upper: float,
    level: float = 0.95,
    ratio: bool = True,
    approximate: bool = False,
) -> float:
    """Two-sided p-value (H0: no effect) implied by an estimate and its CI.

    Altman & Bland (2011): work on the log scale for ratio measures;
    ``SE = (U - L) / (2z)``, ``z_stat = est / SE``, ``p = 2 (1 - Phi(|z_stat|))``.
    With ``approximate=True`` their closed-form approximation
    ``p = exp(-0.717 z - 0.416 z^2)`` is returned instead (to reproduce papers
    that used it; only for a 95% CI as in the paper).

    Reference: Altman DG, Bland JM. How to obtain the P value from a
    confidence interval. BMJ 2011;343:d2304.

    Parameters
    ----------
    estimate, lower, upper : float
        Point estimate and CI bounds (on the ratio scale if ``ratio``).
    level : float, default 0.95
    ratio : bool, default True
        True for ratio measures (HR, OR, RR; null value 1, log scale),
        False for differences (null value 0).
    approximate : bool, default False
    """
    est, lo, hi = float(estimate), float(lower), float(upper)
    if ratio:
        est = math.log(_positive("estimate", est))
        lo = math.log(_positive("lower", lo))
        hi = math.log(_positive("upper", hi))
    elif not all(math.isfinite(v) for v in (est, lo, hi)):
        raise ValueError("estimate and CI bounds must be finite")
    _check_bounds(lo, hi, est)
    z = D.critical_value(level)
    se = (hi - lo) / (2.0 * z)
    zs = abs(est) / se
    if approximate:
        if abs(float(level) - 0.95) > 1e-12:
            raise ValueError("the Altman-Bland approximation is defined for 95% CIs only")
        return min(1.0, math.exp(-0.717 * zs - 0.416 * zs**2))
    return float(2.0 * D.norm_sf(zs))
