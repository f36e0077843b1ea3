"""Rule figures_forest: a forest plot of every pooled outcome (all subgroups, primary analysis)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from tkimeta.plots import forest_plot, save_figure  # noqa: E402
from tkimeta.plots.empty import no_data_plot  # noqa: E402
from tkimeta.report.assets import outcome_label  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    estimates = pd.read_csv(smk.input.estimates)
    studies = pd.read_csv(smk.input.studies)
    tests = pd.read_csv(smk.input.tests)
    for outcome, target in zip(smk.params.outcomes, smk.output.png):
        method = smk.params.primary_methods[outcome]
        pooled = estimates[(estimates["outcome"] == outcome) & (estimates["method"] == method)]
        rows = studies[studies["outcome"] == outcome]
        test = tests[(tests["outcome"] == outcome) & (tests["method"] == method)]
        if rows.empty:
            figure = no_data_plot(outcome_label(outcome), "No study reports this outcome.")
        else:
            figure = forest_plot(rows, pooled, test if len(test) else None, title=outcome_label(outcome),
                                 outcome=outcome, method=method, study_labels=smk.params.labels)
        save_figure(figure, Path(target).with_suffix(""))
        log.info("%s: %d studies", outcome, len(rows))


run(snakemake, main)  # noqa: F821
