"""Rule figure_rulegraph: the workflow's own rule graph, as a figure for the report."""

import subprocess
from pathlib import Path


from tkimeta.plots.rulegraph import parse_rulegraph, rulegraph_plot
from tkimeta.plots.style import save_figure
from tkimeta.scripting import run


def main(smk, log):
    # The Snakemake that runs this workflow (its interpreter is passed in), asked for
    # the rule graph only: nothing is executed and no lock is taken.
    dot = subprocess.run(
        [smk.params.python, "-m", "snakemake", "--rulegraph", "--forceall", "--nolock", "--quiet", "all",
         "--snakefile", smk.input.snakefile],
        check=True, capture_output=True, text=True,
    ).stdout
    rules, edges = parse_rulegraph(dot)
    save_figure(rulegraph_plot(rules, edges), Path(smk.output.png).with_suffix(""))
    log.info("%d rules, %d edges", len(rules), len(edges))


run(snakemake, main)  # noqa: F821
