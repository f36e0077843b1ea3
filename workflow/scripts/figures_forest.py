"""Rule figures_forest: a forest plot of every pooled outcome (all subgroups, primary analysis).

One job, its figures shared among its threads (tkimeta.parallel): each worker draws
its figures one after another, so its PDFs share their font subsets
(tkimeta.plots.fonts), which is what made the figures slow.
"""

from pathlib import Path

import pandas as pd

from tkimeta.parallel import map_in_processes
from tkimeta.plots import forest_plot, save_figure
from tkimeta.plots.data import read_estimates
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


def main(smk, log):
    estimates = read_estimates(smk.input.estimates)  # the primary analysis, all these figures draw
    studies = pd.read_csv(smk.input.studies)
    tests = pd.read_csv(smk.input.tests)

    def draw_outcome(item):
        outcome, target = item
        method = smk.params.primary_methods[outcome]
        own = studies[studies["outcome"] == outcome]
        draw(outcome, method, own, estimates[(estimates["outcome"] == outcome) & (estimates["method"] == method)],
             tests[(tests["outcome"] == outcome) & (tests["method"] == method)], smk.params.labels,
             smk.params.pi_method, target)
        return len(own)

    items = list(zip(smk.params.outcomes, smk.output.png))
    for (outcome, _), rows in zip(items, map_in_processes(draw_outcome, items, smk.threads)):
        log.info("%s: %d study rows", outcome, rows)


run(snakemake, main)  # noqa: F821
