"""Small-study effects per outcome: Egger's test and trim and fill where k is large enough,
else a row that says why they were not assessed (never a number from too few studies)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..pooling.analysis import scale_of
from ..pooling.usable import usable_inputs
from ..stats import proportions as prop
from ..stats.rma import rma
from ..stats.smallstudy import MIN_K, regtest, trimfill

SMALL_STUDY_COLUMNS = [
    "outcome", "subgroup", "k", "assessable", "reason", "scale", "estimate", "ci_lower", "ci_upper",
    "egger_z", "egger_pvalue", "egger_slope", "limit_estimate", "limit_ci_lower", "limit_ci_upper",
    "trimfill_side", "trimfill_k0", "trimfill_estimate", "trimfill_ci_lower", "trimfill_ci_upper", "studies",
]


def effect_sizes(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Analysis-scale effects of one outcome's input rows: logit proportions (0.5 added
    to studies with 0 or all events, as metafor's escalc) or the log ratios/medians."""
    if rows["family"].iloc[0] == "proportion":
        x, n = rows["events"].astype(int).to_numpy(), rows["n"].astype(int).to_numpy()
        yi, vi = prop.logit_transform(x, n)
        return np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    return rows["yi"].astype(float).to_numpy(), rows["sei"].astype(float).to_numpy() ** 2


def _back(family: str):
    return prop.expit if family == "proportion" or family == "logit" else np.exp


def small_study_effects(inputs: pd.DataFrame, outcomes: list[str], *, min_k: int = MIN_K,
                        level: float = 0.95) -> pd.DataFrame:
    """One row per outcome and subgroup (REML random-effects model, Egger's test with the
    standard error as moderator, trim and fill with the L0 estimator)."""
    inputs = usable_inputs(inputs)
    out = []
    for outcome in outcomes:
        own = inputs[inputs["outcome"] == outcome]
        if own.empty:
            out.append(dict(outcome=outcome, subgroup="all", k=0, assessable=False,
                            reason="not assessable: no study reports this outcome"))
            continue
        for subgroup in dict.fromkeys(own["subgroup"]):
            rows = own[own["subgroup"] == subgroup]
            family = rows["family"].iloc[0]
            row = dict(outcome=outcome, subgroup=subgroup, k=len(rows), scale=scale_of(family, outcome),
                       studies=";".join(rows["study_id"]))
            if len(rows) < min_k:
                row.update(assessable=False, reason=f"not assessable: k = {len(rows)} < {min_k} studies "
                                                    f"(funnel plot, Egger's test and trim and fill need at least {min_k})")
                out.append(row)
                continue
            yi, vi = effect_sizes(rows)
            back = _back(family)
            fit = rma(yi, vi, method="REML", level=level)
            egger = regtest(yi, vi, level=level)
            tf = trimfill(yi, vi, level=level)
            row.update(assessable=True, reason="",
                       estimate=float(back(fit.estimate)), ci_lower=float(back(fit.ci_lower)), ci_upper=float(back(fit.ci_upper)),
                       egger_z=egger.statistic, egger_pvalue=egger.pvalue, egger_slope=egger.slope,
                       limit_estimate=float(back(egger.limit_estimate)), limit_ci_lower=float(back(egger.limit_ci_lower)),
                       limit_ci_upper=float(back(egger.limit_ci_upper)), trimfill_side=tf.side, trimfill_k0=tf.k0,
                       trimfill_estimate=float(back(tf.fit.estimate)), trimfill_ci_lower=float(back(tf.fit.ci_lower)),
                       trimfill_ci_upper=float(back(tf.fit.ci_upper)))
            out.append(row)
    frame = pd.DataFrame(out, columns=SMALL_STUDY_COLUMNS)
    return frame


def funnel_data(inputs: pd.DataFrame, outcome: str, subgroup: str = "all", level: float = 0.95) -> dict:
    """What a funnel plot of one outcome draws: observed and filled (yi, sei), the
    REML estimate and the trim-and-fill estimate (analysis scale)."""
    inputs = usable_inputs(inputs)
    rows = inputs[(inputs["outcome"] == outcome) & (inputs["subgroup"] == subgroup)]
    yi, vi = effect_sizes(rows)
    fit = rma(yi, vi, method="REML", level=level)
    tf = trimfill(yi, vi, level=level)
    return dict(yi=yi, sei=np.sqrt(vi), estimate=fit.estimate, filled_yi=tf.filled_yi,
                filled_sei=np.sqrt(tf.filled_vi), filled_estimate=tf.fit.estimate, family=rows["family"].iloc[0],
                studies=list(rows["study_id"]), level=level, k0=tf.k0, side=tf.side)
