"""Malformed and hostile inputs, END TO END through Snakemake (raw tables and config.yaml).

For each input Snakemake must exit non-zero, say in plain words (not only in traceback
frames) what is wrong and where (the file, and the line and column where that applies),
crash in no library code, execute nothing that the input smuggles in, and write nothing
under results/. Raw tables and the configuration are validated when the workflow is
parsed, so most cases use a dry run (-n); the cases marked `run` are real runs.

Known defects are marked xfail(strict=True) with the reason: they document the bug and
turn into failures (XPASS) once it is fixed, so that the marker gets removed.

tests/test_validation.py tests the library's messages for ~36 bad tables one by one; the
cases here are the hostile ones, seen as a user sees them, through Snakemake.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

from workflow_run import copy_workflow, run_snakemake

RESPONSE = "data/raw/anlo_crc/response.csv"
RATES = "data/raw/anlo_crc/rates.csv"
AE = "data/raw/anlo_sts/adverse_events.csv"
CONFIG = "config.yaml"
PAYLOAD_FILE = "pwned"  # what the shell-metacharacter payloads below would create

# A traceback frame, as Python and Snakemake print them.
_FRAME = re.compile(r'^\s*File "[^"]*", line \d+')


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """The workflow as it is now; every case breaks its own clone of it."""
    return copy_workflow(tmp_path_factory.mktemp("hostile-snapshot") / "wf")


@pytest.fixture
def clone(snapshot, tmp_path):
    workdir = tmp_path / "wf"
    shutil.copytree(snapshot, workdir, symlinks=True)
    (tmp_path / "home").mkdir()
    return workdir


def snakemake(workdir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Snakemake in ``workdir``; HOME is a scratch folder, so that a payload that did run
    (e.g. '$(rm -rf ~)') could not reach the real home."""
    return run_snakemake(workdir, *args, timeout=timeout, env={"HOME": str(workdir.parent / "home")})


def assert_rejected_clearly(result: subprocess.CompletedProcess, workdir: Path, on_one_line: list[str],
                            anywhere: list[str] = ()) -> None:
    out = result.stdout + result.stderr
    tail = out[-4000:]
    assert result.returncode != 0, f"accepted silently:\n{tail}"
    assert "Traceback (most recent call last)" not in out, f"a Python traceback:\n{tail}"
    frames = [line for line in out.splitlines() if _FRAME.match(line)]
    crashed_in = [f for f in frames if "/workflow/lib/" in f or "site-packages" in f or "/lib/python3" in f]
    assert not crashed_in, f"an exception from inside the code, not a reported problem:\n{tail}"
    human = [line for line in out.splitlines() if not _FRAME.match(line)]
    assert any(all(fragment in line for fragment in on_one_line) for line in human), (
        f"no line outside traceback frames holds all of {on_one_line}:\n{tail}")
    text = "\n".join(human)
    for fragment in anywhere:
        assert fragment in text, f"{fragment!r} missing:\n{tail}"
    assert not (workdir / "results").exists(), "something was written under results/"
    for place in (workdir, workdir.parent / "home", workdir / "data" / "raw"):
        assert not (place / PAYLOAD_FILE).exists(), f"a shell payload ran ({place / PAYLOAD_FILE})"


# --------------------------------------------------------------------------- edits


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_rows(path: Path, rows: list[list[str]], **fmt) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", **fmt).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(rel: str, line: int, column: str, value: str):
    def edit(wf: Path) -> None:
        path = wf / rel
        rows = _rows(path)
        rows[line - 1][rows[0].index(column)] = value
        _write_rows(path, rows)
    return edit


def replace_in_line(rel: str, line: int, old: bytes, new: bytes):
    def edit(wf: Path) -> None:
        path = wf / rel
        lines = path.read_bytes().split(b"\n")
        assert old in lines[line - 1], f"test set-up: {old!r} not on line {line} of {rel}"
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        path.write_bytes(b"\n".join(lines))
    return edit


def truncate(rel: str, line: int, keep: int):
    """Cut the file ``keep`` bytes into line ``line`` (as a full disk or a killed copy would)."""
    def edit(wf: Path) -> None:
        path = wf / rel
        data = path.read_bytes()
        start = sum(len(x) + 1 for x in data.split(b"\n")[: line - 1])
        path.write_bytes(data[: start + keep])
    return edit


