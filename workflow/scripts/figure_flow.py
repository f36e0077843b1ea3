"""Rule figure_flow: the PRISMA 2020-style flow of the evidence base."""

from pathlib import Path

import pandas as pd

from tkimeta.plots.flow import flow_plot
from tkimeta.plots.style import save_figure
from tkimeta.scripting import run


def main(smk, log):
    estimates = pd.read_csv(smk.input.estimates)
    fig = flow_plot(smk.params.studies, smk.params.excluded, estimates, smk.params.outcomes, smk.params.primary_methods)
    save_figure(fig, Path(smk.output.png).with_suffix(""))
    log.info("%d papers", len(smk.params.studies))


run(snakemake, main)  # noqa: F821
