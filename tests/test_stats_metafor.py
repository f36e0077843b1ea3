"""tkimeta.stats against metafor, block by block, from tests/data/metafor_reference.json.

The JSON is produced by tests/metafor_reference.R (R is needed only to
regenerate it, not to run these tests).  Each block carries its inputs, the
exact R call and metafor's output; here the same inputs go through tkimeta
and every reported quantity is compared with a tolerance chosen per
quantity, each with its reason next to it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tkimeta.stats.effects import log_odds_ratio
from tkimeta.stats.glmm import glmm_logit
from tkimeta.stats.proportions import freeman_tukey, inverse_freeman_tukey_hm, logit_transform
from tkimeta.stats.heterogeneity import tau2_qprofile_ci
from tkimeta.stats.rma import rma, subgroup_test

REF = json.loads((Path(__file__).parent / "data" / "metafor_reference.json").read_text())
BLOCKS = REF["blocks"]

# --------------------------------------------------------------------------- #
# tolerances (relative, with an absolute floor for values that can be ~0)
# --------------------------------------------------------------------------- #
# Closed-form transforms (escalc): identical arithmetic in both languages, so
# only floating-point rounding separates them.
TOL_CLOSED = dict(rtol=1e-10, atol=1e-12)
# Inverse-variance models (FE/DL/REML/ML, z and knha, PI, Q, I2, H2, weights,
# PFT): the brief asks for 4 significant digits, which is also the precision
# at which results are reported.  The same formulas and the same Fisher-
# scoring iterates are used, so observed differences are ~1e-13; the floor
# covers estimates that are themselves ~0 (e.g. a pooled log ratio of 0.0016).
TOL_SIG4 = dict(rtol=1e-4, atol=1e-8)
# tau^2 and I^2 are 0 at the boundary; below 1e-8 (variance on a log/logit
# scale) a difference has no meaning, hence the absolute floor.
TOL_TAU2 = dict(rtol=1e-4, atol=1e-8)
# metafor's default confint() finds roots with uniroot(tol = eps^0.25),
# i.e. only to ~1.22e-4 absolute on tau^2: compare with that absolute floor.
TOL_TAU2_CI_DEFAULT = dict(rtol=1e-4, atol=np.finfo(float).eps ** 0.25)
# GLMM: 3 significant digits.  lme4 stops its bobyqa/Nelder-Mead search
# with parameters accurate to ~1e-5 relative (our log-likelihood at our
# estimate is higher than at lme4's, see test_glmm_loglik), and its SE comes
# from a finite-difference Hessian with step 1e-4; observed differences are
# <= 1.1e-4 relative.  The floor is for tau^2 = 0 (singular fit).
TOL_GLMM = dict(rtol=1e-3, atol=1e-6)
# The maximised log-likelihood is flat at the optimum, so parameter
# differences of 1e-5 change it only at second order (~1e-10).
TOL_GLMM_LL = dict(rtol=0.0, atol=1e-6)
# GLMM heterogeneity: QE.LRT is closed form (two glm fits with exact optima);
# QE.Wld includes studies with 0 or n events with a glm() coefficient that
# stopped at a large finite value, whose contribution we take in the limit (0).
TOL_QE_LRT = dict(rtol=1e-6, atol=1e-8)
TOL_QE_WALD = dict(rtol=1e-4, atol=1e-6)


def assert_close(actual, expected, rtol, atol, what=""):
    """|actual - expected| <= max(rtol |expected|, atol); None (R NA) must map to NaN."""
    if expected is None:
        assert actual is None or math.isnan(actual), f"{what}: expected NA, got {actual}"
        return
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} vs {e.shape}"
    tol = np.maximum(rtol * np.abs(e), atol)
    diff = np.abs(a - e)
    assert np.all(diff <= tol), f"{what}: python {a} vs metafor {e} (|diff| {diff} > tol {tol})"


def _blocks(kind, **filters):
    out = []
    for b in BLOCKS:
        if b["kind"] != kind:
            continue
        if all(b.get(k) == v for k, v in filters.items()):
            out.append(b)
    return out


def _id(b):
    parts = [b["kind"], b["dataset"], b.get("measure"), b.get("method"), b.get("test")]
    return "-".join(str(p) for p in parts if p)


def _yi_vi(b):
    inp = b["inputs"]
    if "x" in inp:
        transform = freeman_tukey if b["kind"] == "pft" else logit_transform
        yi, vi = transform(np.array(inp["x"]), np.array(inp["n"]))
        return np.atleast_1d(yi), np.atleast_1d(vi)
    return np.array(inp["yi"]), np.array(inp["sei"]) ** 2


def test_reference_metadata():
    meta = REF["meta"]
    assert meta["metafor_version"] and meta["r_version"].startswith("R version")
    # rma.glmm's default nAGQ (metafor source) is what glmm_logit defaults to.
    nagq = {b["nAGQ_default"] for b in _blocks("glmm")}
    assert nagq == {7}
    assert all("call" in b and b["call"] for b in BLOCKS)


# --------------------------------------------------------------------------- #
# escalc
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("b", _blocks("escalc"), ids=_id)
def test_escalc(b):
    inp = b["inputs"]
    if b["measure"] == "PLO":
        yi, vi = logit_transform(np.array(inp["x"]), np.array(inp["n"]))
    elif b["measure"] == "PFT":
        yi, vi = freeman_tukey(np.array(inp["x"]), np.array(inp["n"]))
    else:
        yi, vi = log_odds_ratio(*(np.array(inp[c]) for c in ("ai", "bi", "ci", "di")))
    assert_close(np.atleast_1d(yi), b["output"]["yi"], **TOL_CLOSED, what="yi")
    assert_close(np.atleast_1d(vi), b["output"]["vi"], **TOL_CLOSED, what="vi")


# --------------------------------------------------------------------------- #
# rma (logit proportions and generic estimates) and PFT
# --------------------------------------------------------------------------- #
RMA_BLOCKS = _blocks("rma") + _blocks("pft")


@pytest.mark.parametrize("b", RMA_BLOCKS, ids=_id)
def test_rma_against_metafor(b):
    assert b["error"] is None, b["error"]
    o = b["output"]
    yi, vi = _yi_vi(b)
    r = rma(yi, vi, method=b["method"], test=b["test"])
    assert r.k == o["k"]
    assert_close(r.estimate, o["estimate"], **TOL_SIG4, what="estimate")
    assert_close(r.se, o["se"], **TOL_SIG4, what="se")
    assert_close(list(r.weights), o["weights"], **TOL_SIG4, what="weights")
    if r.k == 1:
        # metafor fits a degenerate "k1" model; we return the study itself.
        assert not r.pooled and math.isnan(r.tau2) and math.isnan(r.q)
        if b["test"] == "z":  # with knha metafor has 0 df and no CI; we keep the z CI
            assert_close(r.ci_lower, o["ci_lower"], **TOL_SIG4, what="ci_lower")
            assert_close(r.ci_upper, o["ci_upper"], **TOL_SIG4, what="ci_upper")
        return
    assert_close(r.ci_lower, o["ci_lower"], **TOL_SIG4, what="ci_lower")
    assert_close(r.ci_upper, o["ci_upper"], **TOL_SIG4, what="ci_upper")
    assert_close(r.statistic, o["zval"], **TOL_SIG4, what="z/t value")
    assert_close(r.pvalue, o["pval"], **TOL_SIG4, what="p-value")
    assert_close(r.tau2, o["tau2"], **TOL_TAU2, what="tau2")
    assert_close(r.i2, o["i2"], **TOL_TAU2, what="I2")
    assert_close(r.h2, o["h2"], **TOL_SIG4, what="H2")
    assert_close(r.q, o["q"], **TOL_SIG4, what="Q")
    assert_close(r.q_pvalue, o["q_pvalue"], **TOL_SIG4, what="Q p-value")
    assert_close(r.knha_scale, o["s2w"], **TOL_SIG4, what="knha s2w")
    if b["method"] == "FE":
        # metafor's predict() gives no PI for FE models, nor confint() a tau2 CI
        assert math.isnan(r.pi_lower) and math.isnan(r.pi_upper)
        assert o["pi_lower"] is None
        return
    assert_close(r.pi_lower, o["pi_lower"], **TOL_SIG4, what="pi_lower")
    assert_close(r.pi_upper, o["pi_upper"], **TOL_SIG4, what="pi_upper")
    # Q-profile CI: ours finds the actual root; metafor's confint() caps the
    # search at max(100, 10 tau2), so compare with its widened-range call ...
    assert_close(list(r.tau2_ci), o["tau2_ci_wide"], **TOL_TAU2, what="tau2 CI")
    # ... and reproduce its default output when given the same cap.
    capped = tau2_qprofile_ci(yi, vi, tau2_max=o["tau2_ci_max"])
    assert_close(list(capped), o["tau2_ci"], **TOL_TAU2, what="tau2 CI (metafor cap)")
    assert_close(list(capped), o["tau2_ci_default_tol"], **TOL_TAU2_CI_DEFAULT,
                 what="tau2 CI (metafor default tol)")
    if b["kind"] == "pft":
        ni = np.array(b["inputs"]["n"])
        for ours, key in [
            (r.estimate, "prop"), (r.ci_lower, "prop_ci_lower"), (r.ci_upper, "prop_ci_upper"),
            (r.pi_lower, "prop_pi_lower"), (r.pi_upper, "prop_pi_upper"),
        ]:
            assert_close(inverse_freeman_tukey_hm(ours, ni), o[key], **TOL_SIG4, what=key)


def test_reference_covers_required_cases():
    """The reference data keep the edge cases the brief asks for."""
    ds = {b["dataset"] for b in BLOCKS}
    assert {"zero_events", "all_events", "single_k1", "dcr_seed_k2", "homogeneous",
            "large_k50", "orr_seed"} <= ds
    homog = _blocks("rma", dataset="homogeneous", method="REML", test="z")[0]["output"]
    assert homog["tau2"] == 0.0  # tau^2 = 0 boundary really is exercised
    k2 = _blocks("rma", dataset="dcr_seed_k2", method="DL", test="z")[0]["output"]
    assert k2["tau2_ci"][0] == 0.0  # k = 2 with a zero lower bound
    assert len(_blocks("rma", dataset="large_k50", method="REML", test="z")[0]["output"]["weights"]) == 50


# --------------------------------------------------------------------------- #
# subgroup differences
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("b", _blocks("subgroup"), ids=_id)
def test_subgroup_against_metafor(b):
    assert b["error"] is None, b["error"]
    o = b["output"]
    yi, vi = logit_transform(np.array(b["inputs"]["x"]), np.array(b["inputs"]["n"]))
    s = subgroup_test(yi, vi, b["inputs"]["groups"], method=b["method"], test=b["test"])
    assert list(s.subgroups) == o["groups"]
    assert s.df == o["df"]
    assert_close([s.subgroups[g].estimate for g in o["groups"]], o["estimates"], **TOL_SIG4, what="estimates")
    assert_close([s.subgroups[g].se for g in o["groups"]], o["ses"], **TOL_SIG4, what="ses")
    assert [s.subgroups[g].k for g in o["groups"]] == o["k"]
    assert_close(s.q_between, o["q_between"], **TOL_SIG4, what="Q between")
    assert_close(s.pvalue, o["pvalue"], **TOL_SIG4, what="p between")


# --------------------------------------------------------------------------- #
# GLMM
# --------------------------------------------------------------------------- #
GLMM_FIT = [b for b in _blocks("glmm") if b["error"] is None]


@pytest.mark.parametrize("b", GLMM_FIT, ids=_id)
def test_glmm_against_metafor(b):
    o = b["output"]
    r = glmm_logit(np.array(b["inputs"]["x"]), np.array(b["inputs"]["n"]))
    assert r.pooled and r.converged and r.k == o["k"] and r.q_df == o["q_df"]
    for key in ("estimate", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2", "h2"):
        assert_close(getattr(r, key), o[key], **TOL_GLMM, what=key)
    assert_close(r.statistic, o["zval"], **TOL_GLMM, what="z")
    assert_close(r.qe_lrt, o["qe_lrt"], **TOL_QE_LRT, what="QE.LRT")
    assert_close(r.qe_lrt_pvalue, o["qe_lrt_pvalue"], **TOL_QE_LRT, what="QEp.LRT")
    assert_close(r.qe_wald, o["qe_wald"], **TOL_QE_WALD, what="QE.Wld")
    assert_close(r.qe_wald_pvalue, o["qe_wald_pvalue"], **TOL_QE_WALD, what="QEp.Wld")
    assert_close(r.proportion, o["prop"], **TOL_GLMM, what="proportion")
    assert_close(list(r.proportion_ci), [o["prop_ci_lower"], o["prop_ci_upper"]], **TOL_GLMM, what="prop CI")
    assert_close(list(r.proportion_pi), [o["prop_pi_lower"], o["prop_pi_upper"]], **TOL_GLMM, what="prop PI")


@pytest.mark.parametrize("b", GLMM_FIT, ids=_id)
def test_glmm_loglik(b):
    """Same quadrature: our maximised log-likelihood equals lme4's logLik().

    lme4 reports the binomial log-likelihood relative to the saturated model
    (binomial coefficients and the saturated term cancel), so subtract it.
    """
    from scipy import special

    x = np.array(b["inputs"]["x"], dtype=float)
    n = np.array(b["inputs"]["n"], dtype=float)
    r = glmm_logit(x, n)
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    ll_sat = np.sum(special.xlogy(x, x / n) + special.xlogy(n - x, 1 - x / n) + log_choose)
    assert_close(r.loglik - ll_sat, b["output"]["lme4_loglik"], **TOL_GLMM_LL, what="logLik")


def test_glmm_single_study_not_pooled():
    (b,) = _blocks("glmm", dataset="single_k1")
    assert b["error"] is not None  # rma.glmm/glmer refuse k = 1
    r = glmm_logit(b["inputs"]["x"], b["inputs"]["n"])
    assert not r.pooled and math.isnan(r.tau2)
    (e,) = _blocks("escalc", dataset="single_k1", measure="PLO")
    assert_close(r.estimate, e["output"]["yi"][0], **TOL_CLOSED, what="study logit")
    assert_close(r.se**2, e["output"]["vi"][0], **TOL_CLOSED, what="study variance")
