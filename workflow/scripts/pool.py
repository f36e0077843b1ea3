"""Rule pool: what each study contributes to each outcome, and the pooled analysis of
every outcome (all subgroups, analyses and methods), in config order.

One job for all outcomes: pooling one outcome takes milliseconds, far less than
starting a job, so one job pools them all, the outcomes shared among its threads
(a reviewer reruns them all at once).
"""

import io

import pandas as pd

from tkimeta.io import as_written, csv_text, read_text_csv, write_csv
from tkimeta.parallel import map_in_processes
from tkimeta.pooling.analysis import pool_outcome
from tkimeta.pooling.inputs import Context, build_inputs
from tkimeta.scripting import run


def main(smk, log):
    tables = {kind: read_text_csv(path) for kind, path in smk.input.items() if kind not in ("audit", "code")}
    p = smk.params
    ctx = Context(studies=p.studies, response_denominator=p.response_denominator, ci_level=p.ci_level)
    inputs = build_inputs(tables, ctx, read_text_csv(smk.input.audit), p.ae_terms)
    for row in inputs[inputs["excluded"] != ""].itertuples():
        log.warning("%s, %s, %s: left out of the pooling: %s", row.outcome, row.subgroup, row.study_id, row.excluded)
    write_csv(inputs, smk.output.inputs)
    log.info("%d study contributions to %d outcomes", len(inputs), inputs["outcome"].nunique())

    # the pooling reads the inputs as written, numbers parsed, empty cells missing
    as_read = pd.read_csv(io.StringIO(csv_text(inputs)), keep_default_na=False, na_values=[""])
    pooled = {"estimates": [], "studies": [], "tests": []}
    results = map_in_processes(
        lambda outcome: pool_outcome(as_read, outcome, p.methods[outcome], p.sensitivity, p.ci_level,
                                     p.min_k_pi, p.nagq, p.pi_method),
        p.outcomes, smk.threads)
    for outcome, (estimates, studies, tests) in zip(p.outcomes, results):
        for name, frame in zip(pooled, (estimates, studies, tests)):
            pooled[name].append(as_written(frame))
        log.info("%s: %d pooled rows, %d study rows, %d subgroup tests", outcome, len(estimates), len(studies), len(tests))
    for name, parts in pooled.items():
        write_csv(pd.concat(parts, ignore_index=True), smk.output[name])


run(snakemake, main)  # noqa: F821
