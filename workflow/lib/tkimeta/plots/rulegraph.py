"""The workflow's rule graph (rule names and edges) drawn with matplotlib.

Graphviz is not a dependency, so the graph is laid out here, in layers: each rule sits
one layer right of its deepest input.
"""

from __future__ import annotations


from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .style import INK, LIGHT_GREY, OKABE_ITO, new_figure, style_context


def layers(rules: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layer of every rule (sources at 0)."""
    depth = {r: 0 for r in rules}
    for _ in rules:  # relax until stable; the graph is a DAG with few rules
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


def rulegraph_plot(rules: list[str], edges: list[tuple[str, str]]) -> Figure:
    """Rules top to bottom in dependency layers; within a layer, ordered under their inputs."""
    depth = layers(rules, edges)
    rows: dict[int, list[str]] = {}
    for rule in rules:
        rows.setdefault(depth[rule], []).append(rule)
    width, row_height, char = 7.0, 0.55, 0.062  # inches
    x_of: dict[str, float] = {}
    for layer in sorted(rows):
        parents = {r: [a for a, b in edges if b == r and a in x_of] for r in rows[layer]}
        # barycentre ordering keeps edges short and mostly uncrossed
        members = sorted(rows[layer], key=lambda r: (sum(x_of[p] for p in parents[r]) / len(parents[r])
                                                      if parents[r] else width / 2, r))
        slot = width / len(members)
        for i, rule in enumerate(members):
            x_of[rule] = slot * (i + 0.5)
        rows[layer] = members
    height = 0.3 + row_height * len(rows)
    with style_context():
        fig = new_figure(width, height)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.axis("off")
        y_of = {r: height - 0.15 - row_height * (depth[r] + 0.5) for r in rules}
        half = {r: (len(r) * char + 0.16) / 2 for r in rules}
        for a, b in edges:
            ax.annotate("", xy=(x_of[b], y_of[b] + 0.13), xytext=(x_of[a], y_of[a] - 0.13),
                        arrowprops=dict(arrowstyle="-|>", color=LIGHT_GREY, lw=1.0, shrinkA=0, shrinkB=0,
                                        mutation_scale=8))
        for rule in rules:
            ax.add_patch(FancyBboxPatch((x_of[rule] - half[rule], y_of[rule] - 0.13), 2 * half[rule], 0.26,
                                        boxstyle="round,pad=0.02", facecolor="white",
                                        edgecolor=OKABE_ITO["blue"], lw=1.1, zorder=3))
            ax.text(x_of[rule], y_of[rule], rule, ha="center", va="center", fontsize=7, color=INK, zorder=4)
    return fig
