"""Tests for the generic audit checks (tkimeta.audit.*_checks, printed, result): concrete
printed numbers, specific statuses."""

import math
from decimal import Decimal

import pandas as pd
import pytest

from tkimeta.audit.cross_checks import duplicate_pairs, ranking_order_check, same_quantity_across_locations
from tkimeta.audit.printed import decimals_of, round_to
from tkimeta.audit.proportion_checks import (
    binomial_ci,
    binomial_ci_check,
    clopper_pearson_check,
    grim_candidates,
    grim_percent,
    percent_from_count,
    sum_check,
    which_denominator,
)
from tkimeta.audit.ratio_checks import hr_midpoint_check, implied_p_from_ci, p_from_ci_check
from tkimeta.audit.result import CheckResult
from tkimeta.audit.survival_checks import events_vs_maturity, median_ci_shape

MISSING = [None, float("nan"), pd.NA, "", "NR"]


# --- helpers ---------------------------------------------------------------


def test_decimals_of_reads_printed_text():
    assert decimals_of("16.20") == 2
    assert decimals_of("16.2%") == 1
    assert decimals_of(16.2) == 1
    assert decimals_of(16.20) == 1  # a float cannot keep the trailing zero
    assert decimals_of("68") == 0
    assert decimals_of(68) == 0
    assert decimals_of("<0.001") == 3
    assert decimals_of("P<0.001") == 3
    assert decimals_of("1.2e-5") == 6
    assert decimals_of("16\u00b72") == 1  # Lancet mid-dot decimal
    for x in MISSING:
        assert decimals_of(x) is None
    assert decimals_of("abc") is None


def test_round_to_conventions_at_exact_half():
    assert round_to(Decimal("0.125"), 2, "half_up") == Decimal("0.13")
    assert round_to(Decimal("0.125"), 2, "half_even") == Decimal("0.12")
    assert round_to(Decimal("0.135"), 2, "half_even") == Decimal("0.14")
    assert round_to(Decimal("0.135"), 2, "half_down") == Decimal("0.13")
    assert round_to(Decimal("66.666"), 1, "truncate") == Decimal("66.6")
    assert round_to(Decimal("-2.5"), 0, "half_up") == Decimal("-3")


def test_checkresult_is_frozen_and_validates_status():
    r = percent_from_count(11, 68, "16.2")
    with pytest.raises(Exception):
        r.status = "discrepancy"
    with pytest.raises(ValueError):
        CheckResult("fine", "", "", "")
    assert r.to_dict()["check"] == "percent_from_count"
    assert r.ok


# --- percent from count ----------------------------------------------------


def test_percent_orr_11_of_68():
    r = percent_from_count(11, 68, "16.2")
    assert r.status == "consistent"
    assert r.reported == "16.2%"
    assert r.recomputed == "11/68 = 16.176%"
    assert r.detail == "printed 16.2% vs 11/68 = 16.176% -> 16.2%"


def test_percent_dcr_52_of_68():
    assert percent_from_count(52, 68, "76.5%").status == "consistent"


def test_percent_half_up_and_half_even_both_consistent():
    # 1/8 = 12.5% exactly: half-up prints 13, half-even prints 12.
    assert percent_from_count(1, 8, "13").status == "consistent"
    assert percent_from_count(1, 8, "12").status == "consistent"
    # 27/200 = 13.5%: both standard rules give 14; 13 needs half-down/truncation.
    assert percent_from_count(27, 200, "14").status == "consistent"
    assert percent_from_count(27, 200, "13").status == "rounding"


def test_percent_truncation_and_one_unit_are_rounding():
    assert percent_from_count(2, 3, "66.6").status == "rounding"  # 66.667 truncated
    assert percent_from_count(11, 68, "16.3").status == "rounding"  # one unit off
    r = percent_from_count(11, 68, "16.5")
    assert r.status == "discrepancy"
    assert "16.176%" in r.detail


def test_percent_trailing_zero_matters():
    # 1/3 = 33.333...%: "33.30" claims two decimals and is wrong by 3 units.
    assert percent_from_count(1, 3, "33.3").status == "consistent"
    assert percent_from_count(1, 3, "33.30").status == "discrepancy"
    assert percent_from_count(1, 3, 33.30, decimals=2).status == "discrepancy"


def test_percent_count_exceeds_n_and_missing():
    assert percent_from_count(70, 68, "102.9").status == "discrepancy"
    for x in MISSING:
        r = percent_from_count(x, 68, "16.2")
        assert r.status == "not_checkable"
        assert "count" in r.detail
    assert percent_from_count(11, 0, "16.2").status == "not_checkable"
    assert percent_from_count(11, 68, None).status == "not_checkable"


