"""The pooling step end to end against metafor, on the seed data's pooled inputs.

tests/data/pipeline_inputs.csv is a frozen copy of results/pooled/inputs.csv;
tests/metafor_pipeline_reference.R pools it with metafor (every outcome,
subgroup, analysis and method that tkimeta.pooling.analysis pools with k >= 2,
plus the liver subgroup tests) into tests/data/metafor_pipeline_reference.json.
Here tkimeta.pooling.analysis.pool_outcome runs on the same file with the
methods of config.yaml, and every number it reports is compared with metafor's.

R is needed only to regenerate the JSON, not to run these tests.  If the
library's inputs change, ``test_frozen_inputs_match_library`` says how to
regenerate both files.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from tkimeta.pooling.analysis import pool, pool_outcome
from tkimeta.vocab import FAMILY_METHOD_SET

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
INPUTS_CSV = DATA / "pipeline_inputs.csv"
REF = json.loads((DATA / "metafor_pipeline_reference.json").read_text())
BLOCKS = REF["blocks"]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
POOLING = CONFIG["pooling"]
LEVEL = POOLING["ci_level"]
MIN_K_PI = POOLING["min_k_prediction_interval"]
NAGQ = POOLING["proportions"]["glmm_quadrature_points"]
SENSITIVITY = POOLING["sensitivity_analyses"]

REGENERATE = (
    "regenerate with: .venv/bin/snakemake --cores 2 results/pooled/inputs.csv && "
    "cp results/pooled/inputs.csv tests/data/pipeline_inputs.csv && "
    "Rscript tests/metafor_pipeline_reference.R"
)

# --------------------------------------------------------------------------- #
# tolerances: |tkimeta - metafor| <= max(rtol |metafor|, atol)
# --------------------------------------------------------------------------- #
# Inverse-variance models (reml_hksj, dl, ft_reml: estimates, CIs, PIs, tau^2,
# its Q-profile CI, I^2, Q, its p-value, weights) on the natural scale: 4
# significant digits, the precision at which results are reported.  Both sides
# evaluate the same closed forms and iterate REML to convergence (the tau^2
# CI in the reference is confint() with tol=1e-10), so the real differences are
# at rounding level; the absolute floor is for quantities that are exactly 0
# (tau^2 and I^2 at the boundary, a tau^2 CI bound of 0).
TOL_IV = dict(rtol=1e-4, atol=1e-6)
# GLMM fit (estimate, CI, PI, tau^2, I^2): 3 significant digits.  lme4 stops
# its bobyqa/Nelder-Mead search with parameters accurate to ~1e-5 relative and
# takes the SE from a finite-difference Hessian (step 1e-4), whereas tkimeta
# maximises the same 7-point adaptive Gauss-Hermite likelihood to convergence
# (its log-likelihood is never lower than at lme4's estimate).  The absolute
# floor is for values at or near 0: tau^2 = 0 (boundary fits), and CI bounds
# of rare proportions, where a relative difference on the natural scale is the
# absolute difference on the logit scale.  The one case that needs the floor:
# AE_hypertension_grade3plus, crc_only (11/68, 0/75), ci_lower 0.00014661 vs
# metafor 0.00014637 (2.4e-7 apart); lme4's SE there is 2.43480 where the
# converged Hessian gives 2.43399 (tkimeta), so the difference is lme4's.
TOL_GLMM = dict(rtol=1e-3, atol=1e-6)
# GLMM heterogeneity test (QE.Wld): not from the lme4 fit but from glm()
# fixed-effects fits whose IRLS converges tightly, so 4 digits hold.  A study
# with 0 (or n) events has no finite glm() coefficient: glm() stops at ~-27 on
# the logit scale and metafor's QE.Wld keeps a remainder of that study's term
# (e.g. 2.4e-7 where the limit is 0, 11/68 vs 0/75), while tkimeta takes the
# limit; the absolute floor 1e-6 covers that remainder.
TOL_GLMM_QE = dict(rtol=1e-4, atol=1e-6)
# Its p-value is compared through the statistic: tkimeta's p must be the
# chi^2(k-1) p-value of some Q within TOL_GLMM_QE of metafor's QE.Wld.  A plain
# tolerance on p would not do at Q ~ 0, where the chi^2(1) p-value has infinite
# slope: metafor's remainder Q = 2.4e-7 alone gives p = 0.99961 instead of 1.

TOLERANCES = {"glmm": TOL_GLMM, "reml_hksj": TOL_IV, "dl": TOL_IV, "ft_reml": TOL_IV, "ce": TOL_IV}

#: Every comparison made (method, quantity, tkimeta, metafor), for the record.
COMPARED: list[tuple[str, str, float, float]] = []


def assert_close(actual, expected, rtol, atol, what, method=""):
    """None (R's NA) in the reference must be NaN here; otherwise within tolerance."""
    actual = np.atleast_1d(np.asarray(actual, dtype=float))
    expected = np.atleast_1d(np.asarray([np.nan if e is None else e for e in np.atleast_1d(
        np.asarray(expected, dtype=object))], dtype=float))
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs metafor {expected.shape}"
    na = np.isnan(expected)
    assert np.array_equal(np.isnan(actual), na), f"{what}: tkimeta {actual} vs metafor {expected} (NA pattern)"
    tol = np.maximum(rtol * np.abs(expected[~na]), atol)
    diff = np.abs(actual[~na] - expected[~na])
    COMPARED.extend((method, what, a, e) for a, e in zip(actual[~na], expected[~na]))
    assert np.all(diff <= tol), f"{what}: tkimeta {actual} vs metafor {expected} (|diff| {diff} > tol {tol})"


# --------------------------------------------------------------------------- #
# the pipeline's pooling, run once on the frozen inputs
# --------------------------------------------------------------------------- #
def read_inputs() -> pd.DataFrame:
    # as workflow/scripts/pool.py reads the inputs it wrote to results/pooled/inputs.csv
    return pd.read_csv(INPUTS_CSV, keep_default_na=False, na_values=[""])


def methods_for(family: str) -> list[str]:
    """Primary method first, then the sensitivity methods (workflow/rules/common.smk)."""
    chosen = POOLING[FAMILY_METHOD_SET[family]]
    return [chosen["primary"]] + [m for m in chosen["sensitivity"] if m != chosen["primary"]]


@pytest.fixture(scope="module")
def pooled():
    inputs = read_inputs()
    estimates, studies, tests = [], [], []
    for outcome in dict.fromkeys(inputs["outcome"]):
        family = inputs.loc[inputs["outcome"] == outcome, "family"].iloc[0]
        e, s, t = pool_outcome(inputs, outcome, methods_for(family), SENSITIVITY, LEVEL, MIN_K_PI, NAGQ)
        estimates.append(e)
        studies.append(s)
        tests.append(t)
    return dict(inputs=inputs, estimates=pd.concat(estimates, ignore_index=True),
                studies=pd.concat(studies, ignore_index=True), tests=pd.concat(tests, ignore_index=True))


def _id(b):
    return "-".join(str(b[k]) for k in ("outcome", "subgroup", "analysis", "method") if k in b)


POOL_BLOCKS = [b for b in BLOCKS if b["kind"] == "pool"]
TEST_BLOCKS = [b for b in BLOCKS if b["kind"] == "subgroup_test"]


# --------------------------------------------------------------------------- #
# the frozen inputs are what the library produces
# --------------------------------------------------------------------------- #
KEY_COLUMNS = ["outcome", "subgroup", "study_id", "events", "n", "yi", "sei"]


def _canonical(frame: pd.DataFrame) -> list[tuple]:
    """Key columns as text, numbers rounded to 10 significant digits (as write_csv)."""
    def cell(v):
        if isinstance(v, str) and v == "":
            return ""
        if isinstance(v, str):
            return v
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.10g}"

    return [tuple(cell(v) for v in row) for row in frame[KEY_COLUMNS].itertuples(index=False)]


