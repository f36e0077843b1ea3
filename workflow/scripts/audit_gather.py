"""Rule audit_gather: one audit table for all papers, and counts by status per paper."""

from tkimeta.audit.summary import gather_audits, summarise
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    audit = gather_audits([read_text_csv(path) for path in smk.input.audits])
    write_csv(audit, smk.output.audit)
    write_csv(summarise(audit, smk.params.studies), smk.output.summary)
    log.info("%d checks in %d papers", len(audit), audit["study_id"].nunique())


run(snakemake, main)  # noqa: F821