# --- GRIM and denominators ---------------------------------------------------


def test_grim_possible_percent():
    r = grim_percent("60.9", 87)
    assert r.status == "consistent"
    assert r.extra["candidates"] == (53,)
    assert "53/87 = 60.920%" in r.detail


def test_grim_impossible_percent():
    # 52/87 = 59.77%, 53/87 = 60.92%: nothing prints as 60.5%.
    r = grim_percent("60.5", 87)
    assert r.status == "discrepancy"
    assert r.extra["candidates"] == ()
    assert r.extra["nearest"] == (52, 53)
    assert "59.770%" in r.detail and "60.920%" in r.detail


def test_grim_candidates_multiple_and_missing():
    # With n=300 and 0 decimals, 1% comes from 2, 3 or 4 patients... 2/300=0.67->1, 4/300=1.33->1.
    assert grim_candidates("1", 300) == (2, 3, 4)
    assert grim_candidates(None, 300) == ()
    assert grim_percent("60.5", None).status == "not_checkable"
    # 2/3 = 66.667% prints 66.6 only when truncated.
    r = grim_percent("66.6", 3)
    assert r.status == "rounding"
    assert r.extra["candidates"] == (2,)


def test_which_denominator_itt_vs_evaluable():
    r = which_denominator("16.2", 11, {"itt": 72, "evaluable": 68})
    assert r.status == "consistent"
    assert r.extra["matches"] == ("evaluable",)
    assert r.recomputed == "evaluable"
    # 11/72 = 15.28% would be the ITT reading.
    r = which_denominator("15.3", 11, {"itt": 72, "evaluable": 68})
    assert r.extra["matches"] == ("itt",)
    r = which_denominator("16.2", None, {"itt": 72, "evaluable": 68})  # GRIM mode
    assert r.extra["matches"] == ("evaluable",)
    r = which_denominator("20.0", 11, {"itt": 72, "evaluable": 68})
    assert r.status == "discrepancy"
    assert which_denominator("16.2", 11, {"itt": None}).status == "not_checkable"
    r = which_denominator("66.6", 2, {"itt": 3, "evaluable": 2})
    assert r.status == "rounding"
    assert r.extra == {"matches": (), "rounding_matches": ("itt",)}


# --- binomial CI -----------------------------------------------------------------


def test_clopper_pearson_values():
    lo, hi = binomial_ci(11, 68)
    assert lo == pytest.approx(8.3618, abs=1e-3)
    assert hi == pytest.approx(27.1034, abs=1e-3)
    assert binomial_ci(0, 10)[0] == 0.0
    assert binomial_ci(10, 10)[1] == 100.0


def test_shared_intervals_are_those_of_the_pooled_analysis():
    from tkimeta.stats import proportions as prop

    for method, ours in (("clopper_pearson", prop.clopper_pearson), ("wilson", prop.wilson), ("wald", prop.wald)):
        lo, hi = ours(11, 68, 0.9)
        assert binomial_ci(11, 68, method, 0.9) == (100 * lo, 100 * hi)


def test_levels_are_fractions_not_percentages():
    assert binomial_ci(11, 68, "wilson_cc", 0.95) == binomial_ci(11, 68, "wilson_cc")
    with pytest.raises(ValueError, match="level"):
        binomial_ci(11, 68, "agresti_coull", 95)
    with pytest.raises(ValueError, match="level"):
        clopper_pearson_check(11, 68, "8.4", "27.1", level=95)
    with pytest.raises(ValueError, match="level"):
        p_from_ci_check("0.60", "0.45", "0.80", "0.001", level=95)


def test_cp_orr_11_of_68_consistent():
    r = clopper_pearson_check(11, 68, "8.4", "27.1")
    assert r.status == "consistent"
    assert r.reported == "8.4-27.1%"
    assert "8.362-27.103%" in r.detail


def test_cp_dcr_52_of_68_consistent():
    r = clopper_pearson_check(52, 68, "64.6", "85.9")
    assert r.status == "consistent"
    assert "64.621-85.912%" in r.detail


def test_cp_real_anlo_sts_orr():
    # anlo_sts: ORR 34.4% (18.6-53.2) of 32 -> 11/32 Clopper-Pearson.
    assert clopper_pearson_check(11, 32, "18.6", "53.2").status == "consistent"


def test_wald_only_ci_detected_as_wald():
    # Wald for 11/68: 16.18 +/- 1.96*sqrt(.1618*.8382/68) = 7.42-24.93.
    r = clopper_pearson_check(11, 68, "7.4", "24.9")
    assert r.status == "discrepancy"
    assert r.extra["matching_methods"] == ("wald",)
    assert "matches Wald exactly" in r.detail