def test_frozen_inputs_match_library(cleaned, cleaned_by_study):
    """data/raw through the current library still gives tests/data/pipeline_inputs.csv."""
    from tkimeta.audit.study import audit_study
    from tkimeta.pooling.inputs import Context, build_inputs

    audit = pd.concat([audit_study(s, cleaned_by_study[s]) for s in CONFIG["studies"]], ignore_index=True)
    ctx = Context(studies=CONFIG["studies"], response_denominator=POOLING["response_denominator"],
                  ci_level=LEVEL)
    built = build_inputs(cleaned, ctx, audit, CONFIG["outcomes"]["ae_terms"])
    built = _canonical(built[built["excluded"] == ""])  # rows left out (with a reason) are not pooled
    frozen = _canonical(read_inputs())
    if built != frozen:
        only_built = [r for r in built if r not in frozen]
        only_frozen = [r for r in frozen if r not in built]
        pytest.fail(
            f"the library's pooled inputs differ from tests/data/pipeline_inputs.csv "
            f"({len(built)} vs {len(frozen)} rows; new/changed: {only_built[:5]}; "
            f"gone/changed: {only_frozen[:5]}{'; same rows, other order' if not only_built and not only_frozen else ''}); "
            f"if the change is intended, {REGENERATE}"
        )


