"""The raw-table validation of the last parse, reused while nothing it read has changed.

Snakemake parses the workflow on every invocation (a dry run, a no-op, each job on a
cluster), and the Snakefile validates every raw table at parse time so that bad input
stops everything before a job starts. Reading and checking every cell of every table is
most of that parse. The result of a successful validation is therefore kept, under a key
made of everything the validation reads:

* the arguments (study ids, skipped studies, seed files);
* the names and kinds (file, folder, link, other) of the entries of the raw folder and of
  each study folder it opens, and the bytes of every regular file there;
* the bytes of the schemas and of the library's Python files (a changed check is a
  changed validation).

A key that differs in any of these validates again; a failed validation is never kept,
so bad input is reported on every run exactly as without the cache. Hashing the files is
far cheaper than parsing them (a few milliseconds for the shipped papers).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .validate import SCHEMA_DIR, Table, validate_raw_dir

#: Bump when the layout of the cached object changes.
CACHE_FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent


def cached_validate_raw_dir(raw_dir: Path, studies: list[str], cache_file: Path, *, skipped: Sequence[str] = (),
                            seed_files: dict[str, str] | None = None) -> dict[str, list[Table]]:
    """:func:`tkimeta.validate.validate_raw_dir`, reusing ``cache_file`` when its key matches."""
    raw_dir, cache_file = Path(raw_dir), Path(cache_file)
    key = validation_key(raw_dir, studies, skipped, seed_files)
    cached = _load(cache_file)
    if cached is not None and cached[0] == key:
        return cached[1]
    tables = validate_raw_dir(raw_dir, studies, skipped=skipped, seed_files=seed_files)
    _store(cache_file, (key, tables))
    return tables


def check_once(check, key_parts: Sequence, stamp_file: Path) -> None:
    """Run ``check()`` unless it passed for these ``key_parts`` (and this library) last
    time; a check that raises leaves no stamp, so it runs again next time."""
    digest = hashlib.sha256(json.dumps([CACHE_FORMAT, *key_parts], sort_keys=True, default=str).encode())
    digest.update(_library_digest(PACKAGE_DIR).encode())
    key = digest.hexdigest()
    stamp_file = Path(stamp_file)
    try:
        if stamp_file.read_text(encoding="ascii") == key:
            return
    except OSError:
        pass
    check()
    try:
        stamp_file.parent.mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(key, encoding="ascii")
    except OSError:
        pass  # no stamp: the next parse checks again


def validation_key(raw_dir: Path, study_ids: Sequence[str], skipped: Sequence[str] = (),
                   seed_files: dict[str, str] | None = None) -> str:
    """A digest of everything :func:`validate_raw_dir` reads for these arguments."""
    digest = hashlib.sha256()
    arguments = {"format": CACHE_FORMAT, "raw_dir": str(raw_dir), "studies": list(study_ids),
                 "skipped": list(skipped), "seed_files": seed_files or {}}
    digest.update(json.dumps(arguments, sort_keys=True).encode())
    digest.update(_library_digest(PACKAGE_DIR).encode())
    if not raw_dir.is_dir():
        digest.update(b"no raw folder")
        return digest.hexdigest()
    for entry in sorted(raw_dir.iterdir()):
        kind = _kind(entry)
        digest.update(f"entry {entry.name} {kind}\n".encode())
        if kind == "folder" and not entry.name.startswith(".") and entry.name not in skipped:
            for path in sorted(entry.iterdir()):
                path_kind = _kind(path)
                digest.update(f"entry {entry.name}/{path.name} {path_kind}\n".encode())
                if path_kind == "file":
                    _add_file(digest, path, f"{entry.name}/{path.name}")
    return digest.hexdigest()


@functools.cache
def _library_digest(package_dir: Path) -> str:
    """A digest of the library's Python files and the schemas, read once per process
    (both keys of a parse include it)."""
    digest = hashlib.sha256()
    for name, path in _library_files(package_dir):
        _add_file(digest, path, name)
    return digest.hexdigest()


def _library_files(package_dir: Path) -> list[tuple[str, Path]]:
    """(name, path) of the library's Python files and of the raw-table schemas."""
    code = [(p.relative_to(package_dir).as_posix(), p) for p in sorted(package_dir.rglob("*.py"))]
    return code + [(f"schemas/{p.name}", p) for p in sorted(SCHEMA_DIR.glob("*.yaml"))]


def _kind(path: Path) -> str:
    """What the entry is, without following a link (validation refuses links)."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def _add_file(digest, path: Path, name: str) -> None:
    data = path.read_bytes()
    digest.update(f"file {name} {len(data)}\n".encode())
    digest.update(data)


def _load(cache_file: Path):
    try:
        with cache_file.open("rb") as handle:
            cached = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None  # no cache yet, or one an older library wrote: validate again
    return cached if isinstance(cached, tuple) and len(cached) == 2 else None


def _store(cache_file: Path, value) -> None:
    """Write atomically; a cache that cannot be written only costs the next parse its time."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=f".{cache_file.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
