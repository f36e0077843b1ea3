"""Adverse-event rates across studies: a dot plot faceted any grade vs grade >= 3.

Input contract: one row per study, harmonised term and grade group with
study_id, harmonised_term, grade_group (any | high; other groups such as ``low`` are
ignored), count, n, proportion, ci_lower, ci_upper (proportions in [0, 1]). A missing
proportion is taken as count/n when both are there; rows with neither are not drawn.
Exact duplicate rows are dropped; two different values for the same study, term and
grade group are an error (the frame must be reconciled upstream).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..vocab import ae_term_label as term_label
from ._table import MARGIN, PlotLayout, attach_layout, numeric, require_frame, text_width, wrap
from .style import GREY, STUDY_COLOURS, STUDY_MARKERS, new_figure, style_context

__all__ = ["ae_plot", "term_label", "GRADE_GROUPS"]

GRADE_GROUPS = {"any": "Any grade", "high": "Grade ≥3"}
FIRST_TERMS = ("any_ae", "any_trae", "any_irae")
ROW_IN = 0.27


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    data = numeric(frame, ("count", "n", "proportion", "ci_lower", "ci_upper"))
    data["study_id"] = data["study_id"].astype(str)
    data["harmonised_term"] = data["harmonised_term"].astype(str)
    data["grade_group"] = data["grade_group"].astype(str).str.strip().str.lower()
    data = data[data["grade_group"].isin(list(GRADE_GROUPS))]
    if "proportion" not in data.columns:
        data["proportion"] = np.nan
    for column in ("ci_lower", "ci_upper"):
        if column not in data.columns:
            data[column] = np.nan
    if {"count", "n"} <= set(data.columns):
        derived = data["count"] / data["n"].where(data["n"] > 0)
        data["proportion"] = data["proportion"].fillna(derived)
    data = data[data["proportion"].notna()]
    key = ["study_id", "harmonised_term", "grade_group"]
    data = data.drop_duplicates(key + ["proportion", "ci_lower", "ci_upper"])
    clash = data[data.duplicated(key, keep=False)]
    if not clash.empty:
        cells = sorted({"/".join(k) for k in clash[key].itertuples(index=False, name=None)})
        raise ValueError(
            "ae_plot: different values for the same study, term and grade group: "
            + ", ".join(cells[:6]) + (" ..." if len(cells) > 6 else "")
            + "; reconcile the AE table (one row per study, term, grade group) first"
        )
    bad = data[(data["proportion"] < 0) | (data["proportion"] > 1)]
    if not bad.empty:
        raise ValueError(
            f"ae_plot: proportions must lie in [0, 1] (got {bad['proportion'].iloc[0]!r} for "
            f"{bad['study_id'].iloc[0]}/{bad['harmonised_term'].iloc[0]}); percentages?"
        )
    return data


def _legend_grid(names: Sequence[str], available: float) -> tuple[int, int]:
    """(columns, lines) of the widest legend that fits (matplotlib fills column by column)."""
    n = len(names)
    for ncols in range(n, 0, -1):
        lines = math.ceil(n / ncols)
        columns = [names[c * lines:(c + 1) * lines] for c in range(ncols)]
        needed = sum(max(text_width(s, 7.5) for s in col) + 0.45 for col in columns if col)
        if needed <= available:
            return ncols, lines
    return 1, n


def _term_order(data: pd.DataFrame, terms: Sequence[str] | None) -> list[str]:
    present = set(data["harmonised_term"])
    if terms is not None:
        return [str(t) for t in terms if str(t) in present]
    first = [t for t in FIRST_TERMS if t in present]
    rest = [t for t in present if t not in FIRST_TERMS]
    any_grade = data[data["grade_group"] == "any"].groupby("harmonised_term")["proportion"].max()
    high = data[data["grade_group"] == "high"].groupby("harmonised_term")["proportion"].max()

    def key(term):
        value = any_grade.get(term, math.nan)
        if math.isnan(value):
            return (1, -high.get(term, 0.0), term)
        return (0, -value, term)

    return first + sorted(rest, key=key)


def ae_plot(
    ae_rates: pd.DataFrame,
    *,
    terms: Sequence[str] | None = None,
    study_order: Sequence[str] | None = None,
    study_labels: Mapping[str, str] | None = None,
    term_labels: Mapping[str, str] | None = None,
    title: str | None = "Adverse events across studies",
    ci_level: float = 0.95,
) -> Figure:
    """Dot plot of AE proportions with CIs: rows = harmonised terms, colour/marker = study.

    Two facets side by side sharing the rows: any grade and grade >= 3. Within a row
    the studies are offset vertically (same slot for a study in every row) so that
    their intervals do not overlap. ``terms`` selects and orders the rows (default:
    overall AE terms first, then by decreasing any-grade proportion).
    """
    who = "ae_plot"
    frame = require_frame(ae_rates, "ae_rates", ("study_id", "harmonised_term", "grade_group"), who)
    if "proportion" not in frame.columns and not {"count", "n"} <= set(frame.columns):
        raise ValueError(f"{who}: ae_rates needs a proportion column or count and n")
    data = _prepare(frame)
    if data.empty:
        raise ValueError(f"{who}: no any-grade or grade >=3 rates with a proportion to plot")
    order = _term_order(data, terms)
    if not order:
        raise ValueError(f"{who}: none of the requested terms is in ae_rates")
    data = data[data["harmonised_term"].isin(order)]
    studies = list(dict.fromkeys(data["study_id"]))
    if study_order is not None:
        wanted = [str(s) for s in study_order]
        studies = [s for s in wanted if s in studies] + [s for s in studies if s not in wanted]
    slot = {sid: i for i, sid in enumerate(studies)}
    m = len(studies)
    step = min(0.7 / m, 0.2) if m > 1 else 0.0
    offsets = {sid: (slot[sid] - (m - 1) / 2) * step for sid in studies}
    style = {sid: (STUDY_COLOURS[i % len(STUDY_COLOURS)], STUDY_MARKERS[i % len(STUDY_MARKERS)])
             for i, sid in enumerate(studies)}
    labels = [str(term_labels.get(t, term_label(t))) if term_labels else term_label(t) for t in order]
    study_names = [str(study_labels.get(s, s)) if study_labels else s for s in studies]

    width = 7.0
    label_w = min(max(text_width(label, 7.5) for label in labels) + 0.15, 2.0)
    labels = ["\n".join(wrap(label, label_w - 0.1, 7.5, max_lines=2)) for label in labels]
    n_rows = len(order)
    ncols, legend_lines = _legend_grid(study_names, width - 2 * MARGIN)
    title_h = 0.35 if title else 0.1
    legend_h = 0.18 * legend_lines + 0.06
    facet_h = 0.25
    body = n_rows * ROW_IN
    bottom = 0.62
    height = title_h + legend_h + facet_h + body + bottom
    gap = 0.25
    x0 = MARGIN + label_w
    panel_w = (width - MARGIN - 0.1 - x0 - gap) / 2
    layout = PlotLayout(kind="ae", scale="proportion", xlim=(0.0, 1.0))
    layout.rows = [("term", t) for t in order]
    counts = {}
    with style_context():
        fig = new_figure(width, height)
        axes = []
        for j, group in enumerate(GRADE_GROUPS):
            left = x0 + j * (panel_w + gap)
            ax = fig.add_axes((left / width, bottom / height, panel_w / width, body / height),
                              sharey=axes[0] if axes else None)
            axes.append(ax)
            ax.set_xlim(-0.02, 1.02)
            ax.set_ylim(n_rows - 0.5, -0.5)
            ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1"])
            ax.set_title(GRADE_GROUPS[group], fontsize=8.5, weight="bold", pad=4)
            ax.set_xlabel("Proportion of patients")
            ax.grid(axis="x", color="#E3E3E3", lw=0.6, zorder=0)
            ax.set_axisbelow(True)
            for r in range(0, n_rows, 2):
                ax.axhspan(r - 0.5, r + 0.5, color="#F2F2F2", lw=0, zorder=0)
            ax.tick_params(axis="y", length=0)
            if j == 0:
                ax.set_yticks(range(n_rows), labels)
            else:
                ax.tick_params(axis="y", labelleft=False)
            part = data[data["grade_group"] == group]
            counts[group] = len(part)
            for _, record in part.iterrows():
                sid = record["study_id"]
                y = order.index(record["harmonised_term"]) + offsets[sid]
                colour, marker = style[sid]
                lo, hi = record["ci_lower"], record["ci_upper"]
                if not (math.isnan(lo) or math.isnan(hi)):
                    ax.add_line(Line2D([lo, hi], [y, y], color=colour, lw=0.9, zorder=2, gid="ci"))
                ax.add_line(Line2D([record["proportion"]], [y], marker=marker, ms=4.2, mfc=colour, mec="white",
                                   mew=0.4, ls="none", zorder=3, gid=f"point:{group}"))
            if part.empty:
                ax.text(0.5, 0.5, "not reported", transform=ax.transAxes, ha="center", va="center", color=GREY)
        handles = [Line2D([], [], marker=style[s][1], color=style[s][0], mec="white", mew=0.4, ms=5, lw=0.9,
                          label=name) for s, name in zip(studies, study_names)]
        fig.legend(handles=handles, loc="upper left", ncols=ncols, frameon=False, fontsize=7.5,
                   bbox_to_anchor=(MARGIN / width, 1 - title_h / height), borderaxespad=0.0,
                   handlelength=1.8, columnspacing=1.4)
        if title:
            fig.text(MARGIN / width, 1 - 0.1 / height, title, fontsize=10, weight="bold", va="top", ha="left")
        level = f"{ci_level * 100:.0f}%"
        fig.text(MARGIN / width, 0.06 / height,
                 f"Points: proportion of patients with the event in each study; lines: {level} CI. "
                 "Rows without a point: not reported by that study.",
                 fontsize=6.5, color="#4D4D4D", ha="left", va="bottom")
    layout.extra = {"studies": studies, "points": counts}
    return attach_layout(fig, layout)
