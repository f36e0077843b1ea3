"""Audit overview: how many checks per study were consistent, rounding, discrepant.

Input contract (results/audit/audit.csv): study_id, status (consistent | rounding |
discrepancy | not_checkable); other columns (check, quantity, population, location,
reported, recomputed, detail) are not needed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib import transforms
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ._table import MARGIN, PlotLayout, attach_layout, require_frame, text_width, wrap
from .style import INK, STATUS_COLOURS, STATUS_ORDER, new_figure, style_context

__all__ = ["audit_plot", "audit_counts", "audit_findings_plot", "STATUS_LABELS", "FINDING_CLASS_LABELS"]

STATUS_LABELS = {
    "consistent": "Consistent",
    "rounding": "Rounding",
    "discrepancy": "Discrepancy",
    "not_checkable": "Not checkable",
}


def audit_counts(audit: pd.DataFrame, study_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Checks per study (rows, in ``study_order`` or first appearance) and status (columns)."""
    frame = require_frame(audit, "audit", ("study_id", "status"), "audit_plot")
    status = frame["status"].astype(str).str.strip()
    unknown = sorted(set(status) - set(STATUS_ORDER))
    if unknown:
        raise ValueError(
            f"audit_plot: unknown status value(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(STATUS_ORDER)}"
        )
    studies = list(dict.fromkeys(frame["study_id"].astype(str)))
    if study_order is not None:
        order = [str(s) for s in study_order]
        missing = [s for s in studies if s not in order]
        studies = [s for s in order if s in studies] + missing
    counts = (
        pd.crosstab(frame["study_id"].astype(str), status)
        .reindex(index=studies, columns=list(STATUS_ORDER), fill_value=0)
        .astype(int)
    )
    counts.index.name = "study_id"
    counts.columns.name = None
    return counts


def _text_colour(colour: str) -> str:
    r, g, b = to_rgb(colour)
    return INK if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def audit_plot(
    audit: pd.DataFrame,
    *,
    study_order: Sequence[str] | None = None,
    study_labels: Mapping[str, str] | None = None,
    title: str | None = "Audit of reported numbers",
) -> Figure:
    """Stacked horizontal bars: checks per study by status, counts written on the bars.

    Segments are stacked consistent, rounding, discrepancy, not checkable (fixed
    colours from :data:`tkimeta.plots.style.STATUS_COLOURS`); every non-zero count is
    labelled (inside its segment when it fits, else just above it) and the total is
    written at the end of the bar. ``study_labels`` maps study_id to the label shown.
    """
    counts = audit_counts(audit, study_order)
    labels = [str(study_labels.get(s, s)) if study_labels else s for s in counts.index]
    n = len(counts)
    width = 7.0
    label_w = min(max(text_width(label, 8.0) for label in labels) + 0.15, 2.6)
    labels = ["\n".join(wrap(label, label_w - 0.1, 8.0, max_lines=2)) for label in labels]
    bar_h_in = 0.42
    title_h = 0.35 if title else 0.1
    legend_h = 0.3
    body = n * bar_h_in
    bottom = 0.45
    height = title_h + legend_h + body + bottom
    layout = PlotLayout(kind="audit", extra={"counts": counts.copy()})
    with style_context():
        fig = new_figure(width, height)
        x0 = MARGIN + label_w
        x1 = width - MARGIN - 0.45  # room for the totals
        ax = fig.add_axes((x0 / width, bottom / height, (x1 - x0) / width, body / height))
        totals = counts.sum(axis=1)
        top = max(int(totals.max()), 1)
        ax.set_xlim(0, top)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_yticks(range(n), labels)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Number of checks")
        ax.xaxis.get_major_locator().set_params(integer=True)
        per_count_in = (x1 - x0) / top
        totals_at = transforms.blended_transform_factory(fig.transFigure, ax.transData)
        for i, study in enumerate(counts.index):
            left = 0
            for status in STATUS_ORDER:
                value = int(counts.loc[study, status])
                if value == 0:
                    continue
                colour = STATUS_COLOURS[status]
                ax.barh(i, value, left=left, height=0.62, color=colour, edgecolor="white", linewidth=0.6,
                        gid=f"bar:{status}")
                text = str(value)
                if text_width(text, 7.0) + 0.04 <= value * per_count_in:
                    ax.text(left + value / 2, i, text, ha="center", va="center", fontsize=7.0,
                            color=_text_colour(colour), gid=f"count:{status}")
                else:  # too narrow: the count sits just above the segment
                    ax.text(left + value / 2, i - 0.33, text, ha="center", va="bottom", fontsize=6.5,
                            color=INK, gid=f"count:{status}")
                layout.rows.append(("segment", f"{study}:{status}={value}"))
                left += value
            fig.text((width - MARGIN) / width, i, f"{int(totals.loc[study])}", transform=totals_at, ha="right",
                     va="center", fontsize=7.5, weight="bold", gid="total")
        handles = [Patch(facecolor=STATUS_COLOURS[s], edgecolor="none", label=STATUS_LABELS[s]) for s in STATUS_ORDER]
        fig.legend(handles=handles, loc="lower left", ncols=4, frameon=False, fontsize=7.5,
                   bbox_to_anchor=(x0 / width, (bottom + body + 0.02) / height), borderaxespad=0.0,
                   handlelength=1.2, columnspacing=1.2)
        if title:
            fig.text(MARGIN / width, 1 - 0.1 / height, title, fontsize=10, weight="bold", va="top", ha="left")
        fig.text((width - MARGIN) / width, (bottom + body + 0.05) / height, "Total", fontsize=7.5,
                 weight="bold", ha="right", va="bottom")
    return attach_layout(fig, layout)


