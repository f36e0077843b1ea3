"""Rule audit: recompute and cross-check every number each paper prints.

One job for all papers (each paper's audit takes a fraction of a second, less than
starting a job), the papers shared among the job's threads: the per-paper tables, then
the gathered table and the counts by status.
"""

from tkimeta.audit.study import audit_study
from tkimeta.audit.summary import gather_audits, summarise
from tkimeta.clean import split_by_study
from tkimeta.io import as_written, read_text_csv, write_csv
from tkimeta.parallel import map_in_processes
from tkimeta.scripting import run


def main(smk, log):
    gathered = {kind: read_text_csv(path) for kind, path in smk.input.items() if kind != "code"}
    studies = list(smk.params.studies)
    per_study = list(split_by_study(gathered, studies).items())
    audits = map_in_processes(lambda item: audit_study(item[0], item[1], ocr_source=bool(smk.params.ocr[item[0]])),
                              per_study, smk.threads)
    for study, audit in zip(studies, audits):
        write_csv(audit, smk.output.studies[studies.index(study)])
        log.info("%s: %d checks: %s", study, len(audit), audit["status"].value_counts().to_dict())
    audits = [as_written(audit) for audit in audits]
    audit = gather_audits(audits)
    write_csv(audit, smk.output.audit)
    write_csv(summarise(audit, studies), smk.output.summary)
    log.info("%d checks in %d papers", len(audit), audit["study_id"].nunique())


run(snakemake, main)  # noqa: F821
