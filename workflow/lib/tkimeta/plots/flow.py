"""PRISMA 2020-style flow of the evidence base, drawn from the run's configuration and
pooled results: papers given -> included -> pooled vs context -> contributing per outcome.

There is no search: the first box says so, instead of records identified and screened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ..vocab import OVERALL, PRIMARY, outcome_label
from ._table import wrap_chars
from .style import INK, LIGHT_GREY, new_figure, style_context

#: Above this many studies a box gives their number, not their ids: a thousand ids do not
#: fit a box (they overflowed the figure, and matplotlib's text wrapping of them took
#: most of a minute); every id is in config.yaml and results/pooled/estimates.csv.
MAX_LISTED_IDS = 12


def _box(ax, x, y, w, h, text, fill="white"):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", linewidth=0.8, edgecolor=INK,
                                facecolor=fill))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=7.5, wrap=True)


def _arrow(ax, x0, y0, x1, y1):
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color=INK, lw=0.8))


def id_list(ids: Sequence[str], where: str) -> str:
    """' (a, b, c)' after a count, or, for more than MAX_LISTED_IDS ids, where they are."""
    if not ids:
        return ""
    if len(ids) > MAX_LISTED_IDS:
        return f" (ids in {where})"
    return f" ({', '.join(ids)})"


def pooled_ids_text(pooled: Sequence[str]) -> str:
    """The pooled studies' ids wrapped to the box, or where they are listed when too many."""
    if len(pooled) > MAX_LISTED_IDS:
        return "(ids in config.yaml, studies with role single_arm)"
    return "\n".join(wrap_chars(", ".join(pooled), 48))


def flow_plot(studies: Mapping[str, Mapping], excluded: Sequence[str], estimates: pd.DataFrame,
              outcomes: Sequence[str], primary_methods: Mapping[str, str]) -> Figure:
    """``studies``: config.yaml ``studies`` (all registered); ``excluded``: config ``exclude``."""
    registered = list(studies)
    included = [s for s in registered if s not in set(excluded)]
    pooled = [s for s in included if studies[s]["role"] == "single_arm"]
    context = [s for s in included if studies[s]["role"] != "single_arm"]
    lines = []
    for outcome in outcomes:
        rows = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                         & (estimates["analysis"] == PRIMARY) & (estimates["method"] == primary_methods.get(outcome))]
        k = int(rows["k"].iloc[0]) if len(rows) else 0
        ids = str(rows["studies"].iloc[0]).split(";") if len(rows) and k else []
        lines.append(f"{outcome_label(outcome)}: k = {k}" + id_list(ids, "results/pooled/estimates.csv"))
    with style_context():
        fig = new_figure(7.0, 4.6)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        _box(ax, 0.05, 0.86, 0.55, 0.1, f"Papers given to the synthesis: {len(registered)}\n"
             "(a fixed set of papers, not a systematic search)", fill=LIGHT_GREY)
        _box(ax, 0.66, 0.86, 0.3, 0.1, f"Excluded by config.yaml: {len(excluded)}"
             + (f"\n{id_list(excluded, 'config.yaml, exclude').strip()}" if excluded else ""))
        _arrow(ax, 0.60, 0.91, 0.66, 0.91)
        _box(ax, 0.05, 0.70, 0.55, 0.1, f"Papers included, typed and audited: {len(included)}")
        _arrow(ax, 0.325, 0.86, 0.325, 0.80)
        _box(ax, 0.05, 0.52, 0.42, 0.12, f"Single-arm studies pooled: {len(pooled)}\n" + pooled_ids_text(pooled))
        _box(ax, 0.53, 0.52, 0.43, 0.12, f"Context only, never pooled: {len(context)}\n"
             + (", ".join(context) if len(context) <= MAX_LISTED_IDS else "(ids in config.yaml, role context)"))
        _arrow(ax, 0.25, 0.70, 0.25, 0.64)
        _arrow(ax, 0.45, 0.70, 0.70, 0.64)
        _box(ax, 0.05, 0.03, 0.91, 0.43, "Studies contributing per outcome (primary analysis, all patients)\n\n"
             + "\n".join(lines))
        _arrow(ax, 0.25, 0.52, 0.25, 0.46)
    return fig
