"""Rule clean: validate and clean every study's raw tables, and gather them.

One job for all studies: a study's cleaning takes milliseconds, far less than starting
a job, so one process cleans them all (in config order) and writes the gathered tables.
The validated tables are those Snakemake's parse validated (kept by content in
.snakemake/, see tkimeta.validation_cache); they are validated here when they are not.
"""

from pathlib import Path

from tkimeta.clean import clean_study, gather_studies
from tkimeta.io import write_csv
from tkimeta.scripting import run
from tkimeta.tables import GATHERED_TABLES
from tkimeta.validation_cache import cached_validate_raw_dir


def main(smk, log):
    validated = cached_validate_raw_dir(**smk.params.validation)
    raw = {}
    for tables in validated.values():
        for table in tables:
            raw.setdefault(table.path.parent.name, {})[table.path.stem] = table
    inputs = {str(Path(path)) for path in smk.input.tables}
    read = {str(table.path) for tables in validated.values() for table in tables}
    if read != inputs:  # the rule's inputs are the validated tables; anything else is a bug
        raise RuntimeError(f"validated tables differ from the rule's inputs: {sorted(read ^ inputs)[:5]}")
    # every cell of a cleaned table is text, as printed (clean_study's contract), so the
    # tables are gathered as they are, without a round trip through CSV text
    per_study = [clean_study(study, raw.get(study, {}), repair_ocr=smk.params.ocr[study])
                 for study in smk.params.studies]
    log.info("%d studies cleaned", len(per_study))
    gathered = gather_studies(per_study)
    for kind in GATHERED_TABLES:
        write_csv(gathered[kind], getattr(smk.output, kind))
        log.info("%s: %d rows", kind, len(gathered[kind]))


run(snakemake, main)  # noqa: F821
