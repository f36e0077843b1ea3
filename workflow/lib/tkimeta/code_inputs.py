"""Which library files a rule script runs: its code inputs, derived from its imports.

Snakemake reruns a job when its script changes, not when a module the script imports
changes. So every rule declares the library files its script runs as inputs, and those
lists are derived here rather than kept by hand (hand-kept lists go stale silently).

The derivation reads the import statements of the script and, transitively, of every
``tkimeta`` module it reaches (imports inside functions included), without importing
anything: it runs at Snakemake parse time, so it must be cheap and must not execute the
code. A module also brings the non-Python files beside it (a Lua filter, a stylesheet, a
template), which it reads at run time. Imports the text does not show (``importlib``,
``__import__``) are not seen; the library has none, and tests/test_code_inputs.py checks
the derived lists against Python's own :mod:`modulefinder`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PACKAGE = "tkimeta"


def code_inputs(script: str | Path, package_dir: str | Path) -> list[str]:
    """Library files (``.py`` and their data files) that ``script`` runs, sorted.

    ``package_dir`` is the ``tkimeta`` folder as the rule should name it (relative to the
    working directory, so that a copy of the project at another path sees the same
    inputs); the returned paths start with it.
    """
    package_dir = Path(package_dir)
    seen: set[str] = set()
    pending = list(_imported_modules(Path(script).resolve(), None))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        path = _module_file(package_dir, name)
        if path is None:
            continue
        seen.add(name)
        parent = name.rsplit(".", 1)[0] if "." in name else None
        if parent is not None:
            pending.append(parent)  # importing a.b runs a/__init__.py first
        package = name if path.name == "__init__.py" else parent
        pending.extend(_imported_modules(path.resolve(), package))
    files: set[Path] = set()
    for name in seen:
        path = _module_file(package_dir, name)
        files.add(path)
        files.update(_data_files(path.parent))
    return sorted(str(p) for p in files)


@cache
def _module_file(package_dir: Path, name: str) -> Path | None:
    """The file of module ``name`` (``tkimeta.x.y``) under ``package_dir``, if it exists."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if _is_file(candidate):
            return candidate
    return None


@cache
def _is_file(path: Path) -> bool:
    return path.is_file()


@cache
def _data_files(folder: Path) -> tuple[Path, ...]:
    """Non-Python files that sit beside a module (read by it at run time)."""
    return tuple(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix not in {".py", ".pyc"}))


# Import statements as text: ``import a.b, c`` and ``from .a import (b, c)``, also
# indented (imports inside functions). Reading the text rather than parsing the module
# keeps this cheap enough to run on every Snakemake invocation; a match inside a string
# can only add an input, never lose one.
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.MULTILINE)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE)
_NAME = re.compile(r"[A-Za-z_]\w*")


@cache
def _imported_modules(path: Path, package: str | None) -> tuple[str, ...]:
    """Absolute names of the modules (and candidate submodules) ``path`` imports.

    ``from a import b`` yields both ``a`` and ``a.b``: ``b`` may be a submodule or a
    name defined in ``a``; the caller keeps only names that resolve to a file.
    """
    text = path.read_text(encoding="utf-8")
    names: list[str] = []
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            words = part.split()
            if words:
                names.append(words[0])
    for match in _FROM_IMPORT.finditer(text):
        base = _absolute(match.group(2) or None, len(match.group(1)), package)
        if base is None:
            continue
        names.append(base)
        imported = match.group(3).split("#", 1)[0] if not match.group(3).startswith("(") else match.group(3)
        for part in imported.strip("()").split(","):
            words = _NAME.findall(part.split("#", 1)[0])
            if words:
                names.append(f"{base}.{words[0]}")
    return tuple(n for n in names if n == PACKAGE or n.startswith(PACKAGE + "."))


def _absolute(module: str | None, level: int, package: str | None) -> str | None:
    """Resolve a (possibly relative) ``from`` import against the importing package."""
    if level == 0:
        return module
    if package is None:
        return None
    parts = package.split(".")
    if level - 1 > len(parts) - 1:
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))
