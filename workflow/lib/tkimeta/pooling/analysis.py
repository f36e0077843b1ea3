"""Pooling one outcome: every subgroup, analysis (primary, CRC only, leave-one-out) and
method, with the test for subgroup differences.

The estimators live in :mod:`tkimeta.stats`; this module decides what is pooled with
what and writes the rows of the output contracts (``ESTIMATE_COLUMNS``,
``STUDY_COLUMNS``, ``SUBGROUP_COLUMNS``). Estimates are back-transformed to the natural
scale: proportions in [0, 1], medians in months, ratios as ratios.

Method names (config.yaml; labels in :mod:`tkimeta.vocab`):

``glmm``
    binomial-normal random-intercept logistic model, ML (metafor ``rma.glmm(measure="PLO")``).
``reml_hksj``
    inverse variance, REML tau^2, Hartung-Knapp-Sidik-Jonkman CI (``rma(test="knha")``).
``reml``
    inverse variance, REML tau^2, Wald CI.
``dl``
    inverse variance, DerSimonian-Laird tau^2, Wald CI.
``ft_reml``
    Freeman-Tukey double arcsine, REML, back-transformed with the harmonic mean of the
    study sizes (Miller 1978); for comparison with older literature only.
``ce``
    inverse variance, common (fixed) effect, Wald CI (``rma(method="EE")``; no tau^2,
    no prediction interval).

Prediction intervals take the form ``pi_method`` names (:mod:`tkimeta.stats.prediction`):
``metafor`` (as ``predict()``, the default) or ``hts`` (t with k - 2 df, as R meta).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..stats import distributions as D
from ..stats import proportions as prop
from ..stats.glmm import glmm_logit
from ..stats.prediction import hts_interval
from ..stats.rma import rma, subgroup_moderator_test
from .usable import is_left_out
from ..vocab import CRC_ONLY, LEAVE_ONE_OUT, LIVER_SUBGROUPS, OVERALL, PRIMARY, SUBGROUPS, leave_one_out

ESTIMATE_COLUMNS = [
    "outcome", "subgroup", "analysis", "method", "k", "estimate", "ci_lower", "ci_upper",
    "pi_lower", "pi_upper", "tau2", "tau2_ci_lower", "tau2_ci_upper", "i2", "q", "q_pvalue",
    "pooled", "scale", "studies", "note",
]
STUDY_COLUMNS = [
    "outcome", "subgroup", "study_id", "estimate", "ci_lower", "ci_upper", "weight",
    "events", "n", "approximation", "source",
]
SUBGROUP_COLUMNS = [
    "outcome", "analysis", "method", "q_between", "df", "p_value", "k_liver_met", "k_no_liver_met",
    "knha_f", "knha_df1", "knha_df2", "knha_p", "comparison", "note",
]

_IV_METHODS = {"reml_hksj": ("REML", "knha"), "reml": ("REML", "z"), "dl": ("DL", "z"), "ce": ("FE", "z")}


def scale_of(family: str, outcome: str) -> str:
    """How an outcome's estimates read on the natural scale: proportion, months or ratio.

    ``family`` (proportion, logit or log) is defined in :mod:`tkimeta.vocab`.
    """
    if outcome.startswith("median_"):
        return "months"
    return {"proportion": "proportion", "logit": "proportion", "log": "ratio"}[family]


def _back(family: str):
    return prop.expit if family in ("proportion", "logit") else np.exp


def _note(k: int, pooled: bool, min_k_pi: int) -> str:
    if k == 1:
        return "single study: its own estimate, not pooled"
    notes = []
    if k == 2:
        notes.append("k = 2: tau^2 and the CI rest on two studies, interpret with caution")
    if k < min_k_pi:
        notes.append(f"no prediction interval below k = {min_k_pi}")
    return "; ".join(notes)


def pool(rows: pd.DataFrame, family: str, method: str, level: float, min_k_pi: int, nagq: int = 7,
         pi_method: str = "metafor") -> dict:
    """Pool one set of studies with one method; returns the natural-scale summary.

    ``rows`` are input rows of one outcome and subgroup (``events``/``n`` for
    proportions, ``yi``/``sei`` otherwise). ``pi_method``: ``metafor`` or ``hts``.
    """
    k = len(rows)
    back = _back(family)
    out = dict(k=k, estimate=math.nan, ci_lower=math.nan, ci_upper=math.nan, pi_lower=math.nan,
               pi_upper=math.nan, tau2=math.nan, tau2_ci_lower=math.nan, tau2_ci_upper=math.nan,
               i2=math.nan, q=math.nan, q_pvalue=math.nan, pooled=k > 1, weights=None)
    if k == 0:
        return out
    if family == "proportion":
        x, n = rows["events"].astype(int).to_numpy(), rows["n"].astype(int).to_numpy()
        if k == 1:  # the study itself, with its exact CI, whatever the method
            lo, hi = prop.clopper_pearson(x[0], n[0], level)
            out.update(estimate=x[0] / n[0], ci_lower=float(lo), ci_upper=float(hi))
            return out
        if method == "glmm":
            if (x == 0).all() or (x == n).all():
                # The likelihood has no finite maximum (metafor's rma.glmm fails too).
                out["note"] = f"GLMM not estimable: {'no' if (x == 0).all() else 'every'} patient has the event in every study"
                return out
            fit = glmm_logit(x, n, level=level, nagq=nagq)
            out.update(estimate=float(back(fit.estimate)), ci_lower=float(back(fit.ci_lower)),
                       ci_upper=float(back(fit.ci_upper)), tau2=fit.tau2, i2=fit.i2,
                       q=fit.qe_wald, q_pvalue=fit.qe_wald_pvalue)
            if ((x == 0) | (x == n)).any():
                # The Wald-type Q (metafor's QE.Wld) gives such studies no weight; the
                # likelihood-ratio test does not, so show it beside.
                out["note"] = (f"Q is the Wald-type test, which ignores studies with 0 or all events; "
                               f"likelihood-ratio Q = {fit.qe_lrt:.2f} (p = {fit.qe_lrt_pvalue:.3g})")
            if k >= min_k_pi:
                out.update(pi_lower=float(back(fit.pi_lower)), pi_upper=float(back(fit.pi_upper)))
                if pi_method == "hts":  # the GLMM's SE is already the unscaled (Wald) one
                    _use_hts(out, fit.estimate, fit.se, fit.tau2, k, level, back)
            return out
        if method == "ft_reml":
            yi, vi = prop.freeman_tukey(x, n)
            fit = rma(yi, vi, method="REML", test="z", level=level)
            to_p = lambda t: float(prop.inverse_freeman_tukey_hm(t, n))  # noqa: E731
            out.update(estimate=to_p(fit.estimate), ci_lower=to_p(fit.ci_lower), ci_upper=to_p(fit.ci_upper))
            _heterogeneity(out, fit)
            if k >= min_k_pi:
                out.update(pi_lower=to_p(fit.pi_lower), pi_upper=to_p(fit.pi_upper))
                if pi_method == "hts":
                    _use_hts(out, fit.estimate, fit.se, fit.tau2, k, level, to_p)
            out["weights"] = fit.weights
            return out
        yi, vi = prop.logit_transform(x, n)
    else:
        yi = rows["yi"].astype(float).to_numpy()
        vi = rows["sei"].astype(float).to_numpy() ** 2
        if k == 1:
            z = D.critical_value(level)
            out.update(estimate=float(back(yi[0])), ci_lower=float(back(yi[0] - z * math.sqrt(vi[0]))),
                       ci_upper=float(back(yi[0] + z * math.sqrt(vi[0]))))
            return out
    tau_method, test = _IV_METHODS[method]
    fit = rma(yi, vi, method=tau_method, test=test, level=level)
    if tau_method == "FE":
        out["note"] = "common effect: tau^2 fixed at 0, so no prediction interval"
    out.update(estimate=float(back(fit.estimate)), ci_lower=float(back(fit.ci_lower)), ci_upper=float(back(fit.ci_upper)))
    _heterogeneity(out, fit)
    if k >= min_k_pi:
        out.update(pi_lower=float(back(fit.pi_lower)), pi_upper=float(back(fit.pi_upper)))
        if pi_method == "hts" and tau_method != "FE":  # HTS uses the SE before Hartung-Knapp scaling
            _use_hts(out, fit.estimate, math.sqrt(1.0 / float(np.sum(1.0 / (vi + fit.tau2)))), fit.tau2, k, level, back)
    out["weights"] = fit.weights
    return out


def _use_hts(out: dict, estimate: float, se: float, tau2: float, k: int, level: float, back) -> None:
    """Replace the prediction interval by the HTS form (t with k - 2 df)."""
    lower, upper = hts_interval(estimate, se, tau2, k, level)
    out.update(pi_lower=float(back(lower)) if math.isfinite(lower) else math.nan,
               pi_upper=float(back(upper)) if math.isfinite(upper) else math.nan)


def _heterogeneity(out: dict, fit) -> None:
    out.update(tau2=fit.tau2, tau2_ci_lower=fit.tau2_ci[0], tau2_ci_upper=fit.tau2_ci[1], i2=fit.i2,
               q=fit.q, q_pvalue=fit.q_pvalue)


def _analysis_scale(rows: pd.DataFrame, family: str, method: str, level: float, nagq: int) -> tuple[float, float] | None:
    """A subgroup's pooled estimate and SE on the analysis scale (for the subgroup test)."""
    k = len(rows)
    if k == 0:
        return None
    if family == "proportion":
        x, n = rows["events"].astype(int).to_numpy(), rows["n"].astype(int).to_numpy()
        if method == "glmm" and k > 1:
            if (x == 0).all() or (x == n).all():
                return None
            fit = glmm_logit(x, n, level=level, nagq=nagq)
            return fit.estimate, fit.se
        if method == "ft_reml":
            yi, vi = prop.freeman_tukey(x, n)
            tau_method, test = "REML", "z"
        else:
            yi, vi = prop.logit_transform(x, n)
            tau_method, test = _IV_METHODS.get(method, ("REML", "z"))
    else:
        yi = rows["yi"].astype(float).to_numpy()
        vi = rows["sei"].astype(float).to_numpy() ** 2
        tau_method, test = _IV_METHODS.get(method, ("REML", "knha"))
    yi, vi = np.atleast_1d(yi), np.atleast_1d(vi)
    if k == 1:
        return float(yi[0]), float(math.sqrt(vi[0]))
    fit = rma(yi, vi, method=tau_method, test=test, level=level)
    return fit.estimate, fit.se