def test_wilson_ci_detected_as_wilson():
    r = clopper_pearson_check(11, 68, "9.3", "26.7")
    assert r.status == "discrepancy"
    assert r.extra["matching_methods"] == ("wilson",)


def test_cp_one_unit_off_is_rounding():
    r = clopper_pearson_check(11, 68, "8.3", "27.1")  # 8.36 truncated
    assert r.status == "rounding"
    r = clopper_pearson_check(11, 68, "8.4", "29.0")
    assert r.status == "discrepancy"
    assert "no standard method matches" in r.detail


def test_cp_missing_bound():
    assert clopper_pearson_check(11, 68, "8.4", None).status == "not_checkable"
    assert clopper_pearson_check(None, 68, "8.4", "27.1").status == "not_checkable"


def test_binomial_ci_check_stated_wilson_method():
    assert binomial_ci_check(11, 68, "9.3", "26.7", method="wilson").status == "consistent"
    r = binomial_ci_check(11, 68, "8.4", "27.1", method="wilson")
    assert r.status == "discrepancy"
    assert r.extra["matching_methods"] == ("clopper_pearson",)
    with pytest.raises(ValueError):
        binomial_ci_check(11, 68, "8.4", "27.1", method="exact")


# --- sums and maturity -----------------------------------------------------------


def test_sum_check_response_categories():
    parts = {"CR": 0, "PR": 11, "SD": 41, "PD": 14, "NE": 2}
    r = sum_check(parts, 68, "best response")
    assert r.status == "consistent"
    assert r.recomputed == "68"
    r = sum_check({**parts, "SD": 40}, 68, "best response")
    assert r.status == "discrepancy"
    assert "off by -1" in r.detail
    r = sum_check({**parts, "NE": None}, 68)
    assert r.status == "not_checkable"
    assert "NE" in r.detail


def test_sum_check_grade_bands_and_percentages():
    assert sum_check({"1_2": 30, "3_4": 12}, 42, "hypertension any grade").status == "consistent"
    assert sum_check({"1_2": 30, "3_4": 12}, 43).status == "discrepancy"
    # Rounded percentages may miss 100 by rounding, but not by a whole point.
    assert sum_check({"a": "33.3", "b": "33.3", "c": "33.3"}, "100", rounded=True,
                     exact_total=True).status == "rounding"
    assert sum_check({"a": "33.3", "b": "33.3", "c": "32.3"}, "100", rounded=True,
                     exact_total=True).status == "discrepancy"
    # A rounded total adds its own half unit: 20.4 + 5.2 = 25.6 vs printed 26.
    assert sum_check({"3": "20.4", "4": "5.2"}, "26", rounded=True).status == "rounding"
    assert sum_check({"3": "20.4", "4": "5.2"}, "26", rounded=True, exact_total=True).status == "discrepancy"
    assert sum_check({"3": "20.4", "4": "5.2"}, "26").status == "discrepancy"


def test_events_vs_maturity():
    r = events_vs_maturity(42, 72, "58.3")
    assert r.status == "consistent"
    assert r.recomputed == "42/72 = 58.333%"
    assert events_vs_maturity(42, 72, "68.3").status == "discrepancy"
    assert events_vs_maturity(80, 72).status == "discrepancy"
    assert events_vs_maturity(24, 32).status == "consistent"
    # KM: with >= n/2 events the median must have been reached.
    r = events_vs_maturity(40, 72, median_reached=False)
    assert r.status == "discrepancy"
    assert events_vs_maturity(30, 72, median_reached=False).status == "consistent"
    assert events_vs_maturity(None, 72, "58.3").status == "not_checkable"


# --- median CI shape ---------------------------------------------------------------


def test_median_ci_linear_examples():
    r = median_ci_shape("5.3", "3.01", "7.59")
    assert r.status == "consistent"
    assert r.recomputed == "linear"
    assert "median-lower = 2.29, upper-median = 2.29" in r.detail
    assert median_ci_shape("12.5", "9.40", "15.60").extra["shape"] == "linear"
    assert median_ci_shape("7.6", "3.31", "11.89").extra["shape"] == "linear"  # anlo_sts PFS


def test_median_ci_log_both_neither():
    assert median_ci_shape("6.9", "4.6", "10.3").extra["shape"] == "log"  # sqrt(4.6*10.3)=6.88
    assert median_ci_shape("10.0", "9.9", "10.1").extra["shape"] == "both"
    r = median_ci_shape("9.2", "6.1", "16.3")
    assert r.extra["shape"] == "neither"
    assert r.status == "consistent"


