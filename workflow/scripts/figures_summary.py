"""Rule figures_summary: liver-metastasis contrasts, audit overview, AE rates, NMA context."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from tkimeta.io import read_text_csv  # noqa: E402
from tkimeta.plots import ae_plot, audit_plot, contrasts_plot, nma_plot, save_figure  # noqa: E402
from tkimeta.plots.data import ae_rates  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    estimates = pd.read_csv(smk.input.estimates)
    studies = pd.read_csv(smk.input.studies)
    labels = smk.params.labels
    methods = smk.params.primary_methods
    contrasts = [o for o in smk.params.contrasts if (estimates.loc[estimates["outcome"] == o, "k"] > 0).any()]
    save_figure(contrasts_plot(studies, estimates, outcomes=contrasts, method=methods, study_labels=labels),
                Path(smk.output.contrasts).with_suffix(""))
    save_figure(audit_plot(read_text_csv(smk.input.audit), study_order=smk.params.studies, study_labels=labels),
                Path(smk.output.audit).with_suffix(""))
    save_figure(ae_plot(ae_rates(studies), study_labels=labels), Path(smk.output.ae).with_suffix(""))
    save_figure(nma_plot(read_text_csv(smk.input.effects)), Path(smk.output.nma).with_suffix(""))
    log.info("contrasts: %s", ", ".join(contrasts))


run(snakemake, main)  # noqa: F821
