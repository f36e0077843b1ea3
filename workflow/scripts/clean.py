"""Rule clean: validate and clean every study's raw tables, and gather them.

One job for all studies: a study's cleaning takes milliseconds, far less than starting
a job, so one process cleans them all (in config order) and writes the gathered tables.
"""

from pathlib import Path

from tkimeta.clean import clean_study, gather_studies
from tkimeta.io import as_written, write_csv
from tkimeta.scripting import run
from tkimeta.tables import CLEAN_TABLES, GATHERED_TABLES
from tkimeta.validate import RawDataError, read_table


def main(smk, log):
    raw = {}
    problems = []
    for path in map(Path, smk.input.tables):
        table, found = read_table(path, path.stem, shown_as=str(path))
        problems.extend(found)
        raw.setdefault(path.parent.name, {})[path.stem] = table
    if problems:
        raise RawDataError(problems)
    per_study = []
    for study in smk.params.studies:
        # as the studies' cleaned tables would be read back from their own files
        cleaned = {kind: as_written(frame) for kind, frame in
                   clean_study(study, raw.get(study, {}), repair_ocr=smk.params.ocr[study]).items()}
        per_study.append(cleaned)
        log.info("%s: %s", study, ", ".join(f"{kind} {len(cleaned[kind])}" for kind in CLEAN_TABLES if len(cleaned[kind])))
    gathered = gather_studies(per_study)
    for kind in GATHERED_TABLES:
        write_csv(gathered[kind], getattr(smk.output, kind))
        log.info("%s: %d rows", kind, len(gathered[kind]))


run(snakemake, main)  # noqa: F821
