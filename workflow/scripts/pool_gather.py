"""Rule pool_gather: the three contract tables of results/pooled/, outcomes in config order."""

import pandas as pd

from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    for name in ("estimates", "studies", "tests"):
        parts = [read_text_csv(path) for path in smk.input[name]]
        write_csv(pd.concat(parts, ignore_index=True), smk.output[name])
        log.info("%s: %d rows", name, sum(len(p) for p in parts))


run(snakemake, main)  # noqa: F821
