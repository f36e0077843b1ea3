"""The parse-time validation is reused only while nothing it reads has changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, STUDIES
from tkimeta import validation_cache
from tkimeta.validate import RawDataError, validate_raw_dir
from tkimeta.validation_cache import cached_validate_raw_dir, validation_key


@pytest.fixture
def raw(tmp_path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", target)
    return target


def _rows(tables):
    return {kind: [(str(t.path.name), t.rows, t.lines) for t in found] for kind, found in tables.items()}


def test_a_cache_hit_returns_what_validation_returns_without_validating(raw, tmp_path, monkeypatch):
    cache = tmp_path / "cache.pickle"
    first = cached_validate_raw_dir(raw, STUDIES, cache)
    assert cache.is_file()
    assert _rows(first) == _rows(validate_raw_dir(raw, STUDIES))

    def fail(*args, **kwargs):
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(validation_cache, "validate_raw_dir", fail)
    assert _rows(cached_validate_raw_dir(raw, STUDIES, cache)) == _rows(first)


def test_a_changed_cell_is_validated_again_and_its_error_reported(raw, tmp_path):
    cache = tmp_path / "cache.pickle"
    cached_validate_raw_dir(raw, STUDIES, cache)
    table = raw / "anlo_crc" / "response.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("count")] = "-4"
    lines[1] = ",".join(cells) + "\n"
    table.write_text("".join(lines), encoding="utf-8")
    for _ in range(2):  # and again: a failed validation is never kept
        with pytest.raises(RawDataError, match="below the allowed minimum"):
            cached_validate_raw_dir(raw, STUDIES, cache)


def test_a_file_replaced_by_a_link_to_the_same_bytes_is_refused(raw, tmp_path):
    cache = tmp_path / "cache.pickle"
    cached_validate_raw_dir(raw, STUDIES, cache)
    table = raw / "anlo_sts" / "baseline.csv"
    copy = tmp_path / "elsewhere.csv"
    shutil.copy(table, copy)
    table.unlink()
    table.symlink_to(copy)
    with pytest.raises(RawDataError, match="symbolic link"):
        cached_validate_raw_dir(raw, STUDIES, cache)


@pytest.mark.parametrize("change", ["new file", "other studies", "other seed file", "library"])
def test_the_key_covers_what_validation_reads(raw, change, monkeypatch, tmp_path):
    before = validation_key(raw, STUDIES)
    if change == "new file":
        (raw / "anlo_crc" / "notes.txt").write_text("x")
        after = validation_key(raw, STUDIES)
    elif change == "other studies":
        after = validation_key(raw, STUDIES[:-1], skipped=STUDIES[-1:])
    elif change == "other seed file":
        after = validation_key(raw, STUDIES, seed_files={STUDIES[0]: "000_0000000000000000.txt"})
    else:
        package = tmp_path / "tkimeta"
        shutil.copytree(validation_cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
        (package / "validate.py").write_text((package / "validate.py").read_text() + "\n# a changed check\n")
        monkeypatch.setattr(validation_cache, "PACKAGE_DIR", package)
        after = validation_key(raw, STUDIES)
    assert after != before


def test_an_unreadable_cache_is_ignored(raw, tmp_path):
    cache = tmp_path / "cache.pickle"
    cache.write_bytes(b"not a pickle")
    assert _rows(cached_validate_raw_dir(raw, STUDIES, cache)) == _rows(validate_raw_dir(raw, STUDIES))


def test_a_check_that_passed_is_not_run_again_for_the_same_key(tmp_path):
    from tkimeta.validation_cache import check_once

    stamp, calls = tmp_path / "stamp", []
    check_once(lambda: calls.append("a"), [{"x": 1}], stamp)
    check_once(lambda: calls.append("b"), [{"x": 1}], stamp)
    assert calls == ["a"]
    check_once(lambda: calls.append("c"), [{"x": 2}], stamp)  # another configuration: checked
    assert calls == ["a", "c"]

    def failing():
        raise ValueError("bad configuration")

    for _ in range(2):  # a failed check leaves no stamp: it fails every time
        with pytest.raises(ValueError):
            check_once(failing, [{"x": 3}], stamp)