def truncate_inside_quotes(rel: str, line: int):
    def edit(wf: Path) -> None:
        path = wf / rel
        data = path.read_bytes()
        start = sum(len(x) + 1 for x in data.split(b"\n")[: line - 1])
        quote = data.index(b'"', start)
        path.write_bytes(data[: quote + 12])
    return edit


def delimiter(rel: str, sep: str):
    def edit(wf: Path) -> None:
        path = wf / rel
        _write_rows(path, _rows(path), delimiter=sep)
    return edit


def prepend_bom(rel: str):
    return lambda wf: (wf / rel).write_bytes(b"\xef\xbb\xbf" + (wf / rel).read_bytes())


def write_bytes(rel: str, data: bytes):
    return lambda wf: (wf / rel).write_bytes(data)


def random_bytes(n: int = 4096) -> bytes:
    rng = random.Random(20240611)
    return bytes(rng.randrange(256) for _ in range(n))


PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def rename_column(rel: str, old: str, new: str):
    def edit(wf: Path) -> None:
        path = wf / rel
        rows = _rows(path)
        rows[0][rows[0].index(old)] = new
        _write_rows(path, rows)
    return edit


def crlf_with(edit_first):
    def edit(wf: Path) -> None:
        edit_first(wf)
        path = wf / RESPONSE
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return edit


def cr_only_with(edit_first):
    def edit(wf: Path) -> None:
        edit_first(wf)
        path = wf / RESPONSE
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    return edit


def study_folder(name: str):
    """An extra study folder (a copy of a real one) under a hostile name."""
    return lambda wf: shutil.copytree(wf / "data/raw/anlo_crc", wf / "data/raw" / name)


def symlink(rel: str, target: str):
    def edit(wf: Path) -> None:
        path = wf / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target)
    return edit


def delete(rel: str):
    return lambda wf: (wf / rel).unlink()


def directory_instead_of(rel: str):
    def edit(wf: Path) -> None:
        (wf / rel).unlink()
        (wf / rel).mkdir()
    return edit


def fifo_instead_of(rel: str):
    def edit(wf: Path) -> None:
        (wf / rel).unlink()
        os.mkfifo(wf / rel)
    return edit


def config_text(old: str, new: str):
    def edit(wf: Path) -> None:
        path = wf / CONFIG
        text = path.read_text(encoding="utf-8")
        assert old in text, f"test set-up: {old!r} not in config.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def config_edit(change: Callable[[dict], None]):
    def edit(wf: Path) -> None:
        path = wf / CONFIG
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(config)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return edit


def rename_study_key(new: str):
    def change(config: dict) -> None:
        config["studies"] = {(new if k == "anlo_crc" else k): v for k, v in config["studies"].items()}
    return config_edit(change)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    id: str
    corrupt: Callable[[Path], None]
    on_one_line: list[str]
    anywhere: list[str] = field(default_factory=list)
    run: bool = False  # a real run (no -n)
    args: tuple[str, ...] = ()
    bug: str | None = None  # a known defect: xfail(strict=True) with this reason
    timeout: float = 120


def bad_cell(rel, line, column, message):
    return [rel, f"line {line}", f"column '{column}'", message]


CONFIG_ERROR = ["Error validating config file."]

