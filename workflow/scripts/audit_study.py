"""Rule audit_study: recompute and cross-check every number one paper prints."""

from pathlib import Path


from tkimeta.audit.study import audit_study
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    tables = {Path(path).stem: read_text_csv(path) for path in smk.input.tables}
    audit = audit_study(smk.wildcards.study, tables, ocr_source=bool(smk.params.ocr))
    write_csv(audit, smk.output.audit)
    log.info("%d checks: %s", len(audit), audit["status"].value_counts().to_dict())


run(snakemake, main)  # noqa: F821
