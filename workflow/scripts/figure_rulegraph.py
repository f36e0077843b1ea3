"""Rule figure_rulegraph: the workflow's own rule graph, as a figure for the report.

The graph comes in as a parameter (rule names and edges, read from the parsed rules by
common.smk's rule_graph()), so a change of the graph reruns this job."""

from pathlib import Path

from tkimeta.plots.rulegraph import rulegraph_plot
from tkimeta.plots.style import save_figure
from tkimeta.scripting import run


def main(smk, log):
    rules, edges = smk.params.graph
    save_figure(rulegraph_plot(list(rules), [tuple(edge) for edge in edges]), Path(smk.output.png).with_suffix(""))
    log.info("%d rules, %d edges", len(rules), len(edges))


run(snakemake, main)  # noqa: F821
