"""The layout engine behind the forest-like figures (forest, contrasts, NMA).

A figure is a list of :class:`Row` drawn top to bottom: text columns on the left
(label, e.g. events/N), an x axis in the middle (squares or dots with CI lines, pooled
diamonds, prediction-interval bars) and text columns on the right (estimate [CI],
weight). All sizes are in inches; the figure is 7 in wide (A4 text width) and its
height grows with the rows. Every figure carries a :class:`PlotLayout` (``fig.tkimeta_layout``,
or :func:`get_layout`) describing what was drawn, for tests and for callers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from .style import GREY, INK, OKABE_ITO, new_figure

FIG_WIDTH = 7.0  # inches; the report places it at its text width (A4 less margins, about 6.5 in)
MARGIN = 0.1  # inches, left and right
ROW_IN = 0.2  # inches per row unit
INDENT = 0.1  # inches: study/pooled/note rows sit under their header
# Every text size is at least 7.5 pt at this width, so that placed at the report's text
# width (about 0.93 of it) nothing reads smaller than 7 pt (tests/test_forest_fonts.py).
FONT = 8.0
NOTE_FONT = 7.5
FOOT_FONT = 7.5
FOOT_LINE = 0.145  # inches per footnote line
SUBTLE = "#4D4D4D"
PI_COLOUR = OKABE_ITO["vermillion"]
POINT_COLOUR = OKABE_ITO["blue"]
DIAMOND_COLOUR = INK

LOG_TICKS = (
    (0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 30, 50, 100),
    (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100),
    (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100),
    (0.01, 0.1, 1, 10, 100),
)
LOG_FLOOR, LOG_CEIL = 0.01, 100.0


# --------------------------------------------------------------------------- #
# what is drawn
# --------------------------------------------------------------------------- #
@dataclass
class Row:
    """One line of a forest-like figure.

    ``kind``: ``header`` (bold block title), ``study`` (marker + CI), ``pooled``
    (diamond + CI, optional prediction interval), ``pi`` (a prediction interval on its
    own row: a bar between ``pi_lower`` and ``pi_upper``), ``note`` (italic text line
    spanning the left part: heterogeneity, "single study, not pooled", subgroup test),
    ``rule`` (a full-width line separating blocks) or ``spacer`` (half-height gap).
    """

    kind: str
    label: str = ""
    cells: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    pi_lower: float = math.nan
    pi_upper: float = math.nan
    size: float = 5.0
    marker: str = "s"
    colour: str = POINT_COLOUR
    group: str = ""
    lines: int = 1
    height: float = 1.0


@dataclass
class Column:
    header: str
    width: float  # inches
    align: str = "right"


@dataclass
class PlotLayout:
    """What a figure shows: rows (kind, label) top to bottom and a few facts.

    ``rows`` lists the drawn rows as ``(kind, label)``; ``extra`` holds figure-specific
    facts (e.g. the audit counts). :meth:`count` counts rows of one kind.
    """

    kind: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    scale: str = ""
    xlim: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.rows if k == kind)

    @property
    def n_studies(self) -> int:
        return self.count("study")

    @property
    def n_diamonds(self) -> int:
        return self.count("pooled")


def attach_layout(fig: Figure, layout: PlotLayout) -> Figure:
    fig.tkimeta_layout = layout  # type: ignore[attr-defined]
    return fig


def get_layout(fig: Figure) -> PlotLayout:
    """The :class:`PlotLayout` of a figure made by :mod:`tkimeta.plots`."""
    layout = getattr(fig, "tkimeta_layout", None)
    if layout is None:
        raise ValueError("this figure was not made by tkimeta.plots (no layout attached)")
    return layout


# --------------------------------------------------------------------------- #
# input checks and formatting
# --------------------------------------------------------------------------- #
def require_frame(frame, name: str, columns: Iterable[str], who: str) -> pd.DataFrame:
    """``frame`` as a DataFrame with ``columns``, non-empty, else a clear ValueError."""
    if frame is None:
        raise ValueError(f"{who}: {name} is None; pass a pandas DataFrame")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{who}: {name} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"{who}: {name} is empty (no rows), nothing to plot")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{who}: {name} lacks column(s) {', '.join(missing)} "
            f"(has: {', '.join(map(str, frame.columns))})"
        )
    return frame.reset_index(drop=True)


def to_float(value) -> float:
    """A float from a cell that may be text, NA or a number (NaN when not a number)."""
    if value is None:
        return math.nan
    try:
        if pd.isna(value):
            return math.nan
    except (TypeError, ValueError):
        pass
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def numeric(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Copy of ``frame`` with ``columns`` (those present) converted to float."""
    frame = frame.copy()
    for column in columns:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def as_bool(value) -> bool | None:
    """true/false cells (bool or text); None when empty."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "t", "yes", "1"}:
            return True
        if text in {"false", "f", "no", "0"}:
            return False
        return None
    number = to_float(value)
    if math.isnan(number):
        return None
    return bool(number)


def finite(*values: float) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def fmt_num(value: float, digits: int) -> str:
    if not finite(value):
        return "–"
    text = f"{value:.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def fmt_ci(est: float, lo: float, hi: float, digits: int) -> str:
    if not finite(est):
        return "not estimable"
    if not finite(lo) and not finite(hi):
        return fmt_num(est, digits)
    # a bound not printed by the paper (NA, not reached) reads NR, as in the tables
    return (f"{fmt_num(est, digits)} [{fmt_num(lo, digits) if finite(lo) else 'NR'}, "
            f"{fmt_num(hi, digits) if finite(hi) else 'NR'}]")


def fmt_p(p: float) -> str:
    if not finite(p):
        return "–"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}"


def fmt_sig(value: float, sig: int = 2) -> str:
    """Short number: 0.123 -> 0.12, 12.3 -> 12.3, 0.0004 -> 0.0004, 0 -> 0."""
    if not finite(value):
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 10 ** (sig - 1):
        return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    decimals = sig - 1 - int(math.floor(math.log10(abs(value))))
    return f"{value:.{max(decimals, 0)}f}"


_RENDERER = None


@functools.lru_cache(maxsize=1 << 16)
def text_width(text: str, fontsize: float, bold: bool = False, italic: bool = False) -> float:
    """Width of ``text`` in inches as drawn in DejaVu Sans (measured with Agg).

    Kept per text and font: word wrapping measures the same growing lines again and
    again, and every figure of a job measures the same notes and headers."""
    global _RENDERER
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    if _RENDERER is None:
        _RENDERER = RendererAgg(10, 10, 72)
    prop = FontProperties(family="DejaVu Sans", size=fontsize, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")
    width, _h, _d = _RENDERER.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72.0


def wrap(text: str, width_in: float, fontsize: float, max_lines: int | None = None, bold=False, italic=False) -> list[str]:
    """Greedy word wrap to ``width_in`` inches; over ``max_lines`` ends in an ellipsis."""
    lines: list[str] = []
    for part in str(text).split("\n"):
        words = part.split(" ")
        current = ""
        for word in words:
            candidate = word if not current else f"{current} {word}"
            if current and text_width(candidate, fontsize, bold, italic) > width_in:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", fontsize, bold, italic) > width_in:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def wrap_chars(text: str, width: int, sep: str = " ") -> list[str]:
    """Greedy wrap of the ``sep``-separated parts of ``text`` to ``width`` characters,
    for fixed boxes and legends where a count of characters is close enough."""
    lines, line = [], ""
    for part in text.split(sep):
        if line and len(line) + len(sep) + len(part) > width:
            lines.append(line)
            line = part
        else:
            line = f"{line}{sep}{part}" if line else part
    return lines + ([line] if line else [])


# --------------------------------------------------------------------------- #
# axis limits and ticks
# --------------------------------------------------------------------------- #
def ratio_limits(values: Iterable[float], ref: float = 1.0) -> tuple[float, float]:
    """Log-axis limits covering ``values`` and ``ref``, snapped to labelled ticks."""
    vals = [v for v in values if finite(v) and v > 0] + [ref]
    lo = max(min(vals) / 1.1, LOG_FLOOR)
    hi = min(max(vals) * 1.1, LOG_CEIL)
    ticks = LOG_TICKS[1]
    lo = max([t for t in ticks if t <= lo] or [LOG_FLOOR])
    hi = min([t for t in ticks if t >= hi] or [LOG_CEIL])
    return float(lo), float(hi)


def linear_limits(values: Iterable[float], lower: float = 0.0) -> tuple[float, float]:
    vals = [v for v in values if finite(v)]
    hi = max(vals) if vals else 1.0
    if hi <= lower:
        hi = lower + 1.0
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(lower, hi * 1.04)
    return float(lower), float(max(ticks[-1], hi))


def log_ticks(lo: float, hi: float) -> list[float]:
    for candidates in LOG_TICKS:
        inside = [t for t in candidates if lo * 0.999 <= t <= hi * 1.001]
        if len(inside) <= 8:
            return inside
    return [t for t in LOG_TICKS[-1] if lo <= t <= hi]


def set_x_axis(ax, scale: str, xlim: tuple[float, float], ticks: Sequence[float] | None = None) -> None:
    if scale == "log":
        ax.set_xscale("log")
        ax.set_xlim(*xlim)
        ax.xaxis.set_major_locator(FixedLocator(list(ticks) if ticks is not None else log_ticks(*xlim)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    else:
        ax.set_xlim(*xlim)
        if ticks is not None:
            ax.xaxis.set_major_locator(FixedLocator(list(ticks)))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))


# --------------------------------------------------------------------------- #
# drawing
# --------------------------------------------------------------------------- #
def _segment(ax, lo, hi, y, xlim, *, colour, lw, gid, zorder=2.0) -> None:
    """A horizontal interval, clipped to the axis with an arrowhead where it leaves."""
    if not finite(lo, hi):
        return
    xmin, xmax = xlim
    a, b = max(lo, xmin), min(hi, xmax)
    if a >= b:
        return
    ax.add_line(Line2D([a, b], [y, y], color=colour, lw=lw, gid=gid, zorder=zorder, solid_capstyle="butt"))
    if lo < xmin:
        ax.add_line(Line2D([xmin], [y], marker="<", ms=4, color=colour, ls="none", gid=f"{gid}-clipped", zorder=zorder, clip_on=False))
    if hi > xmax:
        ax.add_line(Line2D([xmax], [y], marker=">", ms=4, color=colour, ls="none", gid=f"{gid}-clipped", zorder=zorder, clip_on=False))


def _caps(ax, lo, hi, y, xlim, *, colour, gid) -> None:
    for x in (lo, hi):
        if finite(x) and xlim[0] <= x <= xlim[1]:
            ax.add_line(Line2D([x, x], [y - 0.18, y + 0.18], color=colour, lw=0.9, gid=gid, zorder=1.5))


def prepare_rows(rows: list[Row], label_width: float, span_width: float) -> None:
    """Wrap labels and set row heights (in row units)."""
    for row in rows:
        if row.kind == "header":
            lines = wrap(row.label, span_width, FONT, max_lines=2, bold=True)
            row.label, row.lines = "\n".join(lines), len(lines)
            row.height = 1.0 + 0.8 * (row.lines - 1) + 0.2
        elif row.kind in ("study", "pooled", "pi"):
            lines = wrap(row.label, label_width - INDENT, FONT, max_lines=2)
            row.label, row.lines = "\n".join(lines), len(lines)
            row.height = 1.0 + 0.8 * (row.lines - 1)
        elif row.kind == "note":
            lines = wrap(row.label, span_width - INDENT, NOTE_FONT, italic=True)
            row.label, row.lines = "\n".join(lines), len(lines)
            row.height = 0.95 + 0.75 * (row.lines - 1)
        elif row.kind == "spacer":
            row.height = 0.5
        elif row.kind == "rule":
            row.height = 0.7
        else:
            raise ValueError(f"unknown row kind {row.kind!r}")


def draw_rows(
    rows: list[Row],
    *,
    kind: str,
    label_header: str,
    left_columns: Sequence[Column] = (),
    right_columns: Sequence[Column] = (),
    label_width: float = 1.95,
    xscale: str = "linear",
    xlim: tuple[float, float],
    xticks: Sequence[float] | None = None,
    xlabel: str = "",
    ref: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    footnotes: Sequence[str] = (),
    scale_name: str = "",
    extra: dict | None = None,
    favours: tuple[str, str] | None = None,
) -> Figure:
    """Draw ``rows`` into a new figure (call inside :func:`style.style_context`).

    ``favours``: labels under the axis, left and right of ``ref`` (as R meta's
    ``label.left``/``label.right``), for axes where the direction matters.
    """
    if not rows:
        raise ValueError(f"{kind}: nothing to draw")
    width = FIG_WIDTH
    left_total = sum(c.width for c in left_columns)
    right_total = sum(c.width for c in right_columns)
    plot_x0 = MARGIN + label_width + left_total + 0.12
    plot_x1 = width - MARGIN - right_total - 0.15
    if plot_x1 - plot_x0 < 1.5:
        raise ValueError(f"{kind}: the text columns leave no room for the plot; shorten them")
    # Spanning rows (headers, notes) may run into the plot area but not the right columns.
    span_width = plot_x1 - MARGIN

    prepare_rows(rows, label_width, span_width)
    total = sum(r.height for r in rows)
    centres = []
    position = 0.0
    for row in rows:
        centres.append(position + row.height / 2.0)
        position += row.height

    title_lines = wrap(title, width - 2 * MARGIN, 10.0, bold=True) if title else []
    subtitle_lines = wrap(subtitle, width - 2 * MARGIN, 7.5) if subtitle else []
    foot_lines: list[str] = []
    for note in footnotes:
        foot_lines.extend(wrap(note, width - 2 * MARGIN, FOOT_FONT))
    top = 0.1 + 0.2 * len(title_lines) + (0.05 if title_lines else 0) + 0.15 * len(subtitle_lines) + 0.3
    body = total * ROW_IN
    favours_band = 0.2 if favours else 0.0
    bottom = 0.5 + favours_band + FOOT_LINE * len(foot_lines) + (0.06 if foot_lines else 0)
    height = top + body + bottom

    fig = new_figure(width, height)
    ax = fig.add_axes((plot_x0 / width, bottom / height, (plot_x1 - plot_x0) / width, body / height))
    ax.set_ylim(total, 0)
    set_x_axis(ax, xscale, xlim, xticks)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel, labelpad=3)
    ax.tick_params(axis="x", length=3, pad=2)
    ax.patch.set_alpha(0.0)

    fx = lambda inches: inches / width  # noqa: E731 - figure-fraction x
    fy = lambda inches: inches / height  # noqa: E731 - figure-fraction y
    trans = transforms.blended_transform_factory(fig.transFigure, ax.transData)

    def put(x, y, text, fontsize=FONT, **kw):
        """Row text: one line sits on a baseline (digits and letters line up across
        columns); several lines are centred on the row."""
        if "\n" in text:
            return fig.text(x, y, text, transform=trans, fontsize=fontsize, va="center", **kw)
        shift = transforms.ScaledTranslation(0, -0.36 * fontsize / 72.0, fig.dpi_scale_trans)
        return fig.text(x, y, text, transform=trans + shift, fontsize=fontsize, va="baseline", **kw)

    # titles, column headers and the rule under them
    y_in = height - 0.1
    for line in title_lines:
        fig.text(fx(MARGIN), fy(y_in), line, fontsize=10.0, weight="bold", va="top", ha="left")
        y_in -= 0.2
    if title_lines:
        y_in -= 0.05
    for line in subtitle_lines:
        fig.text(fx(MARGIN), fy(y_in), line, fontsize=7.5, color=SUBTLE, va="top", ha="left")
        y_in -= 0.15
    head_y = fy(bottom + body + 0.07)
    fig.text(fx(MARGIN), head_y, label_header, weight="bold", va="bottom", ha="left")
    x = MARGIN + label_width
    left_edges = []
    for column in left_columns:
        left_edges.append(x)
        anchor = x + column.width if column.align == "right" else x
        fig.text(fx(anchor), head_y, column.header, weight="bold", va="bottom", ha=column.align)
        x += column.width
    right_edges = []
    x = width - MARGIN - right_total
    for column in right_columns:
        right_edges.append(x)
        anchor = x + column.width if column.align == "right" else x
        fig.text(fx(anchor), head_y, column.header, weight="bold", va="bottom", ha=column.align)
        x += column.width
    fig.add_artist(
        Line2D([fx(MARGIN), fx(width - MARGIN)], [fy(bottom + body + 0.03)] * 2, color=GREY, lw=0.6, gid="header-rule")
    )

    layout = PlotLayout(kind=kind, scale=scale_name, xlim=(float(xlim[0]), float(xlim[1])), extra=dict(extra or {}))

    # reference line, broken at headers and notes so that text never sits on it
    if ref is not None and xlim[0] < ref < xlim[1]:
        run_start = None
        for i, row in enumerate(rows + [Row("end")]):
            is_data = row.kind in ("study", "pooled", "pi")
            if is_data and run_start is None:
                run_start = centres[i] - row.height / 2.0
            if not is_data and run_start is not None:
                end = centres[i - 1] + rows[i - 1].height / 2.0
                ax.add_line(Line2D([ref, ref], [run_start, end], color=GREY, lw=0.7, zorder=1, gid="reference"))
                run_start = None

    for row, y in zip(rows, centres):
        layout.rows.append((row.kind, row.label.replace("\n", " ")))
        if row.kind == "header":
            put(fx(MARGIN), y, row.label, weight="bold", ha="left", linespacing=1.1)
            continue
        if row.kind == "note":
            put(fx(MARGIN + INDENT), y, row.label, fontsize=NOTE_FONT, style="italic", color=SUBTLE, ha="left",
                linespacing=1.15)
            layout.notes.append(row.label.replace("\n", " "))
            continue
        if row.kind == "spacer":
            continue
        if row.kind == "rule":
            fig.add_artist(Line2D([fx(MARGIN), fx(width - MARGIN)], [y, y], transform=trans, color=GREY, lw=0.8,
                                  gid="block-rule", clip_on=False))
            continue
        put(fx(MARGIN + INDENT), y, row.label, ha="left", linespacing=1.05,
            weight="bold" if row.kind == "pooled" else "normal",
            style="italic" if row.kind == "pi" else "normal")
        for column, edge, text in zip(left_columns, left_edges, row.cells):
            anchor = edge + column.width if column.align == "right" else edge
            put(fx(anchor), y, text, ha=column.align)
        for column, edge, text in zip(right_columns, right_edges, row.right):
            anchor = edge + column.width if column.align == "right" else edge
            put(fx(anchor), y, text, ha=column.align, weight="bold" if row.kind == "pooled" else "normal")
        inside = finite(row.estimate) and xlim[0] <= row.estimate <= xlim[1]
        if row.kind == "pi":
            _segment(ax, row.pi_lower, row.pi_upper, y, xlim, colour=PI_COLOUR, lw=1.3, gid="pi", zorder=1.6)
            _caps(ax, row.pi_lower, row.pi_upper, y, xlim, colour=PI_COLOUR, gid="pi-cap")
            continue
        if row.kind == "study":
            _segment(ax, row.lower, row.upper, y, xlim, colour=INK, lw=0.9, gid="ci")
            if inside:
                ax.add_line(
                    Line2D([row.estimate], [y], marker=row.marker, ms=row.size, mfc=row.colour, mec=row.colour,
                           mew=0.6, ls="none", zorder=3, gid="study")
                )
        elif row.kind == "pooled":
            if finite(row.pi_lower, row.pi_upper):
                _segment(ax, row.pi_lower, row.pi_upper, y, xlim, colour=PI_COLOUR, lw=1.1, gid="pi", zorder=1.6)
                _caps(ax, row.pi_lower, row.pi_upper, y, xlim, colour=PI_COLOUR, gid="pi-cap")
            if finite(row.estimate, row.lower, row.upper):
                lo, hi = max(row.lower, xlim[0]), min(row.upper, xlim[1])
                est = min(max(row.estimate, xlim[0]), xlim[1])
                half = 0.32
                ax.add_patch(
                    Polygon([(lo, y), (est, y - half), (hi, y), (est, y + half)], closed=True,
                            fc=row.colour, ec=row.colour, lw=0.5, zorder=3, gid="diamond")
                )
                # a diamond cut off by the axis gets an arrowhead where it leaves, as a CI line
                for cut, edge, marker in ((row.lower < xlim[0], xlim[0], "<"), (row.upper > xlim[1], xlim[1], ">")):
                    if cut:
                        ax.add_line(Line2D([edge], [y], marker=marker, ms=5, color=row.colour, ls="none",
                                           gid="diamond-clipped", zorder=3, clip_on=False))
            elif inside:
                ax.add_line(Line2D([row.estimate], [y], marker="D", ms=6, color=row.colour, ls="none", zorder=3, gid="diamond"))

    if favours:
        # under the axis label, each side of the reference line, pointing away from it
        at = ref if ref is not None and xlim[0] < ref < xlim[1] else math.sqrt(xlim[0] * xlim[1])
        y_fav = fy(bottom - 0.58)
        for side, text, ha, dx in ((0, "← " + favours[0], "right", -4), (1, favours[1] + " →", "left", 4)):
            shift = transforms.ScaledTranslation(dx / 72.0, 0, fig.dpi_scale_trans)
            fig.text(at, y_fav, text, transform=transforms.blended_transform_factory(ax.transData, fig.transFigure)
                     + shift, fontsize=NOTE_FONT, ha=ha, va="bottom", color=INK,
                     gid="favours-left" if side == 0 else "favours-right")
        layout.extra["favours"] = tuple(favours)

    y_in = 0.05 + FOOT_LINE * (len(foot_lines) - 1)
    for line in foot_lines:
        fig.text(fx(MARGIN), fy(y_in), line, fontsize=FOOT_FONT, color=SUBTLE, va="bottom", ha="left")
        y_in -= FOOT_LINE
    return attach_layout(fig, layout)
