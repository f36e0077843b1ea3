"""The network meta-analysis's liver-metastasis hazard ratios, shown as context.

Input contract (results/clean/effects.csv, whole file or the NMA's rows): study_id,
population, endpoint (OS/PFS), factor, level (treatment), reference (comparator),
measure (HR), estimate, ci_lower, ci_upper; optional interval (cri/ci), ci_level,
location. Numbers may be text (the cleaned tables keep printed numbers as text); they
are converted here. The same comparison printed in several places (abstract,
results, discussion) with the same numbers is drawn once.

These are not pooled with anything: the figure says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from ..vocab import SUBGROUP_LABELS
from ._table import Column, Row, draw_rows, fmt_ci, numeric, ratio_limits, require_frame
from .style import OKABE_ITO, style_context

__all__ = ["nma_plot", "treatment_label", "POPULATION_LABELS"]

POPULATION_ORDER = ("liver_met", "liver_limited")
#: The NMA's populations; those that are also subgroups keep the subgroup's label.
POPULATION_LABELS = {
    "liver_met": SUBGROUP_LABELS["liver_met"],
    "liver_limited": "Liver-limited metastases",
    "multiple_site": "Multiple-site metastases",
    "all": SUBGROUP_LABELS["all"],
}
ENDPOINT_COLOURS = {"OS": OKABE_ITO["blue"], "PFS": OKABE_ITO["vermillion"]}
ABBREVIATIONS = {"ctfu": "CTFU", "ctca": "CTCA", "ictfu": "ICTFU", "bsc": "BSC", "hai": "HAI",
                 "singlect": "single CT", "ct": "CT", "nma": "NMA"}
COLUMNS = ("population", "endpoint", "factor", "level", "reference", "measure", "estimate", "ci_lower", "ci_upper")
NOT_POOLED = "Context: network meta-analysis of RCTs, not pooled."


def treatment_label(code: str) -> str:
    """tas_102_plus_bevacizumab -> 'TAS-102 + bevacizumab', ctfu -> 'CTFU'."""
    text = str(code).strip()
    text = re.sub(r"tas_102", "TAS-102", text)
    text = text.replace("_plus_", " + ").replace("multi_targeted", "multi-targeted")
    words = [ABBREVIATIONS.get(word, word) for word in text.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def nma_plot(
    effects: pd.DataFrame,
    *,
    study_id: str | None = None,
    populations: Sequence[str] | None = None,
    endpoints: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = "Network meta-analysis of RCTs: hazard ratios in colorectal liver metastases",
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Forest-like dot plot of the NMA's HRs, one block per population/endpoint/comparator.

    ``study_id``: keep rows of this study when the frame has a study_id column (None
    keeps all). ``populations``: which populations, in that order (default: those whose
    name contains "liver", liver_met first). ``endpoints``: e.g. ["OS"]. ``labels``:
    treatment/comparator code -> display label. Within a block rows are sorted by HR.
    Log axis, reference line at 1, dots coloured by endpoint; the subtitle says that
    these are context from a network meta-analysis, not pooled.
    """
    who = "nma_plot"
    frame = require_frame(effects, "effects", COLUMNS, who)
    if study_id is not None and "study_id" in frame.columns:
        frame = frame[frame["study_id"].astype(str) == str(study_id)]
        if frame.empty:
            raise ValueError(f"{who}: effects has no rows for study {study_id!r}")
    frame = frame[frame["measure"].astype(str).str.upper() == "HR"]
    if frame.empty:
        raise ValueError(f"{who}: no HR rows to plot")
    frame = numeric(frame, ("estimate", "ci_lower", "ci_upper", "ci_level"))
    frame = frame[frame["estimate"].notna()]
    for column in ("population", "endpoint", "factor", "level", "reference"):
        frame[column] = frame[column].astype(str)
    present = list(dict.fromkeys(frame["population"]))
    if populations is None:
        chosen = [p for p in POPULATION_ORDER if p in present] + sorted(
            p for p in present if "liver" in p and p not in POPULATION_ORDER)
    else:
        chosen = [str(p) for p in populations if str(p) in present]
    if not chosen:
        raise ValueError(
            f"{who}: no rows for population(s) {list(populations) if populations else 'containing liver'} "
            f"(have: {', '.join(present) or 'none'})"
        )
    frame = frame[frame["population"].isin(chosen)]
    if endpoints is not None:
        frame = frame[frame["endpoint"].isin([str(e) for e in endpoints])]
        if frame.empty:
            raise ValueError(f"{who}: no rows for endpoint(s) {', '.join(map(str, endpoints))}")
    same = ["population", "endpoint", "factor", "level", "reference", "estimate", "ci_lower", "ci_upper"]
    frame = frame.drop_duplicates(same)
    conflicting = frame.duplicated(["population", "endpoint", "factor", "level", "reference"], keep=False)

    def name(code: str) -> str:
        return str(labels[code]) if labels and code in labels else treatment_label(code)

    interval = "CI"
    if "interval" in frame.columns and (frame["interval"].astype(str).str.lower() == "cri").all():
        interval = "CrI"
    level = 95.0
    if "ci_level" in frame.columns and frame["ci_level"].notna().any():
        levels = sorted(set(frame["ci_level"].dropna()))
        level = levels[0] if len(levels) == 1 else level
    level_text = f"{level:.0f}%"

    endpoint_order = {"OS": 0, "PFS": 1}
    keys = list(dict.fromkeys(frame[["population", "endpoint", "factor", "reference"]].itertuples(index=False, name=None)))
    keys.sort(key=lambda k: (chosen.index(k[0]), endpoint_order.get(k[1], 9), k[1], k[2] != "treatment", 0))
    rows: list[Row] = []
    values: list[float] = []
    for population, endpoint, factor, reference in keys:
        block = frame[(frame["population"] == population) & (frame["endpoint"] == endpoint)
                      & (frame["factor"] == factor) & (frame["reference"] == reference)]
        block = block.sort_values(["estimate", "level"], kind="mergesort")
        header = f"{POPULATION_LABELS.get(population, population.replace('_', ' '))}, {endpoint}: vs {name(reference)}"
        if factor == "treatment_mechanism":
            header += " (drug classes)"
        if rows:
            rows.append(Row("spacer"))
        rows.append(Row("header", header, group=f"{population}/{endpoint}/{reference}"))
        colour = ENDPOINT_COLOURS.get(endpoint, OKABE_ITO["black"])
        for index, record in block.iterrows():
            label = name(record["level"])
            if conflicting.loc[index] and "location" in record and isinstance(record["location"], str):
                label += f" ({record['location']})"
            est, lo, hi = float(record["estimate"]), float(record["ci_lower"]), float(record["ci_upper"])
            values += [est, lo, hi]
            rows.append(Row("study", label, right=(fmt_ci(est, lo, hi, 2),), estimate=est, lower=lo, upper=hi,
                            marker="o", size=5.0, colour=colour, group=f"{population}/{endpoint}/{reference}"))
    limits = (float(xlim[0]), float(xlim[1])) if xlim is not None else ratio_limits(values)
    drawn = sorted(set(frame["endpoint"]), key=lambda e: (endpoint_order.get(e, 9), e))
    colour_names = {OKABE_ITO["blue"]: "blue", OKABE_ITO["vermillion"]: "vermillion", OKABE_ITO["black"]: "black"}
    colour_key = ", ".join(
        f"{colour_names[ENDPOINT_COLOURS.get(e, OKABE_ITO['black'])]}: {e}" for e in drawn)
    with style_context():
        fig = draw_rows(
            rows, kind="nma", label_header="Treatment", right_columns=[Column(f"HR [{level_text} {interval}]", 1.3)],
            label_width=2.3, xscale="log", xlim=limits, xlabel="Hazard ratio vs comparator (log scale)", ref=1.0,
            title=title,
            subtitle=f"{NOT_POOLED} Each block: one population, endpoint and common comparator; "
                     f"HR < 1 favours the listed treatment.",
            footnotes=[f"Dots: NMA hazard ratios with {level_text} {'credible' if interval == 'CrI' else 'confidence'} "
                       f"intervals ({colour_key}); comparisons printed more than once in the paper are shown once."],
            scale_name="ratio", extra={"blocks": len(keys), "interval": interval},
        )
    return fig