def test_reference_matches_inputs_and_config():
    meta = REF["meta"]
    assert meta["metafor_version"] and meta["r_version"].startswith("R version")
    md5 = hashlib.md5(INPUTS_CSV.read_bytes()).hexdigest()
    assert meta["input_md5"] == md5, f"the JSON was made from other inputs; {REGENERATE}"
    s = meta["settings"]
    assert s["level"] == LEVEL and s["min_k_pi"] == MIN_K_PI and s["nagq"] == NAGQ
    for family, methods in s["methods"].items():
        assert methods == methods_for(family), f"{family}: R pools with {methods}, config.yaml says {methods_for(family)}"
    assert all(b["call"] for b in BLOCKS)


def test_every_pooled_number_has_a_reference(pooled):
    """Each pooled row (k >= 2) and each subgroup test has exactly one metafor block, and back."""
    est = pooled["estimates"]
    ours = {tuple(r) for r in est.loc[est["k"] >= 2, ["outcome", "subgroup", "analysis", "method"]].itertuples(index=False)}
    theirs = [(b["outcome"], b["subgroup"], b["analysis"], b["method"]) for b in POOL_BLOCKS]
    assert len(theirs) == len(set(theirs))
    assert ours == set(theirs)
    # rows with k < 2 are single studies, reported as themselves (not pooled)
    assert not est.loc[est["k"] < 2, "pooled"].any()
    tests = {tuple(r) for r in pooled["tests"][["outcome", "method"]].itertuples(index=False)}
    assert tests == {(b["outcome"], b["method"]) for b in TEST_BLOCKS}


# --------------------------------------------------------------------------- #
# pooled estimates
# --------------------------------------------------------------------------- #
def _row(pooled, b) -> pd.Series:
    est = pooled["estimates"]
    hit = est[(est["outcome"] == b["outcome"]) & (est["subgroup"] == b["subgroup"])
              & (est["analysis"] == b["analysis"]) & (est["method"] == b["method"])]
    assert len(hit) == 1
    return hit.iloc[0]


def _study_rows(pooled, b) -> pd.DataFrame:
    inp = pooled["inputs"]
    rows = inp[(inp["outcome"] == b["outcome"]) & (inp["subgroup"] == b["subgroup"])]
    return rows[rows["study_id"].isin(b["studies"])]


