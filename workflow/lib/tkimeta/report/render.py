"""Render the Quarto report source to a self-contained HTML file and a PDF.

Two engines render the *same* source (``report/report.qmd`` + ``_quarto.yml``):

``quarto``
    When the ``quarto`` CLI is on PATH (and allowed), ``quarto render`` is run
    twice (``--to html`` and ``--to typst``) inside the build directory.
``pandoc``
    Otherwise the Quarto features the report uses are emulated: shortcodes
    (``{{< var key.sub >}}``, ``{{< include file >}}``, ``{{< pagebreak >}}``)
    are expanded here, cross-references are resolved by ``crossref.lua``, and
    pandoc 3 (``pypandoc_binary``) writes a standalone HTML (all resources
    embedded) and typst markup that the ``typst`` Python package compiles to PDF.

The document contains no executable code: all numbers come in through
``_variables.yml`` (written from the ``variables`` mapping) and through
generated markdown/figures placed in the build directory.

Both outputs are deterministic: two renders of the same inputs give
byte-identical HTML and PDF (no dates or random ids are embedded; the typst
PDF gets no creation date and a fixed timestamp, and only fonts bundled with
typst are used).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import yaml

LIB_DIR = Path(__file__).resolve().parent
CROSSREF_LUA = LIB_DIR / "crossref.lua"
DEFAULT_CSS = LIB_DIR / "style.css"
TYPST_HEADER = LIB_DIR / "typst-header.typ"

#: Timestamp handed to typst when SOURCE_DATE_EPOCH is unset (2000-01-01T00:00Z).
#: The PDF carries no date anyway (``#set document(date: none)``).
DEFAULT_EPOCH = 946684800

_SKIP_COPY = {".quarto", "_freeze", "_site", "_output", "__pycache__", ".git"}


# --------------------------------------------------------------------------- errors
class ReportRenderError(RuntimeError):
    """Any failure while rendering the report."""


class MissingVariableError(ReportRenderError, KeyError):
    """A ``{{< var key >}}`` shortcode names a key absent from the variables."""

    def __init__(self, key: str, where: str):
        self.key = key
        self.where = where
        RuntimeError.__init__(self, f"missing report variable '{key}' ({where})")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class MissingIncludeError(ReportRenderError):
    """A ``{{< include path >}}`` shortcode names a file that does not exist."""


class MissingFigureError(ReportRenderError):
    """An image referenced by the document does not exist in the build directory."""


class CrossrefError(ReportRenderError):
    """Unresolved/duplicate cross-references or other document structure problems."""


class ShortcodeError(ReportRenderError):
    """Unsupported or malformed shortcode."""


@dataclass
class RenderResult:
    engine: str  # "quarto" or "pandoc"
    html: Path | None
    pdf: Path | None
    seconds: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- variables
def _scalar_text(value: Any) -> str:
    """How a variable value is printed (same text for Quarto and the fallback)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def normalize_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Nested mapping with every leaf converted to the string that gets printed.

    Writing strings into ``_variables.yml`` makes Quarto print exactly what the
    fallback prints (no float re-formatting by a YAML/JS round trip).
    """

    def conv(v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return _scalar_text(v)

    if not isinstance(variables, Mapping):
        raise TypeError("variables must be a (nested) mapping")
    return conv(variables)


def lookup_variable(variables: Mapping[str, Any], key: str) -> Any:
    """Value of a dotted key (``a.b.c``); raises KeyError(key) when absent."""
    node: Any = variables
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(key)
    if isinstance(node, (Mapping, list, tuple)):
        raise KeyError(key)
    return node


# --------------------------------------------------------------------------- shortcodes
_ESCAPED = re.compile(r"\{\{\{<(.*?)>\}\}\}")
_SHORTCODE = re.compile(r"\{\{<\s*(.*?)\s*>\}\}")
_INCLUDE_LINE = re.compile(r"^\s*\{\{<\s*include\s+(.+?)\s*>\}\}\s*$")
_ESC_OPEN, _ESC_CLOSE = "\x00ESC_OPEN\x00", "\x00ESC_CLOSE\x00"

_PAGEBREAK = (
    "\n```{=html}\n<div class=\"page-break\"></div>\n```\n\n"
    "```{=typst}\n#pagebreak(weak: true)\n```\n"
)


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s


def expand_shortcodes(
    path: Path,
    variables: Mapping[str, Any],
    project_dir: Path,
    *,
    _stack: tuple[Path, ...] = (),
) -> str:
    """Expand var/include/pagebreak shortcodes of ``path`` (recursively).

    Include paths resolve like Quarto: relative to the main document's
    directory (== ``project_dir`` here), or to the project root with a
    leading ``/``.  Escaped shortcodes ``{{{< ... >}}}`` become literal
    ``{{< ... >}}``.
    """
    path = Path(path)
    rel = _rel(path, project_dir)
    if path.resolve() in [p.resolve() for p in _stack]:
        chain = " -> ".join(_rel(p, project_dir) for p in (*_stack, path))
        raise MissingIncludeError(f"circular include: {chain}")
    text = path.read_text(encoding="utf-8")
    out: list[str] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        where = f"{rel}, line {lineno}"
        m = _INCLUDE_LINE.match(line)
        if m and not _ESCAPED.search(line):
            target = _unquote(m.group(1))
            inc = project_dir / target.lstrip("/")
            if not inc.is_file():
                raise MissingIncludeError(
                    f"included file '{target}' not found ({where}; looked for {inc})"
                )
            body = expand_shortcodes(inc, variables, project_dir, _stack=(*_stack, path))
            out.extend(["", body.rstrip("\n"), ""])
            continue
        line = _ESCAPED.sub(lambda mm: _ESC_OPEN + mm.group(1) + _ESC_CLOSE, line)

        def repl(mm: re.Match[str]) -> str:
            parts = mm.group(1).split(None, 1)
            name = parts[0] if parts else ""
            arg = _unquote(parts[1]) if len(parts) > 1 else ""
            if name == "var":
                if not arg:
                    raise ShortcodeError(f"var shortcode without a key ({where})")
                try:
                    return _scalar_text(lookup_variable(variables, arg))
                except KeyError:
                    raise MissingVariableError(arg, where) from None
            if name == "include":
                raise ShortcodeError(
                    f"include shortcode must stand alone on its own line ({where})"
                )
            if name == "pagebreak":
                return _PAGEBREAK
            raise ShortcodeError(
                f"unsupported shortcode '{{{{< {mm.group(1)} >}}}}' ({where}); "
                "supported: var, include, pagebreak"
            )

        line = _SHORTCODE.sub(repl, line)
        line = line.replace(_ESC_OPEN, "{{<").replace(_ESC_CLOSE, ">}}")
        out.append(line)
    return "\n".join(out) + "\n"


def _rel(p: Path, base: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- options
def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(YAML front matter as dict, body) of a markdown document."""
    m = re.match(r"^---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S)
    if not m:
        return {}, text
    meta = yaml.safe_load(m.group(1)) or {}
    if not isinstance(meta, dict):
        raise ReportRenderError("YAML front matter is not a mapping")
    return meta, text[m.end():]


def _deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def format_options(project: Mapping[str, Any], front: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """Effective options for one format (``html``/``typst``), Quarto-style:
    _quarto.yml < front matter, top level < ``format: <fmt>:``."""
    opts: dict[str, Any] = {}
    for layer in (project, front):
        top = {k: v for k, v in layer.items() if k not in ("format", "project")}
        opts = _deep_merge(opts, top)
        f = layer.get("format")
        if isinstance(f, Mapping) and isinstance(f.get(fmt), Mapping):
            opts = _deep_merge(opts, f[fmt])
    return opts


def _truthy(v: Any, default: bool) -> bool:
    if v is None:
        return default
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "on")
    return bool(v)


def _resolve_date(value: Any) -> str | None:
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


# --------------------------------------------------------------------------- pandoc
def pandoc_path() -> str:
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


def _run_pandoc(args: list[str], cwd: Path) -> None:
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


def _common_pandoc_args(meta_file: Path, flags: list[str] = ()) -> list[str]:
    return [
        "--from=markdown",
        # a directory without templates/filters: pandoc's built-in defaults are
        # used even if the user has a ~/.local/share/pandoc
        f"--data-dir={LIB_DIR / '_no_pandoc_user_data'}",
        f"--lua-filter={CROSSREF_LUA}",
        f"--metadata-file={meta_file}",
        *flags,
        "--resource-path=.",
    ]


def _meta_flags(front: Mapping[str, Any], overrides: Mapping[str, str]) -> list[str]:
    """-M flags: explicit overrides, plus a resolved ``date: today``
    (the document's own metadata would otherwise win over --metadata-file)."""
    flags = [f"--metadata={k}={v}" for k, v in overrides.items()]
    if "date" not in overrides:
        date = _resolve_date(front.get("date"))
        if date:
            flags.append(f"--metadata=date={date}")
    return flags


def _check_self_contained(html: str) -> None:
    bad = re.findall(
        r"""<(?:img|script|link|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
        html,
        flags=re.I,
    )
    bad += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')]+)""", html, flags=re.I)
    if bad:
        raise ReportRenderError(
            "rendered HTML is not self-contained; external resources: " + ", ".join(sorted(set(bad)))
        )


# --------------------------------------------------------------------------- main API
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


def _quarto_executable(mode: str) -> str | None:
    if mode not in ("auto", "never", "always"):
        raise ValueError("quarto must be 'auto', 'never' or 'always'")
    if mode == "never":
        return None
    exe = shutil.which("quarto")
    if exe is None and mode == "always":
        raise ReportRenderError("quarto='always' but no 'quarto' executable is on PATH")
    return exe


def _epoch() -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    return int(env) if env else DEFAULT_EPOCH


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
    quarto_exe = _quarto_executable(quarto)
    for k, v in (metadata or {}).items():
        if isinstance(v, (Mapping, list, tuple)):
            raise TypeError(f"metadata['{k}'] must be a scalar")
    overrides = {str(k): _scalar_text(v) for k, v in sorted((metadata or {}).items())}
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
    meta = _pandoc_meta(project, front, "html", stem)
    meta_path = build / "meta-check.yml"
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=True), encoding="utf-8")
    # Structural check (cross-references, figures exist) with the Lua filter.
    _run_pandoc(
        [*_common_pandoc_args(meta_path, _meta_flags(front, overrides)),
         "--to=native", "-o", os.devnull, _rel(exp_path, work_dir)],
        cwd=work_dir,
    )
    timings["prepare"] = time.perf_counter() - t0

    if quarto_exe:
        result = _render_quarto(quarto_exe, work_dir, name, output_html, output_pdf, timings, overrides)
    else:
        result = _render_pandoc(
            work_dir, exp_path, project, front, stem, output_html, output_pdf, timings,
            _meta_flags(front, overrides),
        )
    timings["total"] = time.perf_counter() - t0
    return result


