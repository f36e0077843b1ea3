"""Cumulative meta-analysis and small-study effects against metafor.

Reference values: tests/data/metafor_evidence_reference.json, written by
tests/metafor_evidence_reference.R (metafor cumul(), regtest(), trimfill()); R is
needed only to regenerate it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tkimeta.evidence.cumulative import cumulative
from tkimeta.stats import proportions as prop
from tkimeta.stats.smallstudy import meta_regression, regtest, trimfill

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "metafor_evidence_reference.json").read_text())
INPUTS = pd.read_csv(DATA / "pipeline_inputs.csv", dtype=str, keep_default_na=False)
# Inverse-variance models: metafor's Fisher scoring and our likelihood maximisation
# agree to ~1e-7 on tau^2; 4 significant digits is the reported precision.
TOL = dict(rtol=1e-4, atol=1e-6)
# Meta-regression (Egger's test): metafor's Fisher scoring stops once tau^2 changes by
# less than 1e-5 (rma.uni control threshold); tkimeta maximises the restricted
# likelihood to machine precision (its maximum is the higher one, checked on the
# 'symmetric' set), so tau^2 and coefficients near 0 differ by up to ~1e-5.
TOL_MR = dict(rtol=1e-4, atol=1e-5)


def _order():
    names = REF["publication_order"]
    return pd.DataFrame(dict(study_id=names, publication_year=[""] * len(names), publication_date=[""] * len(names),
                             position=range(1, len(names) + 1), order_basis=[""] * len(names)))


@pytest.mark.parametrize("block", REF["cumulative"], ids=lambda b: b["outcome"])
def test_cumulative_matches_metafor_cumul(block):
    table = cumulative(INPUTS, _order(), [block["outcome"]], method="reml_hksj")
    rows = table[table["subgroup"] == block["subgroup"]].sort_values("step")
    assert list(rows["study_id"]) == block["study_id"]
    back = prop.expit if block["family"] == "proportion" else np.exp
    # step 1 is one study: tkimeta gives its own estimate with a Wald CI (metafor's
    # knha CI with 0 df is undefined), so compare the estimate only there
    np.testing.assert_allclose(rows["estimate"], back(np.array(block["estimate"])), **TOL)
    np.testing.assert_allclose(rows["ci_lower"].iloc[1:], back(np.array(block["ci_lower"][1:], dtype=float)), **TOL)
    np.testing.assert_allclose(rows["ci_upper"].iloc[1:], back(np.array(block["ci_upper"][1:], dtype=float)), **TOL)
    np.testing.assert_allclose(rows["tau2"].iloc[1:].astype(float), np.array(block["tau2"][1:], dtype=float),
                               rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(rows["i2"].iloc[1:].astype(float), np.array(block["i2"][1:], dtype=float),
                               rtol=1e-4, atol=1e-5)


SMALL = {b["name"]: b for b in REF["small_study"]}


def test_reference_sets_are_large_enough():
    assert all(b["k"] >= 20 for b in SMALL.values())
    assert any(b["trimfill"]["k0"] > 0 and b["trimfill"]["side"] == "right" for b in SMALL.values())
    assert any(b["trimfill"]["k0"] > 0 and b["trimfill"]["side"] == "left" for b in SMALL.values())


@pytest.mark.parametrize("name", sorted(SMALL))
def test_egger_regtest_matches_metafor(name):
    b = SMALL[name]
    got = regtest(b["yi"], b["vi"])
    ref = b["regtest"]
    np.testing.assert_allclose([got.statistic, got.pvalue, got.limit_estimate, got.limit_ci_lower, got.limit_ci_upper,
                                got.slope], [ref["zval"], ref["pval"], ref["est"], ref["ci_lower"], ref["ci_upper"],
                                             ref["slope"]], **TOL_MR)
    np.testing.assert_allclose(got.tau2, ref["tau2"], **TOL_MR)
    if "regtest_lm" in b:
        lm = regtest(b["yi"], b["vi"], model="lm")
        np.testing.assert_allclose([lm.statistic, lm.pvalue, lm.limit_estimate],
                                   [b["regtest_lm"]["tval"], b["regtest_lm"]["pval"], b["regtest_lm"]["est"]], **TOL)
        assert lm.df == b["regtest_lm"]["df"]


@pytest.mark.parametrize("name", sorted(SMALL))
def test_trimfill_matches_metafor(name):
    b = SMALL[name]
    got = trimfill(b["yi"], b["vi"])
    ref = b["trimfill"]
    assert (got.k0, got.side) == (ref["k0"], ref["side"])
    np.testing.assert_allclose(got.se_k0, ref["se_k0"], **TOL)
    np.testing.assert_allclose([got.fit.estimate, got.fit.ci_lower, got.fit.ci_upper],
                               [ref["estimate"], ref["ci_lower"], ref["ci_upper"]], **TOL)
    np.testing.assert_allclose(got.fit.tau2, ref["tau2"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(np.sort(got.filled_yi), np.sort(np.atleast_1d(ref["filled_yi"])), **TOL)
    if "trimfill_r0" in b:
        r0 = trimfill(b["yi"], b["vi"], estimator="R0")
        assert (r0.k0, r0.side) == (b["trimfill_r0"]["k0"], b["trimfill_r0"]["side"])
        np.testing.assert_allclose(r0.fit.estimate, b["trimfill_r0"]["estimate"], **TOL)


def test_meta_regression_needs_three_studies():
    with pytest.raises(ValueError):
        meta_regression([0.1, 0.2], [0.01, 0.02], [0.1, 0.14])


def _log_inputs(block, outcome="median_PFS"):
    return pd.DataFrame(dict(outcome=outcome, family="log", subgroup="all",
                             study_id=[f"s{i:02d}" for i in range(block["k"])],
                             yi=block["yi"], sei=np.sqrt(block["vi"]), events="", n=""))


def test_small_study_table_from_k_ten_on_matches_metafor():
    from tkimeta.evidence.smallstudy import small_study_effects

    b = SMALL["asymmetric_left_missing"]
    table = small_study_effects(_log_inputs(b), ["median_PFS"])
    row = table.iloc[0]
    assert bool(row["assessable"]) and row["reason"] == ""
    np.testing.assert_allclose([row["egger_z"], row["egger_pvalue"]], [b["regtest"]["zval"], b["regtest"]["pval"]], **TOL_MR)
    assert (row["trimfill_k0"], row["trimfill_side"]) == (b["trimfill"]["k0"], b["trimfill"]["side"])
    np.testing.assert_allclose(row["trimfill_estimate"], np.exp(b["trimfill"]["estimate"]), **TOL)
    np.testing.assert_allclose(row["estimate"], np.exp(b["rma"]["estimate"]), **TOL)
    few = small_study_effects(_log_inputs(b).iloc[:9], ["median_PFS"]).iloc[0]
    assert not few["assessable"] and "k = 9 < 10" in few["reason"]


def test_evidence_figures_draw():
    from matplotlib.figure import Figure

    from tkimeta.evidence.smallstudy import funnel_data
    from tkimeta.plots.evidence import cumulative_plot, funnel_plot

    b = SMALL["mirrored_right_missing"]
    data = funnel_data(_log_inputs(b), "median_PFS")
    assert len(data["filled_yi"]) == b["trimfill"]["k0"]
    assert isinstance(funnel_plot(data, title="test"), Figure)
    table = cumulative(INPUTS, _order(), ["ORR", "median_PFS"]).astype(str)
    assert isinstance(cumulative_plot(table), Figure)


def test_ordinal_ranks_are_scipys():
    """Trim and fill ranks |y - beta| with ties broken by position, as
    ``scipy.stats.rankdata(method="ordinal")`` does (kept out of the import for start-up)."""
    from scipy import stats

    from tkimeta.stats.smallstudy import _ordinal_ranks

    rng = np.random.default_rng(3)
    for x in (rng.normal(size=25), np.round(rng.normal(size=40), 1), np.array([2.0, 2.0, 1.0, 2.0]), np.array([5.0])):
        np.testing.assert_array_equal(_ordinal_ranks(x), stats.rankdata(x, method="ordinal"))
