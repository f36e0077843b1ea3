"""Binomial-normal (random-intercept logistic) meta-analysis of proportions.

Reproduces metafor's ``rma.glmm(measure="PLO", xi=x, ni=n)`` (model
``"UM.FS"``, ``method="ML"``), which fits

    x_i ~ Binomial(n_i, expit(mu + tau * u_i)),   u_i ~ N(0, 1),

with ``lme4::glmer(..., nAGQ = 7)`` (``nAGQ = 7`` is the default in
``rma.glmm``'s signature, metafor 3.8): maximum likelihood with the marginal
likelihood approximated by 7-point *adaptive* Gauss-Hermite quadrature.

Why not statsmodels?  ``statsmodels.genmod.bayes_mixed_glm`` only offers
variational Bayes / Laplace-type posterior approximations, not ML with
adaptive quadrature, and statsmodels has no heterogeneity tests or
prediction interval for this model; so the likelihood is written here
(:mod:`tkimeta.stats.agq`, with its exact gradient and Hessian), vectorised over
studies, and maximised by Newton's method to machine precision: the estimate is then
a property of the data, not of the optimiser's path or stopping rule, and the SE
comes from the exact Hessian rather than from finite differences.

Until 2026-12 the fit was BFGS on a finite-difference gradient (stopping at a
gradient of 1e-8) with a central-difference Hessian (step 1e-4) for the SE; its
estimates were accurate to about 1e-8 relative and its SEs to about 4e-7, so the
last of the ten printed digits of the GLMM rows moved when it was replaced.

No continuity correction enters the likelihood: studies with 0 or n events
contribute their exact binomial probabilities.

References
----------
Stijnen T, Hamza TH, Ozdemir P. Random effects meta-analysis of event outcome
in the framework of the generalized linear mixed model with applications in
sparse data. Stat Med 2010;29:3046-3067.
Liu Q, Pierce DA. A note on Gauss-Hermite quadrature. Biometrika
1994;81:624-629 (adaptive quadrature).
Pinheiro JC, Bates DM. Approximations to the log-likelihood function in the
nonlinear mixed-effects model. J Comput Graph Stat 1995;4:12-35.
Bates D, Maechler M, Bolker B, Walker S. Fitting linear mixed-effects models
using lme4. J Stat Softw 2015;67(1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import distributions as D
from . import agq
from .heterogeneity import tau2_dl, typical_within_variance, weighted_mean
from .proportions import check_counts, expit, logit_transform

__all__ = ["GLMMResult", "Start", "glmm_logit", "leave_one_out_starts", "marginal_loglik"]

@dataclass(frozen=True)
class GLMMResult:
    """Result of :func:`glmm_logit` (estimates on the logit scale).

    Attributes
    ----------
    estimate, se : float
        ML estimate of mu (pooled log-odds) and its standard error from the
        inverse observed information of (mu, tau).
    ci_lower, ci_upper : float
        Wald z confidence interval for mu.
    pi_lower, pi_upper : float
        Prediction interval ``mu -/+ z sqrt(se^2 + tau^2)`` (metafor ``predict()``).
    tau2 : float
        Between-study variance of the logits (``nan`` for k = 1).
    i2, h2 : float
        I^2 (percent) and H^2 as metafor computes them for ``rma.glmm``.
    qe_wald, qe_wald_pvalue, qe_lrt, qe_lrt_pvalue : float
        Wald-type and likelihood-ratio tests for heterogeneity (metafor
        ``QE.Wld``, ``QEp.Wld``, ``QE.LRT``, ``QEp.LRT``).
    q_df : int
        Degrees of freedom of both tests (k - 1).
    k : int
        Number of studies.
    loglik : float
        Maximised (quadrature-approximated) marginal log-likelihood, including
        the binomial coefficients.
    pooled : bool
        False for k = 1 (the study's own logit and its escalc variance).
    converged : bool
        Whether the optimiser reported success.
    level : float
        Confidence level.
    nagq : int
        Number of quadrature points.
    statistic, pvalue : float
        Wald z statistic for mu = 0 and its two-sided p-value.
    """

    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2: float
    h2: float
    qe_wald: float
    qe_wald_pvalue: float
    qe_lrt: float
    qe_lrt_pvalue: float
    q_df: int
    k: int
    loglik: float
    pooled: bool = True
    converged: bool = True
    level: float = 0.95
    nagq: int = 7
    statistic: float = math.nan
    pvalue: float = math.nan

    @property
    def tau(self) -> float:
        """Between-study standard deviation on the logit scale."""
        return math.nan if math.isnan(self.tau2) else math.sqrt(self.tau2)

    @property
    def proportion(self) -> float:
        """Pooled proportion ``expit(estimate)`` (a median, not a mean, proportion)."""
        return expit(self.estimate)

    @property
    def proportion_ci(self) -> tuple[float, float]:
        """Confidence interval back-transformed with ``expit``."""
        return expit(self.ci_lower), expit(self.ci_upper)

    @property
    def proportion_pi(self) -> tuple[float, float]:
        """Prediction interval back-transformed with ``expit``."""
        return expit(self.pi_lower), expit(self.pi_upper)


# --------------------------------------------------------------------------- #
# likelihood (the quadrature and its derivatives are in tkimeta.stats.agq)
# --------------------------------------------------------------------------- #
def marginal_loglik(mu: float, tau: float, x, n, nagq: int = 7) -> float:
    """Marginal log-likelihood of the binomial-normal model by adaptive quadrature.

    Formula: ``sum_i log C(n_i, x_i) + log integral Bin(x_i | n_i, expit(mu + tau u)) phi(u) du``,
    the integral approximated by ``nagq``-point Gauss-Hermite quadrature
    centred at the conditional mode ``u_i`` of the integrand and scaled by
    ``sigma_i = (-d^2 log integrand / du^2)^(-1/2)`` at the mode
    (Liu & Pierce 1994), which is what lme4's ``glmer(nAGQ = nagq)`` evaluates.
    With ``tau = 0`` this is the exact binomial log-likelihood.

    Parameters
    ----------
    mu, tau : float
        Mean log-odds and between-study SD (the likelihood is even in tau).
    x, n : array_like
        Events and totals.
    nagq : int, default 7
        Quadrature points (1 gives the Laplace approximation).
    """
    xa, na, _ = check_counts(x, n)
    ll_i, _ = agq.loglik_terms(float(mu), float(tau), xa, na, agq.quadrature(nagq), np.zeros_like(xa))
    return float(np.sum(ll_i) + np.sum(_log_choose(na, xa)))


def _log_choose(n, x):
    return special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)


# --------------------------------------------------------------------------- #
# heterogeneity tests of rma.glmm
# --------------------------------------------------------------------------- #
def _qe_tests(x, n):
    """metafor's QE.Wld and QE.LRT for rma.glmm(measure="PLO").

    metafor fits, with ``glm()``, the fixed-effect logistic model (one common
    log-odds) and the saturated model (one log-odds per study) and reports

    * ``QE.LRT = -2 (ll_FE - ll_saturated)`` =
      ``2 sum [x log(x / (n p)) + (n - x) log((n - x) / (n (1 - p)))]``,
      ``p = sum x / sum n`` (0 log 0 = 0);
    * ``QE.Wld``: the Wald test that all study log-odds are equal in the
      saturated model, which equals Cochran's Q on the study logits
      ``logit(x/n)`` with ML weights ``x (n - x) / n``.

    A study with 0 or n events has no finite log-odds; glm() stops at a
    large coefficient with an enormous variance, so its contribution to the
    Wald statistic is numerically nil: here it gets weight exactly 0 (the
    limit), while the LRT includes it exactly.
    """
    p = x.sum() / n.sum()
    lrt = 2.0 * float(np.sum(special.xlogy(x, x / (n * p)) + special.xlogy(n - x, (n - x) / (n * (1 - p)))))
    inner = (x > 0) & (x < n)
    if inner.sum() >= 2:
        xi, ni = x[inner], n[inner]
        th = np.log(xi) - np.log(ni - xi)
        w = xi * (ni - xi) / ni
        wald = float(np.sum(w * (th - np.sum(w * th) / w.sum()) ** 2))
    else:
        wald = 0.0
    return max(0.0, wald), max(0.0, lrt)


# --------------------------------------------------------------------------- #
# fitting
# --------------------------------------------------------------------------- #
_NEWTON_MAXITER = 100
# Stop when the Newton step is below this (relative to the size of mu, tau): convergence
# is quadratic, so the step taken last leaves the maximum to machine precision, whatever
# the start, and the Hessian (for the SE) is taken where the step was computed, within
# the tolerance of the maximum. That is what makes a warm start (leave-one-out from the
# full fit) give the same digits as a cold one.
_NEWTON_STEP_TOL = 1e-12


@dataclass(frozen=True)
class Start:
    """Where a fit starts: (mu, tau) and, optionally, the conditional modes of the
    studies there (to warm-start the first mode search; those of the full data with
    study ``leave_out`` to be dropped, for a leave-one-out refit, so that k starts share
    one array) and a close approximation of the Hessian there (then the first Newton
    step needs only the gradient)."""

    mu: float
    tau: float
    modes: np.ndarray | None = None
    hessian: np.ndarray | None = None
    leave_out: int | None = None


def _newton_step(gradient: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """The Newton step for maximising, Levenberg-damped where the observed information
    is not positive definite (far from the maximum, or near tau = 0, a stationary point
    of a likelihood even in tau). 2 x 2, so in closed form."""
    (a, b), (_, d) = -hessian
    g = gradient
    half_trace, half_gap = 0.5 * (a + d), math.hypot(0.5 * (a - d), b)
    lowest = half_trace - half_gap  # smallest eigenvalue of the information
    scale = max(1.0, abs(a), abs(b), abs(d))
    if lowest <= 1e-8 * scale:
        a, d = a + 1e-3 * scale - lowest, d + 1e-3 * scale - lowest
    det = a * d - b * b
    return np.array([(d * g[0] - b * g[1]) / det, (a * g[1] - b * g[0]) / det])


def _maximise(x, n, quad: agq.Quadrature, start: Start) -> tuple[np.ndarray, agq.Evaluation, bool]:
    """Maximise the quadrature log-likelihood over (mu, tau) by Newton's method on the
    analytic gradient and Hessian (:mod:`tkimeta.stats.agq`); a step that lowers the
    likelihood is halved. Returns the maximiser (tau >= 0), the evaluation the last
    step was computed from, and whether the steps converged.
    """
    theta = np.array([start.mu, start.tau], dtype=float)
    if start.modes is None:
        u0 = np.zeros_like(x)
    else:
        u0 = start.modes if start.leave_out is None else np.delete(start.modes, start.leave_out)
    ev = None
    if start.hessian is not None:
        # the first step from the gradient alone and the Hessian that came with the start
        first = agq.evaluate(theta[0], theta[1], x, n, quad, u0, hessian=False)
        trial = theta + _newton_step(first.gradient, start.hessian)
        new = agq.evaluate(trial[0], trial[1], x, n, quad, first.modes)
        if new.loglik >= first.loglik - 1e-12 * (1.0 + abs(first.loglik)):
            theta, ev = trial, new
        else:
            u0 = first.modes
    if ev is None:
        ev = agq.evaluate(theta[0], theta[1], x, n, quad, u0)
    converged = False
    for _ in range(_NEWTON_MAXITER):
        step = _newton_step(ev.gradient, ev.hessian)
        if np.max(np.abs(step) / np.maximum(1.0, np.abs(theta))) < _NEWTON_STEP_TOL:
            theta = theta + step
            converged = True
            break
        floor = ev.loglik - 1e-12 * (1.0 + abs(ev.loglik))  # rounding noise of the sum
        for _halve in range(60):
            trial = theta + step
            new = agq.evaluate(trial[0], trial[1], x, n, quad, ev.modes)
            if new.loglik >= floor:
                break
            step = 0.5 * step
        theta, ev = trial, new
    if theta[1] < 0:  # the likelihood is even in tau: report the positive root
        theta[1] = -theta[1]
    return theta, ev, converged


def _dl_start(yi, vi) -> Start:
    """Start of a cold fit: the DerSimonian-Laird random-effects fit of the escalc
    logits, with tau away from 0 (the likelihood is even in tau, so 0 is a stationary
    point)."""
    tau2 = tau2_dl(yi, vi)
    return Start(weighted_mean(yi, 1.0 / (vi + tau2)), max(math.sqrt(tau2), 0.3))


def leave_one_out_starts(x, n, fit: GLMMResult) -> list[Start | None]:
    """Starts for the k leave-one-out refits: one Newton step from the full-data maximum.

    Without study i the log-likelihood is the full one minus study i's term, so at the
    full maximum its gradient is minus study i's gradient and its Hessian the full one
    less study i's: one vectorised evaluation gives the first Newton step of every
    refit. Each start also carries the refit's Hessian at the start, to second order
    (the third derivatives from central differences of each study's analytic Hessian),
    so that its first step of its own needs only a gradient, and its second (from a
    full evaluation) ends the fit. ``None`` (a cold start) where the full fit is on the
    boundary tau = 0 (no step leaves that stationary point) or where the step is not
    an ascent direction.
    """
    xa, na, _ = check_counts(x, n)
    k = xa.size
    if not fit.pooled or fit.tau2 == 0.0 or k < 3:
        return [None] * k
    quad = agq.quadrature(fit.nagq)
    theta = np.array([fit.estimate, fit.tau])
    full = agq.evaluate(theta[0], theta[1], xa, na, quad, np.zeros(k), per_study=True)
    grad, hess = full.gradient, full.hessian  # (2, k), (2, 2, k)
    third = np.empty((2, 2, 2, k))  # d hess[a, b] / d theta_c, per study
    for c in (0, 1):
        h = 1e-4 * max(1.0, abs(theta[c]))
        up, down = theta.copy(), theta.copy()
        up[c] += h
        down[c] -= h
        h_up = agq.evaluate(up[0], up[1], xa, na, quad, full.modes, per_study=True).hessian
        h_down = agq.evaluate(down[0], down[1], xa, na, quad, full.modes, per_study=True).hessian
        third[:, :, c] = (h_up - h_down) / (2.0 * h)
    hess_without = hess.sum(axis=2)[:, :, None] - hess  # Hessian without study i, (2, 2, k)
    third_without = third.sum(axis=3)[..., None] - third
    info = -hess_without
    det = info[0, 0] * info[1, 1] - info[0, 1] ** 2
    # maximise l - l_i from its gradient -g_i: step = info_-i^-1 (-g_i), by Cramer's rule
    step = np.array([-(info[1, 1] * grad[0] - info[0, 1] * grad[1]) / det,
                     -(info[0, 0] * grad[1] - info[0, 1] * grad[0]) / det])
    hess_at_start = hess_without + np.einsum("abck,ck->abk", third_without, step)
    ok = (info[0, 0] > 0) & (det > 0) & (fit.tau + step[1] > 0)
    return [Start(fit.estimate + float(step[0, i]), fit.tau + float(step[1, i]), full.modes,
                  hess_at_start[:, :, i].copy(), leave_out=i) if ok[i] else None for i in range(k)]


def glmm_logit(x, n, level: float = 0.95, nagq: int = 7, start: Start | None = None) -> GLMMResult:
    """Random-intercept logistic meta-analysis of proportions (metafor ``rma.glmm``, PLO).

    Model: ``x_i ~ Bin(n_i, expit(theta_i))``, ``theta_i ~ N(mu, tau^2)``.
    (mu, tau) maximise the marginal likelihood approximated by ``nagq``-point
    adaptive Gauss-Hermite quadrature (:func:`marginal_loglik`), as
    ``lme4::glmer(nAGQ = 7)`` called by metafor, by Newton's method on the exact
    gradient and Hessian of that approximation (:mod:`tkimeta.stats.agq`), run to
    machine precision.

    * ``se``: square root of the (mu, mu) element of the inverse observed
      information matrix of (mu, tau) (the analytic Hessian; lme4's ``vcov()``
      differentiates numerically); if the matrix is not positive definite the
      conditional variance ``1 / I_mumu`` is used (lme4 falls back similarly).
    * CI: ``mu -/+ z_{1-a/2} se``; PI: ``mu -/+ z_{1-a/2} sqrt(se^2 + tau^2)``
      (metafor ``predict()`` for ``test="z"``).
    * ``tau2 = 0`` is reported when the likelihood at tau = 0 (the common-
      effect logistic model, mu = logit(sum x / sum n)) is at least as high
      as at the interior optimum (boundary estimate, a "singular fit" in lme4).
    * I^2 and H^2 as metafor's rma.glmm: ``I2 = 100 tau^2 / (tau^2 + s^2)``,
      ``H2 = tau^2 / s^2 + 1`` where ``s^2`` is the typical within-study
      variance (:func:`tkimeta.stats.rma.typical_within_variance`) of the
      escalc("PLO") variances ``1/x + 1/(n-x)`` with 0.5 added to both cells of
      studies with 0 or n events (``add=1/2, to="only0"``).
    * Heterogeneity tests QE.Wld and QE.LRT on k - 1 df, see ``_qe_tests``.

    With k = 1 nothing is pooled: the study's logit and escalc variance (with
    the only0 correction) are returned with ``pooled=False`` and NaN for the
    heterogeneity quantities.

    Parameters
    ----------
    x, n : array_like of int
        Events and totals per study.
    level : float, default 0.95
    nagq : int, default 7
        Quadrature points (metafor's default; 1 = Laplace).
    start : Start, optional
        Where the search starts instead of the DerSimonian-Laird fit, e.g. a
        leave-one-out refit from :func:`leave_one_out_starts`. The result does not
        depend on it beyond rounding.

    Returns
    -------
    GLMMResult

    Raises
    ------
    ValueError
        Invalid counts, or when every study has 0 events (or every study has
        all events): the ML estimate of mu is then -inf (+inf).
    """
    level = D.check_level(level)
    nagq = int(nagq)
    if nagq < 1:
        raise ValueError(f"nagq must be a positive integer, got {nagq}")
    xa, na, _ = check_counts(x, n)
    k = xa.size
    zcrit = D.critical_value(level)
    nan = math.nan
    yi, vi = logit_transform(xa, na)
    yi = np.atleast_1d(yi)
    vi = np.atleast_1d(vi)

    if k == 1:
        est, se = float(yi[0]), math.sqrt(float(vi[0]))
        return GLMMResult(
            estimate=est, se=se, ci_lower=est - zcrit * se, ci_upper=est + zcrit * se,
            pi_lower=nan, pi_upper=nan, tau2=nan, i2=nan, h2=nan, qe_wald=nan,
            qe_wald_pvalue=nan, qe_lrt=nan, qe_lrt_pvalue=nan, q_df=0, k=1, loglik=nan,
            pooled=False, converged=True, level=level, nagq=nagq, statistic=est / se,
            pvalue=float(2 * D.norm_sf(abs(est / se))),
        )
    if np.all(xa == 0):
        raise ValueError("every study has 0 events: the GLMM has no finite maximum-likelihood estimate")
    if np.all(xa == na):
        raise ValueError("every study has all events: the GLMM has no finite maximum-likelihood estimate")

    quad = agq.quadrature(nagq)
    const = float(np.sum(_log_choose(na, xa)))
    theta, ev, converged = _maximise(xa, na, quad, _dl_start(yi, vi) if start is None else start)
    mu_hat, tau_hat, ll_hat = float(theta[0]), float(theta[1]), ev.loglik
    converged = converged or bool(np.max(np.abs(ev.gradient)) < 1e-4)

    # Boundary: compare with the exact common-effect (tau = 0) maximum.
    p_bar = xa.sum() / na.sum()
    mu0 = math.log(p_bar) - math.log1p(-p_bar)
    # at tau = 0 the quadrature is exact: the binomial log-likelihood at the common logit
    ll0 = float(np.sum(special.xlogy(xa, p_bar) + special.xlogy(na - xa, 1.0 - p_bar)))
    if ll0 >= ll_hat - 1e-10 or tau_hat < 1e-8:
        mu_hat, tau_hat, ll_hat = mu0, 0.0, ll0
        converged = True
        ev = agq.evaluate(mu0, 0.0, xa, na, quad, np.zeros(k))

    (i_mm, i_mt), (_, i_tt) = -ev.hessian  # observed information of (mu, tau)
    det = i_mm * i_tt - i_mt * i_mt
    var_mu = float(i_tt / det) if (i_mm > 0 and det > 0) else float(1.0 / i_mm)
    se = math.sqrt(var_mu)
    tau2 = tau_hat**2

    qw, ql = _qe_tests(xa, na)
    s2 = typical_within_variance(vi)
    half_pi = zcrit * math.sqrt(se**2 + tau2)
    stat = mu_hat / se
    return GLMMResult(
        estimate=mu_hat, se=se, ci_lower=mu_hat - zcrit * se, ci_upper=mu_hat + zcrit * se,
        pi_lower=mu_hat - half_pi, pi_upper=mu_hat + half_pi, tau2=tau2,
        i2=100.0 * tau2 / (s2 + tau2), h2=tau2 / s2 + 1.0,
        qe_wald=qw, qe_wald_pvalue=float(D.chi2_sf(qw, k - 1)),
        qe_lrt=ql, qe_lrt_pvalue=float(D.chi2_sf(ql, k - 1)), q_df=k - 1, k=k,
        loglik=ll_hat + const, pooled=True, converged=converged, level=level, nagq=nagq,
        statistic=stat, pvalue=float(2 * D.norm_sf(abs(stat))),
    )
