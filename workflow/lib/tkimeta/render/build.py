"""From source to outputs: copy the report source into a build directory, expand the
shortcodes, check the document's structure, and hand it to Quarto or to pandoc."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ReportRenderError
from .output import RenderResult
from .pandoc import check_structure, meta_flags, render_pandoc
from .quarto import quarto_executable, render_quarto
from .source import expand_shortcodes, normalize_variables, scalar_text, split_front_matter

__all__ = ["prepare_work_dir", "render_report"]

_SKIP_COPY = {".quarto", "_freeze", "_site", "_output", "__pycache__", ".git"}


def _find_input(source_dir: Path, input_file: str | None) -> str:
    if input_file:
        return input_file
    cands = sorted(p.name for p in source_dir.glob("*.qmd") if not p.name.startswith("_"))
    if "report.qmd" in cands:
        return "report.qmd"
    if len(cands) == 1:
        return cands[0]
    raise ReportRenderError(
        f"cannot tell which .qmd in {source_dir} is the report ({cands}); pass input_file="
    )


def _copy_tree(src: Path, dst: Path) -> None:
    for item in sorted(src.iterdir()):
        if item.name in _SKIP_COPY:
            continue
        target = dst / item.name
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            _copy_tree(item, target)
        else:
            shutil.copyfile(item, target)


def prepare_work_dir(
    source_dir: Path,
    variables: Mapping[str, Any],
    work_dir: Path,
    extra_files: Mapping[str, str | os.PathLike[str]] | None = None,
) -> dict[str, Any]:
    """Copy the source (+ extra files) into ``work_dir`` and write _variables.yml.

    Files already in ``work_dir`` (generated includes and figures) are kept;
    source files overwrite same-named ones.  Returns the normalised variables.
    """
    source_dir, work_dir = Path(source_dir), Path(work_dir)
    if not source_dir.is_dir():
        raise ReportRenderError(f"report source directory not found: {source_dir}")
    if work_dir.resolve() == source_dir.resolve():
        raise ReportRenderError("work_dir must differ from source_dir (never write into report/)")
    work_dir.mkdir(parents=True, exist_ok=True)
    _copy_tree(source_dir, work_dir)
    for rel, src in sorted((extra_files or {}).items()):
        src = Path(src)
        if not src.is_file():
            raise ReportRenderError(f"extra file for the report not found: {src} (-> {rel})")
        dst = work_dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    norm = normalize_variables(variables)
    (work_dir / "_variables.yml").write_text(
        yaml.safe_dump(norm, sort_keys=True, allow_unicode=True, default_flow_style=False),
        encoding="utf-8",
    )
    return norm


def render_report(
    source_dir: str | os.PathLike[str],
    variables: Mapping[str, Any],
    output_html: str | os.PathLike[str] | None,
    output_pdf: str | os.PathLike[str] | None,
    work_dir: str | os.PathLike[str],
    quarto: str = "auto",
    *,
    input_file: str | None = None,
    extra_files: Mapping[str, str | os.PathLike[str]] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> RenderResult:
    """Render the report to ``output_html`` and/or ``output_pdf``.

    Parameters
    ----------
    source_dir : the report source (``report.qmd``, ``_quarto.yml``, static
        includes/images); copied into ``work_dir``, never written to.
    variables : nested mapping written to ``work_dir/_variables.yml``; read by
        ``{{< var a.b >}}``.  Leaves are printed with ``str()`` (bools as
        ``true``/``false``), so pass numbers already formatted.
    output_html, output_pdf : output paths (``None`` skips that format).
    work_dir : build directory; generated includes/figures must be there
        already, or be given in ``extra_files`` (``{relative dest: source}``).
    quarto : ``"auto"`` (use the quarto CLI when on PATH), ``"never"``,
        ``"always"`` (error without quarto).
    input_file : name of the main .qmd inside ``source_dir`` (default
        ``report.qmd`` or the only non-underscore .qmd).
    metadata : document metadata overriding the YAML header (e.g.
        ``{"date": "21 November 2025"}``); scalar values only.  Passed as
        ``-M key:value`` to Quarto and as ``-M key=value`` to pandoc.
    """
    t0 = time.perf_counter()
    source_dir, work_dir = Path(source_dir), Path(work_dir)
    name = _find_input(source_dir, input_file)
    quarto_exe = quarto_executable(quarto)
    for k, v in (metadata or {}).items():
        if isinstance(v, (Mapping, list, tuple)):
            raise TypeError(f"metadata['{k}'] must be a scalar")
    overrides = {str(k): scalar_text(v) for k, v in sorted((metadata or {}).items())}
    norm = prepare_work_dir(source_dir, variables, work_dir, extra_files)
    timings: dict[str, float] = {}

    # Shortcode expansion doubles as validation for the Quarto path.
    main = work_dir / name
    if not main.is_file():
        raise ReportRenderError(f"report source file not found: {source_dir / name}")
    expanded = expand_shortcodes(main, norm, work_dir)
    front, _ = split_front_matter(expanded)
    front = {**front, **overrides}
    qfile = work_dir / "_quarto.yml"
    project = (yaml.safe_load(qfile.read_text(encoding="utf-8")) or {}) if qfile.is_file() else {}
    stem = Path(name).stem
    build = work_dir / ".render"
    build.mkdir(exist_ok=True)
    exp_path = build / f"{stem}.expanded.md"
    exp_path.write_text(expanded, encoding="utf-8")
    # Structural check (cross-references, figures exist) with the Lua filter.
    check_structure(work_dir, exp_path, project, front, stem, meta_flags(front, overrides))
    timings["prepare"] = time.perf_counter() - t0

    if quarto_exe:
        result = render_quarto(quarto_exe, work_dir, name, output_html, output_pdf, timings, overrides)
    else:
        result = render_pandoc(
            work_dir, exp_path, project, front, stem, output_html, output_pdf, timings,
            meta_flags(front, overrides),
        )
    timings["total"] = time.perf_counter() - t0
    return result
