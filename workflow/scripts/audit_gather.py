"""Rule audit_gather: one audit table for all papers, and counts by status per paper."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

from tkimeta.audit.summary import gather_audits, summarise  # noqa: E402
from tkimeta.io import read_text_csv, write_csv  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    audit = gather_audits([read_text_csv(path) for path in smk.input.audits])
    write_csv(audit, smk.output.audit)
    write_csv(summarise(audit, smk.params.studies), smk.output.summary)
    log.info("%d checks in %d papers", len(audit), audit["study_id"].nunique())


run(snakemake, main)  # noqa: F821
