"""Rule figure_risk_of_bias: the MINORS traffic-light plot."""

from pathlib import Path

from tkimeta.io import read_text_csv
from tkimeta.plots.empty import no_data_plot
from tkimeta.plots.rob import rob_traffic_light
from tkimeta.plots.style import save_figure
from tkimeta.scripting import run


def main(smk, log):
    rob = read_text_csv(smk.input.rob)
    if (rob["tool"] == "minors").any():
        fig = rob_traffic_light(rob, study_order=smk.params.studies)
    else:
        fig = no_data_plot("Risk of bias (MINORS)", "No MINORS judgements for the studies of this run.")
    save_figure(fig, Path(smk.output.png).with_suffix(""))
    log.info("%d judgements", len(rob))


run(snakemake, main)  # noqa: F821
