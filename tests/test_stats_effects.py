"""Unit tests of tkimeta.stats.effects against hand-worked numbers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tkimeta.stats.effects import (
    LogEstimate,
    hr_from_logrank,
    log_median_with_se,
    log_odds_ratio,
    log_ratio_of_medians,
    pvalue_from_ci,
    se_log_median_from_ci,
    se_log_median_from_events,
    se_log_ratio_from_ci,
)

# Hand-worked values below are given to 6 significant digits, hence rel=1e-5.
REL = 1e-5


# --------------------------------------------------------------------------- #
# Tierney et al. 2007: log-rank p-value and events
# --------------------------------------------------------------------------- #
def test_tierney_hand_worked_one_to_one():
    # p = 0.03 (two-sided), 120 events, 1:1 allocation:
    #   z = Phi^-1(1 - 0.015) = 2.170090
    #   V = E/4 = 30
    #   |O - E| = z sqrt(V) = 2.170090 * 5.477226 = 11.88607
    #   ln HR = -(11.88607)/30 = -0.396202 (HR 0.6729), SE = 1/sqrt(30) = 0.182574
    est = hr_from_logrank(0.03, 120, "hr_below_1")
    assert est.estimate == pytest.approx(-0.396202, rel=REL)
    assert math.exp(est.estimate) == pytest.approx(0.672869, rel=REL)
    assert est.se == pytest.approx(0.182574, rel=REL)
    assert est.approximate and est.source == "logrank-p-events"


def test_tierney_hand_worked_two_to_one_and_direction():
    # 2:1 allocation: V = 120 * 2 / 3^2 = 26.66667; |O - E| = 2.170090 * 5.163978 = 11.20630
    # ln HR = +11.20630 / 26.66667 = 0.420236 (HR above 1), SE = 1/sqrt(26.66667) = 0.193649
    est = hr_from_logrank(0.03, 120, "hr_above_1", ratio=2.0)
    assert est.estimate == pytest.approx(0.420236, rel=REL)
    assert est.se == pytest.approx(0.193649, rel=REL)
    # R and 1/R give the same variance
    assert hr_from_logrank(0.03, 120, "hr_above_1", ratio=0.5).se == pytest.approx(est.se)


def test_tierney_one_sided_and_null():
    two = hr_from_logrank(0.04, 80, "hr_below_1")
    one = hr_from_logrank(0.02, 80, "hr_below_1", sided=1)
    assert one.estimate == pytest.approx(two.estimate)
    assert hr_from_logrank(1.0, 80, "hr_below_1").estimate == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(p=0.0, events=100, direction="hr_below_1"), "p must be in"),
        (dict(p=1.2, events=100, direction="hr_below_1"), "p must be in"),
        (dict(p=0.03, events=0, direction="hr_below_1"), "events"),
        (dict(p=0.03, events=100, direction="better"), "direction"),
        (dict(p=0.03, events=100, direction="hr_below_1", ratio=-1), "ratio"),
        (dict(p=0.03, events=100, direction="hr_below_1", sided=3), "sided"),
        (dict(p=0.7, events=100, direction="hr_below_1", sided=1), "one-sided"),
    ],
)
def test_tierney_invalid_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        hr_from_logrank(**kwargs)


# --------------------------------------------------------------------------- #
# standard errors from confidence intervals
# --------------------------------------------------------------------------- #
def test_se_log_ratio_from_ci():
    # HR 0.70 (0.55-0.89): (ln 0.89 - ln 0.55) / (2 * 1.959964) = 0.481303 / 3.919928 = 0.122784
    assert se_log_ratio_from_ci(0.55, 0.89) == pytest.approx(0.122784, rel=REL)
    # 90% CI: z = 1.644854
    assert se_log_ratio_from_ci(0.55, 0.89, level=0.90) == pytest.approx(0.481303 / 3.289707, rel=REL)


def test_se_log_median_linear_and_log_shapes():
    # median 8.4 months (6.1-10.7)
    # linear: SE(m) = 4.6 / 3.919928 = 1.173491; SE(log m) = 1.173491 / 8.4 = 0.139701
    assert se_log_median_from_ci(8.4, 6.1, 10.7, shape="linear") == pytest.approx(0.139701, rel=REL)
    # log: (ln 10.7 - ln 6.1) / 3.919928 = 0.561955 / 3.919928 = 0.143359
    assert se_log_median_from_ci(8.4, 6.1, 10.7, shape="log") == pytest.approx(0.143359, rel=REL)
    with pytest.raises(ValueError, match="shape"):
        se_log_median_from_ci(8.4, 6.1, 10.7, shape="loglog")


def test_se_log_median_from_events_is_labelled_approximation():
    assert se_log_median_from_events(45) == pytest.approx(1 / math.sqrt(45))
    est = log_median_with_se(8.4, 6.1, None, events=45)  # upper bound not reached
    assert est.approximate and est.source == "events-exponential"
    assert est.estimate == pytest.approx(math.log(8.4))
    assert est.se == pytest.approx(0.149071, rel=REL)
    full = log_median_with_se(8.4, 6.1, 10.7, shape="log")
    assert not full.approximate and full.source == "ci-log"
    assert full.variance == pytest.approx(full.se**2)
    with pytest.raises(ValueError, match="CI bounds or the number of events"):
        log_median_with_se(8.4, 6.1, None)
    with pytest.raises(ValueError, match="whole number"):
        se_log_median_from_events(12.5)


def test_log_ratio_of_medians():
    # 8.4 vs 5.6 months: log(1.5) = 0.405465; SE = sqrt(0.139701^2 + 0.18^2) = 0.227853
    est = log_ratio_of_medians(8.4, 0.139701, 5.6, 0.18)
    assert est.estimate == pytest.approx(0.405465, rel=REL)
    assert est.se == pytest.approx(0.227853, rel=REL)
    with pytest.raises(ValueError, match="SE must be > 0"):
        log_ratio_of_medians(8.4, 0.0, 5.6, 0.18)


@pytest.mark.parametrize(
    "args, message",
    [
        ((8.4, 10.7, 6.1), "below the upper bound"),
        ((12.0, 6.1, 10.7), "outside its CI"),
        ((8.4, -1.0, 10.7), "lower must be a positive"),
        ((0.0, 6.1, 10.7), "median must be a positive"),
    ],
)
def test_se_log_median_invalid(args, message):
    with pytest.raises(ValueError, match=message):
        se_log_median_from_ci(*args)


def test_se_log_ratio_invalid():
    with pytest.raises(ValueError, match="below the upper bound"):
        se_log_ratio_from_ci(0.9, 0.5)
    with pytest.raises(ValueError, match="level"):
        se_log_ratio_from_ci(0.5, 0.9, level=95)


# --------------------------------------------------------------------------- #
# odds ratios
# --------------------------------------------------------------------------- #
def test_log_odds_ratio_without_and_with_zero_cell():
    # 12/50 vs 8/50: ln(12*42/(38*8)) = ln(504/304) = 0.505549; vi = 1/12+1/38+1/8+1/42 = 0.258459
    yi, vi = log_odds_ratio(12, 38, 8, 42)
    assert yi == pytest.approx(0.505549, rel=REL) and vi == pytest.approx(0.258459, rel=REL)
    # zero cell: 0.5 added to all four cells: ln(0.5*21.5/(25.5*4.5)) = -2.367850
    yi, vi = log_odds_ratio(0, 25, 4, 21)
    assert yi == pytest.approx(-2.367850, rel=REL)
    assert vi == pytest.approx(1 / 0.5 + 1 / 25.5 + 1 / 4.5 + 1 / 21.5)
    yis, _ = log_odds_ratio([12, 0], [38, 25], [8, 4], [42, 21])
    assert isinstance(yis, np.ndarray) and yis.shape == (2,)


def test_log_odds_ratio_invalid():
    with pytest.raises(ValueError, match="same length"):
        log_odds_ratio([1, 2], [3, 4], [5], [6, 7])
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        log_odds_ratio(-1, 3, 4, 5)
    with pytest.raises(ValueError, match="at least one patient"):
        log_odds_ratio(0, 0, 4, 5)
    with pytest.raises(ValueError, match="to must be"):
        log_odds_ratio(1, 2, 3, 4, to="if0all")


# --------------------------------------------------------------------------- #
# p-value from a CI (Altman & Bland 2011)
# --------------------------------------------------------------------------- #
def test_pvalue_from_ci_ratio():
    # HR 0.75 (0.60-0.94): ln est = -0.287682; SE = (ln 0.94 - ln 0.60)/3.919928 = 0.114530;
    # z = 2.51185; p = 2(1 - Phi(z)) = 0.012010; approximation exp(-0.717z - 0.416z^2) = 0.011966
    assert pvalue_from_ci(0.75, 0.60, 0.94) == pytest.approx(0.012010, rel=1e-4)
    assert pvalue_from_ci(0.75, 0.60, 0.94, approximate=True) == pytest.approx(0.011966, rel=1e-4)


def test_pvalue_from_ci_difference_scale():
    # mean difference 2.0 (0.4-3.6): SE = 3.2/3.919928 = 0.816342; z = 2.44995; p = 0.014286
    assert pvalue_from_ci(2.0, 0.4, 3.6, ratio=False) == pytest.approx(0.014286, rel=1e-4)
    assert pvalue_from_ci(1.0, 0.5, 2.0) == pytest.approx(1.0)


def test_pvalue_from_ci_invalid():
    with pytest.raises(ValueError, match="outside its CI"):
        pvalue_from_ci(0.5, 0.6, 0.9)
    with pytest.raises(ValueError, match="positive"):
        pvalue_from_ci(0.5, 0.0, 0.9)
    with pytest.raises(ValueError, match="95%"):
        pvalue_from_ci(0.75, 0.6, 0.94, level=0.9, approximate=True)


def test_log_estimate_is_frozen():
    est = LogEstimate(0.1, 0.2, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.se = 1.0  # type: ignore[misc]
