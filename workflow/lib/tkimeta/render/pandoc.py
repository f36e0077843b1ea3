"""The offline engine: pandoc 3 (from ``pypandoc_binary``) writes a standalone HTML
with every resource embedded, and typst markup that the ``typst`` Python package
compiles to PDF.

Cross-references are resolved by the Lua filter ``crossref.lua`` beside this file;
``style.css`` styles the HTML and ``typst-header.typ`` sets up the PDF page. Problems
the filter finds (unresolved or duplicate references, missing figures) come back as
``REPORT-ERROR:`` lines and are raised as the matching :mod:`.errors` exception.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from .errors import CrossrefError, MissingFigureError, ReportRenderError
from .output import RenderResult, check_self_contained, source_date_epoch
from .source import format_options, relative_path, truthy

RENDER_DIR = Path(__file__).resolve().parent
CROSSREF_LUA = RENDER_DIR / "crossref.lua"
DEFAULT_CSS = RENDER_DIR / "style.css"
TYPST_HEADER = RENDER_DIR / "typst-header.typ"


def pandoc_path() -> str:
    """The pandoc of ``pypandoc_binary``, else one on PATH."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception:  # pragma: no cover - falls back to a system pandoc
        found = shutil.which("pandoc")
        if not found:
            raise ReportRenderError("pandoc not found (install pypandoc_binary)") from None
        return found


_ERR_CLASSES = {
    "missing-figure": MissingFigureError,
    "remote-resource": MissingFigureError,
}


def run_pandoc(args: list[str], cwd: Path) -> None:
    """Run pandoc; raise the matching error for the filter's REPORT-ERROR lines or a failure."""
    cmd = [pandoc_path(), *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    problems = [
        ln[len("REPORT-ERROR: "):]
        for ln in proc.stderr.splitlines()
        if ln.startswith("REPORT-ERROR: ")
    ]
    if problems:
        kinds = {p.split(":", 1)[0] for p in problems}
        cls = CrossrefError
        if len(kinds) == 1 and next(iter(kinds)) in _ERR_CLASSES:
            cls = _ERR_CLASSES[next(iter(kinds))]
        elif kinds & set(_ERR_CLASSES) and not kinds - set(_ERR_CLASSES):
            cls = MissingFigureError
        raise cls("report has problems:\n  " + "\n  ".join(problems))
    if proc.returncode != 0:
        raise ReportRenderError(
            f"pandoc failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr.strip()}"
        )


def common_pandoc_args(meta_file: Path, flags: list[str] = ()) -> list[str]:
    """Arguments of every pandoc run: markdown in, the Lua filter, the metadata file."""
    return [
        "--from=markdown",
        # a directory without templates/filters: pandoc's built-in defaults are
        # used even if the user has a ~/.local/share/pandoc
        f"--data-dir={RENDER_DIR / '_no_pandoc_user_data'}",
        f"--lua-filter={CROSSREF_LUA}",
        f"--metadata-file={meta_file}",
        *flags,
        "--resource-path=.",
    ]


def meta_flags(front: Mapping[str, Any], overrides: Mapping[str, str]) -> list[str]:
    """-M flags: explicit overrides, plus a resolved ``date: today``
    (the document's own metadata would otherwise win over --metadata-file)."""
    flags = [f"--metadata={k}={v}" for k, v in overrides.items()]
    if "date" not in overrides:
        date = _resolve_date(front.get("date"))
        if date:
            flags.append(f"--metadata=date={date}")
    return flags


def _resolve_date(value: Any) -> str | None:
    """``date: today`` (or now, last-modified) as YYYY-MM-DD, from SOURCE_DATE_EPOCH if set."""
    if value is None:
        return None
    s = str(value)
    if s.strip().lower() in ("today", "now", "last-modified"):
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        when = (
            _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
            if epoch
            else _dt.datetime.now(_dt.UTC)
        )
        return when.strftime("%Y-%m-%d")
    return None


def pandoc_meta(project: Mapping[str, Any], front: Mapping[str, Any], fmt: str, stem: str) -> dict[str, Any]:
    """Metadata for the Lua filter and pandoc's templates, from the options of ``fmt``."""
    opts = format_options(project, front, fmt)
    meta: dict[str, Any] = {
        "tkimeta-number-sections": truthy(opts.get("number-sections"), False),
        "lang": str(opts.get("lang", "en")),
    }
    if not front.get("title") and not opts.get("title"):
        meta["pagetitle"] = stem
    for key in ("title", "subtitle", "author"):
        if key in opts and key not in front:  # title etc. given in _quarto.yml
            meta[key] = opts[key]
    meta["toc-title"] = str(opts.get("toc-title", "Table of contents"))
    cw = opts.get("tbl-colwidths")
    if isinstance(cw, (list, tuple)):
        meta["tkimeta-tbl-colwidths"] = "[" + ",".join(str(x) for x in cw) + "]"
    elif isinstance(cw, str) and cw.strip():
        meta["tkimeta-tbl-colwidths"] = cw.strip()
    return meta


def check_structure(
    work_dir: Path, exp_path: Path, project: Mapping[str, Any], front: Mapping[str, Any], stem: str,
    flags: list[str],
) -> None:
    """Run the Lua filter over the expanded document without writing anything, so that
    broken cross-references and missing figures fail before either engine runs."""
    meta = pandoc_meta(project, front, "html", stem)
    meta_path = work_dir / ".render" / "meta-check.yml"
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=True), encoding="utf-8")
    run_pandoc(
        [*common_pandoc_args(meta_path, flags),
         "--to=native", "-o", os.devnull, relative_path(exp_path, work_dir)],
        cwd=work_dir,
    )


