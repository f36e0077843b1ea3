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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..stats import distributions as D
from ..stats import proportions as prop
from ..stats.glmm import glmm_logit, leave_one_out_starts
from ..stats.prediction import hts_interval
from ..stats.rma import rma, subgroup_moderator_test
from .usable import is_left_out
from ..vocab import (CRC_ONLY, LEAVE_ONE_OUT, LEAVE_ONE_OUT_PREFIX, LIVER_SUBGROUPS, MAX_LISTED_STUDIES, OVERALL,
                     PRIMARY, SUBGROUPS, leave_one_out)

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


@dataclass(frozen=True)
class StudyArrays:
    """The input rows of one outcome and subgroup as arrays: what the estimators need,
    taken out of the data frame once, so that the loops over analyses (leave-one-out
    makes k of them) subset arrays rather than data frames. For proportions the logit
    and Freeman-Tukey transforms are computed once too: they are elementwise, so a
    subset of them is bit for bit the transform of the subset."""

    study_id: np.ndarray
    events: np.ndarray | None  # proportions: events and n (int)
    n: np.ndarray | None
    yi: np.ndarray | None  # otherwise: the estimate on the analysis scale and its variance
    vi: np.ndarray | None
    logit: tuple[np.ndarray, np.ndarray] | None = None  # proportions: escalc PLO (yi, vi)
    double_arcsine: tuple[np.ndarray, np.ndarray] | None = None  # proportions: escalc PFT (yi, vi)

    @classmethod
    def of(cls, rows: pd.DataFrame, family: str) -> StudyArrays:
        ids = rows["study_id"].to_numpy(dtype=object)
        if family == "proportion":
            x, n = rows["events"].astype(int).to_numpy(), rows["n"].astype(int).to_numpy()
            if len(x) == 0:
                return cls(ids, x, n, None, None)
            return cls(ids, x, n, None, None, tuple(np.atleast_1d(a) for a in prop.logit_transform(x, n)),
                       tuple(np.atleast_1d(a) for a in prop.freeman_tukey(x, n)))
        return cls(ids, None, None, rows["yi"].astype(float).to_numpy(), rows["sei"].astype(float).to_numpy() ** 2)

    def __len__(self) -> int:
        return len(self.study_id)

    def subset(self, keep: np.ndarray) -> StudyArrays:
        pick = (lambda a: None if a is None else a[keep])  # noqa: E731
        pair = (lambda ab: None if ab is None else (ab[0][keep], ab[1][keep]))  # noqa: E731
        return StudyArrays(self.study_id[keep], pick(self.events), pick(self.n), pick(self.yi), pick(self.vi),
                           pair(self.logit), pair(self.double_arcsine))


def pool(rows: pd.DataFrame, family: str, method: str, level: float, min_k_pi: int, nagq: int = 7,
         tau2_ci: bool = True, pi_method: str = "metafor") -> dict:
    """Pool one set of studies with one method; returns the natural-scale summary.

    ``rows`` are input rows of one outcome and subgroup (``events``/``n`` for
    proportions, ``yi``/``sei`` otherwise). ``tau2_ci=False`` leaves out the Q-profile
    interval of tau^2 (NaN), for callers that do not report it. ``pi_method``: the
    prediction-interval form, ``metafor`` or ``hts``.
    """
    return pool_arrays(StudyArrays.of(rows, family), family, method, level, min_k_pi, nagq, tau2_ci=tau2_ci,
                       pi_method=pi_method)


