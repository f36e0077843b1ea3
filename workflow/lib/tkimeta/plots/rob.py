"""Risk-of-bias traffic-light plot (as robvis draws it): one row per study, one column
per MINORS item, a coloured disc with the score in it, and the total at the end."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..vocab import MINORS_ITEMS, MINORS_MAX, MINORS_SCORE_LABELS
from ._table import wrap_chars
from .style import GREY, INK, new_figure, style_context

#: Score -> colour (robvis palette: green adequate, yellow inadequate, red not reported).
SCORE_COLOURS = {2: "#02C100", 1: "#E2DF07", 0: "#BF0000"}


def rob_traffic_light(rob: pd.DataFrame, study_order: list[str] | None = None) -> Figure:
    """``rob``: rows of results/clean/risk_of_bias.csv (tool minors)."""
    rob = rob[rob["tool"] == "minors"]
    if rob.empty:
        raise ValueError("no MINORS judgements to plot")
    studies = [s for s in (study_order or list(dict.fromkeys(rob["study_id"]))) if s in set(rob["study_id"])]
    items = list(MINORS_ITEMS)
    with style_context():
        fig = new_figure(7.0, 1.3 + 0.42 * len(studies))
        ax = fig.add_axes([0.14, 0.30, 0.84, 0.62 * (1 - 0.5 / (len(studies) + 1))])
        ax.set_xlim(-0.5, len(items) + 0.7)
        ax.set_ylim(len(studies) - 0.5, -0.5)
        for y, study in enumerate(studies):
            own = rob[rob["study_id"] == study]
            total = 0
            for x, item in enumerate(items):
                row = own[own["item"] == item]
                if not len(row):
                    ax.text(x, y, "?", ha="center", va="center", fontsize=8, color=GREY)
                    continue
                score = int(row["score"].iloc[0])
                total += score
                ax.scatter([x], [y], s=260, color=SCORE_COLOURS[score], edgecolor=INK, linewidth=0.5, zorder=2)
                ax.text(x, y, str(score), ha="center", va="center", fontsize=8, zorder=3,
                        color="white" if score == 0 else INK)
            ax.text(len(items) + 0.2, y, f"{total}/{MINORS_MAX}", ha="center", va="center", fontsize=8, fontweight="bold")
        ax.set_yticks(range(len(studies)), studies, fontsize=8)
        ax.set_xticks([*range(len(items)), len(items) + 0.2], [f"D{i + 1}" for i in range(len(items))] + ["Total"],
                      fontsize=8)
        ax.xaxis.tick_top()
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        legend = "  ".join(f"D{i + 1} {label}" for i, label in enumerate(MINORS_ITEMS.values()))
        fig.text(0.02, 0.13, "\n".join(wrap_chars(legend, 120, sep="  ")), fontsize=7, color=INK, va="center")
        fig.text(0.02, 0.03, "   ".join(f"{s} = {MINORS_SCORE_LABELS[s]}" for s in (2, 1, 0)) + f"   (total of {MINORS_MAX})", fontsize=7, color=GREY)
    return fig