CASES = [
    # ---- raw tables: structure and encoding
    Case("truncated_mid_line", truncate(RESPONSE, 4, 30), [RESPONSE, "line 4", "9 fields where the header has 12"], run=True),
    Case("truncated_inside_quotes", truncate_inside_quotes(AE, 3), [AE, "line 3", "never closed"]),
    Case("semicolon_delimiter", delimiter(RESPONSE, ";"), [RESPONSE, "line 1", "separated by ';'"]),
    Case("tab_delimiter", delimiter(RESPONSE, "\t"), [RESPONSE, "line 1", r"separated by '\t'"]),
    Case("byte_order_mark", prepend_bom(RESPONSE), [RESPONSE, "line 1", "byte-order mark"], run=True),
    Case("stray_quote_unclosed", replace_in_line(RESPONSE, 3, b"anlo_crc,all,", b'anlo_crc,"all,'), [RESPONSE, "line 3", "never closed"]),
    Case("stray_quote_then_text", replace_in_line(RESPONSE, 3, b"anlo_crc,all,", b'anlo_crc,"all"x,'), [RESPONSE, "line 3", "malformed CSV"]),
    Case("duplicate_header", rename_column(RESPONSE, "note", "population"),
         [RESPONSE, "line 1", "column 'population'", "more than once"], run=True),
    Case("header_in_other_case", rename_column(RESPONSE, "study_id", "Study_ID"), [RESPONSE, "line 1", "column 'Study_ID'", "unknown column"]),
    Case("crlf_with_bad_cell", crlf_with(set_cell(RESPONSE, 3, "count", "-4")), bad_cell(RESPONSE, 3, "count", "below the allowed minimum 0")),
    Case("cr_only_with_stray_quote", cr_only_with(replace_in_line(RESPONSE, 3, b"anlo_crc,all,", b'anlo_crc,"all,')),
         [RESPONSE, "line 3", "never closed"]),
    Case("tab_at_end_of_cell", set_cell(RESPONSE, 3, "population", "all\t"), bad_cell(RESPONSE, 3, "population", "leading or trailing spaces")),
    Case("field_over_the_csv_limit", replace_in_line(RESPONSE, 3, b"abstract,", b"abstract" + b"x" * 200_000 + b","),
         [RESPONSE, "line 3", "field larger than field limit"]),
    Case("binary_random_bytes", write_bytes(RESPONSE, random_bytes()), [RESPONSE, "not UTF-8"], run=True),
    Case("png_named_csv", write_bytes(RESPONSE, PNG_BYTES), [RESPONSE, "line 1", "not UTF-8"]),
    Case("nul_bytes_named_csv", write_bytes(RESPONSE, b"\x00" * 64 + b"\n"), [RESPONSE, "line 1", "column 'study_id'", "missing column"]),
    Case("only_newlines", write_bytes(RESPONSE, b"\n\n\n"), [RESPONSE, "the file is empty"]),
    # ---- raw tables: values
    Case("huge_integer", set_cell(RESPONSE, 3, "count", "9" * 30), bad_cell(RESPONSE, 3, "count", "above the allowed maximum")),
    Case("huge_decimal_overflowing_to_inf", set_cell(RATES, 2, "percent", "1" + "0" * 400 + ".5"),
         bad_cell(RATES, 2, "percent", "above the allowed maximum")),
    Case("nan_string", set_cell(RATES, 2, "percent", "NaN"), bad_cell(RATES, 2, "percent", "'NaN' is not a number")),
    Case("infinity_string", set_cell(RATES, 2, "percent", "Infinity"), bad_cell(RATES, 2, "percent", "'Infinity' is not a number")),
    Case("minus_inf_string", set_cell(RATES, 2, "ci_lower", "-inf"), bad_cell(RATES, 2, "ci_lower", "'-inf' is not a number")),
    Case("zero_width_space_in_study_id", set_cell(RESPONSE, 3, "study_id", "anlo\u200bcrc"), bad_cell(RESPONSE, 3, "study_id", "does not match the allowed form")),
    # ---- hostile study ids: in the study_id column, as folder names, as config keys
    Case("study_id_path", set_cell(RESPONSE, 3, "study_id", "../../etc"), bad_cell(RESPONSE, 3, "study_id", "'../../etc' does not match the allowed form")),
    Case("study_id_subshell", set_cell(RESPONSE, 3, "study_id", "$(rm -rf ~)"),
         bad_cell(RESPONSE, 3, "study_id", "'$(rm -rf ~)' does not match the allowed form"), run=True),
    Case("study_id_backticks", set_cell(RESPONSE, 3, "study_id", f"`touch {PAYLOAD_FILE}`"),
         bad_cell(RESPONSE, 3, "study_id", "does not match the allowed form")),
    Case("study_id_semicolon", set_cell(RESPONSE, 3, "study_id", "a;b"), bad_cell(RESPONSE, 3, "study_id", "'a;b' does not match the allowed form")),
    Case("folder_subshell", study_folder(f"$(touch {PAYLOAD_FILE})"), [f"data/raw/$(touch {PAYLOAD_FILE})", "not registered in config.yaml"]),
    Case("folder_backticks", study_folder(f"`touch {PAYLOAD_FILE}`"), [f"data/raw/`touch {PAYLOAD_FILE}`", "not registered in config.yaml"], run=True),
    Case("folder_semicolon", study_folder("a;b"), ["data/raw/a;b", "not registered in config.yaml"]),
    Case("folder_with_newline", study_folder("anlo_crc\nanlo_sts"), ["not registered in config.yaml"]),
    Case("extra_study_folder", study_folder("anlo_crc_v2"), ["data/raw/anlo_crc_v2", "not registered in config.yaml"]),
    Case("folder_symlink_to_etc", symlink("data/raw/etc", "/etc"), ["data/raw/etc", "not registered in config.yaml"]),
    Case("study_folder_is_symlink_to_etc", symlink("data/raw/anlo_sts", "/etc"), ["data/raw/anlo_sts/", "unknown table"]),
    Case("table_outside_study_folder", lambda wf: shutil.copy(wf / RESPONSE, wf / "data/raw/response.csv"),
         ["data/raw/response.csv", "outside a study folder"]),
    Case("missing_required_term_map", delete("data/raw/anlo_sts/ae_term_map.csv"), [AE, "line 2", "column 'term'", "anlo_sts/ae_term_map.csv"]),
    Case("directory_named_csv", directory_instead_of(RESPONSE), [RESPONSE, "not a regular file"]),
    Case("broken_symlink_named_csv", symlink(RESPONSE, "/nonexistent/response.csv"), [RESPONSE, "not a regular file"]),
    Case("fifo_named_csv", fifo_instead_of(RESPONSE), [RESPONSE, "not a regular file"], timeout=20),
    # ---- config.yaml: syntax and shape
    Case("config_yaml_syntax_error", config_text("  ci_level: 0.95", "  ci_level: [0.95"),
         ["config.yaml, line", "column"], run=True),
    Case("config_tab_indentation", config_text("  ci_level: 0.95", "\tci_level: 0.95"), ["config.yaml, line", "column"]),
    Case("config_empty", write_bytes(CONFIG, b""), ["Config file must be given as JSON or YAML with keys at top level"]),
    Case("config_is_a_list", write_bytes(CONFIG, b"- raw_dir: data/raw\n"), ["Config file must be given as JSON or YAML with keys at top level"]),
    Case("config_python_tag", config_text("raw_dir: data/raw", f'raw_dir: !!python/object/apply:os.system ["touch {PAYLOAD_FILE}"]'),
         ["config.yaml, line", "could not determine a constructor"]),
    Case("config_missing_section", config_edit(lambda c: c.pop("outcomes")), ["'outcomes' is a required property"], CONFIG_ERROR),
    Case("config_missing_study_field", config_edit(lambda c: c["studies"]["anlo_crc"].pop("label")),
         ["'label' is a required property"], CONFIG_ERROR + ["On instance['studies']['anlo_crc']"]),
    Case("config_unknown_top_key", config_edit(lambda c: c.update(threads=8)),
         ["Additional properties are not allowed ('threads' was unexpected)"], CONFIG_ERROR),
    Case("config_unknown_nested_key", config_edit(lambda c: c["pooling"]["proportions"].update(method="bayes")),
         ["Additional properties are not allowed ('method' was unexpected)"], CONFIG_ERROR + ["On instance['pooling']['proportions']"]),
    Case("config_string_for_number", config_edit(lambda c: c["pooling"].update(ci_level="95%")),
         ["'95%' is not of type 'number'"], CONFIG_ERROR + ["On instance['pooling']['ci_level']"]),
    Case("config_float_for_integer", config_edit(lambda c: c["pooling"]["proportions"].update(glmm_quadrature_points=7.5)),
         ["7.5 is not of type 'integer'"], CONFIG_ERROR),
    Case("config_string_for_boolean", config_edit(lambda c: c["studies"]["anlo_escc"].update(ocr="yes")),
         ["'yes' is not of type 'boolean'"], CONFIG_ERROR + ["On instance['studies']['anlo_escc']['ocr']"]),
    Case("config_list_for_mapping", config_edit(lambda c: c.update(studies=list(c["studies"]))),
         ["is not of type 'object'"], CONFIG_ERROR + ["On instance['studies']"]),
    Case("config_no_studies", config_edit(lambda c: c.update(studies={})), ["{}"], CONFIG_ERROR + ["On instance['studies']"]),
    Case("config_huge_integer", config_edit(lambda c: c["pooling"].update(min_k_prediction_interval=10**30)),
         ["is greater than the maximum of 10"], CONFIG_ERROR),
    Case("config_nan", config_text("  ci_level: 0.95", "  ci_level: .nan"), ["config.yaml", "pooling.ci_level is nan"]),
    Case("config_duplicate_key", config_text("  ci_level: 0.95\n", "  ci_level: 0.95\n  ci_level: 0.9\n"),
         ["config.yaml, line", "key 'ci_level' is given twice"]),
    # ---- config.yaml: hostile values and keys
    Case("config_study_key_path", rename_study_key("../../etc"), ["'../../etc' does not match"], CONFIG_ERROR),
    Case("config_study_key_subshell", rename_study_key("$(rm -rf ~)"), ["'$(rm -rf ~)' does not match"], CONFIG_ERROR),
    Case("config_study_key_backticks", rename_study_key(f"`touch {PAYLOAD_FILE}`"), ["does not match"], CONFIG_ERROR, run=True),
    Case("config_study_key_semicolon", rename_study_key("a;b"), ["'a;b' does not match"], CONFIG_ERROR),
    Case("config_raw_dir_subshell", config_edit(lambda c: c.update(raw_dir="$(rm -rf ~)")), ["'$(rm -rf ~)' does not match"], CONFIG_ERROR),
    Case("config_raw_dir_outside", config_edit(lambda c: c.update(raw_dir="../../etc")), ["../../etc", "raw data folder not found"]),
    Case("config_seed_file_traversal", config_edit(lambda c: c["studies"]["anlo_crc"].update(seed_file="../../../etc/passwd")),
         ["'../../../etc/passwd' does not match"], CONFIG_ERROR),
    Case("config_cli_override", lambda wf: None, [f"'$(touch {PAYLOAD_FILE})' does not match"], CONFIG_ERROR,
         args=("--config", f"raw_dir=$(touch {PAYLOAD_FILE})")),
]


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason="BUG: " + case.bug)] if case.bug else []
        yield pytest.param(case, id=case.id + ("-run" if case.run else ""), marks=marks)


