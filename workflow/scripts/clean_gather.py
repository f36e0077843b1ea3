"""Rule clean_gather: stack the studies' cleaned tables; derive response.csv and survival.csv."""

from pathlib import Path


from tkimeta.clean import gather_studies
from tkimeta.tables import GATHERED_TABLES
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    # inputs are results/clean/studies/<study>/<kind>.csv, in the config's study order
    per_study = {}
    for path in map(Path, smk.input.tables):
        per_study.setdefault(path.parent.name, {})[path.stem] = read_text_csv(path)
    per_study = [per_study[study] for study in smk.params.studies]
    gathered = gather_studies(per_study)
    for kind in GATHERED_TABLES:
        write_csv(gathered[kind], getattr(smk.output, kind))
        log.info("%s: %d rows", kind, len(gathered[kind]))


run(snakemake, main)  # noqa: F821
