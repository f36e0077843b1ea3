"""The report source as text: variables, Quarto shortcodes and document options.

The Quarto features the report uses are emulated here, identically for both engines:
``{{< var key.sub >}}`` prints a variable (every leaf as the string Quarto would
print), ``{{< include file >}}`` pulls in a file, ``{{< pagebreak >}}`` breaks the
page; options merge Quarto-style (``_quarto.yml`` < front matter, top level <
``format: <fmt>:``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import MissingIncludeError, MissingVariableError, ReportRenderError, ShortcodeError

__all__ = [
    "scalar_text",
    "normalize_variables",
    "lookup_variable",
    "expand_shortcodes",
    "relative_path",
    "split_front_matter",
    "format_options",
    "truthy",
]


# --------------------------------------------------------------------------- variables
def scalar_text(value: Any) -> str:
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
        return scalar_text(v)

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
    rel = relative_path(path, project_dir)
    if path.resolve() in [p.resolve() for p in _stack]:
        chain = " -> ".join(relative_path(p, project_dir) for p in (*_stack, path))
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
                    return scalar_text(lookup_variable(variables, arg))
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


def relative_path(p: Path, base: Path) -> str:
    """``p`` relative to ``base`` when inside it (for messages and pandoc arguments), else as given."""
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


def truthy(v: Any, default: bool) -> bool:
    """A YAML option read as a bool ("yes", "true", 1, ...); ``default`` when unset."""
    if v is None:
        return default
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "on")
    return bool(v)
