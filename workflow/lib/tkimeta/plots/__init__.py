"""Figures of the workflow: pure functions from DataFrames to matplotlib Figures.

Each function validates its input (ValueError with a readable message), draws with
fixed rcParams (:func:`tkimeta.plots.style.style_context`) and returns a
:class:`matplotlib.figure.Figure` carrying a :class:`PlotLayout` (see :func:`get_layout`).
:func:`save_figure` writes PNG (200 dpi) and PDF byte-for-byte reproducibly.
"""

from ._table import PlotLayout, get_layout
from .ae import ae_plot
from .audit import audit_counts, audit_findings_plot, audit_plot
from .contrasts import contrasts_plot
from .forest import forest_plot
from .nma import nma_plot
from .style import figure_bytes, save_figure, style_context

__all__ = [
    "PlotLayout",
    "get_layout",
    "forest_plot",
    "contrasts_plot",
    "audit_plot",
    "audit_findings_plot",
    "audit_counts",
    "ae_plot",
    "nma_plot",
    "save_figure",
    "figure_bytes",
    "style_context",
]
