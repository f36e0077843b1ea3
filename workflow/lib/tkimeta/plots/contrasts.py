"""The pooled within-study liver-metastasis contrasts in one log-scale panel.

Input contracts (plain ``pd.read_csv`` frames):

``study_rows`` (results/pooled/study_estimates.csv): outcome, study_id, estimate,
    ci_lower, ci_upper; optional subgroup, weight, n, label.
``pooled_rows`` (results/pooled/estimates.csv): outcome, k, estimate, ci_lower,
    ci_upper; optional subgroup, analysis, method, pi_lower, pi_upper, tau2, i2, q,
    q_pvalue, pooled, label.

Contrast outcomes are those named ``HR_*``, ``RoM_*`` or ``OR_*`` (e.g. HR_PFS_liver,
RoM_OS_liver, OR_ORR_liver); other outcomes in the frames are ignored, so the whole
CSVs can be passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from ..vocab import (
    CONTRAST_MEASURES,
    MAX_LISTED_STUDIES,
    CONTRAST_WORSE_ABOVE_ONE,
    OVERALL,
    contrast_measure,
    method_abbreviation,
    method_description,
    outcome_label,
    subgroup_label,
)
from ._table import (
    DIAMOND_COLOUR,
    Column,
    Row,
    as_bool,
    draw_rows,
    finite,
    fmt_ci,
    numeric,
    ratio_limits,
    require_frame,
    to_float,
)
from .forest import NUMERIC, heterogeneity_text, select_pooled
from .style import STUDY_COLOURS, STUDY_MARKERS, style_context

__all__ = ["contrasts_plot", "CONTRAST_PATTERN", "DEFAULT_DIRECTION_NOTE"]

CONTRAST_PATTERN = re.compile(r"^(HR|RoM|OR)_")
MEASURE_ORDER = {measure: i for i, measure in enumerate(CONTRAST_MEASURES)}
DEFAULT_DIRECTION_NOTE = (
    "Each ratio compares patients with vs without liver metastases within a study: "
    "HR > 1, ratio of medians < 1 or odds ratio < 1 mean a worse outcome with liver metastases."
)


def _order(outcome: str) -> tuple:
    match = CONTRAST_PATTERN.match(outcome)
    return (MEASURE_ORDER.get(match.group(1), 9) if match else 9, outcome)


def contrasts_plot(
    study_rows: pd.DataFrame,
    pooled_rows: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    method=None,
    analysis: str | None = "primary",
    title: str | None = "Liver metastases vs none: within-study contrasts",
    direction_note: str | None = DEFAULT_DIRECTION_NOTE,
    study_labels: Mapping[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
    ci_level: float = 0.95,
    max_study_rows: int = MAX_LISTED_STUDIES,
) -> Figure:
    """All liver-metastasis contrasts (HR, ratio of medians, odds ratio) on one log axis.

    One block per outcome (HR first, then RoM, then OR): per-study points (colour and
    marker fixed per study across blocks) with CIs, the pooled diamond with its CI and
    prediction interval when k >= 2 plus a heterogeneity line, or "single study, not
    pooled" when k = 1. Reference line at 1.

    ``outcomes``: which contrasts (default: every HR_/RoM_/OR_ outcome present). A block
    of more than ``max_study_rows`` studies shows its pooled rows only, as the forest
    plots do.
    ``method``: method name, or a mapping outcome -> method, needed when the pooled
    rows of an outcome hold several methods.
    """
    who = "contrasts_plot"
    study = numeric(require_frame(study_rows, "study_rows", ("outcome", "study_id", "estimate", "ci_lower", "ci_upper"), who), NUMERIC)
    pooled = numeric(require_frame(pooled_rows, "pooled_rows", ("outcome", "k", "estimate", "ci_lower", "ci_upper"), who), NUMERIC)
    for frame in (study, pooled):
        if "subgroup" not in frame.columns:
            frame["subgroup"] = OVERALL
    if outcomes is None:
        present = set(study["outcome"].astype(str)) | set(pooled["outcome"].astype(str))
        outcomes = sorted((o for o in present if CONTRAST_PATTERN.match(o)), key=_order)
        if not outcomes:
            raise ValueError(f"{who}: no contrast outcomes (HR_*, RoM_*, OR_*) in the inputs")
    outcomes = [str(o) for o in outcomes]

    studies = list(dict.fromkeys(study.loc[study["outcome"].astype(str).isin(outcomes), "study_id"].astype(str)))
    style = {sid: (STUDY_COLOURS[i % len(STUDY_COLOURS)], STUDY_MARKERS[i % len(STUDY_MARKERS)]) for i, sid in enumerate(studies)}

    def study_label(record) -> str:
        sid = str(record["study_id"])
        if study_labels and sid in study_labels:
            return str(study_labels[sid])
        label = record.get("label")
        return label if isinstance(label, str) and label.strip() else sid

    rows: list[Row] = []
    values: list[float] = []
    methods_used: dict[str, str | None] = {}
    for outcome in outcomes:
        ostudy = study[study["outcome"].astype(str) == outcome]
        opooled, chosen = select_pooled(pooled, outcome, analysis, method, who)
        if ostudy.empty and opooled.empty:
            raise ValueError(f"{who}: no rows for outcome {outcome!r}")
        methods_used[outcome] = chosen
        subgroups = list(dict.fromkeys(list(ostudy["subgroup"].astype(str)) + list(opooled["subgroup"].astype(str))))
        for subgroup in subgroups:
            block = ostudy[ostudy["subgroup"].astype(str) == subgroup]
            prow = opooled[opooled["subgroup"].astype(str) == subgroup]
            header = outcome_label(outcome)
            if "label" in prow.columns and not prow.empty and isinstance(prow.iloc[0]["label"], str):
                header = prow.iloc[0]["label"]
            if subgroup != OVERALL:
                header += f" ({subgroup_label(subgroup)})"
            measure = contrast_measure(outcome)
            if measure:  # 'favours' per block: the axis mixes HRs (> 1 worse) with ratios (< 1 worse)
                header += f"  [{'> 1' if CONTRAST_WORSE_ABOVE_ONE[measure[0]] else '< 1'}: worse with liver metastases]"
            if rows:
                rows.append(Row("spacer"))
            rows.append(Row("header", header, group=outcome))
            if len(block) > max_study_rows:  # too many to read one by one: the pooled rows only
                rows.append(Row("note", f"{len(block)} studies, not drawn one by one (each is in "
                                        "results/pooled/study_estimates.csv)", group=outcome))
                block = block.iloc[0:0]
            for _, record in block.iterrows():
                est, lo, hi = (to_float(record[c]) for c in ("estimate", "ci_lower", "ci_upper"))
                values += [est, lo, hi]
                colour, marker = style[str(record["study_id"])]
                rows.append(Row("study", study_label(record), right=(fmt_ci(est, lo, hi, 2),), estimate=est,
                                lower=lo, upper=hi, marker=marker, colour=colour, size=5.5, group=outcome))
            if prow.empty:
                continue
            record = prow.iloc[0].to_dict()
            est, lo, hi = (to_float(record[c]) for c in ("estimate", "ci_lower", "ci_upper"))
            k = to_float(record.get("k"))
            if (finite(k) and int(k) <= 1) or as_bool(record.get("pooled")) is False:
                if block.empty and finite(est):
                    values += [est, lo, hi]
                    rows.append(Row("study", "Single study", right=(fmt_ci(est, lo, hi, 2),), estimate=est,
                                    lower=lo, upper=hi, marker="o", size=5.5, group=outcome))
                rows.append(Row("note", f"k = {int(k) if finite(k) else '?'}: single study, not pooled", group=outcome))
                continue
            values += [est, lo, hi]
            name = method_abbreviation(chosen) if chosen else None
            rows.append(Row("pooled", "Pooled" + (f" ({name})" if name else ""), right=(fmt_ci(est, lo, hi, 2),),
                            estimate=est, lower=lo, upper=hi, pi_lower=to_float(record.get("pi_lower")),
                            pi_upper=to_float(record.get("pi_upper")), colour=DIAMOND_COLOUR, group=outcome))
            rows.append(Row("note", heterogeneity_text(record, "ratio", ci_level), group=outcome))

    limits = (float(xlim[0]), float(xlim[1])) if xlim is not None else ratio_limits(values)
    level = f"{ci_level * 100:.0f}%"
    any_diamond = any(row.kind == "pooled" for row in rows)
    any_pi = any(row.kind == "pooled" and finite(row.pi_lower, row.pi_upper) for row in rows)
    foot = [f"Points: study estimates with {level} CI (one colour and marker per study)"
            + (f"; diamonds: random-effects estimates with {level} CI" if any_diamond else "")
            + (f"; vermillion bars: {level} prediction intervals" if any_pi else "") + "."]
    used = sorted({m for m in methods_used.values() if m})
    if any_diamond and used:
        foot.append("Pooled: random-effects model, " + "; ".join(
            f"{method_abbreviation(m)} = {method_description(m)}" for m in used) + ".")
    with style_context():
        return draw_rows(
            rows, kind="contrasts", label_header="Contrast / study",
            right_columns=[Column(f"Ratio [{level} CI]", 1.3)], label_width=2.2,
            xscale="log", xlim=limits, xlabel="Ratio, liver metastases vs none (log scale)", ref=1.0,
            title=title, subtitle=direction_note, footnotes=foot, scale_name="ratio",
            extra={"outcomes": outcomes, "methods": methods_used},
        )
