"""Unit tests of tkimeta.stats.rma and tkimeta.stats.heterogeneity (no R needed; metafor
comparisons are in test_stats_metafor.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import optimize, stats

from tkimeta.stats.heterogeneity import tau2_dl, tau2_fisher_scoring, tau2_qprofile_ci, typical_within_variance
from tkimeta.stats.rma import rma, subgroup_test

YI = np.array([0.1, 0.3, -0.2])
VI = np.array([0.04, 0.05, 0.03])
# log median PFS of five arms and their SEs (realistic seed-like values)
LOGMED = np.log([6.9, 8.4, 5.6, 11.2, 7.3])
SE_LOGMED = np.array([0.12, 0.15, 0.18, 0.10, 0.22])


def test_fe_is_inverse_variance_mean():
    r = rma(YI, VI, method="FE")
    w = 1 / VI
    assert r.estimate == pytest.approx(np.sum(w * YI) / w.sum(), rel=1e-14)
    assert r.se == pytest.approx(1 / math.sqrt(w.sum()), rel=1e-14)
    assert r.tau2 == 0.0 and math.isnan(r.pi_lower) and math.isnan(r.tau2_ci[0])
    assert sum(r.weights) == pytest.approx(100.0)


def test_dl_hand_worked_example():
    # w = 25, 20, 33.33; mu_FE = 1.8333/78.333 = 0.023404; Q = 3.340426;
    # c = 78.333 - 2136.11/78.333 = 51.06383; tau2 = (3.340426 - 2)/51.06383 = 0.02625
    assert tau2_dl(YI, VI) == pytest.approx(0.02625, rel=1e-10)
    r = rma(YI, VI, method="DL")
    assert r.q == pytest.approx(3.340425531914894, rel=1e-12)
    assert r.q_df == 2
    assert r.q_pvalue == pytest.approx(stats.chi2.sf(r.q, 2))
    w = 1 / (VI + 0.02625)
    assert r.estimate == pytest.approx(np.sum(w * YI) / w.sum(), rel=1e-10)


def test_dl_truncated_at_zero():
    yi = np.array([0.10, 0.12, 0.09, 0.11])
    vi = np.array([0.10, 0.12, 0.15, 0.20]) ** 2
    assert tau2_dl(yi, vi) == 0.0
    r = rma(yi, vi, method="DL")
    assert r.tau2 == 0.0 and r.i2 == 0.0 and r.h2 == 1.0
    assert r.estimate == pytest.approx(rma(yi, vi, method="FE").estimate)


def test_i2_h2_use_typical_within_variance():
    r = rma(LOGMED, sei=SE_LOGMED, method="REML")
    w = 1 / SE_LOGMED**2
    s2 = (len(w) - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2))
    assert typical_within_variance(SE_LOGMED**2) == pytest.approx(s2)
    assert r.i2 == pytest.approx(100 * r.tau2 / (r.tau2 + s2))
    assert r.h2 == pytest.approx(r.tau2 / s2 + 1)
    fe = rma(LOGMED, sei=SE_LOGMED, method="FE")
    assert fe.i2 == pytest.approx(100 * (fe.q - 4) / fe.q)
    assert fe.h2 == pytest.approx(fe.q / 4)


def test_prediction_interval_z_and_knha():
    rz = rma(LOGMED, sei=SE_LOGMED, method="REML", test="z")
    half = stats.norm.ppf(0.975) * math.sqrt(rz.se**2 + rz.tau2)
    assert (rz.pi_lower, rz.pi_upper) == pytest.approx((rz.estimate - half, rz.estimate + half))
    rk = rma(LOGMED, sei=SE_LOGMED, method="REML", test="knha")
    half = stats.t.ppf(0.975, 4) * math.sqrt(rk.se**2 + rk.tau2)
    assert (rk.pi_lower, rk.pi_upper) == pytest.approx((rk.estimate - half, rk.estimate + half))


def test_knha_scaling_not_truncated():
    # homogeneous data: s2w < 1, which metafor's default knha keeps (no max(1, .))
    yi = np.array([0.10, 0.12, 0.09, 0.11])
    vi = np.array([0.10, 0.12, 0.15, 0.20]) ** 2
    rz = rma(yi, vi, method="REML", test="z")
    rk = rma(yi, vi, method="REML", test="knha")
    w = 1 / (vi + rk.tau2)
    s2w = np.sum(w * (yi - rk.estimate) ** 2) / 3
    assert s2w < 1 and rk.knha_scale == pytest.approx(s2w)
    assert rk.se == pytest.approx(rz.se * math.sqrt(s2w))
    assert rk.df == 3 and math.isnan(rz.df)
    crit = stats.t.ppf(0.975, 3)
    assert rk.ci_upper == pytest.approx(rk.estimate + crit * rk.se)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_fisher_scoring_reaches_the_likelihood_maximum(method):
    y, v = LOGMED, SE_LOGMED**2

    def negll(t2):
        w = 1 / (v + t2)
        mu = np.sum(w * y) / w.sum()
        ll = -0.5 * np.sum(np.log(v + t2)) - 0.5 * np.sum(w * (y - mu) ** 2)
        if method == "REML":
            ll -= 0.5 * math.log(w.sum())
        return -ll

    best = optimize.minimize_scalar(negll, bounds=(0, 5), method="bounded", options={"xatol": 1e-10})
    tau2, iterations = tau2_fisher_scoring(y, v, method)
    # metafor's (and our) stopping rule is |step| < 1e-5 on tau^2
    assert tau2 == pytest.approx(best.x, abs=1e-5)
    assert iterations >= 1
    assert rma(y, v, method=method).iterations == iterations


def test_qprofile_bounds_solve_the_q_equations():
    y, v = LOGMED, SE_LOGMED**2
    lo, hi = tau2_qprofile_ci(y, v)

    def q(t2):
        w = 1 / (v + t2)
        return np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)

    assert q(lo) == pytest.approx(stats.chi2.ppf(0.975, 4), rel=1e-9)
    assert q(hi) == pytest.approx(stats.chi2.ppf(0.025, 4), rel=1e-9)
    r = rma(y, v, method="REML")
    assert lo < r.tau2 < hi and r.tau2_ci == (lo, hi)


def test_qprofile_zero_bounds_and_cap():
    # Q(0) below the lower chi-square quantile: CI is {0}
    yi = np.array([0.10, 0.1001, 0.0999])
    assert tau2_qprofile_ci(yi, np.full(3, 0.04)) == (0.0, 0.0)
    # k = 2, wildly different estimates: upper bound far above 100 (1 df);
    # metafor's confint() would print ">100", which tau2_max reproduces.
    lo, hi = tau2_qprofile_ci([0.2, 0.9], [0.15**2, 0.2**2])
    assert 0 < lo < hi and hi > 100
    assert tau2_qprofile_ci([0.2, 0.9], [0.15**2, 0.2**2], tau2_max=100)[1] == 100
    with pytest.raises(ValueError, match="tau2_max"):
        tau2_qprofile_ci([0.2, 0.9], [0.1, 0.1], tau2_max=0)


def test_k2_is_allowed_with_zero_lower_tau2_bound():
    r = rma([-1.3, -1.5], [0.12, 0.1], method="REML", test="knha")
    assert r.pooled and r.k == 2 and r.q_df == 1 and r.df == 1
    assert r.tau2_ci[0] == 0.0


def test_single_study_is_not_pooled():
    r = rma([0.4], sei=[0.2], method="REML", test="knha")
    assert not r.pooled and r.k == 1
    assert r.estimate == 0.4 and r.se == pytest.approx(0.2)
    z = stats.norm.ppf(0.975)
    assert (r.ci_lower, r.ci_upper) == pytest.approx((0.4 - z * 0.2, 0.4 + z * 0.2))
    for value in (r.tau2, r.i2, r.h2, r.q, r.q_pvalue, r.pi_lower, r.pi_upper, *r.tau2_ci):
        assert math.isnan(value)
    assert r.weights == (100.0,)


def test_vi_and_sei_give_the_same_result():
    assert rma(LOGMED, SE_LOGMED**2) == rma(LOGMED, sei=SE_LOGMED)


def test_result_is_frozen():
    r = rma(YI, VI)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 0.0  # type: ignore[misc]


def test_level_changes_interval_width():
    r90 = rma(YI, VI, method="DL", level=0.90)
    r95 = rma(YI, VI, method="DL")
    assert r90.ci_upper - r90.ci_lower < r95.ci_upper - r95.ci_lower
    assert r90.level == 0.90


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(yi=[0.1, 0.2], vi=[0.1]), "same length"),
        (dict(yi=[0.1, 0.2], sei=[0.1, 0.0]), r"standard errors \(sei\) must be > 0"),
        (dict(yi=[0.1, 0.2], sei=[0.1, -0.2]), "must be > 0"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.0]), r"sampling variances \(vi\) must be > 0"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], sei=[0.3, 0.3]), "exactly one"),
        (dict(yi=[0.1, 0.2]), "exactly one"),
        (dict(yi=[0.1, float("nan")], vi=[0.1, 0.1]), "yi must be finite"),
        (dict(yi=[0.1, 0.2], vi=[0.1, float("inf")]), "vi must be finite"),
        (dict(yi=[], vi=[]), "at least one study"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], method="PM"), "method must be one of"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], test="t"), "test must be one of"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], level=95), "level"),
    ],
)
def test_invalid_input_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rma(**kwargs)


def test_tau2_helpers_need_two_studies():
    with pytest.raises(ValueError, match="two studies"):
        tau2_dl([0.1], [0.1])
    with pytest.raises(ValueError, match="two studies"):
        tau2_fisher_scoring([0.1], [0.1])
    with pytest.raises(ValueError, match="two studies"):
        tau2_qprofile_ci([0.1], [0.1])
    with pytest.raises(ValueError, match="REML"):
        tau2_fisher_scoring([0.1, 0.2], [0.1, 0.1], method="DL")


# --------------------------------------------------------------------------- #
# subgroup test
# --------------------------------------------------------------------------- #
def test_subgroup_q_between_is_fe_q_of_subgroup_estimates():
    yi = np.array([-1.6, -2.0, -1.1, -1.5, -1.2, -1.7, -1.3])
    vi = np.array([0.11, 0.13, 0.07, 0.2, 0.09, 0.17, 0.1])
    groups = ["b", "b", "b", "a", "a", "a", "c"]
    s = subgroup_test(yi, vi, groups, method="DL")
    assert list(s.subgroups) == ["b", "a", "c"]  # first-appearance order
    m = np.array([g.estimate for g in s.subgroups.values()])
    w = 1 / np.array([g.se for g in s.subgroups.values()]) ** 2
    q = np.sum(w * (m - np.sum(w * m) / w.sum()) ** 2)
    assert s.q_between == pytest.approx(q)
    assert s.df == 2 and s.pvalue == pytest.approx(stats.chi2.sf(q, 2))
    # the singleton subgroup contributes the study itself
    assert not s.subgroups["c"].pooled
    assert s.subgroups["c"].se == pytest.approx(math.sqrt(0.1))
    with pytest.raises(TypeError):
        s.subgroups["d"] = s.subgroups["c"]  # read-only mapping


def test_subgroup_input_validation():
    with pytest.raises(ValueError, match="one label per study"):
        subgroup_test([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], ["a", "b"])
    with pytest.raises(ValueError, match="two distinct subgroups"):
        subgroup_test([0.1, 0.2], [0.1, 0.1], ["a", "a"])
    with pytest.raises(ValueError, match="groups"):
        subgroup_test([0.1, 0.2], [0.1, 0.1])
