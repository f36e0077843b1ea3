"""Rule audit_study: recompute and cross-check every number one paper prints."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

from tkimeta.audit.study import audit_study  # noqa: E402
from tkimeta.io import read_text_csv, write_csv  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    tables = {Path(path).stem: read_text_csv(path) for path in smk.input.tables}
    audit = audit_study(smk.wildcards.study, tables)
    write_csv(audit, smk.output.audit)
    log.info("%d checks: %s", len(audit), audit["status"].value_counts().to_dict())


run(snakemake, main)  # noqa: F821
