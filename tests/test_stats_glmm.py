"""Unit tests of tkimeta.stats.glmm (no R needed; metafor comparisons are in test_stats_metafor.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from tkimeta.stats.glmm import glmm_logit, marginal_loglik
from tkimeta.stats.proportions import logit_transform
from tkimeta.stats.heterogeneity import typical_within_variance

X = np.array([11, 9, 20, 6])
N = np.array([68, 72, 82, 32])


def _exact_study_loglik(mu, tau, x, n):
    """log of integral Bin(x | n, expit(mu + tau u)) phi(u) du by adaptive quadrature (scipy.quad)."""
    f = lambda u: stats.binom.pmf(x, n, special.expit(mu + tau * u)) * stats.norm.pdf(u)  # noqa: E731
    val, _ = integrate.quad(f, -12, 12, epsabs=1e-14, epsrel=1e-12, limit=200)
    return math.log(val)


def test_marginal_loglik_at_tau_zero_is_binomial_loglik():
    mu = -1.5
    expected = np.sum(stats.binom.logpmf(X, N, special.expit(mu)))
    assert marginal_loglik(mu, 0.0, X, N) == pytest.approx(expected, rel=1e-12)


def test_adaptive_quadrature_is_accurate():
    # 7-point AGQ against brute-force integration, including a zero-event study
    x, n = np.array([0, 3, 20]), np.array([25, 40, 22])
    mu, tau = -1.0, 0.8
    exact = sum(_exact_study_loglik(mu, tau, xi, ni) for xi, ni in zip(x, n))
    assert marginal_loglik(mu, tau, x, n) == pytest.approx(exact, abs=1e-5)
    assert marginal_loglik(mu, tau, x, n, nagq=21) == pytest.approx(exact, abs=1e-8)
    # the likelihood is even in tau
    assert marginal_loglik(mu, -tau, x, n) == pytest.approx(marginal_loglik(mu, tau, x, n))


@pytest.mark.parametrize(
    "x, n",
    [
        (X, N),
        (np.array([0, 3, 5, 1, 2]), np.array([25, 40, 38, 30, 45])),  # a zero-event study
        (np.array([20, 18, 30, 25]), np.array([20, 22, 35, 31])),  # an all-event study
    ],
)
def test_estimate_maximises_the_uncorrected_likelihood(x, n):
    # Studies with 0 or n events enter with their exact binomial probability
    # (no continuity correction): the fit maximises exactly that likelihood.
    r = glmm_logit(x, n)
    assert r.pooled and r.converged
    tau = math.sqrt(r.tau2)
    ll = marginal_loglik(r.estimate, tau, x, n)
    assert r.loglik == pytest.approx(ll, abs=1e-9)
    for dmu, dtau in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert marginal_loglik(r.estimate + dmu, tau + dtau, x, n) <= ll + 1e-12


def test_i2_h2_and_prediction_interval_definitions():
    x, n = np.array([0, 3, 5, 1, 2]), np.array([25, 40, 38, 30, 45])
    r = glmm_logit(x, n)
    _, vi = logit_transform(x, n)  # escalc PLO variances with the only0 correction
    s2 = typical_within_variance(vi)
    assert r.i2 == pytest.approx(100 * r.tau2 / (r.tau2 + s2))
    assert r.h2 == pytest.approx(r.tau2 / s2 + 1)
    half = stats.norm.ppf(0.975) * math.sqrt(r.se**2 + r.tau2)
    assert (r.pi_lower, r.pi_upper) == pytest.approx((r.estimate - half, r.estimate + half))
    assert r.proportion == pytest.approx(special.expit(r.estimate))
    assert r.tau == pytest.approx(math.sqrt(r.tau2))


def test_heterogeneity_tests():
    x, n = np.array([0, 3, 5, 1, 2]), np.array([25, 40, 38, 30, 45])
    r = glmm_logit(x, n)
    # LRT: common-effect vs saturated binomial models (0 log 0 = 0)
    p = x.sum() / n.sum()
    ll_fe = np.sum(stats.binom.logpmf(x, n, p))
    ll_sat = np.sum(stats.binom.logpmf(x, n, x / n))
    assert r.qe_lrt == pytest.approx(2 * (ll_sat - ll_fe), rel=1e-10)
    # Wald: Cochran's Q on the study logits with ML weights, zero-event study weight 0
    inner = x > 0
    th = np.log(x[inner] / (n[inner] - x[inner]))
    w = x[inner] * (n[inner] - x[inner]) / n[inner]
    assert r.qe_wald == pytest.approx(np.sum(w * (th - np.sum(w * th) / w.sum()) ** 2))
    assert r.q_df == 4
    assert r.qe_wald_pvalue == pytest.approx(stats.chi2.sf(r.qe_wald, 4))


def test_tau2_boundary_gives_common_effect_model():
    x, n = np.array([10, 22, 14, 31]), np.array([100, 200, 150, 300])
    r = glmm_logit(x, n)
    p = x.sum() / n.sum()
    assert r.tau2 == 0.0 and r.i2 == 0.0 and r.h2 == 1.0
    assert r.estimate == pytest.approx(math.log(p / (1 - p)), rel=1e-12)
    assert r.se == pytest.approx(1 / math.sqrt(n.sum() * p * (1 - p)), rel=1e-5)
    assert (r.pi_lower, r.pi_upper) == pytest.approx((r.ci_lower, r.ci_upper))


def test_all_event_study_pulls_the_estimate_up():
    x, n = np.array([20, 18, 30, 25]), np.array([20, 22, 35, 31])
    r = glmm_logit(x, n)
    assert all(math.isfinite(v) for v in (r.estimate, r.se, r.tau2, r.ci_lower, r.ci_upper))
    assert r.estimate > glmm_logit(x[1:], n[1:]).estimate


def test_single_study_is_not_pooled():
    r = glmm_logit([0], [25])
    yi, vi = logit_transform(0, 25)
    assert not r.pooled and r.k == 1
    assert r.estimate == pytest.approx(yi) and r.se == pytest.approx(math.sqrt(vi))
    assert math.isnan(r.tau2) and math.isnan(r.qe_wald) and math.isnan(r.pi_lower)


def test_recovers_parameters_of_a_large_simulated_meta_analysis():
    rng = np.random.default_rng(20240501)
    k = 400
    n = rng.integers(20, 200, k)
    x = rng.binomial(n, special.expit(rng.normal(-1.0, 0.5, k)))
    r = glmm_logit(x, n)
    assert r.estimate == pytest.approx(-1.0, abs=0.1)
    assert math.sqrt(r.tau2) == pytest.approx(0.5, abs=0.1)


def test_thousand_studies_with_zero_events_converge():
    """At k = 1,000, zero-event studies among them, the fit converges near the values the
    data were drawn from (mean logit -1.5, SD 0.7). Its speed is the benchmark's to
    measure (benchmarks/scale.py), not a test's."""
    rng = np.random.default_rng(7)
    n = rng.integers(10, 300, 1000)
    x = rng.binomial(n, special.expit(rng.normal(-1.5, 0.7, 1000)))
    x[:20] = 0  # zero-event studies too
    r = glmm_logit(x, n)
    assert r.converged and r.k == 1000
    assert abs(r.estimate - (-1.5)) < 0.15 and abs(r.tau2 - 0.49) < 0.2


@pytest.mark.parametrize(
    "x, n, message",
    [
        ([0, 0, 0], [10, 20, 30], "0 events"),
        ([10, 20], [10, 20], "all events"),
        ([11, 9], [10, 20], "must not exceed n"),
        ([1, 2], [10, -20], "n must be positive"),
        ([1, 2, 3], [10, 20], "same length"),
    ],
)
def test_invalid_input_raises(x, n, message):
    with pytest.raises(ValueError, match=message):
        glmm_logit(x, n)


def test_invalid_options_raise():
    with pytest.raises(ValueError, match="nagq"):
        glmm_logit(X, N, nagq=0)
    with pytest.raises(ValueError, match="level"):
        glmm_logit(X, N, level=1.5)