#: Finding classes (tkimeta.audit.findings.FINDING_CLASSES), stacked in this order.
FINDING_CLASS_LABELS = {
    "author_inconsistency": "Author inconsistency",
    "unsupported_claim": "Claim not supported",
    "computation_mismatch": "Computation mismatch",
    "ocr_damage": "Transcription/OCR damage",
    "rounding": "Rounding",
}
FINDING_CLASS_COLOURS = {
    "author_inconsistency": "#D55E00",
    "unsupported_claim": "#E69F00",
    "computation_mismatch": "#CC79A7",
    "ocr_damage": "#56B4E9",
    "rounding": "#F0E442",
}


#: The most papers the findings figure draws a bar for.
MAX_BARS = 40


def audit_findings_plot(
    findings: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    study_order: Sequence[str] | None = None,
    study_labels: Mapping[str, str] | None = None,
    title: str | None = "Audit findings by class",
) -> Figure:
    """Stacked horizontal bars: findings per paper by class; at the end of each bar, how
    many of them touch a pooled input and how many checks the paper had.

    ``findings`` is results/audit/findings.csv (study_id, finding_class, impact),
    ``summary`` results/audit/findings_summary.csv (study_id, checks).
    """
    columns = ("study_id", "finding_class", "impact")
    # no findings at all is a result (every printed number checks out), drawn as such
    frame = findings if findings is not None and findings.empty and set(columns) <= set(findings.columns) else \
        require_frame(findings, "findings", columns, "audit_findings_plot")
    studies = [str(s) for s in (study_order or list(dict.fromkeys(summary["study_id"].astype(str))))]
    # Many papers: a bar for each of those with findings (most first, at most
    # MAX_BARS), the rest summed up in the title, so the figure stays legible.
    left_out = []
    if len(studies) > MAX_BARS:
        per_study = frame.groupby(frame["study_id"].astype(str)).size()
        ranked = sorted((s for s in studies if per_study.get(s, 0)), key=lambda s: (-per_study[s], studies.index(s)))
        kept = set(ranked[:MAX_BARS])
        left_out = [s for s in studies if s not in kept]
        studies = [s for s in studies if s in kept]
        if title and studies:
            title = f"{title}: the {len(studies):,} papers with the most findings ({len(left_out):,} others not shown)"
        elif title:
            title = f"{title}: none in {len(left_out):,} papers"
    order = list(FINDING_CLASS_LABELS)
    counts = (pd.crosstab(frame["study_id"].astype(str), frame["finding_class"].astype(str))
              .reindex(index=studies, columns=order, fill_value=0).fillna(0).astype(int))
    pooled = frame[frame["impact"] == "pooled_input"].groupby("study_id").size().reindex(studies, fill_value=0)
    checks = summary.set_index(summary["study_id"].astype(str))["checks"].reindex(studies, fill_value=0)
    labels = [str(study_labels.get(s, s)) if study_labels else s for s in studies]
    n = len(studies)
    width = 7.0
    label_w = min(max([text_width(label, 8.0) for label in labels] + [1.0]) + 0.15, 2.6)
    labels = ["\n".join(wrap(label, label_w - 0.1, 8.0, max_lines=2)) for label in labels]
    bar_h_in, title_h, legend_h, bottom = 0.42, (0.35 if title else 0.1), 0.5, 0.45
    body = max(n, 1) * bar_h_in
    height = title_h + legend_h + body + bottom
    layout = PlotLayout(kind="audit_findings", extra={"counts": counts.copy()})
    with style_context():
        fig = new_figure(width, height)
        x0 = MARGIN + label_w
        x1 = width - MARGIN - 1.6  # room for the notes
        ax = fig.add_axes((x0 / width, bottom / height, (x1 - x0) / width, body / height))
        totals = counts.sum(axis=1)
        top = max(int(totals.max()) if n else 1, 1)
        ax.set_xlim(0, top)
        ax.set_ylim(max(n, 1) - 0.5, -0.5)
        if frame.empty:
            ax.text(0.5, 0.5, "No findings: every checked number is consistent with the paper's others",
                    transform=ax.transAxes, ha="center", va="center", fontsize=8.0, color=INK)
        ax.set_yticks(range(n), labels)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Number of findings (problems, not checks)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        per_count_in = (x1 - x0) / top
        notes_at = transforms.blended_transform_factory(fig.transFigure, ax.transData)
        for i, study in enumerate(studies):
            left = 0
            for cls in order:
                value = int(counts.loc[study, cls])
                if value == 0:
                    continue
                colour = FINDING_CLASS_COLOURS[cls]
                ax.barh(i, value, left=left, height=0.62, color=colour, edgecolor="white", linewidth=0.6,
                        gid=f"bar:{cls}")
                if text_width(str(value), 7.0) + 0.04 <= value * per_count_in:
                    ax.text(left + value / 2, i, str(value), ha="center", va="center", fontsize=7.0,
                            color=_text_colour(colour))
                else:
                    ax.text(left + value / 2, i - 0.33, str(value), ha="center", va="bottom", fontsize=6.5, color=INK)
                layout.rows.append(("segment", f"{study}:{cls}={value}"))
                left += value
            fig.text((width - MARGIN) / width, i,
                     f"{int(totals.loc[study])} findings, {int(pooled.loc[study])} pooled\nfrom {int(checks.loc[study])} checks",
                     transform=notes_at, ha="right", va="center", fontsize=7.0)
        handles = [Patch(facecolor=FINDING_CLASS_COLOURS[c], edgecolor="none", label=FINDING_CLASS_LABELS[c]) for c in order]
        fig.legend(handles=handles, loc="lower left", ncols=3, frameon=False, fontsize=7.0,
                   bbox_to_anchor=(x0 / width, (bottom + body + 0.02) / height), borderaxespad=0.0,
                   handlelength=1.2, columnspacing=1.0)
        if title:
            fig.text(MARGIN / width, 1 - 0.1 / height, title, fontsize=10, weight="bold", va="top", ha="left")
    return attach_layout(fig, layout)
