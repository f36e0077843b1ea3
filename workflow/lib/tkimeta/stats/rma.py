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
are written here and, for tau^2 and its CI, in :mod:`tkimeta.stats.heterogeneity`,
following metafor's algorithms (including its REML/ML Fisher scoring, start
value and convergence rule) rather than generic optimisers, so that the
iterates and therefore the reported digits agree.

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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import distributions as D
from .heterogeneity import (
    check_yi_vi,
    q_statistic,
    tau2_dl,
    tau2_fisher_scoring,
    tau2_qprofile_ci,
    typical_within_variance,
    weighted_mean,
)

__all__ = [
    "RMAResult",
    "SubgroupResult",
    "rma",
    "subgroup_test",
    "subgroup_moderator_test",
]

METHODS = ("FE", "DL", "REML", "ML")
TESTS = ("z", "knha")


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
    tau2_ci: bool = True,
) -> RMAResult:
    """Inverse-variance meta-analysis of one effect measure (metafor ``rma()``).

    Model: ``y_i ~ N(mu, v_i + tau^2)`` (``tau^2 = 0`` for ``method="FE"``).
    Estimate ``mu = sum w y / sum w`` with ``w = 1/(v + tau^2)``, variance
    ``1 / sum w``.

    * ``method``: ``"FE"`` (fixed/common effect), ``"DL"`` (DerSimonian-Laird,
      truncated at 0), ``"REML"`` or ``"ML"`` (Fisher scoring exactly as
      metafor, see :func:`~tkimeta.stats.heterogeneity.tau2_fisher_scoring`).
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
      (:func:`~tkimeta.stats.heterogeneity.typical_within_variance`); for FE ``I^2 = max(0, 100 (Q-(k-1))/Q)``
      and ``H^2 = Q/(k-1)``.  Both exactly as metafor.
    * ``tau2_ci``: Q-profile interval (:func:`~tkimeta.stats.heterogeneity.tau2_qprofile_ci`), with the
      actual upper root even when it exceeds 100 (metafor's ``confint()``
      stops its search at ``max(100, 10 tau2)`` and prints ">100"; call
      :func:`tau2_qprofile_ci` with ``tau2_max`` to get its number).
      ``tau2_ci=False`` skips it (``(nan, nan)``): the root search costs more than
      the rest of the fit, and most callers (weights, subgroup tests, start values)
      do not report it.

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
    tau2_ci : bool, default True
        Whether to compute the Q-profile interval of tau^2.

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
    level = D.check_level(level)
    y, v = check_yi_vi(yi, vi, sei)
    k = y.size
    nan = math.nan

    if k == 1:
        est = float(y[0])
        se = math.sqrt(float(v[0]))
        z = D.critical_value(level)
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
    est = weighted_mean(y, w)
    var = 1.0 / float(w.sum())
    if test == "knha":
        rss = float((w * (y - est) ** 2).sum())
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        df: float | None = float(k - 1)
    else:
        s2w = 1.0
        df = None
    se = math.sqrt(s2w * var)
    crit = D.critical_value(level, df)
    if se > 0:
        stat = est / se
    else:  # knha with s2w = 0: degenerate, as metafor (z = +/-inf or nan)
        stat = math.copysign(math.inf, est) if est != 0 else nan
    if df is None:
        pval = float(2 * D.norm_sf(abs(stat)))
    else:
        pval = float(2 * D.t_sf(abs(stat), df))

    # heterogeneity (always with fixed-effect weights, as metafor)
    q = max(0.0, q_statistic(y, v, 0.0))
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
        tau2_ci = tau2_qprofile_ci(y, v, level) if tau2_ci else (nan, nan)

    weights = tuple((100.0 * w / w.sum()).tolist())
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
    y, v = check_yi_vi(yi, vi, sei)
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
    y, v = check_yi_vi(yi, vi, sei)
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
        return ModeratorTest(stat, m, float(k - p), float(D.f_sf(stat, m, k - p)), float(tau2), test, iterations)
    stat = float(bm @ np.linalg.solve(inv[1:, 1:], bm))
    return ModeratorTest(stat, m, math.nan, float(D.chi2_sf(stat, m)), float(tau2), test, iterations)