def test_enough_cases():
    assert len(CASES) >= 30
    assert sum(c.run for c in CASES) >= 5


@pytest.mark.parametrize("case", list(_params()))
def test_hostile_input_is_rejected_clearly(clone, case):
    case.corrupt(clone)
    result = snakemake(clone, *(() if case.run else ("-n",)), *case.args, timeout=case.timeout)
    assert_rejected_clearly(result, clone, case.on_one_line, case.anywhere)


def test_config_syntax_error_names_file_and_line(clone):
    config_text("  ci_level: 0.95", "  ci_level: [0.95")(clone)
    result = snakemake(clone, "-n")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"config\.yaml.*line \d+", out), out


# --------------------------------------------------------------------------- line endings


def _clean_outputs(workdir: Path) -> dict[str, str]:
    folder = workdir / "results" / "clean" / "studies" / "anlo_crc"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_line_endings_are_accepted_consistently(clone):
    """CRLF, CR-only and mixed line endings are accepted, and clean to the same bytes as LF.

    (The tables are parsed by the csv module, which reads all three; what matters is
    that the choice is consistent: same validation, same cleaned output.)"""
    target = "results/clean/studies/anlo_crc/characteristics.csv"
    reference = snakemake(clone, target)
    assert reference.returncode == 0, (reference.stdout + reference.stderr)[-3000:]
    expected = _clean_outputs(clone)
    raw = sorted((clone / "data" / "raw" / "anlo_crc").glob("*.csv"))
    originals = {p: p.read_bytes() for p in raw}

    def crlf(data):
        return data.replace(b"\n", b"\r\n")

    def cr_only(data):
        return data.replace(b"\n", b"\r")

    def mixed(data):
        lines = data.split(b"\n")
        return b"".join(line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines[:-1])) + lines[-1]

    for convert in (crlf, cr_only, mixed):
        for path, data in originals.items():
            path.write_bytes(convert(data))
        result = snakemake(clone, target)
        out = result.stdout + result.stderr
        assert result.returncode == 0, f"{convert.__name__}:\n{out[-3000:]}"
        assert "clean_study" in out, f"{convert.__name__}: the changed tables did not rerun the cleaning"
        assert _clean_outputs(clone) == expected, f"{convert.__name__} line endings clean to other bytes"