def test_median_ci_precision_interval_arithmetic():
    # 2*5.3 - 3.00 - 7.59 = 0.01 <= 2*0.05 + 0.005 + 0.005: still linear.
    assert median_ci_shape("5.3", "3.00", "7.59").extra["shape"] == "linear"
    # With the median printed to 2 decimals the slack shrinks to 0.02 -> not linear at 0.03.
    assert median_ci_shape("5.30", "2.98", "7.59").extra["shape"] != "linear"


def test_median_ci_missing_or_outside():
    r = median_ci_shape("14.9", "8.36", None)
    assert r.status == "not_checkable"
    assert "upper" in r.detail
    assert median_ci_shape("NR", "8.36", "21.44").status == "not_checkable"
    assert median_ci_shape("25.0", "8.36", "21.44").status == "discrepancy"


# --- HR midpoint and p from CI -------------------------------------------------------


def test_hr_midpoint():
    r = hr_midpoint_check("0.45", "0.30", "0.68")
    assert r.status == "consistent"
    assert r.recomputed == "sqrt(L*U) = 0.4517"
    assert hr_midpoint_check("0.46", "0.30", "0.68").status == "consistent"  # box reaches 0.457
    assert hr_midpoint_check("0.47", "0.30", "0.68").status == "rounding"
    assert hr_midpoint_check("0.55", "0.30", "0.68").status == "discrepancy"
    assert hr_midpoint_check("0.75", "0.30", "0.68").status == "discrepancy"  # outside CI
    assert hr_midpoint_check("0.45", None, "0.68").status == "not_checkable"


def test_implied_p_altman_bland():
    # HR 0.45 (0.30-0.68): SE = ln(0.68/0.30)/3.92 = 0.2087, z = 3.83.
    assert implied_p_from_ci(0.45, 0.30, 0.68) == pytest.approx(1.3e-4, rel=0.05)
    # Difference 2.0 (0.04-3.96): SE = 1, z = 2 -> p = 0.0455.
    assert implied_p_from_ci(2.0, 0.04, 3.96, ratio=False) == pytest.approx(0.0455, abs=5e-4)


def test_p_from_ci_consistent():
    r = p_from_ci_check("0.45", "0.30", "0.68", "0.0002")
    assert r.status == "consistent"
    assert r.extra["within_rounding"] is True
    assert p_from_ci_check("0.45", "0.30", "0.68", "0.001", "<").status == "consistent"
    r = p_from_ci_check("0.45", "0.30", "0.68", "<0.001")
    assert r.status == "consistent"
    assert r.extra["within_rounding"] is True
    # implied 0.026-0.039: "<0.02" is not literally true but within the test allowance.
    r = p_from_ci_check("0.62", "0.40", "0.96", "<0.02")
    assert r.status == "consistent"
    assert r.extra["within_rounding"] is False
    assert p_from_ci_check("0.80", "0.55", "1.16", "0.24").status == "consistent"
    assert p_from_ci_check("2.0", "0.04", "3.96", "0.046", ratio=False).status == "consistent"


def test_p_from_ci_within_test_allowance():
    # implied 0.032 (|z| 2.14): a log-rank p of 0.045 (|z| 2.00) is 7% off on |z|,
    # inside the Wald vs log-rank allowance, not inside rounding.
    r = p_from_ci_check("0.62", "0.40", "0.96", "0.045")
    assert r.status == "consistent"
    assert r.extra["within_rounding"] is False
    assert 1.0 < r.extra["z_ratio"] <= 1.10
    assert "log-rank/score vs Wald" in r.detail


def test_p_from_ci_p004_against_implied_008_is_a_discrepancy():
    # HR 0.70 (0.47-1.04): |z| = 1.76, implied p = 0.08; a printed p = 0.04 passed the
    # old factor-2 rule.  On the z scale it is 2.05 vs 1.76 and it crosses 0.05.
    assert implied_p_from_ci(0.70, 0.47, 1.04) == pytest.approx(0.08, abs=0.005)
    r = p_from_ci_check("0.70", "0.47", "1.04", "0.04")
    assert r.status == "discrepancy"
    assert r.extra["significance_disagrees"] is True
    # Without a significance crossing: implied 0.40 printed as 0.20 (|z| 0.84 vs 1.28).
    r = p_from_ci_check("0.85", "0.58", "1.25", "0.20")
    assert r.status == "discrepancy"
    assert r.extra["significance_disagrees"] is False
    assert "factor" in r.detail


