"""Rule pool_inputs: what each study contributes to each pooled outcome, and from where."""

from pathlib import Path


from tkimeta.io import read_text_csv, write_csv
from tkimeta.pooling.inputs import Context, build_inputs
from tkimeta.scripting import run


def main(smk, log):
    tables = {Path(path).stem: read_text_csv(path) for path in smk.input.tables}
    ctx = Context(studies=smk.params.studies, response_denominator=smk.params.response_denominator,
                  ci_level=smk.params.ci_level)
    inputs = build_inputs(tables, ctx, read_text_csv(smk.input.audit), smk.params.ae_terms)
    for row in inputs[inputs["excluded"] != ""].itertuples():
        log.warning("%s, %s, %s: left out of the pooling: %s", row.outcome, row.subgroup, row.study_id, row.excluded)
    write_csv(inputs, smk.output.inputs)
    log.info("%d study contributions to %d outcomes", len(inputs), inputs["outcome"].nunique())


run(snakemake, main)  # noqa: F821
