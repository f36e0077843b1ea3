"""A placeholder figure for an outcome that no study reports (so the file set is fixed)."""

from __future__ import annotations

from matplotlib.figure import Figure

from .style import GREY, new_figure, style_context


def no_data_plot(title: str, message: str) -> Figure:
    with style_context():
        fig = new_figure(7.0, 1.2)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.axis("off")
        ax.text(0.02, 0.7, title, fontsize=10, fontweight="bold", va="center")
        ax.text(0.02, 0.35, message, fontsize=9, color=GREY, va="center")
    return fig
