"""Rule report_render: the Quarto report to self-contained HTML and to PDF.

Quarto renders it when it is on PATH (config report.quarto: auto); otherwise the same
source goes through pandoc (pypandoc_binary) and typst.
"""

import shutil
import tempfile
from pathlib import Path


import yaml

from tkimeta.render import render_report
from tkimeta.scripting import run


def main(smk, log):
    extra = {f"_generated/{Path(p).name}": p for p in smk.input.tables}
    extra.update({f"figures/{Path(p).name}": p for p in smk.input.figures})
    variables = yaml.safe_load(Path(smk.input.variables).read_text(encoding="utf-8"))
    # Build outside results/ so that nothing but the two outputs is left behind.
    work_dir = Path(tempfile.mkdtemp(prefix="tkimeta-report-"))
    try:
        result = render_report(smk.params.source, variables, smk.output.html, smk.output.pdf, work_dir,
                               quarto=smk.params.quarto, extra_files=extra)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    log.info("rendered with %s in %s", result.engine, result.seconds)


run(snakemake, main)  # noqa: F821
