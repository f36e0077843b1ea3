"""Rule pool_gather: the three contract tables of results/pooled/, outcomes in config order."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from tkimeta.io import read_text_csv, write_csv  # noqa: E402
from tkimeta.scripting import run  # noqa: E402


def main(smk, log):
    for name in ("estimates", "studies", "tests"):
        parts = [read_text_csv(path) for path in smk.input[name]]
        write_csv(pd.concat(parts, ignore_index=True), smk.output[name])
        log.info("%s: %d rows", name, sum(len(p) for p in parts))


run(snakemake, main)  # noqa: F821
