"""Rule pool_outcome: pool one outcome (every subgroup, analysis and method)."""

import pandas as pd

from tkimeta.io import write_csv
from tkimeta.pooling.analysis import pool_outcome
from tkimeta.scripting import run


def main(smk, log):
    inputs = pd.read_csv(smk.input.inputs, keep_default_na=False, na_values=[""])
    p = smk.params
    estimates, studies, tests = pool_outcome(inputs, smk.wildcards.outcome, p.methods, p.sensitivity,
                                             p.ci_level, p.min_k_pi, p.nagq, p.pi_method)
    write_csv(estimates, smk.output.estimates)
    write_csv(studies, smk.output.studies)
    write_csv(tests, smk.output.tests)
    log.info("%s: %d pooled rows, %d study rows, %d subgroup tests", smk.wildcards.outcome,
             len(estimates), len(studies), len(tests))


run(snakemake, main)  # noqa: F821
