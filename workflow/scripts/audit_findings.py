"""Rule audit_findings: the audit's checks grouped into findings, classified, and marked
with the pooled outcomes they touch (which needs the pooled inputs, hence a rule of its own)."""

from tkimeta.audit.findings import findings_summary, findings_table
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    audit = read_text_csv(smk.input.audit)
    findings = findings_table(audit, read_text_csv(smk.input.inputs))
    write_csv(findings, smk.output.findings)
    write_csv(findings_summary(findings, audit, smk.params.studies), smk.output.summary)
    log.info("%d findings from %d checks: %s", len(findings), len(audit), findings["finding_class"].value_counts().to_dict())


run(snakemake, main)  # noqa: F821