def render_pandoc(
    work_dir: Path,
    exp_path: Path,
    project: Mapping[str, Any],
    front: Mapping[str, Any],
    stem: str,
    output_html: Any,
    output_pdf: Any,
    timings: dict[str, float],
    flags: list[str],
) -> RenderResult:
    """Write ``output_html`` (pandoc, resources embedded) and/or ``output_pdf`` (pandoc
    to typst markup, then typst) from the expanded document ``exp_path``.

    The two are independent, so the HTML's pandoc runs in a second thread (it waits on a
    subprocess) while this one makes the PDF: the job takes as long as the longer one."""
    build = work_dir / ".render"
    with ThreadPoolExecutor(max_workers=1) as background:
        html = None
        if output_html is not None:
            html = background.submit(_render_html, work_dir, exp_path, project, front, stem, Path(output_html),
                                     timings, flags, build)
        pdf_out = None
        if output_pdf is not None:
            pdf_out = _render_pdf(work_dir, exp_path, project, front, stem, Path(output_pdf), timings, flags, build)
        html_out = html.result() if html is not None else None
    return RenderResult("pandoc", html_out, pdf_out, timings)


def _render_html(work_dir: Path, exp_path: Path, project: Mapping[str, Any], front: Mapping[str, Any], stem: str,
                 output_html: Path, timings: dict[str, float], flags: list[str], build: Path) -> Path:
    t = time.perf_counter()
    opts = format_options(project, front, "html")
    meta_path = build / "meta-html.yml"
    meta_path.write_text(yaml.safe_dump(pandoc_meta(project, front, "html", stem), sort_keys=True), encoding="utf-8")
    css = [DEFAULT_CSS]
    extra_css = opts.get("css") or []
    for c in [extra_css] if isinstance(extra_css, str) else list(extra_css):
        p = work_dir / str(c)
        if not p.is_file():
            raise ReportRenderError(f"css file '{c}' (from the document options) not found")
        css.append(p)
    args = [
        *common_pandoc_args(meta_path, flags),
        "--to=html5",
        "--standalone",
        "--embed-resources",
        "--mathml",
        "--section-divs",
        "--wrap=none",
        *[f"--css={c}" for c in css],
    ]
    if truthy(opts.get("toc"), True):
        args += ["--toc", f"--toc-depth={int(opts.get('toc-depth', 3))}"]
    tmp_html = build / f"{stem}.html"
    run_pandoc([*args, "-o", str(tmp_html), relative_path(exp_path, work_dir)], cwd=work_dir)
    html = tmp_html.read_text(encoding="utf-8")
    check_self_contained(html)
    _atomic_write_bytes(output_html, html.encode("utf-8"))
    timings["html"] = time.perf_counter() - t
    return output_html


def _render_pdf(work_dir: Path, exp_path: Path, project: Mapping[str, Any], front: Mapping[str, Any], stem: str,
                output_pdf: Path, timings: dict[str, float], flags: list[str], build: Path) -> Path:
    t = time.perf_counter()
    opts = format_options(project, front, "typst")
    meta = pandoc_meta(project, front, "typst", stem)
    meta["papersize"] = str(opts.get("papersize", "a4"))
    margin = opts.get("margin", {"x": "2.2cm", "y": "2.4cm"})
    meta["margin"] = margin
    meta["page-numbering"] = "1"
    meta["fontsize"] = str(opts.get("fontsize", "10.5pt"))
    if opts.get("mainfont"):
        meta["mainfont"] = str(opts["mainfont"])
    meta_path = build / "meta-typst.yml"
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=True), encoding="utf-8")
    typ = build / f"{stem}.typ"
    args = [
        *common_pandoc_args(meta_path, flags),
        "--to=typst",
        "--standalone",
        "--wrap=preserve",
        f"--include-in-header={TYPST_HEADER}",
    ]
    if truthy(opts.get("toc"), True):
        args += ["--toc", f"--toc-depth={int(opts.get('toc-depth', 3))}"]
    run_pandoc([*args, "-o", str(typ), relative_path(exp_path, work_dir)], cwd=work_dir)
    timings["typst_markup"] = time.perf_counter() - t
    pdf = _compile_typst(typ, work_dir)
    _atomic_write_bytes(output_pdf, pdf)
    timings["pdf"] = time.perf_counter() - t
    return output_pdf


def _compile_typst(typ: Path, root: Path) -> bytes:
    import typst

    try:
        pdf, diags = typst.compile_with_warnings(
            str(typ),
            root=str(root),
            font_paths=[],
            ignore_system_fonts=True,
            format="pdf",
            timestamp=source_date_epoch(),
        )
    except Exception as exc:  # typst.TypstError carries the diagnostic text
        raise ReportRenderError(f"typst failed to compile {typ.name}: {exc}") from exc
    for d in diags:  # e.g. an unknown font: surface, do not hide
        warnings.warn(f"typst: {getattr(d, 'message', d)}", stacklevel=3)
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise ReportRenderError("typst did not return a PDF")
    return pdf


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