@pytest.mark.parametrize("b", POOL_BLOCKS, ids=_id)
def test_pooled_estimate_against_metafor(pooled, b):
    row = _row(pooled, b)
    method = b["method"]
    assert row["k"] == b["k"] and row["studies"] == ";".join(b["studies"])
    if b["error"] is not None:
        # metafor refuses the model; so must we, and for the same reason
        assert method == "glmm" and "not estimable" in row["note"], row["note"]
        x, n = np.array(b["inputs"]["events"]), np.array(b["inputs"]["n"])
        assert (x == 0).all() or (x == n).all()
        assert math.isnan(row["estimate"]) and not any(math.isfinite(row[c]) for c in ("ci_lower", "ci_upper", "tau2"))
        return
    o = b["output"]
    tol = TOLERANCES[method]
    for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2"):
        assert_close(row[key], o[key], **tol, what=key, method=method)
    if method == "glmm":
        assert_close(row["q"], o["q"], **TOL_GLMM_QE, what="q", method=method)
        df = b["k"] - 1
        assert row["q_pvalue"] == pytest.approx(stats.chi2.sf(row["q"], df), rel=1e-12)
        q_tol = max(TOL_GLMM_QE["rtol"] * o["q"], TOL_GLMM_QE["atol"])
        p_band = (stats.chi2.sf(o["q"] + q_tol, df), stats.chi2.sf(max(o["q"] - q_tol, 0.0), df))
        COMPARED.append((method, "q_pvalue", row["q_pvalue"], o["q_pvalue"]))
        assert p_band[0] <= row["q_pvalue"] <= p_band[1], (
            f"q_pvalue: tkimeta {row['q_pvalue']} outside {p_band} (metafor {o['q_pvalue']})")
    else:
        assert_close(row["q"], o["q"], **tol, what="q", method=method)
        assert_close(row["q_pvalue"], o["q_pvalue"], **tol, what="q_pvalue", method=method)

    # tau^2 Q-profile CI
    ours = [row["tau2_ci_lower"], row["tau2_ci_upper"]]
    if method in ("glmm", "ce"):
        # metafor: confint() "not available for objects of class rma.glmm", and an
        # equal-effects model has no tau^2 to give an interval for; neither do we give one
        assert o["tau2_ci"] == [None, None] and all(math.isnan(v) for v in ours)
    else:
        for bound, ref, sign in zip(ours, o["tau2_ci"], o["tau2_ci_sign"]):
            if sign == ">":
                # metafor stopped at the end of its search range, max(100, 10 tau2);
                # tkimeta returns the real bound, which must lie beyond it
                assert ref == pytest.approx(o["tau2_ci_max"])
                assert bound >= o["tau2_ci_max"], f"tau2 CI bound {bound} below metafor's '>{ref}'"
            else:  # '' a root, '<' an empty CI reported as [0, 0]
                assert_close(bound, ref, **tol, what="tau2_ci", method=method)

    # study weights (percent): none for the GLMM in metafor, nor in tkimeta
    if method == "glmm":
        assert o["weights"] is None
        return
    rows = _study_rows(pooled, b)
    family = rows["family"].iloc[0]
    weights = pool(rows, family, method, LEVEL, MIN_K_PI, NAGQ)["weights"]
    assert_close(list(weights), o["weights"], **tol, what="weights", method=method)
    if method == "reml_hksj" and b["analysis"] == "primary":
        # ... and the weights the pipeline writes to study_estimates.csv
        st = pooled["studies"]
        st = st[(st["outcome"] == b["outcome"]) & (st["subgroup"] == b["subgroup"])]
        assert list(st["study_id"]) == b["studies"]
        assert_close(st["weight"].to_numpy(float), o["weights"], **tol, what="study_estimates weight",
                     method=method)


# --------------------------------------------------------------------------- #
# liver_met vs no_liver_met
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("b", TEST_BLOCKS, ids=_id)
def test_subgroup_test_against_metafor(pooled, b):
    assert b["error"] is None, b["error"]
    t = pooled["tests"]
    hit = t[(t["outcome"] == b["outcome"]) & (t["method"] == b["method"])]
    assert len(hit) == 1
    row = hit.iloc[0]
    o = b["output"]
    assert row["df"] == o["df"] == 1
    assert (row["k_liver_met"], row["k_no_liver_met"]) == (b["k_liver_met"], b["k_no_liver_met"])
    # The test statistic inherits the precision of the subgroup fits: the GLMM
    # tolerance wherever a subgroup's estimate and SE come from rma.glmm.
    tol = TOL_GLMM if b["method"] == "glmm" and max(b["k_liver_met"], b["k_no_liver_met"]) > 1 else TOL_IV
    assert_close(row["q_between"], o["q_between"], **tol, what="q_between", method=f"subgroup_{b['method']}")
    assert_close(row["p_value"], o["p_value"], **tol, what="subgroup p", method=f"subgroup_{b['method']}")


def test_reference_exercises_edge_cases():
    """The seed data really hit the boundaries the comparisons are meant to cover."""
    out = {(_id(b)): b["output"] for b in POOL_BLOCKS}
    assert any(o and o["tau2"] == 0 for o in out.values())  # tau^2 = 0
    assert any(o and o["tau2_ci_sign"][1] == ">" for o in out.values())  # capped Q-profile bound
    assert any(o and o["tau2_ci_sign"] == ["<", "<"] for o in out.values())  # empty tau^2 CI
    assert any(b["error"] for b in POOL_BLOCKS)  # GLMM not estimable (no events at all)
    assert any(b["k"] == 2 for b in POOL_BLOCKS) and any(b["k"] >= 3 for b in POOL_BLOCKS)
    assert {b["analysis"].split("_")[0] for b in POOL_BLOCKS} >= {"primary", "crc", "loo"}