def pool_arrays(data: StudyArrays, family: str, method: str, level: float, min_k_pi: int, nagq: int = 7,
                start=None, tau2_ci: bool = True, pi_method: str = "metafor") -> dict:
    """:func:`pool` on :class:`StudyArrays`; ``start`` is passed to the GLMM fit (a
    leave-one-out start, :func:`tkimeta.stats.glmm.leave_one_out_starts`)."""
    k = len(data)
    back = _back(family)
    out = dict(k=k, estimate=math.nan, ci_lower=math.nan, ci_upper=math.nan, pi_lower=math.nan,
               pi_upper=math.nan, tau2=math.nan, tau2_ci_lower=math.nan, tau2_ci_upper=math.nan,
               i2=math.nan, q=math.nan, q_pvalue=math.nan, pooled=k > 1, weights=None)
    if k == 0:
        return out
    if family == "proportion":
        x, n = data.events, data.n
        if k == 1:  # the study itself, with its exact CI, whatever the method
            lo, hi = prop.clopper_pearson(x[0], n[0], level)
            out.update(estimate=x[0] / n[0], ci_lower=float(lo), ci_upper=float(hi))
            return out
        if method == "glmm":
            if (x == 0).all() or (x == n).all():
                # The likelihood has no finite maximum (metafor's rma.glmm fails too).
                out["note"] = f"GLMM not estimable: {'no' if (x == 0).all() else 'every'} patient has the event in every study"
                return out
            fit = glmm_logit(x, n, level=level, nagq=nagq, start=start)
            out.update(estimate=float(back(fit.estimate)), ci_lower=float(back(fit.ci_lower)),
                       ci_upper=float(back(fit.ci_upper)), tau2=fit.tau2, i2=fit.i2,
                       q=fit.qe_wald, q_pvalue=fit.qe_wald_pvalue, fit=fit)
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
            yi, vi = data.double_arcsine
            fit = rma(yi, vi, method="REML", test="z", level=level, tau2_ci=tau2_ci)
            to_p = lambda t: float(prop.inverse_freeman_tukey_hm(t, n))  # noqa: E731
            out.update(estimate=to_p(fit.estimate), ci_lower=to_p(fit.ci_lower), ci_upper=to_p(fit.ci_upper))
            _heterogeneity(out, fit)
            if k >= min_k_pi:
                out.update(pi_lower=to_p(fit.pi_lower), pi_upper=to_p(fit.pi_upper))
                if pi_method == "hts":
                    _use_hts(out, fit.estimate, fit.se, fit.tau2, k, level, to_p)
            out["weights"] = fit.weights
            return out
        yi, vi = data.logit
    else:
        yi, vi = data.yi, data.vi
        if k == 1:
            z = D.critical_value(level)
            out.update(estimate=float(back(yi[0])), ci_lower=float(back(yi[0] - z * math.sqrt(vi[0]))),
                       ci_upper=float(back(yi[0] + z * math.sqrt(vi[0]))))
            return out
    tau_method, test = _IV_METHODS[method]
    fit = rma(yi, vi, method=tau_method, test=test, level=level, tau2_ci=tau2_ci)
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
    fit = rma(yi, vi, method=tau_method, test=test, level=level, tau2_ci=False)
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
    fit = rma(est, var, method="FE", level=level, tau2_ci=False)
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


# A leave-one-out row lists its k - 1 studies only up to MAX_LISTED_STUDIES (tkimeta.vocab):
# listed for every study, the table grows with k squared (96 MB at 1,000 studies, nearly
# all of it these lists). Above it the row's note says which studies it holds.
_UNLISTED_LOO_NOTE = (f"the studies of the primary analysis but the one left out (not listed above "
                      f"{MAX_LISTED_STUDIES} studies)")


def analysis_masks(study_id, cancer, sensitivity: list[str]) -> list[tuple[str, np.ndarray]]:
    """The study sets of :func:`analyses` as boolean masks over the rows."""
    study_id, cancer = np.asarray(study_id, dtype=object), np.asarray(cancer, dtype=object)
    sets = [(PRIMARY, np.ones(len(study_id), dtype=bool))]
    studies = list(dict.fromkeys(study_id))
    if CRC_ONLY in sensitivity:
        crc = cancer == "colorectal"
        if 0 < len(set(study_id[crc])) < len(studies):
            sets.append((CRC_ONLY, crc))
    if LEAVE_ONE_OUT in sensitivity and len(studies) >= 3:
        for study in studies:
            sets.append((leave_one_out(study), study_id != study))
    return sets


