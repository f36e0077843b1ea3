"""The analytic gradient and Hessian of the adaptive Gauss-Hermite marginal likelihood
(tkimeta.stats.agq) against finite differences of the likelihood itself, and the GLMM
fit built on them (tkimeta.stats.glmm): a stationary point, an SE equal to the one a
finite-difference Hessian gives, and results that do not depend on where the search
starts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special

from tkimeta.stats import agq
from tkimeta.stats.glmm import Start, glmm_logit, leave_one_out_starts, marginal_loglik

# a zero-event and an all-event study among ordinary ones
X = np.array([0.0, 3, 5, 1, 2, 20, 11, 9])
N = np.array([25.0, 40, 38, 30, 45, 20, 68, 72])


def _loglik(theta, x, n, nagq):
    ll, _ = agq.loglik_terms(theta[0], theta[1], x, n, agq.quadrature(nagq), np.zeros(x.size))
    return float(np.sum(ll))


def _fd_gradient(f, theta, h=1e-5):
    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(2)])


def _fd_hessian(f, theta, h=1e-3):
    """Central differences with Richardson extrapolation (steps h and 2h): accurate to
    ~1e-9 relative on this smooth function, well below the analytic-vs-FD tolerance."""
    def plain(step):
        e = np.eye(2) * step
        return np.array([[(f(theta + e[i] + e[j]) - f(theta + e[i] - e[j]) - f(theta - e[i] + e[j])
                           + f(theta - e[i] - e[j])) / (4 * step * step) for j in range(2)] for i in range(2)])
    return (4 * plain(h) - plain(2 * h)) / 3


@pytest.mark.parametrize("nagq", [1, 7, 15])
@pytest.mark.parametrize("theta", [(-1.0, 0.8), (-2.0, 0.05), (0.5, 2.0), (-1.3, 0.0), (-0.7, -0.6)])
def test_gradient_and_hessian_agree_with_finite_differences(theta, nagq):
    theta = np.array(theta)
    f = lambda t: _loglik(t, X, N, nagq)  # noqa: E731
    ev = agq.evaluate(theta[0], theta[1], X, N, agq.quadrature(nagq), np.zeros(X.size))
    assert ev.loglik == pytest.approx(f(theta), rel=1e-13)
    scale = max(1.0, float(np.abs(ev.hessian).max()))
    np.testing.assert_allclose(ev.gradient, _fd_gradient(f, theta), rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ev.hessian, _fd_hessian(f, theta), rtol=0, atol=1e-6 * scale)
    assert ev.hessian[0, 1] == ev.hessian[1, 0]


def test_per_study_terms_sum_to_the_totals():
    quad = agq.quadrature(7)
    total = agq.evaluate(-1.0, 0.7, X, N, quad, np.zeros(X.size))
    each = agq.evaluate(-1.0, 0.7, X, N, quad, np.zeros(X.size), per_study=True)
    assert each.gradient.shape == (2, X.size) and each.hessian.shape == (2, 2, X.size)
    np.testing.assert_allclose(each.gradient.sum(axis=1), total.gradient, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(each.hessian.sum(axis=2), total.hessian, rtol=1e-13, atol=1e-12)


def test_loglik_is_the_marginal_likelihood_without_binomial_coefficients():
    ev = agq.evaluate(-1.0, 0.7, X, N, agq.quadrature(7), np.zeros(X.size))
    log_choose = special.gammaln(N + 1) - special.gammaln(X + 1) - special.gammaln(N - X + 1)
    assert ev.loglik + log_choose.sum() == pytest.approx(marginal_loglik(-1.0, 0.7, X, N), rel=1e-13)


def test_modes_are_stationary_points_of_the_integrand():
    mu, tau = -1.0, 0.7
    u = agq.conditional_modes(mu, tau, X, N, np.full(X.size, 5.0))  # a poor start on purpose
    p = special.expit(mu + tau * u)
    np.testing.assert_allclose(tau * (X - N * p) - u, 0.0, atol=1e-10)


def _simulated(seed, k, tau):
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 150, k).astype(float)
    x = rng.binomial(n.astype(int), special.expit(rng.normal(-1.2, tau, k))).astype(float)
    return x, n


@pytest.mark.parametrize("seed, k, tau", [(1, 5, 0.6), (2, 12, 0.3), (3, 40, 1.0), (4, 8, 0.0), (5, 200, 0.5)])
def test_fit_is_the_maximum_a_generic_optimiser_finds(seed, k, tau):
    x, n = _simulated(seed, k, tau)
    fit = glmm_logit(x, n)
    assert fit.converged
    best = optimize.minimize(lambda t: -marginal_loglik(t[0], t[1], x, n), [fit.estimate + 0.2, 0.5],
                             method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-12, maxiter=4000))
    assert fit.loglik >= -best.fun - 1e-9
    if fit.tau2 > 0:  # an interior maximum: the analytic gradient vanishes there
        ev = agq.evaluate(fit.estimate, fit.tau, x, n, agq.quadrature(7), np.zeros(k))
        assert np.abs(ev.gradient).max() < 1e-8


def test_se_agrees_with_a_finite_difference_hessian():
    x, n = _simulated(2, 12, 0.3)
    fit = glmm_logit(x, n)
    assert fit.tau2 > 0
    info = -_fd_hessian(lambda t: _loglik(t, x, n, 7), np.array([fit.estimate, fit.tau]))
    assert fit.se == pytest.approx(math.sqrt(np.linalg.inv(info)[0, 0]), rel=1e-7)


def test_leave_one_out_from_the_one_step_start_equals_a_cold_fit():
    x, n = _simulated(5, 60, 0.5)
    full = glmm_logit(x, n)
    starts = leave_one_out_starts(x, n, full)
    assert len(starts) == x.size and all(s is not None for s in starts)
    for i in (0, 17, 59):
        keep = np.arange(x.size) != i
        warm, cold = glmm_logit(x[keep], n[keep], start=starts[i]), glmm_logit(x[keep], n[keep])
        assert warm.converged
        for field in ("estimate", "se", "tau2", "ci_lower", "pi_upper"):
            assert getattr(warm, field) == pytest.approx(getattr(cold, field), rel=1e-10, abs=1e-12), field


def test_leave_one_out_starts_are_cold_on_the_boundary():
    x, n = np.array([10, 22, 14, 31, 18]), np.array([100, 200, 150, 300, 170])
    full = glmm_logit(x, n)
    assert full.tau2 == 0.0
    assert leave_one_out_starts(x, n, full) == [None] * 5


def test_start_far_from_the_maximum_still_converges():
    x, n = _simulated(3, 40, 1.0)
    cold = glmm_logit(x, n)
    far = glmm_logit(x, n, start=Start(cold.estimate + 3.0, 0.01))
    assert far.converged and far.estimate == pytest.approx(cold.estimate, rel=1e-10)
    assert far.tau2 == pytest.approx(cold.tau2, rel=1e-9)
