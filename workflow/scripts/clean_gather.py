"""Rule clean_gather: stack the studies' cleaned tables; derive response.csv and survival.csv."""

import sys

sys.path.insert(0, snakemake.params.lib)  # noqa: F821 - injected by Snakemake

from tkimeta.clean import CLEAN_TABLES, GATHERED_TABLES, gather_studies  # noqa: E402
from tkimeta.io import read_text_csv, write_csv  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    per_study = []
    for study in smk.params.studies:
        per_study.append({kind: read_text_csv(f"{smk.params.study_dir}/{study}/{kind}.csv") for kind in CLEAN_TABLES})
    gathered = gather_studies(per_study)
    for kind in GATHERED_TABLES:
        write_csv(gathered[kind], getattr(smk.output, kind))
        log.info("%s: %d rows", kind, len(gathered[kind]))


run(snakemake, main)  # noqa: F821