def test_p_from_ci_only_rounding_separates_is_consistent():
    # HR 0.62 (0.40-0.96) implies p = 0.032 at the printed values; printed p = 0.03 and
    # 0.04 are reached inside the precision box of the three printed numbers.
    for printed in ("0.03", "0.031", "0.035"):
        r = p_from_ci_check("0.62", "0.40", "0.96", printed)
        assert r.status == "consistent", (printed, r.detail)
        assert r.extra["within_rounding"] is True, (printed, r.detail)


def test_p_from_ci_inconsistent():
    r = p_from_ci_check("0.45", "0.30", "0.68", "0.03")
    assert r.status == "discrepancy"
    assert "more than rounding" in r.detail
    r = p_from_ci_check("0.80", "0.55", "1.16", "0.04")
    assert r.status == "discrepancy"
    assert "CI includes 1 (not significant at 0.05) but p < 0.05" in r.detail
    r = p_from_ci_check("0.62", "0.40", "0.96", "0.12")
    assert r.status == "discrepancy"
    assert "CI excludes 1 (significant at 0.05) but p > 0.05" in r.detail
    assert p_from_ci_check("0.80", "0.55", "1.16", "0.01", "<").status == "discrepancy"
    # Same side of 0.05, but "<0.001" is 25x below the implied 0.026-0.039.
    r = p_from_ci_check("0.62", "0.40", "0.96", "<0.001")
    assert r.status == "discrepancy"
    assert r.reported == "p<0.001"
    assert p_from_ci_check("0.62", "0.40", "0.96", "0.05", ">").status == "discrepancy"


def test_p_from_ci_missing():
    assert p_from_ci_check("0.45", "0.30", "0.68", None).status == "not_checkable"
    assert p_from_ci_check("0.45", math.nan, "0.68", "0.01").status == "not_checkable"


# --- cross-row checks --------------------------------------------------------------------


def _eff(endpoint, population, est, lo, hi, location="results"):
    return {"study_id": "x", "population": population, "endpoint": endpoint, "factor": "liver_metastasis",
            "level": "yes", "reference": "no", "measure": "HR", "estimate": est, "ci_lower": lo,
            "ci_upper": hi, "location": location}


def test_duplicate_pairs():
    rows = [
        _eff("PFS", "all", "0.45", "0.30", "0.68", "abstract"),
        _eff("PFS", "all", "0.45", "0.30", "0.68", "results"),  # same comparison: fine
        _eff("OS", "all", "0.62", "0.40", "0.96"),
    ]
    r = duplicate_pairs(rows)
    assert r.status == "consistent"
    rows.append(_eff("OS", "ecog_0_1", "0.45", "0.3", "0.68"))  # copy of PFS all
    r = duplicate_pairs(rows)
    assert r.status == "discrepancy"
    (triple, labels), = r.extra["groups"]
    assert triple == "0.45 (0.30-0.68)"
    assert len(labels) == 2
    assert "OS" in r.detail and "PFS" in r.detail
    assert duplicate_pairs([_eff("OS", "all", None, "0.4", "0.9")]).status == "not_checkable"


def test_same_quantity_across_locations():
    r = same_quantity_across_locations([("abstract", "16.2"), ("results", "16.2"), ("table_2", 16.2)])
    assert r.status == "consistent"
    r = same_quantity_across_locations([("abstract", "16"), ("results", "16.2")])
    assert r.status == "rounding"
    r = same_quantity_across_locations([("abstract", "16.2"), ("results", "16.2"), ("table_2", "16.3")])
    assert r.status == "discrepancy"
    assert "table_2 16.3" in r.detail and "abstract 16.2" in r.detail
    r = same_quantity_across_locations([("abstract", "16.2"), ("results", None)])
    assert r.status == "not_checkable"


def test_ranking_order_check():
    sucra = {"fruquintinib": "78.5", "regorafenib": "61.2", "placebo": "3.1"}
    r = ranking_order_check(["fruquintinib", "regorafenib", "placebo"], sucra)
    assert r.status == "consistent"
    r = ranking_order_check(["regorafenib", "fruquintinib", "placebo"], sucra)
    assert r.status == "discrepancy"
    assert r.extra["violations"] == (("regorafenib", "fruquintinib"),)
    assert r.recomputed == "fruquintinib > regorafenib > placebo"
    # Lower is better for HR versus a common comparator.
    hr = {"a": 0.5, "b": 0.7, "c": 0.9}
    assert ranking_order_check(["a", "b", "c"], hr, higher_is_better=False).status == "consistent"
    assert ranking_order_check(["a", "b", "c"], hr, higher_is_better=True).status == "discrepancy"
    assert ranking_order_check(["a", "z"], hr).status == "not_checkable"
