"""Rule evidence_report: the report's living-evidence section (a markdown include)."""

from pathlib import Path

from tkimeta.evidence.report import evidence_markdown
from tkimeta.io import read_text_csv, write_text
from tkimeta.scripting import run


def main(smk, log):
    text = evidence_markdown(read_text_csv(smk.input.cumulative), read_text_csv(smk.input.order),
                             read_text_csv(smk.input.small_study), Path(smk.input.changelog).read_text(encoding="utf-8"),
                             labels=smk.params.labels, method=smk.params.method, min_k=smk.params.min_k,
                             previous=smk.params.previous)
    write_text(text, smk.output.markdown)
    log.info("%d lines", text.count("\n"))


run(snakemake, main)  # noqa: F821
