"""Unit tests of tkimeta.stats.proportions (no R needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tkimeta.stats.proportions import (
    clopper_pearson,
    expit,
    freeman_tukey,
    inverse_freeman_tukey,
    inverse_freeman_tukey_hm,
    logit,
    logit_transform,
    wald,
    wilson,
)

Z95 = 1.959963984540054


# --------------------------------------------------------------------------- #
# confidence intervals
# --------------------------------------------------------------------------- #
def test_clopper_pearson_seed_orr():
    # ORR 11/68: the exact 95% CI reported in the seed paper is 8.4%-27.1%.
    lo, hi = clopper_pearson(11, 68)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (8.4, 27.1)
    assert isinstance(lo, float) and isinstance(hi, float)


def test_clopper_pearson_closed_forms_at_the_boundaries():
    # x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n).
    lo, hi = clopper_pearson(0, 20)
    assert lo == 0.0
    assert hi == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-12)
    lo, hi = clopper_pearson(20, 20)
    assert hi == 1.0
    assert lo == pytest.approx(0.025 ** (1 / 20), rel=1e-12)


def test_clopper_pearson_vectorised_and_level():
    lo, hi = clopper_pearson([11, 9], [68, 72], level=0.90)
    assert lo.shape == (2,)
    lo95, hi95 = clopper_pearson([11, 9], [68, 72])
    assert np.all(lo > lo95) and np.all(hi < hi95)  # narrower at 90%


def test_wilson_matches_formula():
    x, n = 11, 68
    p = x / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    lo, hi = wilson(x, n)
    assert lo == pytest.approx(centre - half, rel=1e-10)
    assert hi == pytest.approx(centre + half, rel=1e-10)
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-15)


def test_wald_matches_formula_and_clips():
    x, n = 11, 68
    p = x / n
    half = Z95 * math.sqrt(p * (1 - p) / n)
    assert wald(x, n) == pytest.approx((p - half, p + half), rel=1e-10)
    assert wald(1, 10)[0] == 0.0  # clipped at 0
    assert wald(0, 10) == (0.0, 0.0)


@pytest.mark.parametrize("func", [clopper_pearson, wilson, wald])
@pytest.mark.parametrize(
    "x, n, message",
    [
        (12, 10, "must not exceed n"),
        (1, -5, "n must be positive"),
        (1, 0, "n must be positive"),
        (-1, 10, "non-negative"),
        ([1, 2], [10], "same length"),
        (1.5, 10, "whole numbers"),
        (float("nan"), 10, "finite"),
        ([], [], "empty"),
    ],
)
def test_invalid_counts_raise(func, x, n, message):
    with pytest.raises(ValueError, match=message):
        func(x, n)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.1])
def test_invalid_level_raises(level):
    with pytest.raises(ValueError, match="level"):
        clopper_pearson(1, 10, level=level)


# --------------------------------------------------------------------------- #
# logit transform
# --------------------------------------------------------------------------- #
def test_logit_transform_no_correction_without_zero_cells():
    yi, vi = logit_transform(11, 68)
    assert yi == pytest.approx(math.log(11 / 57), rel=1e-14)
    assert vi == pytest.approx(1 / 11 + 1 / 57, rel=1e-14)


def test_logit_transform_only0_correction():
    yi, vi = logit_transform([0, 25, 3], [25, 25, 30])
    assert yi[0] == pytest.approx(math.log(0.5 / 25.5))
    assert vi[0] == pytest.approx(1 / 0.5 + 1 / 25.5)
    assert yi[1] == pytest.approx(math.log(25.5 / 0.5))  # all events
    assert yi[2] == pytest.approx(math.log(3 / 27))  # untouched


def test_logit_transform_other_to_options():
    yi_all, _ = logit_transform([3, 5], [30, 30], to="all")
    assert yi_all[0] == pytest.approx(math.log(3.5 / 27.5))
    yi_if0, _ = logit_transform([0, 5], [30, 30], to="if0all")
    assert yi_if0[1] == pytest.approx(math.log(5.5 / 25.5))
    yi_none, vi_none = logit_transform(0, 30, to="none")
    assert yi_none == -math.inf and vi_none == math.inf
    with pytest.raises(ValueError, match="to must be"):
        logit_transform(1, 10, to="sometimes")
    with pytest.raises(ValueError, match="add"):
        logit_transform(1, 10, add=-1)


def test_logit_and_expit_are_inverse():
    p = np.array([0.01, 0.3, 0.9])
    assert np.allclose(expit(logit(p)), p)
    assert isinstance(logit(0.5), float) and logit(0.5) == 0.0


# --------------------------------------------------------------------------- #
# Freeman-Tukey
# --------------------------------------------------------------------------- #
def test_freeman_tukey_formula():
    yi, vi = freeman_tukey(11, 68)
    expected = 0.5 * (math.asin(math.sqrt(11 / 69)) + math.asin(math.sqrt(12 / 69)))
    assert yi == pytest.approx(expected, rel=1e-14)
    assert vi == pytest.approx(1 / 274, rel=1e-14)
    yi0, _ = freeman_tukey(0, 20)  # finite without correction
    assert yi0 == pytest.approx(0.5 * math.asin(math.sqrt(1 / 21)))


def test_inverse_freeman_tukey_round_trip():
    # Miller's formula is the exact inverse of t(p) = PFT(x = p n, n).
    n = 68
    for x in [1, 11, 34, 60, 67]:
        t, _ = freeman_tukey(x, n)
        assert inverse_freeman_tukey(t, n) == pytest.approx(x / n, rel=1e-10)


def test_inverse_freeman_tukey_clamps_outside_range():
    n = 50
    t0, _ = freeman_tukey(0, n)
    t1, _ = freeman_tukey(n, n)
    assert inverse_freeman_tukey(t0 - 0.01, n) == 0.0
    assert inverse_freeman_tukey(t1 + 0.01, n) == 1.0
    out = inverse_freeman_tukey(np.array([t0 - 0.01, t1 + 0.01]), n)
    assert out.tolist() == [0.0, 1.0]


def test_inverse_freeman_tukey_hm_uses_harmonic_mean():
    ni = np.array([68, 72, 82, 32])
    nhm = 1 / np.mean(1 / ni)
    t = 0.4
    assert inverse_freeman_tukey_hm(t, ni) == pytest.approx(inverse_freeman_tukey(t, nhm))
    with pytest.raises(ValueError, match="positive sample sizes"):
        inverse_freeman_tukey_hm(t, [10, 0])
    with pytest.raises(ValueError, match="positive"):
        inverse_freeman_tukey(t, -3)


def test_closed_forms_agree_with_statsmodels_and_scipy():
    """The library's own intervals and distribution functions equal the reference ones."""
    import numpy as np
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    from tkimeta.stats import distributions as D
    from tkimeta.stats.proportions import clopper_pearson, wald, wilson

    x = np.array([0, 1, 11, 40, 67, 68])
    n = np.array([68, 68, 68, 68, 68, 68])
    for ours, method in ((clopper_pearson, "beta"), (wilson, "wilson"), (wald, "normal")):
        for level in (0.9, 0.95, 0.99):
            expected = proportion_confint(x, n, alpha=1 - level, method=method)
            np.testing.assert_allclose(ours(x, n, level), expected, rtol=1e-12, atol=1e-14)
    q = np.array([0.001, 0.025, 0.5, 0.975])
    np.testing.assert_allclose(D.norm_ppf(q), stats.norm.ppf(q), rtol=1e-13)
    np.testing.assert_allclose(D.norm_sf(q * 3), stats.norm.sf(q * 3), rtol=1e-13)
    np.testing.assert_allclose(D.norm_isf(q), stats.norm.isf(q), rtol=1e-13)
    np.testing.assert_allclose(D.t_ppf(q, 3), stats.t.ppf(q, 3), rtol=1e-10)
    np.testing.assert_allclose(D.t_sf(q * 4, 1), stats.t.sf(q * 4, 1), rtol=1e-12)
    np.testing.assert_allclose(D.chi2_sf(q * 10, 2), stats.chi2.sf(q * 10, 2), rtol=1e-12)
    np.testing.assert_allclose(D.chi2_ppf(q, 4), stats.chi2.ppf(q, 4), rtol=1e-10)
    np.testing.assert_allclose(D.beta_ppf(q, 3, 7), stats.beta.ppf(q, 3, 7), rtol=1e-10)
    np.testing.assert_allclose(D.f_sf(q * 8, 1, 5), stats.f.sf(q * 8, 1, 5), rtol=1e-12)
    np.testing.assert_allclose(D.f_sf(q * 8, 3, 30), stats.f.sf(q * 8, 3, 30), rtol=1e-12)


def test_critical_value_is_the_one_level_convention():
    from scipy import stats

    from tkimeta.stats import distributions as D

    assert D.critical_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert D.critical_value(0.9, df=4) == pytest.approx(stats.t.ppf(0.95, 4), rel=1e-10)
    for level in (0.8, 0.9, 0.95, 0.99):  # the same number as the 1 - alpha/2 form
        assert D.critical_value(level) == D.norm_ppf(1 - (1 - level) / 2)
    with pytest.raises(ValueError, match="fraction"):
        D.critical_value(95)
