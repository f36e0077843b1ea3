# TKI + PD-1 evidence synthesis by liver-metastasis status.
#
#   data/raw/ --clean--> results/clean/ --audit--> results/audit/
#                                      \--pool---> results/pooled/ --figures--> results/figures/
#                                                                  \--report--> results/report/
#
# This file is the table of contents; the rules live in workflow/rules/, the statistics
# in workflow/lib/tkimeta (plain Python, tested in tests/).

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/preflight.smk"


report: "workflow/report/workflow.rst"


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/pool.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/report.smk"


# Every file README.md lists as an output is a target, so that a deleted one comes back.
rule all:
    default_target: True
    input:
        clean_outputs(),
        expand("results/audit/{study}.csv", study=STUDIES),
        "results/audit/audit.csv",
        "results/audit/summary.csv",
        "results/audit/findings.csv",
        "results/pooled/inputs.csv",
        rules.pool.output,
        rules.figures_forest.output,
        rules.figures_summary.output,
        rules.figure_rulegraph.output,
        rules.figures_evidence.output,
        "results/evidence/changelog.csv",
        rules.report_render.output,


# A run that fails after some jobs rewrote their outputs must not leave results/ mixing
# two states of the data (new audit tables beside the old report): the outputs of the
# jobs it planned but did not finish, which belong to the older state, are removed.
onerror:
    remove_outputs_of_older_state()
