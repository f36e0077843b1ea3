"""The Quarto engine: when the ``quarto`` CLI is on PATH (and allowed), ``quarto
render`` runs twice in the build directory, ``--to html`` and ``--to typst``, on the
same source the offline engine reads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ReportRenderError
from .output import RenderResult, check_self_contained, source_date_epoch


def quarto_executable(mode: str) -> str | None:
    """The quarto CLI to use for ``mode`` ("auto", "never", "always"), or None."""
    if mode not in ("auto", "never", "always"):
        raise ValueError("quarto must be 'auto', 'never' or 'always'")
    if mode == "never":
        return None
    exe = shutil.which("quarto")
    if exe is None and mode == "always":
        raise ReportRenderError("quarto='always' but no 'quarto' executable is on PATH")
    return exe


def render_quarto(
    exe: str,
    work_dir: Path,
    name: str,
    output_html: Any,
    output_pdf: Any,
    timings: dict[str, float],
    overrides: Mapping[str, str],
) -> RenderResult:
    """Render ``name`` in ``work_dir`` with quarto and copy the outputs into place."""
    if not (work_dir / "_quarto.yml").exists():
        # makes work_dir a project so that _variables.yml is picked up
        (work_dir / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", str(source_date_epoch()))
    stem = Path(name).stem
    outs: dict[str, Path | None] = {"html": None, "pdf": None}
    jobs = []
    if output_html is not None:
        jobs.append(("html", "html", f"{stem}.html", Path(output_html), ["-M", "embed-resources:true"]))
    if output_pdf is not None:
        jobs.append(("pdf", "typst", f"{stem}.pdf", Path(output_pdf), []))
    for key, to, produced, dest, extra in jobs:
        t = time.perf_counter()
        out_dir = f"_quarto_out_{to}"
        meta = [a for k, v in overrides.items() for a in ("-M", f"{k}:{json.dumps(v)}")]
        cmd = [exe, "render", name, "--to", to, "--output-dir", out_dir, *extra, *meta,
               "--no-execute-daemon"]
        proc = subprocess.run(cmd, cwd=work_dir, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ReportRenderError(
                f"quarto render failed (exit {proc.returncode}): {' '.join(cmd)}\n"
                f"{proc.stdout.strip()}\n{proc.stderr.strip()}"
            )
        src = work_dir / out_dir / produced
        if not src.is_file():
            raise ReportRenderError(f"quarto did not produce {src}")
        if key == "html":
            try:
                check_self_contained(src.read_text(encoding="utf-8", errors="replace"))
            except ReportRenderError as exc:  # Quarto's own output: report, don't block
                warnings.warn(str(exc), stacklevel=3)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        outs[key] = dest
        timings[key] = time.perf_counter() - t
    return RenderResult("quarto", outs["html"], outs["pdf"], timings)
