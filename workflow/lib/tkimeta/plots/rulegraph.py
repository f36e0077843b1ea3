"""The workflow's rule graph (from ``snakemake --rulegraph``) drawn with matplotlib.

Graphviz is not a dependency, so the DOT text is parsed here (nodes and edges only)
and laid out in layers: each rule sits one layer right of its deepest input.
"""

from __future__ import annotations

import re

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .style import INK, LIGHT_GREY, OKABE_ITO, new_figure, style_context

_NODE = re.compile(r'^\s*(\d+)\[label = "([^"]+)"')
_EDGE = re.compile(r"^\s*(\d+)\s*->\s*(\d+)")


def parse_rulegraph(dot: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Rule names and (upstream, downstream) edges, both sorted (DOT order is not stable)."""
    names, edges = {}, set()
    for line in dot.splitlines():
        if node := _NODE.match(line):
            names[node.group(1)] = node.group(2)
        elif edge := _EDGE.match(line):
            edges.add((edge.group(1), edge.group(2)))
    if not names:
        raise ValueError("no rules found in the rule graph output")
    return sorted(names.values()), sorted((names[a], names[b]) for a, b in edges)


def layers(rules: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layer of every rule (sources at 0)."""
    depth = {r: 0 for r in rules}
    for _ in rules:  # relax until stable; the graph is a DAG with few rules
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


def rulegraph_plot(rules: list[str], edges: list[tuple[str, str]]) -> Figure:
    depth = layers(rules, edges)
    columns: dict[int, list[str]] = {}
    for rule in rules:
        columns.setdefault(depth[rule], []).append(rule)
    n_layers, tallest = max(columns) + 1, max(len(c) for c in columns.values())
    with style_context():
        fig = new_figure(7.0, 0.6 + 0.55 * tallest)
        ax = fig.add_axes([0.01, 0.02, 0.98, 0.96])
        ax.set_xlim(-0.6, n_layers - 0.4)
        ax.set_ylim(-0.6, tallest - 0.4)
        ax.axis("off")
        position = {}
        for layer, members in columns.items():
            offset = (tallest - len(members)) / 2
            for i, rule in enumerate(members):
                position[rule] = (layer, tallest - 1 - (offset + i))
        for a, b in edges:
            (x0, y0), (x1, y1) = position[a], position[b]
            ax.annotate("", xy=(x1 - 0.36, y1), xytext=(x0 + 0.36, y0),
                        arrowprops=dict(arrowstyle="->", color=LIGHT_GREY, lw=1.2, shrinkA=0, shrinkB=0))
        for rule, (x, y) in position.items():
            ax.add_patch(FancyBboxPatch((x - 0.36, y - 0.17), 0.72, 0.34, boxstyle="round,pad=0.02",
                                        facecolor="white", edgecolor=OKABE_ITO["blue"], lw=1.2))
            ax.text(x, y, rule, ha="center", va="center", fontsize=7, color=INK)
    return fig
