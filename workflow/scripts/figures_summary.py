"""Rule figures_summary: liver-metastasis contrasts, audit overview, AE rates, NMA context."""

from pathlib import Path

import pandas as pd

from tkimeta.io import read_text_csv
from tkimeta.plots import ae_plot, audit_findings_plot, contrasts_plot, nma_plot, save_figure
from tkimeta.plots.data import ae_rates, read_estimates
from tkimeta.plots.empty import no_data_plot
from tkimeta.scripting import run


def main(smk, log):
    estimates = read_estimates(smk.input.estimates)  # the primary analysis, all these figures draw
    studies = pd.read_csv(smk.input.studies)
    labels = smk.params.labels
    methods = smk.params.primary_methods
    contrasts = [o for o in smk.params.contrasts if (estimates.loc[estimates["outcome"] == o, "k"] > 0).any()]
    save_figure(contrasts_plot(studies, estimates, outcomes=contrasts, method=methods, study_labels=labels),
                Path(smk.output.contrasts).with_suffix(""))
    save_figure(audit_findings_plot(read_text_csv(smk.input.findings), pd.read_csv(smk.input.findings_summary),
                                    study_order=smk.params.studies, study_labels=labels),
                Path(smk.output.audit).with_suffix(""))
    rates = ae_rates(studies)
    ae = ae_plot(rates, study_labels=labels) if len(rates) else \
        no_data_plot("Adverse-event rates", "No study in this run reports the configured adverse events.")
    save_figure(ae, Path(smk.output.ae).with_suffix(""))
    context = smk.params.context_studies
    if context:
        nma = nma_plot(read_text_csv(smk.input.effects), study_id=context[0])
    else:
        nma = no_data_plot("Network meta-analysis context", "No context study (role: context) in this run.")
    save_figure(nma, Path(smk.output.nma).with_suffix(""))
    log.info("contrasts: %s", ", ".join(contrasts))


run(snakemake, main)  # noqa: F821
