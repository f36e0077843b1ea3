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


rule all:
    input:
        clean_outputs(),
        "results/audit/audit.csv",
        "results/audit/findings.csv",
        "results/pooled/estimates.csv",
        rules.figures_forest.output,
        rules.figures_summary.output,
        rules.figures_evidence.output,
        "results/evidence/changelog.csv",
        "results/report/report.html",
        "results/report/report.pdf",
    default_target: True
