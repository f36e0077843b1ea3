"""Test for subgroup differences by meta-regression (Knapp-Hartung F and Wald QM)
against metafor: tests/data/metafor_subgroup_reference.json, written by
tests/metafor_subgroup_reference.R."""

import json
from pathlib import Path

import pytest

from tkimeta.stats.rma import subgroup_moderator_test

REF = json.loads((Path(__file__).parent / "data" / "metafor_subgroup_reference.json").read_text())
CASES = REF["cases"]


def _close(a, b, digits=4):
    return a == pytest.approx(b, rel=10 ** -digits, abs=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_knha_subgroup_test_agrees_with_metafor(name):
    case = CASES[name]
    d = case["inputs"]
    kh = subgroup_moderator_test(d["yi"], sei=d["sei"], groups=d["group"], method="REML", test="knha")
    ref = case["knha"]
    assert _close(kh.tau2, ref["tau2"]) and kh.df1 == ref["df1"] and kh.df2 == ref["df2"]
    assert _close(kh.statistic, ref["F"]) and _close(kh.pvalue, ref["p"])
    wz = subgroup_moderator_test(d["yi"], sei=d["sei"], groups=d["group"], method="REML", test="z")
    assert _close(wz.statistic, case["z"]["QM"]) and _close(wz.pvalue, case["z"]["p"])


def test_reference_has_the_pipeline_case():
    assert "pipeline_median_PFS_liver" in CASES


def test_pipeline_subgroup_tests_carry_the_knha_f_test():
    """results/pooled/subgroup_tests.csv (when built) carries the F-test beside Q-between
    for the REML + HKSJ rows, and it equals metafor's on the same inputs."""
    import pandas as pd

    path = Path(__file__).resolve().parents[1] / "results" / "pooled" / "subgroup_tests.csv"
    if not path.exists():
        pytest.skip("workflow results not built")
    tests = pd.read_csv(path)
    row = tests[(tests["outcome"] == "median_PFS") & (tests["method"] == "reml_hksj")].iloc[0]
    ref = CASES["pipeline_median_PFS_liver"]["knha"]
    assert _close(row["knha_f"], ref["F"], 3) and _close(row["knha_p"], ref["p"], 3)
    assert int(row["knha_df2"]) == ref["df2"]
