"""Inverse-variance fixed- and random-effects meta-analysis (intercept only).

This module reproduces, for the intercept-only model, what metafor's
``rma()`` / ``confint()`` / ``predict()`` report, so that results can be
checked number by number against ``tests/data/metafor_reference.json``.

Why not statsmodels?  ``statsmodels.stats.meta_analysis.combine_effects``
(0.15) computes the DerSimonian-Laird tau^2 as ``(Q - df) / c`` without
truncating it at 0 (a negative variance then shrinks the random-effects
weights' denominator), has no REML estimator, no prediction interval, no
confidence interval for tau^2 and no Hartung-Knapp-Sidik-Jonkman variance
scaling matching metafor's ``test="knha"``.  Those pieces are short, so they
are written here, following metafor's algorithms (including its REML/ML Fisher
scoring, start value and convergence rule) rather than generic optimisers, so
that the iterates and therefore the reported digits agree.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-188.
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 2005;30:261-293 (ML/REML, Fisher scoring).
Viechtbauer W. Confidence intervals for the amount of heterogeneity in
meta-analysis. Stat Med 2007;26:37-52 (Q-profile CI).
Hartung J, Knapp G. A refined method for the meta-analysis of controlled
clinical trials with binary outcome. Stat Med 2001;20:3875-3889;
Sidik K, Jonkman JN. A simple confidence interval for meta-analysis.
Stat Med 2002;21:3153-3159 (knha).
Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis.
Stat Med 2002;21:1539-1558 (I^2, H^2).
Riley RD, Higgins JPT, Deeks JJ. Interpretation of random effects
meta-analyses. BMJ 2011;342:d549 (prediction interval).
Viechtbauer W. Conducting meta-analyses in R with the metafor package.
J Stat Softw 2010;36(3):1-48.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import distributions as D
from .proportions import _check_level

__all__ = [
    "RMAResult",
    "SubgroupResult",
    "rma",
    "subgroup_test",
    "subgroup_moderator_test",
    "tau2_dl",
    "tau2_fisher_scoring",
    "tau2_qprofile_ci",
    "typical_within_variance",
]

METHODS = ("FE", "DL", "REML", "ML")
TESTS = ("z", "knha")

# metafor rma.uni control defaults (rma.uni source, metafor 3.8): Fisher scoring
# stops when |tau2_new - tau2_old| <= threshold, fails after maxiter steps; the
# "stuck at a local maximum" check uses tol.
_FS_THRESHOLD = 1e-5
_FS_MAXITER = 100
_LL_TOL = np.finfo(float).eps ** 0.25


# --------------------------------------------------------------------------- #
# results
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class RMAResult:
    """Result of :func:`rma` (all values on the analysis scale, e.g. log or logit).

    Attributes
    ----------
    estimate, se : float
        Pooled estimate and its standard error (HKSJ-scaled for ``test="knha"``).
    ci_lower, ci_upper : float
        Confidence interval for the pooled estimate.
    pi_lower, pi_upper : float
        Prediction interval (``nan`` for ``method="FE"`` and for k = 1, as
        metafor's ``predict()`` gives none there).
    tau2 : float
        Between-study variance (0 for FE, ``nan`` for k = 1).
    tau2_ci : tuple of float
        Q-profile confidence interval for tau^2 (``(nan, nan)`` for FE and k = 1).
    i2, h2 : float
        I^2 (percent) and H^2 as metafor reports them (see :func:`rma`).
    q, q_df, q_pvalue : float, int, float
        Cochran's Q (fixed-effect weights), its degrees of freedom (k - 1) and
        chi-square p-value.
    k : int
        Number of studies.
    method, test : str
        Estimator of tau^2 and inference method, as requested.
    weights : tuple of float
        Relative weights in percent (sum 100), as metafor's ``weights()``.
    pooled : bool
        False when k = 1: the "estimate" is the single study's own value.
    level : float
        Confidence level used for CIs and PIs.
    statistic, pvalue : float
        z (or t for knha) statistic for H0: estimate = 0 and its two-sided p-value.
    df : float
        Degrees of freedom of the t reference distribution (k - 1) for knha,
        ``nan`` for the z test.
    knha_scale : float
        HKSJ variance scaling factor s^2_w (1 for ``test="z"``).
    iterations : int
        Fisher scoring iterations (0 for non-iterative methods).
    """

    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    tau2_ci: tuple[float, float]
    i2: float
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    k: int
    method: str
    test: str
    weights: tuple[float, ...]
    pooled: bool = True
    level: float = 0.95
    statistic: float = math.nan
    pvalue: float = math.nan
    df: float = math.nan
    knha_scale: float = 1.0
    iterations: int = 0


@dataclass(frozen=True)
class SubgroupResult:
    """Result of :func:`subgroup_test`.

    Attributes
    ----------
    subgroups : Mapping
        Read-only mapping from subgroup label to its :class:`RMAResult`
        (in order of first appearance).
    q_between : float
        Wald-type test statistic for differences between subgroup estimates.
    df : int
        Number of subgroups minus one.
    pvalue : float
        Chi-square p-value of ``q_between``.
    method, test : str
        Settings used for the within-subgroup models.
    """

    subgroups: Mapping[Hashable, RMAResult]
    q_between: float
    df: int
    pvalue: float
    method: str
    test: str


# --------------------------------------------------------------------------- #
# validation
# --------------------------------------------------------------------------- #
def _check_yi_vi(yi, vi=None, sei=None) -> tuple[np.ndarray, np.ndarray]:
    """Return (yi, vi) as 1-D float arrays after checking them."""
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


def _crit(level: float, df: float | None) -> float:
    """Two-sided critical value: normal if df is None, else t with df."""
    q = 0.5 + level / 2.0
    return float(D.norm_ppf(q)) if df is None else float(D.t_ppf(q, df))


# --------------------------------------------------------------------------- #
# building blocks
# --------------------------------------------------------------------------- #
def _wmean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def _q_stat(y: np.ndarray, v: np.ndarray, tau2: float = 0.0) -> float:
    """Generalised Q: sum w (y - mu_w)^2 with w = 1/(v + tau2)."""
    w = 1.0 / (v + tau2)
    return float(np.sum(w * (y - _wmean(y, w)) ** 2))


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
    return float((k - 1) * sw / (sw**2 - np.sum(w**2)))


def tau2_dl(yi, vi) -> float:
    """DerSimonian-Laird moment estimator of tau^2, truncated at 0.

    Formula: ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))``
    with fixed-effect weights ``w = 1/vi`` and Cochran's ``Q``.

    Reference: DerSimonian R, Laird N. Control Clin Trials 1986;7:177-188.
    metafor ``rma(method="DL")`` applies the same truncation (its ``tau2.min = 0``);
    statsmodels' ``combine_effects(method_re="dl")`` does not.
    """
    y, v = _check_yi_vi(yi, vi)
    if y.size < 2:
        raise ValueError("tau^2 needs at least two studies")
    w = 1.0 / v
    q = _q_stat(y, v)
    trp = w.sum() - np.sum(w**2) / w.sum()
    return max(0.0, (q - (y.size - 1)) / trp)


def _ll(y: np.ndarray, v: np.ndarray, tau2: float, reml: bool) -> float:
    """(Restricted) log-likelihood of the normal random-effects model (metafor's form)."""
    w = 1.0 / (v + tau2)
    mu = _wmean(y, w)
    rss = float(np.sum(w * (y - mu) ** 2))
    k = y.size
    if reml:
        return -0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * float(np.sum(np.log(v + tau2))) \
            - 0.5 * math.log(w.sum()) - 0.5 * rss
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * float(np.sum(np.log(v + tau2))) - 0.5 * rss


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
    y, v = _check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("tau^2 needs at least two studies")
    # Hedges-type start value, as metafor (unweighted residuals minus mean vi).
    rss_u = float(np.sum((y - y.mean()) ** 2))
    tau2 = max(0.0, (rss_u - float(np.sum(v)) * (k - 1) / k) / (k - 1))
    change = _FS_THRESHOLD + 1.0
    it = 0
    while change > _FS_THRESHOLD:
        it += 1
        old = tau2
        w = 1.0 / (v + tau2)
        sw = w.sum()
        py = w * (y - _wmean(y, w))  # P y
        ypppy = float(np.sum(py**2))  # y' P P y
        if method == "REML":
            trp = sw - np.sum(w**2) / sw
            trpp = np.sum(w**2) - 2.0 * np.sum(w**3) / sw + np.sum(w**2) ** 2 / sw**2
            adj = (ypppy - trp) / trpp
        else:
            adj = (ypppy - sw) / np.sum(w**2)
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
    level = _check_level(level)
    y, v = _check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("a confidence interval for tau^2 needs at least two studies")
    alpha = 1.0 - level
    crit_u = float(D.chi2_ppf(1.0 - alpha / 2.0, k - 1))
    crit_l = float(D.chi2_ppf(alpha / 2.0, k - 1))
    tau2_max = float(tau2_max)
    if not tau2_max > 0:
        raise ValueError(f"tau2_max must be positive, got {tau2_max}")
    q0 = _q_stat(y, v, 0.0)

    def root(target: float) -> float:
        if math.isfinite(tau2_max) and _q_stat(y, v, tau2_max) > target:
            return tau2_max  # beyond the search range (metafor's ">" case)
        hi = min(tau2_max, max(100.0, 10.0 * float(np.max(v))))
        # Q(t) decreases to 0 as t -> inf, so the bracket is eventually found.
        while _q_stat(y, v, hi) > target:
            hi *= 10.0
            if hi > 1e15:
                return math.inf
        return float(
            _brentq(lambda t: _q_stat(y, v, t) - target, 0.0, hi, xtol=1e-12, rtol=1e-12)
        )

    if q0 < crit_l:
        return 0.0, 0.0
    upper = root(crit_l)
    lower = 0.0 if q0 < crit_u else root(crit_u)
    return lower, upper


# --------------------------------------------------------------------------- #
# main entry point
# --------------------------------------------------------------------------- #
def rma(
    yi,
    vi=None,
    *,
    sei=None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
) -> RMAResult:
    """Inverse-variance meta-analysis of one effect measure (metafor ``rma()``).

    Model: ``y_i ~ N(mu, v_i + tau^2)`` (``tau^2 = 0`` for ``method="FE"``).
    Estimate ``mu = sum w y / sum w`` with ``w = 1/(v + tau^2)``, variance
    ``1 / sum w``.

    * ``method``: ``"FE"`` (fixed/common effect), ``"DL"`` (DerSimonian-Laird,
      truncated at 0), ``"REML"`` or ``"ML"`` (Fisher scoring exactly as
      metafor, see :func:`tau2_fisher_scoring`).
    * ``test="z"``: Wald CI ``mu -/+ z_{1-a/2} se``.
    * ``test="knha"``: Hartung-Knapp-Sidik-Jonkman:
      ``se^2 = s2w / sum w`` with ``s2w = sum w (y - mu)^2 / (k - 1)`` and t
      quantiles with ``k - 1`` df.  As in metafor's default, ``s2w`` is not
      truncated at 1 (metafor's ``test="adhoc"`` would); if the weighted
      residual sum of squares is below machine epsilon metafor sets
      ``s2w = 0`` and so do we.
    * Prediction interval (metafor ``predict()``):
      ``mu -/+ c sqrt(se^2 + tau^2)`` with ``c = z_{1-a/2}`` for the z test and
      ``t_{k-1, 1-a/2}`` for knha.  Not given for FE.
    * Heterogeneity: Cochran's ``Q = sum (1/v)(y - mu_FE)^2`` on ``k - 1`` df.
      For random-effects methods ``I^2 = 100 tau^2 / (tau^2 + s^2)`` and
      ``H^2 = tau^2 / s^2 + 1`` with the typical within-study variance
      ``s^2 = (k-1) sum w / ((sum w)^2 - sum w^2)``, ``w = 1/v``
      (:func:`typical_within_variance`); for FE ``I^2 = max(0, 100 (Q-(k-1))/Q)``
      and ``H^2 = Q/(k-1)``.  Both exactly as metafor.
    * ``tau2_ci``: Q-profile interval (:func:`tau2_qprofile_ci`), with the
      actual upper root even when it exceeds 100 (metafor's ``confint()``
      stops its search at ``max(100, 10 tau2)`` and prints ">100"; call
      :func:`tau2_qprofile_ci` with ``tau2_max`` to get its number).

    With k = 1 no pooling happens: the study's own estimate, standard error
    and normal-theory CI are returned with ``pooled=False`` and every
    heterogeneity quantity set to ``nan`` (metafor fits a degenerate model and
    would report tau^2 = 0, which would wrongly suggest homogeneity was assessed).

    Parameters
    ----------
    yi : array_like
        Effect estimates (on an additive scale: log ratio, logit, ...).
    vi : array_like, optional
        Sampling variances (> 0).  Give either ``vi`` or ``sei``.
    sei : array_like, optional
        Standard errors (> 0).
    method : {"FE", "DL", "REML", "ML"}, default "REML"
    test : {"z", "knha"}, default "z"
    level : float, default 0.95

    Returns
    -------
    RMAResult

    Raises
    ------
    ValueError
        Unknown method/test, mismatched lengths, empty input, non-finite
        values, or non-positive variances/standard errors.
    RuntimeError
        REML/ML Fisher scoring did not converge.

    Examples
    --------
    >>> res = rma([0.1, 0.3, -0.2], [0.04, 0.05, 0.03], method="DL")
    >>> round(res.estimate, 4), round(res.tau2, 4)
    (0.0411, 0.0262)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    level = _check_level(level)
    y, v = _check_yi_vi(yi, vi, sei)
    k = y.size
    nan = math.nan

    if k == 1:
        est = float(y[0])
        se = math.sqrt(float(v[0]))
        z = _crit(level, None)
        stat = est / se
        return RMAResult(
            estimate=est, se=se, ci_lower=est - z * se, ci_upper=est + z * se,
            pi_lower=nan, pi_upper=nan, tau2=nan, tau2_ci=(nan, nan), i2=nan, h2=nan,
            q=nan, q_df=0, q_pvalue=nan, k=1, method=method, test=test, weights=(100.0,),
            pooled=False, level=level, statistic=stat,
            pvalue=float(2 * D.norm_sf(abs(stat))), df=nan, knha_scale=1.0, iterations=0,
        )

    iterations = 0
    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = tau2_dl(y, v)
    else:
        tau2, iterations = tau2_fisher_scoring(y, v, method)

    w = 1.0 / (v + tau2)
    est = _wmean(y, w)
    var = 1.0 / float(w.sum())
    if test == "knha":
        rss = float(np.sum(w * (y - est) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        df: float | None = float(k - 1)
    else:
        s2w = 1.0
        df = None
    se = math.sqrt(s2w * var)
    crit = _crit(level, df)
    if se > 0:
        stat = est / se
    else:  # knha with s2w = 0: degenerate, as metafor (z = +/-inf or nan)
        stat = math.copysign(math.inf, est) if est != 0 else nan
    if df is None:
        pval = float(2 * D.norm_sf(abs(stat)))
    else:
        pval = float(2 * D.t_sf(abs(stat), df))

    # heterogeneity (always with fixed-effect weights, as metafor)
    q = max(0.0, _q_stat(y, v, 0.0))
    q_df = k - 1
    q_p = float(D.chi2_sf(q, q_df))
    if method == "FE":
        i2 = max(0.0, 100.0 * (q - q_df) / q) if q > 0 else 0.0
        h2 = q / q_df
        pi_lo = pi_hi = nan
        tau2_ci = (nan, nan)
    else:
        s2 = typical_within_variance(v)
        i2 = 100.0 * tau2 / (s2 + tau2)
        h2 = tau2 / s2 + 1.0
        half = crit * math.sqrt(se**2 + tau2)
        pi_lo, pi_hi = est - half, est + half
        tau2_ci = tau2_qprofile_ci(y, v, level)

    weights = tuple(float(x) for x in 100.0 * w / w.sum())
    return RMAResult(
        estimate=est, se=se, ci_lower=est - crit * se, ci_upper=est + crit * se,
        pi_lower=pi_lo, pi_upper=pi_hi, tau2=float(tau2), tau2_ci=tau2_ci, i2=float(i2),
        h2=float(h2), q=q, q_df=q_df, q_pvalue=q_p, k=k, method=method, test=test,
        weights=weights, pooled=True, level=level, statistic=float(stat), pvalue=pval,
        df=nan if df is None else df, knha_scale=s2w, iterations=iterations,
    )


def subgroup_test(
    yi,
    vi=None,
    groups: Sequence[Hashable] | None = None,
    *,
    sei=None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
) -> SubgroupResult:
    """Test for subgroup differences from separate random-effects models.

    Procedure (as commonly done with metafor, and as RevMan/meta do for
    "separate tau^2"): fit :func:`rma` within each subgroup, then treat the
    g subgroup estimates ``m_j`` with standard errors ``s_j`` as data of a
    fixed-effect model, i.e. ``rma(yi=m, sei=s, method="FE")`` in metafor, whose
    heterogeneity statistic is the between-subgroup Wald test:
    ``Q_between = sum (m_j - m_bar)^2 / s_j^2`` on ``g - 1`` df.

    Reference: Borenstein M, Hedges LV, Higgins JPT, Rothstein HR.
    Introduction to Meta-Analysis. Wiley 2009, ch. 19 (separate tau^2).

    Parameters
    ----------
    yi, vi, sei : array_like
        Study estimates and variances (or standard errors), as for :func:`rma`.
    groups : sequence of hashable
        Subgroup label per study (same length as ``yi``).  At least two
        distinct labels are needed.  A subgroup with one study contributes its
        own estimate and standard error.
    method, test, level :
        Passed to the within-subgroup :func:`rma` fits.

    Returns
    -------
    SubgroupResult
    """
    y, v = _check_yi_vi(yi, vi, sei)
    if groups is None:
        raise ValueError("groups (one subgroup label per study) is required")
    g = list(groups)
    if len(g) != y.size:
        raise ValueError(f"groups must have one label per study, got {len(g)} labels for {y.size} studies")
    labels = list(dict.fromkeys(g))  # first-appearance order
    if len(labels) < 2:
        raise ValueError("a subgroup test needs at least two distinct subgroups")
    fits: dict[Hashable, RMAResult] = {}
    for lab in labels:
        idx = np.array([x == lab for x in g])
        fits[lab] = rma(y[idx], v[idx], method=method, test=test, level=level)
    m = np.array([fits[lab].estimate for lab in labels])
    s = np.array([fits[lab].se for lab in labels])
    between = rma(m, sei=s, method="FE", level=level)
    return SubgroupResult(
        subgroups=types.MappingProxyType(fits), q_between=between.q, df=between.q_df,
        pvalue=between.q_pvalue, method=method, test=test,
    )


def _brentq(f, a, b, **kwargs):
    """scipy.optimize.brentq, imported on first use (it is slow to import)."""
    from scipy.optimize import brentq

    return brentq(f, a, b, **kwargs)


@dataclass(frozen=True)
class ModeratorTest:
    """Omnibus test of the moderators of a mixed-effects meta-regression
    (metafor ``rma(yi, vi, mods = ~ factor(group), method, test)``: QM or F)."""

    statistic: float  # QM (test="z", chi-square on df1) or F (test="knha", on df1, df2)
    df1: int
    df2: float  # nan for the chi-square test
    pvalue: float
    tau2: float  # residual tau^2
    test: str
    iterations: int


def subgroup_moderator_test(yi, vi=None, groups: Sequence[Hashable] | None = None, *, sei=None,
                            method: str = "REML", test: str = "knha") -> ModeratorTest:
    """Test for subgroup differences from one meta-regression with the subgroup as a
    factor and a common residual tau^2, as ``metafor::rma(mods = ~ subgroup)``.

    ``test="knha"``: Knapp-Hartung F-test, ``F = b' V^-1 b / m`` with
    ``V = s^2 (X'WX)^-1`` restricted to the m moderator coefficients,
    ``s^2 = sum w (y - X b)^2 / (k - p)`` (not truncated, metafor's default), on
    ``m`` and ``k - p`` df. ``test="z"``: Wald QM on m df. tau^2 by REML (or ML) Fisher
    scoring with metafor's start value (HE), threshold 1e-5 and step halving.

    Reference: Knapp G, Hartung J. Stat Med 2003;22:2693-2710.
    """
    y, v = _check_yi_vi(yi, vi, sei)
    if groups is None:
        raise ValueError("groups (one subgroup label per study) is required")
    g = list(groups)
    labels = list(dict.fromkeys(g))
    if len(labels) < 2:
        raise ValueError("a subgroup test needs at least two distinct subgroups")
    k = y.size
    X = np.column_stack([np.ones(k)] + [np.array([x == lab for x in g], dtype=float) for lab in labels[1:]])
    p = X.shape[1]
    if k <= p:
        return ModeratorTest(math.nan, p - 1, float(k - p), math.nan, math.nan, test, 0)

    def fit(tau2):
        w = 1.0 / (v + tau2)
        xtwx = X.T @ (w[:, None] * X)
        inv = np.linalg.inv(xtwx)
        b = inv @ (X.T @ (w * y))
        P = np.diag(w) - (w[:, None] * X) @ inv @ (X.T * w)
        return w, inv, b, P

    # HE start value (residuals of the OLS fit), as metafor
    H = X @ np.linalg.pinv(X.T @ X) @ X.T
    resid = y - H @ y
    tau2 = max(0.0, (resid @ resid - np.trace((np.eye(k) - H) @ np.diag(v))) / (k - p))
    iterations = 0
    if method not in ("REML", "ML"):
        raise ValueError(f"method must be 'REML' or 'ML', got {method!r}")
    for iterations in range(1, 101):
        w, inv, b, P = fit(tau2)
        Py = P @ y
        if method == "REML":
            delta = (Py @ Py - np.trace(P)) / np.trace(P @ P)
        else:
            delta = (Py @ Py - w.sum()) / (w ** 2).sum()
        step = delta
        while tau2 + step < 0:
            step /= 2
        tau2 = tau2 + step
        if abs(step) <= 1e-5:
            break
    else:
        raise RuntimeError("Fisher scoring did not converge in 100 iterations")
    w, inv, b, _ = fit(tau2)
    m = p - 1
    bm = b[1:]
    if test == "knha":
        s2 = float(w @ (y - X @ b) ** 2 / (k - p))
        vb = s2 * inv[1:, 1:]
        stat = float(bm @ np.linalg.solve(vb, bm) / m)
        from scipy.stats import f as f_dist

        return ModeratorTest(stat, m, float(k - p), float(f_dist.sf(stat, m, k - p)), float(tau2), test, iterations)
    stat = float(bm @ np.linalg.solve(inv[1:, 1:], bm))
    return ModeratorTest(stat, m, math.nan, float(D.chi2_sf(stat, m)), float(tau2), test, iterations)
