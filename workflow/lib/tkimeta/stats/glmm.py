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
prediction interval for this model; so the likelihood is written here,
vectorised over studies, and maximised with ``scipy.optimize``.

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
from numpy.polynomial.hermite import hermgauss
from scipy import special

from . import distributions as D
from .heterogeneity import typical_within_variance
from .proportions import check_counts, expit, logit_transform
from .rma import rma

__all__ = ["GLMMResult", "glmm_logit", "marginal_loglik"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


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
# likelihood
# --------------------------------------------------------------------------- #
def _h(u, mu, tau, x, n):
    """log p(x | u) + log phi(u) up to constants, with eta = mu + tau u."""
    eta = mu + tau * u
    return x * eta - n * np.logaddexp(0.0, eta) - 0.5 * u * u


def _modes(mu, tau, x, n, u0):
    """Conditional modes u_i of h (vectorised damped Newton) and -h''(u_i).

    h is strictly concave (h'' = -tau^2 n p (1-p) - 1 <= -1), so the mode is
    unique; the step is halved where it would lower h, which guarantees
    convergence from any start.
    """
    u = u0.copy()
    for _ in range(100):
        eta = mu + tau * u
        p = special.expit(eta)
        g1 = tau * (x - n * p) - u
        g2 = -(tau * tau) * n * p * (1.0 - p) - 1.0
        step = -g1 / g2
        h_old = _h(u, mu, tau, x, n)
        u_new = u + step
        bad = _h(u_new, mu, tau, x, n) < h_old - 1e-12 * np.abs(h_old)
        for _halve in range(50):
            if not bad.any():
                break
            step = np.where(bad, 0.5 * step, step)
            u_new = u + step
            bad = bad & (_h(u_new, mu, tau, x, n) < h_old - 1e-12 * np.abs(h_old))
        u = u_new
        if np.max(np.abs(step)) < 1e-11:
            break
    p = special.expit(mu + tau * u)
    curv = (tau * tau) * n * p * (1.0 - p) + 1.0
    return u, curv


def _loglik_parts(mu, tau, x, n, nodes, logw, u0):
    """Per-study adaptive Gauss-Hermite log marginal likelihoods (no binomial constant)."""
    u_hat, curv = _modes(mu, tau, x, n, u0)
    sigma = 1.0 / np.sqrt(curv)
    # integral of exp(h(u)) du ~ sqrt(2) sigma sum_j w_j exp(x_j^2) exp(h(u_hat + sqrt(2) sigma x_j))
    uu = u_hat[:, None] + math.sqrt(2.0) * sigma[:, None] * nodes[None, :]
    terms = logw[None, :] + nodes[None, :] ** 2 + _h(uu, mu, tau, x[:, None], n[:, None])
    ll_i = special.logsumexp(terms, axis=1) + np.log(math.sqrt(2.0) * sigma) - _LOG_SQRT_2PI
    return ll_i, u_hat


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
    nodes, w = hermgauss(int(nagq))
    ll_i, _ = _loglik_parts(float(mu), float(tau), xa, na, nodes, np.log(w), np.zeros_like(xa))
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
def _hessian(f, theta, h):
    """Central-difference Hessian of scalar f at theta (2 parameters)."""
    d = theta.size
    H = np.empty((d, d))
    f0 = f(theta)
    for i in range(d):
        ei = np.zeros(d)
        ei[i] = h[i]
        H[i, i] = (f(theta + ei) - 2.0 * f0 + f(theta - ei)) / h[i] ** 2
        for j in range(i + 1, d):
            ej = np.zeros(d)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (
                f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
            ) / (4.0 * h[i] * h[j])
    return H


def glmm_logit(x, n, level: float = 0.95, nagq: int = 7) -> GLMMResult:
    """Random-intercept logistic meta-analysis of proportions (metafor ``rma.glmm``, PLO).

    Model: ``x_i ~ Bin(n_i, expit(theta_i))``, ``theta_i ~ N(mu, tau^2)``.
    (mu, tau) maximise the marginal likelihood approximated by ``nagq``-point
    adaptive Gauss-Hermite quadrature (:func:`marginal_loglik`), as
    ``lme4::glmer(nAGQ = 7)`` called by metafor.

    * ``se``: square root of the (mu, mu) element of the inverse observed
      information matrix of (mu, tau) (central differences), which is what
      lme4's ``vcov()`` uses for GLMMs (finite-difference Hessian); if the
      matrix is not positive definite the conditional variance
      ``1 / I_mumu`` is used (lme4 falls back similarly).
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

    nodes, w = hermgauss(nagq)
    logw = np.log(w)
    const = float(np.sum(_log_choose(na, xa)))
    # Warm-start the conditional modes from the previous evaluation: successive
    # optimiser calls are close, so Newton then needs only 2-3 steps.
    cache = {"u": np.zeros(k)}

    def negll(theta):
        ll_i, u_hat = _loglik_parts(theta[0], theta[1], xa, na, nodes, logw, cache["u"])
        cache["u"] = u_hat
        return -float(np.sum(ll_i))

    def grad(theta):
        # Central differences; the objective is smooth and cheap.
        g = np.empty(2)
        for i in range(2):
            h = 1e-6 * max(1.0, abs(theta[i]))
            e = np.zeros(2)
            e[i] = h
            g[i] = (negll(theta + e) - negll(theta - e)) / (2 * h)
        return g

    # Start from the DL random-effects fit of the escalc logits; tau starts
    # away from 0 because the likelihood is even in tau (0 is a stationary point).
    start = rma(yi, vi, method="DL")
    theta0 = np.array([start.estimate, max(math.sqrt(start.tau2), 0.3)])
    from scipy import optimize  # imported here: half a second that only fitting needs

    opt = optimize.minimize(negll, theta0, jac=grad, method="BFGS", options={"gtol": 1e-8, "maxiter": 500})
    mu_hat, tau_hat = float(opt.x[0]), abs(float(opt.x[1]))
    ll_hat = -float(opt.fun)
    converged = bool(opt.success or np.max(np.abs(grad(np.array([mu_hat, tau_hat])))) < 1e-4)

    # Boundary: compare with the exact common-effect (tau = 0) maximum.
    p_bar = xa.sum() / na.sum()
    mu0 = math.log(p_bar) - math.log1p(-p_bar)
    ll0 = -negll(np.array([mu0, 0.0]))
    if ll0 >= ll_hat - 1e-10 or tau_hat < 1e-8:
        mu_hat, tau_hat, ll_hat = mu0, 0.0, ll0
        converged = True

    theta = np.array([mu_hat, tau_hat])
    hstep = np.array([1e-4 * max(1.0, abs(mu_hat)), 1e-4 * max(1.0, tau_hat)])
    H = _hessian(negll, theta, hstep)  # observed information of (mu, tau)
    try:
        np.linalg.cholesky(H)
        var_mu = float(np.linalg.inv(H)[0, 0])
    except np.linalg.LinAlgError:
        var_mu = 1.0 / H[0, 0]
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
