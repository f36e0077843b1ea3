"""Rule evidence_analyses: publication order and cumulative meta-analysis of the main
outcomes; small-study effects (Egger's test, trim and fill) where k is large enough."""

from tkimeta.evidence.cumulative import CUMULATIVE_COLUMNS, ORDER_COLUMNS, cumulative, publication_order
from tkimeta.evidence.smallstudy import SMALL_STUDY_COLUMNS, small_study_effects
from tkimeta.io import read_text_csv, write_csv
from tkimeta.scripting import run


def main(smk, log):
    p = smk.params
    inputs = read_text_csv(smk.input.inputs)
    order = publication_order(read_text_csv(smk.input.characteristics), list(p.studies))
    table = cumulative(inputs, order, list(p.cumulative_outcomes), method=p.method, level=p.ci_level,
                       min_k_pi=p.min_k_pi, nagq=p.nagq)
    write_csv(order, smk.output.order, ORDER_COLUMNS)
    write_csv(table, smk.output.cumulative, CUMULATIVE_COLUMNS)
    log.info("order: %s", ", ".join(order["study_id"]))
    log.info("cumulative: %d rows", len(table))

    small = small_study_effects(inputs, list(p.outcomes), min_k=p.min_k, level=p.ci_level)
    write_csv(small, smk.output.small_study, SMALL_STUDY_COLUMNS)
    log.info("small-study effects assessable: %d of %d outcome/subgroup rows",
             int(small["assessable"].astype(bool).sum()), len(small))


run(snakemake, main)  # noqa: F821
