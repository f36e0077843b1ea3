"""Rule evidence_cumulative: publication order of the studies and the cumulative meta-analysis."""

from tkimeta.evidence.cumulative import CUMULATIVE_COLUMNS, ORDER_COLUMNS, cumulative, publication_order
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    characteristics = read_text_csv(smk.input.characteristics)
    order = publication_order(characteristics, list(smk.params.studies))
    inputs = read_text_csv(smk.input.inputs)
    table = cumulative(inputs, order, list(smk.params.outcomes), method=smk.params.method, level=smk.params.ci_level,
                       min_k_pi=smk.params.min_k_pi, nagq=smk.params.nagq)
    write_csv(order, smk.output.order, ORDER_COLUMNS)
    write_csv(table, smk.output.cumulative, CUMULATIVE_COLUMNS)
    log.info("order: %s", ", ".join(order["study_id"]))
    log.info("cumulative: %d rows", len(table))


run(snakemake, main)  # noqa: F821
