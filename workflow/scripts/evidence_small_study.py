"""Rule evidence_small_study: Egger's test and trim and fill per outcome, where k is large enough."""

from tkimeta.evidence.smallstudy import SMALL_STUDY_COLUMNS, small_study_effects
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    table = small_study_effects(read_text_csv(smk.input.inputs), list(smk.params.outcomes),
                                min_k=smk.params.min_k, level=smk.params.ci_level)
    write_csv(table, smk.output.table, SMALL_STUDY_COLUMNS)
    log.info("assessable: %d of %d outcome/subgroup rows", int(table["assessable"].astype(bool).sum()), len(table))


run(snakemake, main)  # noqa: F821
