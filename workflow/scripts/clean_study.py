"""Rule clean_study: validate and clean one study's raw tables."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

from tkimeta.clean import clean_study  # noqa: E402
from tkimeta.tables import CLEAN_TABLES  # noqa: E402
from tkimeta.io import write_csv  # noqa: E402
from tkimeta.scripting import run  # noqa: E402
from tkimeta.validate import RawDataError, read_table  # noqa: E402


def main(smk, log):
    tables, problems = {}, []
    for path in map(Path, smk.input.tables):
        table, found = read_table(path, path.stem, shown_as=str(path))
        problems.extend(found)
        tables[path.stem] = table
    if problems:
        raise RawDataError(problems)
    cleaned = clean_study(smk.wildcards.study, tables, repair_ocr=smk.params.ocr)
    for kind in CLEAN_TABLES:
        write_csv(cleaned[kind], getattr(smk.output, kind))
        log.info("%s: %d rows", kind, len(cleaned[kind]))


run(snakemake, main)  # noqa: F821