def analyses(rows: pd.DataFrame, sensitivity: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """The study sets: primary, CRC only, and leave-one-out (when k >= 3)."""
    return [(name, rows[mask]) for name, mask in analysis_masks(rows["study_id"], rows["cancer"], sensitivity)]


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
        data = StudyArrays.of(rows, family)
        loo_starts = None  # leave-one-out GLMM refits start from the primary fit
        for analysis, keep in analysis_masks(data.study_id, rows["cancer"], sensitivity):
            subset = data.subset(keep)
            for method in (methods if analysis == PRIMARY else methods[:1]):
                start = None
                if method == "glmm" and analysis.startswith(LEAVE_ONE_OUT_PREFIX) and loo_starts is not None:
                    start = loo_starts.get(analysis)
                result = pool_arrays(subset, family, method, level, min_k_pi, nagq, start=start, pi_method=pi_method)
                if method == "glmm" and analysis == PRIMARY and "fit" in result and LEAVE_ONE_OUT in sensitivity:
                    loo_starts = _glmm_loo_starts(data, result["fit"])
                listed = not analysis.startswith(LEAVE_ONE_OUT_PREFIX) or len(subset) <= MAX_LISTED_STUDIES
                estimate_rows.append(dict(
                    outcome=outcome, subgroup=subgroup, analysis=analysis, method=method,
                    **{c: result[c] for c in ESTIMATE_COLUMNS if c in result and c != "note"},
                    scale=scale_of(family, outcome), studies=";".join(subset.study_id) if listed else "",
                    note="; ".join(filter(None, [result.get("note"), _note(result["k"], result["pooled"], min_k_pi),
                                                 None if listed else _UNLISTED_LOO_NOTE]))))
        study_rows += _study_rows(rows, data, family, level, outcome, subgroup)
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


def _glmm_loo_starts(data: StudyArrays, fit) -> dict:
    """Leave-one-out GLMM starts by analysis name (one study per row, as the
    leave-one-out sets are by study)."""
    if len(set(data.study_id)) != len(data):
        return {}
    starts = leave_one_out_starts(data.events, data.n, fit)
    return {leave_one_out(study): start for study, start in zip(data.study_id, starts)}


def _study_rows(rows: pd.DataFrame, data: StudyArrays, family, level, outcome, subgroup) -> list[dict]:
    """Each study's own estimate and CI, with its weight in the inverse-variance REML model.

    The GLMM has no study weights in the inverse-variance sense, so the forest plots
    show the REML weights for every method. Each study's own estimate is what
    :func:`pool` gives for k = 1 (exact CI for proportions, normal CI otherwise),
    computed for all studies at once.
    """
    k = len(data)
    weights = [math.nan] * k
    if k > 1:
        yi, vi = data.logit if family == "proportion" else (data.yi, data.vi)
        weights = list(rma(yi, vi, method="REML", test="knha", level=level, tau2_ci=False).weights)
    elif k == 1:
        weights = [100.0]
    if family == "proportion":
        own = data.events / data.n
        lower, upper = prop.clopper_pearson(data.events, data.n, level)
    else:
        back, half = _back(family), D.critical_value(level) * np.sqrt(data.vi)
        own, lower, upper = back(data.yi), back(data.yi - half), back(data.yi + half)
    out = []
    columns = ["study_id", "estimate", "ci_lower", "ci_upper", "events", "n", "approximation", "source"]
    records = (dict(zip(columns, values)) for values in zip(*(rows[c].tolist() for c in columns)))
    for i, (r, weight) in enumerate(zip(records, weights)):
        estimate, lo, hi = float(own[i]), float(lower[i]), float(upper[i])
        if family != "proportion" and not pd.isna(r["estimate"]):
            # show the interval the paper printed (the pooled SE came from it); a bound it
            # did not print (NA, not reached) stays missing, never a back-computed number
            estimate, lo, hi = (float(r[c]) if not pd.isna(r[c]) else math.nan
                                for c in ("estimate", "ci_lower", "ci_upper"))
        out.append(dict(outcome=outcome, subgroup=subgroup, study_id=r["study_id"], estimate=estimate,
                        ci_lower=lo, ci_upper=hi, weight=weight,
                        events=r["events"], n=r["n"], approximation=r["approximation"], source=r["source"]))
    return out
