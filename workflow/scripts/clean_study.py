"""Rule clean_study: validate and clean one study's raw tables."""

from pathlib import Path


from tkimeta.clean import clean_study
from tkimeta.tables import CLEAN_TABLES
from tkimeta.io import write_csv
from tkimeta.scripting import run
from tkimeta.validate import RawDataError, read_table


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
