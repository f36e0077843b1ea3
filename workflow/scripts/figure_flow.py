"""Rule figure_flow: the PRISMA 2020-style flow of the evidence base."""

from pathlib import Path

from tkimeta.plots.data import read_estimates
from tkimeta.plots.flow import flow_plot
from tkimeta.plots.style import save_figure
from tkimeta.scripting import run


def main(smk, log):
    estimates = read_estimates(smk.input.estimates)  # the primary analysis, all these figures draw
    fig = flow_plot(smk.params.studies, smk.params.excluded, estimates, smk.params.outcomes, smk.params.primary_methods)
    save_figure(fig, Path(smk.output.png).with_suffix(""))
    log.info("%d papers", len(smk.params.studies))


run(snakemake, main)  # noqa: F821
