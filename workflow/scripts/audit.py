"""Rule audit: recompute and cross-check every number each paper prints.

One job for all papers (each paper's audit takes a fraction of a second, less than
starting a job): the per-paper tables, then the gathered table and the counts by status.
"""

from tkimeta.audit.study import audit_study
from tkimeta.audit.summary import gather_audits, summarise
from tkimeta.clean import split_by_study
from tkimeta.io import as_written, read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    gathered = {kind: read_text_csv(path) for kind, path in smk.input.items() if kind != "code"}
    studies = list(smk.params.studies)
    audits = []
    for study, tables in split_by_study(gathered, studies).items():
        audit = audit_study(study, tables, ocr_source=bool(smk.params.ocr[study]))
        write_csv(audit, smk.output.studies[studies.index(study)])
        audits.append(as_written(audit))
        log.info("%s: %d checks: %s", study, len(audit), audit["status"].value_counts().to_dict())
    audit = gather_audits(audits)
    write_csv(audit, smk.output.audit)
    write_csv(summarise(audit, studies), smk.output.summary)
    log.info("%d checks in %d papers", len(audit), audit["study_id"].nunique())


run(snakemake, main)  # noqa: F821
