"""Rule figures_forest: a forest plot of every pooled outcome (all subgroups, primary analysis).

The figures are independent, so they are drawn by ``threads`` worker processes.
"""

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from tkimeta.plots import forest_plot, save_figure
from tkimeta.plots.empty import no_data_plot
from tkimeta.scripting import run
from tkimeta.vocab import outcome_label


def draw(outcome, method, studies, pooled, test, labels, pi_method, target):
    if studies.empty:
        figure = no_data_plot(outcome_label(outcome), "No study reports this outcome.")
    else:
        figure = forest_plot(studies, pooled, test if len(test) else None, title=outcome_label(outcome),
                             outcome=outcome, method=method, study_labels=labels, pi_method=pi_method)
    save_figure(figure, Path(target).with_suffix(""))
    return outcome, len(studies)


def main(smk, log):
    estimates = pd.read_csv(smk.input.estimates)
    studies = pd.read_csv(smk.input.studies)
    tests = pd.read_csv(smk.input.tests)
    jobs = []
    for outcome, target in zip(smk.params.outcomes, smk.output.png):
        method = smk.params.primary_methods[outcome]
        jobs.append((outcome, method, studies[studies["outcome"] == outcome],
                     estimates[(estimates["outcome"] == outcome) & (estimates["method"] == method)],
                     tests[(tests["outcome"] == outcome) & (tests["method"] == method)], smk.params.labels,
                     smk.params.pi_method, target))
    with ProcessPoolExecutor(max_workers=smk.threads) as pool:
        for outcome, k in pool.map(draw, *zip(*jobs)):
            log.info("%s: %d study rows", outcome, k)


run(snakemake, main)  # noqa: F821
