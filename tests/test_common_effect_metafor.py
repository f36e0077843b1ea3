"""The common-effect method (``ce``) and the HTS prediction interval (t with k - 2 df, as
R meta) against metafor: tests/data/metafor_common_effect_reference.json, written by
tests/metafor_common_effect_reference.R."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tkimeta.pooling.analysis import pool, pool_outcome
from tkimeta.stats.prediction import describe, hts_interval
from tkimeta.stats.rma import rma

REF = json.loads((Path(__file__).parent / "data" / "metafor_common_effect_reference.json").read_text())
CASES = REF["cases"]


def close(a, b, digits=4):
    return a == pytest.approx(b, rel=10 ** -digits, abs=1e-10)


def _rows(case):
    d = case["inputs"]
    yi, sei = np.atleast_1d(d["yi"]), np.atleast_1d(d["sei"])
    return pd.DataFrame({"yi": yi, "sei": sei, "study_id": [f"s{i}" for i in range(len(yi))]})


@pytest.mark.parametrize("name", sorted(CASES))
def test_common_effect_pool_agrees_with_metafor_ee(name):
    case = CASES[name]
    ref = case["ee"]
    out = pool(_rows(case), "log", "ce", 0.95, 3)
    assert close(math.log(out["estimate"]), ref["estimate"])
    assert close(math.log(out["ci_lower"]), ref["ci_lower"]) and close(math.log(out["ci_upper"]), ref["ci_upper"])
    assert close(out["q"], ref["q"]) and close(out["q_pvalue"], ref["q_pvalue"]) and close(out["i2"], ref["i2"])
    assert out["tau2"] == 0 and math.isnan(out["pi_lower"]) and math.isnan(out["pi_upper"])
    assert case["fe_estimate"] == pytest.approx(ref["estimate"], rel=1e-12)  # EE and FE: one model


@pytest.mark.parametrize("name", sorted(n for n in CASES if "hts" in CASES[n]))
def test_hts_prediction_interval_agrees_with_the_r_formula(name):
    case = CASES[name]
    d = case["inputs"]
    fit = rma(d["yi"], sei=d["sei"], method="REML", test="z")
    lower, upper = hts_interval(fit.estimate, fit.se, fit.tau2, fit.k)
    assert close(lower, case["hts"]["pi_lower"]) and close(upper, case["hts"]["pi_upper"])
    # the pooling option gives the same interval under REML + HKSJ (SE before HK scaling)
    out = pool(_rows(case), "log", "reml_hksj", 0.95, 3, pi_method="hts")
    assert close(math.log(out["pi_lower"]), case["hts"]["pi_lower"])
    assert close(math.log(out["pi_upper"]), case["hts"]["pi_upper"])
    # and the default stays metafor's predict() after test = "knha" (t with k - 1 df)
    default = pool(_rows(case), "log", "reml_hksj", 0.95, 3)
    assert close(math.log(default["pi_lower"]), case["knha_predict"]["pi_lower"])
    assert close(math.log(default["pi_upper"]), case["knha_predict"]["pi_upper"])


def test_hts_is_wider_than_knha_at_small_k_and_absent_below_three():
    case = CASES["pipeline_median_PFS"]
    assert case["hts"]["pi_upper"] - case["hts"]["pi_lower"] > (
        case["knha_predict"]["pi_upper"] - case["knha_predict"]["pi_lower"])
    assert all(math.isnan(x) for x in hts_interval(0.1, 0.2, 0.05, 2))


def test_pool_outcome_adds_common_effect_rows_only():
    """Asking for ce adds rows; the rows of the other methods do not change."""
    inputs = pd.read_csv(Path(__file__).parent / "data" / "pipeline_inputs.csv", keep_default_na=False,
                         na_values=[""])
    before, _, tests_before = pool_outcome(inputs, "median_PFS", ["reml_hksj", "dl"], [], 0.95, 3)
    after, _, tests_after = pool_outcome(inputs, "median_PFS", ["reml_hksj", "dl", "ce"], [], 0.95, 3)
    kept = after[after["method"] != "ce"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before.reset_index(drop=True))
    assert set(after.loc[after["method"] == "ce", "subgroup"]) == set(before["subgroup"])
    assert (after.loc[after["method"] == "ce", "tau2"] == 0).all()
    assert len(tests_after) == len(tests_before) + 1


def test_prediction_interval_forms_are_described():
    assert "k − 2" in describe("hts") and "metafor" in describe("metafor")
    with pytest.raises(ValueError, match="unknown prediction-interval form"):
        describe("riley")