def subgroup_difference(by_subgroup: dict[str, pd.DataFrame], family: str, method: str, level: float, nagq: int):
    """Wald-type test between the liver_met and no_liver_met pooled estimates.

    As metafor does for separate subgroup models: a fixed-effect model on the
    subgroup estimates and their SEs; Q_between is its Q statistic, df = groups - 1.
    """
    parts = [_analysis_scale(by_subgroup[g], family, method, level, nagq) for g in LIVER_SUBGROUPS]
    if any(p is None for p in parts):
        return math.nan, 1, math.nan
    est = np.array([p[0] for p in parts])
    var = np.array([p[1] ** 2 for p in parts])
    fit = rma(est, var, method="FE", level=level)
    return fit.q, fit.q_df, fit.q_pvalue


def knha_subgroup_test(by_subgroup: dict[str, pd.DataFrame], family: str) -> tuple[float, int, float, float]:
    """Meta-regression on the subgroup with the Knapp-Hartung F-test (metafor
    ``rma(yi, vi, mods = ~ subgroup, method = "REML", test = "knha")``): the test on the
    same basis (t/F with residual df) as the HKSJ intervals of the diamonds."""
    ys, vs, gs = [], [], []
    for g in LIVER_SUBGROUPS:
        rows = by_subgroup[g]
        if family == "proportion":
            yi, vi = prop.logit_transform(rows["events"].astype(int).to_numpy(), rows["n"].astype(int).to_numpy())
        else:
            yi, vi = rows["yi"].astype(float).to_numpy(), rows["sei"].astype(float).to_numpy() ** 2
        ys += list(np.atleast_1d(yi))
        vs += list(np.atleast_1d(vi))
        gs += [g] * len(rows)
    fit = subgroup_moderator_test(ys, vs, gs, method="REML", test="knha")
    return fit.statistic, fit.df1, fit.df2, fit.pvalue


