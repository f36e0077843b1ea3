"""Command line: ``python -m tkimeta.render --source report --work-dir /tmp/build --html out.html``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import __doc__ as package_doc
from .build import render_report
from .errors import ReportRenderError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tkimeta.render", description=package_doc.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="report source directory")
    ap.add_argument("--variables", help="YAML/JSON file with the (nested) variables")
    ap.add_argument("--html", help="output HTML path")
    ap.add_argument("--pdf", help="output PDF path")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--quarto", default="auto", choices=["auto", "never", "always"])
    ap.add_argument("--input-file")
    ap.add_argument("--extra", action="append", default=[], metavar="DEST=SRC",
                    help="copy SRC to work_dir/DEST before rendering (repeatable)")
    a = ap.parse_args(argv)
    variables = {}
    if a.variables:
        variables = yaml.safe_load(Path(a.variables).read_text(encoding="utf-8")) or {}
    extra = dict(e.split("=", 1) for e in a.extra)
    try:
        res = render_report(a.source, variables, a.html, a.pdf, a.work_dir, a.quarto,
                            input_file=a.input_file, extra_files=extra)
    except ReportRenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"rendered with {res.engine}: html={res.html} pdf={res.pdf} "
          + " ".join(f"{k}={v:.2f}s" for k, v in res.seconds.items()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