def _pandoc_meta(project: Mapping[str, Any], front: Mapping[str, Any], fmt: str, stem: str) -> dict[str, Any]:
    opts = format_options(project, front, fmt)
    meta: dict[str, Any] = {
        "tkimeta-number-sections": _truthy(opts.get("number-sections"), False),
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


def _render_pandoc(
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
    build = work_dir / ".render"
    html_out = pdf_out = None
    if output_html is not None:
        t = time.perf_counter()
        opts = format_options(project, front, "html")
        meta_path = build / "meta-html.yml"
        meta_path.write_text(yaml.safe_dump(_pandoc_meta(project, front, "html", stem), sort_keys=True), encoding="utf-8")
        css = [DEFAULT_CSS]
        extra_css = opts.get("css") or []
        for c in [extra_css] if isinstance(extra_css, str) else list(extra_css):
            p = work_dir / str(c)
            if not p.is_file():
                raise ReportRenderError(f"css file '{c}' (from the document options) not found")
            css.append(p)
        args = [
            *_common_pandoc_args(meta_path, flags),
            "--to=html5",
            "--standalone",
            "--embed-resources",
            "--mathml",
            "--section-divs",
            "--wrap=none",
            *[f"--css={c}" for c in css],
        ]
        if _truthy(opts.get("toc"), True):
            args += ["--toc", f"--toc-depth={int(opts.get('toc-depth', 3))}"]
        tmp_html = build / f"{stem}.html"
        _run_pandoc([*args, "-o", str(tmp_html), _rel(exp_path, work_dir)], cwd=work_dir)
        html = tmp_html.read_text(encoding="utf-8")
        _check_self_contained(html)
        html_out = Path(output_html)
        _atomic_write_bytes(html_out, html.encode("utf-8"))
        timings["html"] = time.perf_counter() - t

    if output_pdf is not None:
        t = time.perf_counter()
        opts = format_options(project, front, "typst")
        meta = _pandoc_meta(project, front, "typst", stem)
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
            *_common_pandoc_args(meta_path, flags),
            "--to=typst",
            "--standalone",
            "--wrap=preserve",
            f"--include-in-header={TYPST_HEADER}",
        ]
        if _truthy(opts.get("toc"), True):
            args += ["--toc", f"--toc-depth={int(opts.get('toc-depth', 3))}"]
        _run_pandoc([*args, "-o", str(typ), _rel(exp_path, work_dir)], cwd=work_dir)
        timings["typst_markup"] = time.perf_counter() - t
        pdf = _compile_typst(typ, work_dir)
        pdf_out = Path(output_pdf)
        _atomic_write_bytes(pdf_out, pdf)
        timings["pdf"] = time.perf_counter() - t
    return RenderResult("pandoc", html_out, pdf_out, timings)


def _compile_typst(typ: Path, root: Path) -> bytes:
    import typst

    try:
        pdf, diags = typst.compile_with_warnings(
            str(typ),
            root=str(root),
            font_paths=[],
            ignore_system_fonts=True,
            format="pdf",
            timestamp=_epoch(),
        )
    except Exception as exc:  # typst.TypstError carries the diagnostic text
        raise ReportRenderError(f"typst failed to compile {typ.name}: {exc}") from exc
    for d in diags:  # e.g. an unknown font: surface, do not hide
        warnings.warn(f"typst: {getattr(d, 'message', d)}", stacklevel=3)
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise ReportRenderError("typst did not return a PDF")
    return pdf


def _render_quarto(
    exe: str,
    work_dir: Path,
    name: str,
    output_html: Any,
    output_pdf: Any,
    timings: dict[str, float],
    overrides: Mapping[str, str],
) -> RenderResult:
    if not (work_dir / "_quarto.yml").exists():
        # makes work_dir a project so that _variables.yml is picked up
        (work_dir / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", str(_epoch()))
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
                _check_self_contained(src.read_text(encoding="utf-8", errors="replace"))
            except ReportRenderError as exc:  # Quarto's own output: report, don't block
                warnings.warn(str(exc), stacklevel=3)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        outs[key] = dest
        timings[key] = time.perf_counter() - t
    return RenderResult("quarto", outs["html"], outs["pdf"], timings)


# --------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
