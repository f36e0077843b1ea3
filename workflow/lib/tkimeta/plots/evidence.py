"""Living-evidence figures: cumulative meta-analysis and funnel plots."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from ..stats.distributions import critical_value
from .empty import no_data_plot
from .style import GREY, new_figure, style_context


#: Above this many papers an outcome's panel shows the pooled estimate and CI as a band
#: against the number of papers, instead of a labelled row per paper.
MAX_LABELLED_STEPS = 30
_BAND_ROWS = 5  # the height of a band panel, in rows


def cumulative_plot(table: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                    study_labels: Mapping[str, str] | None = None, subgroup: str = "all") -> Figure:
    """One panel per outcome: the pooled estimate and CI after each paper, in order of
    publication (top to bottom), as metafor's ``forest(cumul(res))``; with more than
    :data:`MAX_LABELLED_STEPS` papers, as a band against the number of papers."""
    table = table[table["subgroup"] == subgroup]
    outcomes = list(dict.fromkeys(table["outcome"]))
    if not outcomes:
        return no_data_plot("Cumulative meta-analysis", "No outcome with data in this run.")
    labels = labels or {}
    study_labels = study_labels or {}
    steps = {o: max(len(table[table["outcome"] == o]), 1) for o in outcomes}
    heights = [n if n <= MAX_LABELLED_STEPS else _BAND_ROWS for n in steps.values()]
    with style_context():
        fig = new_figure(9.0, 0.9 + 0.32 * sum(heights) + 0.55 * len(outcomes))
        labelled = any(n <= MAX_LABELLED_STEPS for n in steps.values())  # room for the row labels
        grid = fig.add_gridspec(len(outcomes), 1, height_ratios=[h + 1.6 for h in heights], hspace=0.9,
                                left=0.47 if labelled else 0.1, right=0.97, top=0.97, bottom=0.05)
        for i, outcome in enumerate(outcomes):
            ax = fig.add_subplot(grid[i])
            rows = table[table["outcome"] == outcome].sort_values("step", key=lambda s: s.astype(int))
            y = np.arange(len(rows))[::-1]
            scale = rows["scale"].iloc[0]
            ratio = scale in ("ratio", "months")
            est, lo, hi = (rows[c].astype(float).to_numpy() for c in ("estimate", "ci_lower", "ci_upper"))
            if len(rows) > MAX_LABELLED_STEPS:
                _band_panel(ax, rows["k"].astype(int).to_numpy(), est, lo, hi, scale)
                ax.set_title(f"{labels.get(outcome, outcome)} (after each of {len(rows):,} papers, in order of "
                             "publication)", fontsize=9, loc="left")
                continue
            ax.hlines(y, lo, hi, color="black", lw=1)
            ax.plot(est, y, "s", color="black", ms=4)
            names = []
            for s, yr, k in zip(rows["study_id"], rows["publication_year"].fillna(""), rows["k"]):
                label = study_labels.get(s, s)
                label = label if len(label) <= 42 else label[:41] + "…"
                names.append(f"k = {k}: + {label} ({yr if isinstance(yr, str) and yr else 'no year'})")
            ax.set_yticks(y, names, fontsize=7)
            ax.set_ylim(-0.7, len(rows) - 0.3)
            if ratio:
                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
                ax.xaxis.set_minor_formatter(ticker.NullFormatter())
            if scale == "ratio":
                ax.axvline(1, color=GREY, lw=0.8, ls="--")
            ax.set_title(labels.get(outcome, outcome), fontsize=9, loc="left")
            ax.tick_params(axis="x", labelsize=7)
            ax.set_xlabel({"proportion": "proportion", "months": "months", "ratio": "ratio"}.get(scale, scale), fontsize=7)
    return fig


def _band_panel(ax, k, est, lo, hi, scale: str) -> None:
    """The cumulative estimate (line) and its CI (band) against the number of papers."""
    ax.fill_between(k, lo, hi, color="#dddddd", lw=0, step="post")
    ax.step(k, est, where="post", color="black", lw=1)
    ax.set_xlim(k.min(), k.max())
    if scale in ("ratio", "months"):
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    if scale == "ratio":
        ax.axhline(1, color=GREY, lw=0.8, ls="--")
    ax.set_xlabel("number of papers pooled (k)", fontsize=7)
    ax.set_ylabel({"proportion": "proportion", "months": "months", "ratio": "ratio"}.get(scale, scale), fontsize=7)
    ax.tick_params(labelsize=7)


def funnel_plot(data: Mapping, *, title: str = "") -> Figure:
    """metafor ``funnel(trimfill(res))``: effect against standard error (inverted axis),
    the pseudo-confidence region around the estimate, filled studies as open circles."""
    yi, sei = np.asarray(data["yi"]), np.asarray(data["sei"])
    fy, fs = np.asarray(data["filled_yi"]), np.asarray(data["filled_sei"])
    centre = data["filled_estimate"] if len(fy) else data["estimate"]
    z = critical_value(data.get("level", 0.95))
    with style_context():
        fig = new_figure(5.0, 4.0)
        ax = fig.add_axes([0.14, 0.13, 0.82, 0.78])
        top = max(float(np.max(np.concatenate([sei, fs]) if len(fs) else sei)) * 1.05, 1e-6)
        s = np.linspace(0, top, 50)
        ax.fill_betweenx(s, centre - z * s, centre + z * s, color="#eeeeee", lw=0)
        ax.plot(centre - z * s, s, color=GREY, lw=0.8)
        ax.plot(centre + z * s, s, color=GREY, lw=0.8)
        ax.axvline(centre, color=GREY, lw=0.8)
        ax.plot(yi, sei, "o", color="black", ms=4, label="studies")
        if len(fy):
            ax.plot(fy, fs, "o", mfc="white", mec="black", ms=4, label=f"filled ({len(fy)}, trim and fill)")
        ax.set_ylim(top, 0)
        ax.set_ylabel("standard error")
        ax.set_xlabel("logit proportion" if data["family"] == "proportion" else "log scale")
        ax.set_title(title, fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    return fig
