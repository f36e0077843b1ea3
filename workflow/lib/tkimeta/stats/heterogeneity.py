"""Between-study heterogeneity: tau^2 estimators (DerSimonian-Laird, ML/REML by
Fisher scoring), the Q-profile confidence interval for tau^2, Cochran's Q and the
"typical" within-study variance behind I^2 -- the building blocks :func:`tkimeta.stats.rma.rma`
combines, written after metafor's algorithms so that the reported digits agree.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-188.
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 2005;30:261-293 (ML/REML, Fisher scoring).
Viechtbauer W. Confidence intervals for the amount of heterogeneity in
meta-analysis. Stat Med 2007;26:37-52 (Q-profile CI).
Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis.
Stat Med 2002;21:1539-1558 (I^2, H^2).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import distributions as D

__all__ = [
    "check_yi_vi",
    "weighted_mean",
    "q_statistic",
    "typical_within_variance",
    "tau2_dl",
    "tau2_fisher_scoring",
    "tau2_qprofile_ci",
]

# metafor rma.uni control defaults (rma.uni source, metafor 3.8): Fisher scoring
# stops when |tau2_new - tau2_old| <= threshold, fails after maxiter steps; the
# "stuck at a local maximum" check uses tol.
_FS_THRESHOLD = 1e-5
_FS_MAXITER = 100
_LL_TOL = np.finfo(float).eps ** 0.25


# --------------------------------------------------------------------------- #
# validation (shared with rma.py)
# --------------------------------------------------------------------------- #
def check_yi_vi(yi, vi=None, sei=None) -> tuple[np.ndarray, np.ndarray]:
    """Return (yi, vi) as 1-D float arrays after checking them (give vi or sei)."""
    if (vi is None) == (sei is None):
        raise ValueError("give exactly one of vi (sampling variances) or sei (standard errors)")
    y = np.atleast_1d(np.asarray(yi, dtype=float))
    if sei is not None:
        s = np.atleast_1d(np.asarray(sei, dtype=float))
        name = "sei"
    else:
        s = np.atleast_1d(np.asarray(vi, dtype=float))
        name = "vi"
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError(f"yi and {name} must be scalars or one-dimensional sequences")
    if y.shape != s.shape:
        raise ValueError(
            f"yi and {name} must have the same length, got {y.size} and {s.size}"
        )
    if y.size == 0:
        raise ValueError("at least one study is needed (yi is empty)")
    if not np.all(np.isfinite(y)):
        raise ValueError("yi must be finite (no NaN or infinity)")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    if np.any(s <= 0):
        what = "standard errors (sei)" if sei is not None else "sampling variances (vi)"
        raise ValueError(f"{what} must be > 0, got {s[s <= 0].tolist()}")
    v = s**2 if sei is not None else s
    return y, v


# --------------------------------------------------------------------------- #
# building blocks
# --------------------------------------------------------------------------- #
def weighted_mean(y: np.ndarray, w: np.ndarray) -> float:
    """sum(w y) / sum(w)."""
    return float((w * y).sum() / w.sum())


def q_statistic(y: np.ndarray, v: np.ndarray, tau2: float = 0.0) -> float:
    """Generalised Q: sum w (y - mu_w)^2 with w = 1/(v + tau2)."""
    w = 1.0 / (v + tau2)
    return float((w * (y - weighted_mean(y, w)) ** 2).sum())


def typical_within_variance(vi) -> float:
    """"Typical" within-study variance used by metafor for I^2 and H^2.

    Formula: ``s^2 = (k - 1) * sum(w) / ((sum w)^2 - sum(w^2))`` with ``w = 1/vi``,
    which is ``(k - p) / tr(P)`` in metafor's matrix notation for an
    intercept-only model.

    Reference: Higgins JPT, Thompson SG. Stat Med 2002;21:1539-1558, eq. (9).
    """
    w = 1.0 / np.asarray(vi, dtype=float)
    k = w.size
    sw = w.sum()
    return float((k - 1) * sw / (sw**2 - (w**2).sum()))


def tau2_dl(yi, vi) -> float:
    """DerSimonian-Laird moment estimator of tau^2, truncated at 0.

    Formula: ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))``
    with fixed-effect weights ``w = 1/vi`` and Cochran's ``Q``.

    Reference: DerSimonian R, Laird N. Control Clin Trials 1986;7:177-188.
    metafor ``rma(method="DL")`` applies the same truncation (its ``tau2.min = 0``);
    statsmodels' ``combine_effects(method_re="dl")`` does not.
    """
    y, v = check_yi_vi(yi, vi)
    if y.size < 2:
        raise ValueError("tau^2 needs at least two studies")
    w = 1.0 / v
    q = q_statistic(y, v)
    trp = w.sum() - (w**2).sum() / w.sum()
    return max(0.0, (q - (y.size - 1)) / trp)


def _ll(y: np.ndarray, v: np.ndarray, tau2: float, reml: bool) -> float:
    """(Restricted) log-likelihood of the normal random-effects model (metafor's form)."""
    w = 1.0 / (v + tau2)
    mu = weighted_mean(y, w)
    rss = float((w * (y - mu) ** 2).sum())
    k = y.size
    if reml:
        return -0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * float(np.log(v + tau2).sum()) \
            - 0.5 * math.log(w.sum()) - 0.5 * rss
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * float(np.log(v + tau2).sum()) - 0.5 * rss


def tau2_fisher_scoring(yi, vi, method: str = "REML") -> tuple[float, int]:
    """ML or REML estimate of tau^2 by metafor's Fisher scoring algorithm.

    Start value: the Hedges (HE) moment estimator
    ``max(0, (sum (y - ybar)^2 - sum(v) (k-1)/k) / (k - 1))``.
    Update (intercept-only model, ``w = 1/(v + tau2)``,
    ``P = W - w w' / sum w``):

    * REML: ``delta = (y' P P y - tr P) / tr(P P)``
    * ML:   ``delta = (y' P P y - sum w) / sum w^2``

    The step is halved while it would make tau^2 negative; iteration stops when
    ``|delta| <= 1e-5`` and fails after 100 steps; finally, if the
    log-likelihood at tau^2 = 0 exceeds that at the estimate by more than
    ``eps^(1/4)`` the estimate is set to 0 with a warning.  All of this mirrors
    ``metafor::rma.uni`` (threshold, maxiter, ll0check defaults), so the
    same data give the same iterates.

    Reference: Viechtbauer W. J Educ Behav Stat 2005;30:261-293.

    Returns
    -------
    (tau2, iterations) : (float, int)

    Raises
    ------
    RuntimeError
        If the algorithm does not converge in 100 iterations (metafor stops too).
    """
    if method not in ("REML", "ML"):
        raise ValueError(f"method must be 'REML' or 'ML', got {method!r}")
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("tau^2 needs at least two studies")
    # Hedges-type start value, as metafor (unweighted residuals minus mean vi).
    rss_u = float(((y - y.mean()) ** 2).sum())
    tau2 = max(0.0, (rss_u - float(v.sum()) * (k - 1) / k) / (k - 1))
    change = _FS_THRESHOLD + 1.0
    it = 0
    while change > _FS_THRESHOLD:
        it += 1
        old = tau2
        w = 1.0 / (v + tau2)
        sw = w.sum()
        py = w * (y - weighted_mean(y, w))  # P y
        ypppy = float((py**2).sum())  # y' P P y
        if method == "REML":
            sw2 = (w**2).sum()
            trp = sw - sw2 / sw
            trpp = sw2 - 2.0 * (w**3).sum() / sw + sw2**2 / sw**2
            adj = (ypppy - trp) / trpp
        else:
            adj = (ypppy - sw) / (w**2).sum()
        adj = float(adj)
        if not np.isfinite(adj):
            adj = 0.0
        # metafor halves the step until tau2 stays >= 0; at tau2 = 0 a negative
        # step halves down to -0.0, i.e. no move, so short-cut that case.
        if tau2 == 0.0 and adj < 0:
            adj = 0.0
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > _FS_MAXITER:
            raise RuntimeError(
                "Fisher scoring algorithm did not converge in "
                f"{_FS_MAXITER} iterations (as metafor, no estimate is returned)"
            )
    reml = method == "REML"
    if _ll(y, v, 0.0, reml) - _ll(y, v, tau2, reml) > _LL_TOL and tau2 > _FS_THRESHOLD:
        warnings.warn(
            "Fisher scoring may have stopped at a local maximum; setting tau^2 = 0 (as metafor)",
            RuntimeWarning,
            stacklevel=2,
        )
        tau2 = 0.0
    return max(0.0, tau2), it


def tau2_qprofile_ci(
    yi, vi, level: float = 0.95, tau2_max: float = math.inf
) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (metafor ``confint()`` default).

    Formula: with the generalised ``Q(t) = sum (y - mu_t)^2 / (v + t)``
    (decreasing in ``t``), the bounds solve
    ``Q(lower) = chi2_{k-1, 1-alpha/2}`` and ``Q(upper) = chi2_{k-1, alpha/2}``;
    a bound is 0 when ``Q(0)`` is already below the corresponding quantile
    (both are 0 when ``Q(0) < chi2_{k-1, alpha/2}``).

    Reference: Viechtbauer W. Stat Med 2007;26:37-52.

    Parameters
    ----------
    yi, vi : array_like
        Estimates and sampling variances (k >= 2).
    level : float, default 0.95
    tau2_max : float, default inf
        Upper end of the search range.  A bound beyond it is reported as
        ``tau2_max``.  metafor's ``confint()`` uses ``max(100, 10 * tau2_hat)``
        and prints such a bound as ">100"; pass that value to reproduce its
        numbers.  The default finds the actual root, however large.

    Notes
    -----
    metafor finds the roots with ``uniroot(tol = eps^0.25)`` (about 1.2e-4
    absolute on tau^2); here ``brentq`` is run to 1e-12, so the two agree to
    that tolerance.  With k = 2 (1 df) the upper bound is routinely above 100
    on the log or logit scale: the data say almost nothing about tau^2.
    """
    level = D.check_level(level)
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("a confidence interval for tau^2 needs at least two studies")
    alpha = 1.0 - level
    crit_u = float(D.chi2_ppf(1.0 - alpha / 2.0, k - 1))
    crit_l = float(D.chi2_ppf(alpha / 2.0, k - 1))
    tau2_max = float(tau2_max)
    if not tau2_max > 0:
        raise ValueError(f"tau2_max must be positive, got {tau2_max}")
    q0 = q_statistic(y, v, 0.0)

    def root(target: float) -> float:
        if math.isfinite(tau2_max) and q_statistic(y, v, tau2_max) > target:
            return tau2_max  # beyond the search range (metafor's ">" case)
        hi = min(tau2_max, max(100.0, 10.0 * float(np.max(v))))
        # Q(t) decreases to 0 as t -> inf, so the bracket is eventually found.
        while q_statistic(y, v, hi) > target:
            hi *= 10.0
            if hi > 1e15:
                return math.inf
        return float(
            _brentq(lambda t: q_statistic(y, v, t) - target, 0.0, hi, xtol=1e-12, rtol=1e-12)
        )

    if q0 < crit_l:
        return 0.0, 0.0
    upper = root(crit_l)
    lower = 0.0 if q0 < crit_u else root(crit_u)
    return lower, upper


def _brentq(f, a, b, **kwargs):
    """scipy.optimize.brentq, imported on first use (it is slow to import)."""
    from scipy.optimize import brentq

    return brentq(f, a, b, **kwargs)