def comparison_kind(by_subgroup: dict[str, pd.DataFrame]) -> str:
    """within_study when every study gives both subgroups (halves of the same studies),
    between_study when no study gives both, mixed otherwise."""
    sets = [set(by_subgroup[g]["study_id"]) for g in LIVER_SUBGROUPS]
    if sets[0] == sets[1]:
        return "within_study"
    return "between_study" if not (sets[0] & sets[1]) else "mixed"


_COMPARISON_NOTES = {
    "within_study": "both subgroups come from the same studies: a within-study comparison of subgroup summaries",
    "between_study": "subgroups from different studies: a between-study (ecological) comparison; prefer the within-study contrasts",
    "mixed": "some studies give both subgroups, some one: partly within, partly between studies",
}


def analyses(rows: pd.DataFrame, sensitivity: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """The study sets: primary, CRC only, and leave-one-out (when k >= 3)."""
    sets = [(PRIMARY, rows)]
    studies = list(dict.fromkeys(rows["study_id"]))
    if CRC_ONLY in sensitivity:
        crc = rows[rows["cancer"] == "colorectal"]
        if 0 < crc["study_id"].nunique() < len(studies):
            sets.append((CRC_ONLY, crc))
    if LEAVE_ONE_OUT in sensitivity and len(studies) >= 3:
        for study in studies:
            sets.append((leave_one_out(study), rows[rows["study_id"] != study]))
    return sets


def pool_outcome(inputs: pd.DataFrame, outcome: str, methods: list[str], sensitivity: list[str],
                 level: float, min_k_pi: int, nagq: int = 7,
                 pi_method: str = "metafor") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """All pooled rows, study rows and subgroup tests of one outcome.

    ``methods[0]`` is the primary method; sensitivity analyses use it alone, the
    primary analysis runs every method. ``pi_method``: the prediction-interval form.
    """
    own = inputs[inputs["outcome"] == outcome]
    left_out = own[is_left_out(own)]  # studies that report the outcome but cannot enter it
    own = own[~is_left_out(own)]
    if own.empty:
        empty_note = ("no study reports this outcome" if left_out.empty else
                      f"every reporting study is left out ({', '.join(left_out['study_id'])}; reasons in inputs.csv)")
        estimates = pd.DataFrame([dict(outcome=outcome, subgroup=OVERALL, analysis=PRIMARY, method=methods[0], k=0,
                                       pooled=False, scale="", studies="", note=empty_note)], columns=ESTIMATE_COLUMNS)
        return estimates, pd.DataFrame(columns=STUDY_COLUMNS), pd.DataFrame(columns=SUBGROUP_COLUMNS)
    family = own["family"].iloc[0]
    estimate_rows, study_rows, test_rows = [], [], []
    subgroups = [g for g in SUBGROUPS if g in set(own["subgroup"])]
    for subgroup in subgroups:
        rows = own[own["subgroup"] == subgroup]
        for analysis, subset in analyses(rows, sensitivity):
            for method in (methods if analysis == PRIMARY else methods[:1]):
                result = pool(subset, family, method, level, min_k_pi, nagq, pi_method)
                estimate_rows.append(dict(
                    outcome=outcome, subgroup=subgroup, analysis=analysis, method=method,
                    **{c: result[c] for c in ESTIMATE_COLUMNS if c in result and c != "note"},
                    scale=scale_of(family, outcome), studies=";".join(subset["study_id"]),
                    note="; ".join(filter(None, [result.get("note"), _note(result["k"], result["pooled"], min_k_pi)]))))
        study_rows += _study_rows(rows, family, level, min_k_pi, nagq, outcome, subgroup)
    if set(LIVER_SUBGROUPS) <= set(subgroups):
        by = {g: own[own["subgroup"] == g] for g in LIVER_SUBGROUPS}
        kind = comparison_kind(by)
        for method in methods:
            test = subgroup_difference(by, family, method, level, nagq)
            k_a, k_b = len(by["liver_met"]), len(by["no_liver_met"])
            knha = (knha_subgroup_test(by, family) if method == "reml_hksj"
                    else (math.nan, math.nan, math.nan, math.nan))
            test_rows.append(dict(outcome=outcome, analysis=PRIMARY, method=method, q_between=test[0], df=test[1],
                                  p_value=test[2], k_liver_met=k_a, k_no_liver_met=k_b, knha_f=knha[0],
                                  knha_df1=knha[1], knha_df2=knha[2], knha_p=knha[3], comparison=kind,
                                  note=_COMPARISON_NOTES[kind]))
    return (pd.DataFrame(estimate_rows, columns=ESTIMATE_COLUMNS), pd.DataFrame(study_rows, columns=STUDY_COLUMNS),
            pd.DataFrame(test_rows, columns=SUBGROUP_COLUMNS))


def _study_rows(rows, family, level, min_k_pi, nagq, outcome, subgroup) -> list[dict]:
    """Each study's own estimate and CI, with its weight in the inverse-variance REML model.

    The GLMM has no study weights in the inverse-variance sense, so the forest plots
    show the REML weights for every method.
    """
    weights = [math.nan] * len(rows)
    if len(rows) > 1:
        fitted = pool(rows, family, "reml_hksj", level, min_k_pi, nagq)
        weights = list(fitted["weights"])
    elif len(rows) == 1:
        weights = [100.0]
    out = []
    for (_, r), weight in zip(rows.iterrows(), weights):
        single = pool(rows.loc[[r.name]], family, "reml_hksj", level, min_k_pi, nagq)
        estimate, lower, upper = single["estimate"], single["ci_lower"], single["ci_upper"]
        if family != "proportion" and not pd.isna(r["estimate"]):
            # show the interval the paper printed (the pooled SE came from it); a bound it
            # did not print (NA, not reached) stays missing, never a back-computed number
            estimate, lower, upper = (float(r[c]) if not pd.isna(r[c]) else math.nan
                                      for c in ("estimate", "ci_lower", "ci_upper"))
        out.append(dict(outcome=outcome, subgroup=subgroup, study_id=r["study_id"], estimate=estimate,
                        ci_lower=lower, ci_upper=upper, weight=weight,
                        events=r["events"], n=r["n"], approximation=r["approximation"], source=r["source"]))
    return out
