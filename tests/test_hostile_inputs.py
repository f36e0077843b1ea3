"""Malformed and hostile inputs, END TO END through Snakemake (raw tables and config.yaml).

For each input Snakemake must exit non-zero, say in plain words (not only in traceback
frames) what is wrong and where (the file, and the line and column where that applies),
crash in no library code, execute nothing that the input smuggles in, and write nothing
under results/. Raw tables and the configuration are validated when the workflow is
parsed, so most cases use a dry run (-n); the cases marked `run` are real runs.

Known defects are marked xfail(strict=True) with the reason: they document the bug and
turn into failures (XPASS) once it is fixed, so that the marker gets removed.

tests/test_validation.py tests the library's messages for ~36 bad tables one by one; the
cases here are the hostile ones, seen as a user sees them, through Snakemake. They are
grouped by class (issue 11): structure and encoding; values; hostile names; config
syntax and shape; values no later stage could use (refused up front); silent drops
(a study or row that would stop contributing); what the validator let through
(control characters, links, YAML aliases); one problem, one plain message. The tests
at the end start from a built project: a refused input leaves results/ byte-identical,
an unusable row is left out with its reason, a failed run leaves no older state, outputs
are shareable, rebuilt when deleted, and a copied project is up to date.
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

from workflow_run import ROOT, copy_workflow, run_snakemake

RESPONSE = "data/raw/anlo_crc/response.csv"
RATES = "data/raw/anlo_crc/rates.csv"
SURVIVAL = "data/raw/anlo_crc/survival.csv"
EFFECTS = "data/raw/anlo_crc/effects.csv"
BASELINE = "data/raw/anlo_crc/baseline.csv"
AE = "data/raw/anlo_sts/adverse_events.csv"
CLAIMS = "data/raw/anlo_crc/claims.csv"
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


def delete_folder(rel: str):
    return lambda wf: shutil.rmtree(wf / rel)


def config_append(text: str):
    def edit(wf: Path) -> None:
        path = wf / CONFIG
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return edit


def config_bytes(old: bytes, new: bytes):
    def edit(wf: Path) -> None:
        path = wf / CONFIG
        data = path.read_bytes()
        assert old in data, f"test set-up: {old!r} not in config.yaml"
        path.write_bytes(data.replace(old, new, 1))
    return edit


def several(*edits):
    def edit(wf: Path) -> None:
        for one in edits:
            one(wf)
    return edit


#: Nine levels of aliases, each ten times the one before: 10**9 strings once expanded.
ALIAS_BOMB = "bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"bomb{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]\n" for i in range(1, 10))


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


CONFIG_ERROR = ["config.yaml does not match workflow/schemas/config.schema.yaml"]

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
         [RESPONSE, "line 3", "a cell is too long"]),
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
    Case("zero_width_space_in_study_id", set_cell(RESPONSE, 3, "study_id", "anlo\u200bcrc"),
         bad_cell(RESPONSE, 3, "study_id", "control character U+200B")),
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
    Case("folder_symlink_to_etc", symlink("data/raw/etc", "/etc"), ["data/raw/etc", "a symbolic link (to /etc)"]),
    Case("study_folder_is_symlink_to_etc", symlink("data/raw/anlo_sts", "/etc"), ["data/raw/anlo_sts", "a symbolic link (to /etc)"]),
    Case("table_outside_study_folder", lambda wf: shutil.copy(wf / RESPONSE, wf / "data/raw/response.csv"),
         ["data/raw/response.csv", "outside a study folder"]),
    Case("missing_required_term_map", delete("data/raw/anlo_sts/ae_term_map.csv"), [AE, "line 2", "column 'term'", "anlo_sts/ae_term_map.csv"]),
    Case("directory_named_csv", directory_instead_of(RESPONSE), [RESPONSE, "not a regular file"]),
    Case("broken_symlink_named_csv", symlink(RESPONSE, "/nonexistent/response.csv"), [RESPONSE, "a symbolic link"]),
    Case("fifo_named_csv", fifo_instead_of(RESPONSE), [RESPONSE, "not a regular file"], timeout=20),
    # ---- config.yaml: syntax and shape
    Case("config_yaml_syntax_error", config_text("  ci_level: 0.95", "  ci_level: [0.95"),
         ["config.yaml, line", "column"], run=True),
    Case("config_tab_indentation", config_text("  ci_level: 0.95", "\tci_level: 0.95"), ["config.yaml, line", "column"]),
    Case("config_empty", write_bytes(CONFIG, b""), ["Config file must be given as JSON or YAML with keys at top level"]),
    Case("config_is_a_list", write_bytes(CONFIG, b"- raw_dir: data/raw\n"), ["Config file must be given as JSON or YAML with keys at top level"]),
    Case("config_python_tag", config_text("raw_dir: data/raw", f'raw_dir: !!python/object/apply:os.system ["touch {PAYLOAD_FILE}"]'),
         ["config.yaml, line", "could not determine a constructor"]),
    Case("config_missing_section", config_edit(lambda c: c.pop("outcomes")),
         ["config.yaml, line 1, the top level: 'outcomes' is missing"], CONFIG_ERROR),
    Case("config_missing_study_field", config_edit(lambda c: c["studies"]["anlo_crc"].pop("label")),
         ["config.yaml, line", "studies > anlo_crc: 'label' is missing"], CONFIG_ERROR),
    Case("config_unknown_top_key", config_edit(lambda c: c.update(threads=8)),
         ["config.yaml, line", "threads: unknown key 'threads'"], CONFIG_ERROR),
    Case("config_unknown_nested_key", config_edit(lambda c: c["pooling"]["proportions"].update(method="bayes")),
         ["config.yaml, line", "pooling > proportions > method: unknown key 'method'"], CONFIG_ERROR),
    Case("config_string_for_number", config_edit(lambda c: c["pooling"].update(ci_level="95%")),
         ["config.yaml, line", "pooling > ci_level: '95%' is not a number"], CONFIG_ERROR),
    Case("config_float_for_integer", config_edit(lambda c: c["pooling"]["proportions"].update(glmm_quadrature_points=7.5)),
         ["config.yaml, line", "glmm_quadrature_points: 7.5 is not a whole number"], CONFIG_ERROR),
    Case("config_string_for_boolean", config_edit(lambda c: c["studies"]["anlo_escc"].update(ocr="yes")),
         ["config.yaml, line", "studies > anlo_escc > ocr: 'yes' is not true or false"], CONFIG_ERROR),
    Case("config_list_for_mapping", config_edit(lambda c: c.update(studies=list(c["studies"]))),
         ["config.yaml, line", "studies: ", "is not a mapping"], CONFIG_ERROR),
    Case("config_no_studies", config_edit(lambda c: c.update(studies={})), ["config.yaml, line", "studies: needs at least 1 entry"],
         CONFIG_ERROR),
    Case("config_huge_integer", config_edit(lambda c: c["pooling"].update(min_k_prediction_interval=10**30)),
         ["config.yaml, line", "min_k_prediction_interval: ", "is above the maximum 10"], CONFIG_ERROR),
    Case("config_nan", config_text("  ci_level: 0.95", "  ci_level: .nan"), ["config.yaml", "pooling.ci_level is nan"]),
    Case("config_duplicate_key", config_text("  ci_level: 0.95\n", "  ci_level: 0.95\n  ci_level: 0.9\n"),
         ["config.yaml, line", "key 'ci_level' is given twice"]),
    # ---- config.yaml: hostile values and keys
    Case("config_study_key_path", rename_study_key("../../etc"), ["studies > ../../etc: key '../../etc' does not have the allowed form"],
         CONFIG_ERROR),
    Case("config_study_key_subshell", rename_study_key("$(rm -rf ~)"), ["key '$(rm -rf ~)' does not have the allowed form"], CONFIG_ERROR),
    Case("config_study_key_backticks", rename_study_key(f"`touch {PAYLOAD_FILE}`"), ["does not have the allowed form"], CONFIG_ERROR,
         run=True),
    Case("config_study_key_semicolon", rename_study_key("a;b"), ["key 'a;b' does not have the allowed form"], CONFIG_ERROR),
    Case("config_raw_dir_subshell", config_edit(lambda c: c.update(raw_dir="$(rm -rf ~)")),
         ["raw_dir: '$(rm -rf ~)' does not have the allowed form"], CONFIG_ERROR),
    Case("config_raw_dir_outside", config_edit(lambda c: c.update(raw_dir="../../etc")), ["../../etc (that is /", "raw data folder not found"]),
    Case("config_seed_file_traversal", config_edit(lambda c: c["studies"]["anlo_crc"].update(seed_file="../../../etc/passwd")),
         ["'../../../etc/passwd' does not have the allowed form"], CONFIG_ERROR),
    # ---- values that validate in form but that no later stage could use (item 2 of issue 11):
    #      refused up front, with file, line and column, so that no stage crashes half-way
    Case("median_of_zero", set_cell(SURVIVAL, 2, "median", "0"), bad_cell(SURVIVAL, 2, "median", "must be positive"), run=True),
    Case("survival_ci_of_zero_width", several(set_cell(SURVIVAL, 2, "ci_lower", "5.3"), set_cell(SURVIVAL, 2, "ci_upper", "5.3")),
         bad_cell(SURVIVAL, 2, "ci_lower", "an interval of zero width")),
    Case("hr_ci_of_zero_width", several(set_cell(EFFECTS, 15, "ci_lower", "0.71"), set_cell(EFFECTS, 15, "ci_upper", "0.71")),
         bad_cell(EFFECTS, 15, "ci_lower", "an interval of zero width")),
    Case("count_above_n", set_cell(RESPONSE, 2, "count", "69"), bad_cell(RESPONSE, 2, "count", "count 69 is greater than n 68"), run=True),
    Case("events_above_n", set_cell(SURVIVAL, 2, "events", "70"), bad_cell(SURVIVAL, 2, "events", "events 70 is greater than n 68")),
    Case("ae_count_above_n", set_cell(AE, 2, "count", "33"), bad_cell(AE, 2, "count", "count 33 is greater than n 32")),
    Case("baseline_count_above_total", set_cell(BASELINE, 2, "count", "69"), bad_cell(BASELINE, 2, "count", "greater than total 68")),
    # ---- silent drops (item 3): a study or row that would stop contributing says so
    Case("configured_study_without_folder", delete_folder("data/raw/anlo_sts"),
         ["data/raw/anlo_sts", "no folder for study 'anlo_sts'", "exclude"], run=True),
    Case("population_typo", set_cell(SURVIVAL, 2, "population", "liver_mets"),
         bad_cell(SURVIVAL, 2, "population", "'liver_mets' is not a known population (did you mean 'liver_met'?)")),
    Case("population_unknown_in_rates", set_cell(RATES, 2, "population", "new_subgroup"),
         bad_cell(RATES, 2, "population", "'new_subgroup' is not a known population")),
    Case("ae_term_matching_nothing", config_text("ae_terms: [hypertension,", "ae_terms: [hypertensionn,"),
         ["config.yaml, line", "outcomes > ae_terms: 'hypertensionn' matches no harmonised adverse-event term"]),
    Case("seed_file_not_the_rows", config_text("seed_file: 000_df52a69dd62ccb6d.txt", "seed_file: 000_0000000000000000.txt"),
         bad_cell(RESPONSE, 2, "seed_file", "config.yaml registers '000_0000000000000000.txt'")),
    Case("seed_file_of_one_row", set_cell(RESPONSE, 3, "seed_file", "002_cc30167cba9be385.txt"),
         bad_cell(RESPONSE, 3, "seed_file", "'002_cc30167cba9be385.txt' but config.yaml registers '000_df52a69dd62ccb6d.txt'")),
    # ---- what the validator let through (item 4): control characters, links, YAML
    Case("nul_in_a_cell", set_cell(RESPONSE, 2, "note", "all\x00 68"), bad_cell(RESPONSE, 2, "note", "U+0000"), run=True),
    Case("escape_sequence_in_a_cell", set_cell(RESPONSE, 2, "source_label", "partial \x1b[31mresponse"),
         bad_cell(RESPONSE, 2, "source_label", "U+001B")),
    Case("bidi_override_in_a_cell", set_cell(RESPONSE, 2, "population", "\u202eall"), bad_cell(RESPONSE, 2, "population", "U+202E")),
    Case("line_break_inside_a_quoted_cell", set_cell(RESPONSE, 2, "note", "two\nlines"), bad_cell(RESPONSE, 2, "note", "U+000A")),
    Case("tab_inside_a_cell", set_cell(RESPONSE, 2, "note", "a\tb"), bad_cell(RESPONSE, 2, "note", "U+0009")),
    Case("claim_sentence_with_escape_sequence", set_cell(CLAIMS, 2, "source_label", "the \x1b[2J univariate analysis"),
         bad_cell(CLAIMS, 2, "source_label", "U+001B")),
    Case("claim_p_value_without_relation", set_cell(CLAIMS, 2, "p_relation", ""),
         bad_cell(CLAIMS, 2, "p_relation", "required when p_value is given")),
    Case("table_symlink_to_etc_passwd", symlink(RESPONSE, "/etc/passwd"), [RESPONSE, "a symbolic link"], run=True),
    Case("table_symlink_to_other_study", symlink(RESPONSE, "../fruq_crc/response.csv"), [RESPONSE, "a symbolic link"]),
    Case("config_alias_bomb", config_append(ALIAS_BOMB), ["config.yaml, line", "anchors and aliases", "not allowed"], timeout=60),
    Case("config_anchor_and_alias", config_text("  ci_level: 0.95", "  ci_level: &level 0.95\n  min_k_alias: *level"),
         ["config.yaml, line", "anchors and aliases"]),
    Case("config_latin1", config_bytes("refractory mCRC".encode(), "r\xe9fractory mCRC".encode("latin-1")),
         ["config.yaml, line 13, column", "byte 0xe9 is not UTF-8"], run=True),
    Case("config_oversized", config_append("# " + "x" * 2_000_000 + "\n"), ["config.yaml", "a configuration file is a few kilobytes"]),
    Case("config_every_schema_error_listed",
         config_edit(lambda c: (c.update(threads=8), c["pooling"].update(ci_level="95%"), c["studies"]["anlo_escc"].update(ocr="yes"))),
         ["(3 problems)"], ["threads: unknown key", "pooling > ci_level: '95%' is not a number",
                            "studies > anlo_escc > ocr: 'yes' is not true or false"]),
    # ---- one problem, one plain message (item 6)
    Case("count_with_decimals_one_message", set_cell(RESPONSE, 2, "count", "11.5"),
         bad_cell(RESPONSE, 2, "count", "'11.5' is not a whole number"), ["(1 problem)"]),
    Case("hazard_ratio_of_zero", set_cell(EFFECTS, 15, "estimate", "0"), bad_cell(EFFECTS, 15, "estimate", "0 must be positive")),
    Case("fifty_megabyte_field", replace_in_line(RESPONSE, 2, b"abstract,", b'abstract,"' + b"x" * 50_000_000 + b'",'),
         [RESPONSE, "line 2", "a cell is too long"], timeout=240),
    Case("config_cli_override", lambda wf: None, [f"'$(touch {PAYLOAD_FILE})' does not have the allowed form"], CONFIG_ERROR,
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
    folder = workdir / "results" / "clean"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def _ran(rule: str, output: str) -> bool:
    """Whether Snakemake's output lists a job of ``rule`` (its "rule <name>:" line)."""
    return re.search(rf"^(local)?rule {rule}:$", output, re.MULTILINE) is not None


def test_line_endings_are_accepted_consistently(clone):
    """CRLF, CR-only and mixed line endings are accepted, and clean to the same bytes as LF.

    (The tables are parsed by the csv module, which reads all three; what matters is
    that the choice is consistent: same validation, same cleaned output.)"""
    target = "results/clean/characteristics.csv"
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
        assert _ran("clean", out), f"{convert.__name__}: the changed tables did not rerun the cleaning"
        assert _clean_outputs(clone) == expected, f"{convert.__name__} line endings clean to other bytes"


# --------------------------------------------------------------------------- on a built project
#
# The cases above start from a clean clone. These start from a project that was built
# (results/ and .snakemake/ present), as a user's is: a refused input must leave every
# byte of results/ as it was; an input the pooling cannot use must be left out with its
# reason; a run that fails half-way must not leave two states of the data side by side.


@pytest.fixture
def built_clone(built_workflow, tmp_path):
    workdir = tmp_path / "built"
    shutil.copytree(built_workflow, workdir, symlinks=True)  # copy2: file times kept
    (tmp_path / "home").mkdir()
    return workdir


def _results(workdir: Path) -> dict[str, str]:
    return {str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((workdir / "results").rglob("*")) if p.is_file()}


#: One case of each class of refused input, run for real on a built project.
ON_BUILT = ["median_of_zero", "count_above_n", "configured_study_without_folder", "population_typo",
            "nul_in_a_cell", "table_symlink_to_etc_passwd", "config_alias_bomb", "config_every_schema_error_listed",
            "count_with_decimals_one_message", "ae_term_matching_nothing"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in ON_BUILT], ids=lambda c: c.id)
def test_refused_input_leaves_built_results_byte_identical(built_clone, case):
    before = _results(built_clone)
    case.corrupt(built_clone)
    result = snakemake(built_clone, *case.args, timeout=max(case.timeout, 300))
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    human = [line for line in out.splitlines() if not _FRAME.match(line)]
    assert any(all(f in line for f in case.on_one_line) for line in human), out[-3000:]
    assert _results(built_clone) == before, "results/ changed although the input was refused"


def test_median_outside_its_ci_is_audited_and_left_out_with_its_reason(built_clone):
    """Well-formed but inconsistent (as OCR damage prints it): it reaches the audit as a
    discrepancy, and the pooling leaves the study out of that outcome with the reason,
    logged, instead of crashing with no file or line."""
    path = built_clone / SURVIVAL  # every statement of the overall median PFS (5.3, 95% CI 3.01-7.59) becomes 9.5
    rows = _rows(path)
    pfs = [i for i, r in enumerate(rows) if i and r[1] == "all" and r[2] == "PFS" and r[rows[0].index("ci_upper")] == "7.59"]
    assert pfs, "test set-up: no overall PFS row with CI 3.01-7.59"
    for i in pfs:
        rows[i][rows[0].index("median")] = "9.5"
    _write_rows(path, rows)
    result = snakemake(built_clone, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    audit = list(csv.DictReader((built_clone / "results/audit/anlo_crc.csv").open(encoding="utf-8")))
    assert any(r["check"] == "median_ci_shape" and r["status"] == "discrepancy" and r["rows"].endswith("survival.csv:2")
               for r in audit)
    inputs = list(csv.DictReader((built_clone / "results/pooled/inputs.csv").open(encoding="utf-8")))
    left_out = [r for r in inputs if r["outcome"] == "median_PFS" and r["study_id"] == "anlo_crc" and r["subgroup"] == "all"]
    assert len(left_out) == 1 and "outside its CI" in left_out[0]["excluded"] and left_out[0]["sei"] == ""
    assert "anlo_crc/survival.csv:" in left_out[0]["excluded"]
    log = (built_clone / "logs/pool/pool.log").read_text(encoding="utf-8")
    assert "median_PFS, all, anlo_crc: left out of the pooling" in log
    estimates = list(csv.DictReader((built_clone / "results/pooled/estimates.csv").open(encoding="utf-8")))
    primary = [r for r in estimates if r["outcome"] == "median_PFS" and r["subgroup"] == "all" and r["analysis"] == "primary"]
    assert primary and all("anlo_crc" not in r["studies"].split(";") for r in primary)


def test_landmark_outside_its_ci_is_an_audit_finding_and_left_out(built_clone):
    set_cell("data/raw/anlo_crc/landmarks.csv", 3, "percent", "40")(built_clone)  # 12-month PFS 40% (14.1-37.9)
    result = snakemake(built_clone, "results/pooled/inputs.csv", "results/audit/audit.csv", timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    audit = list(csv.DictReader((built_clone / "results/audit/anlo_crc.csv").open(encoding="utf-8")))
    assert any(r["check"] == "landmark_within_ci" and r["status"] == "discrepancy" and r["rows"].endswith("landmarks.csv:3")
               for r in audit)
    inputs = list(csv.DictReader((built_clone / "results/pooled/inputs.csv").open(encoding="utf-8")))
    assert any(r["outcome"] == "landmark_PFS_12m" and r["study_id"] == "anlo_crc" and "landmarks.csv:3" in r["excluded"]
               for r in inputs)


def test_failed_run_leaves_no_outputs_of_the_older_state(built_clone):
    """A job fails after earlier ones rewrote clean, audit and pooled inputs: the outputs
    of the jobs that did not run (figures, report) belong to the older state and are
    removed, so results/ never shows the old report beside the new audit tables."""
    set_cell(RESPONSE, 2, "note", "a new note: every table downstream is rebuilt")(built_clone)
    script = built_clone / "workflow/scripts/pool.py"
    script.write_text("raise SystemExit('pool broken on purpose (test)')\n", encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in (built_clone / "results").rglob("*") if p.is_file()}
    result = snakemake(built_clone, timeout=900)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert "removed" in out and "older state" in out, out[-3000:]
    for stale in ["results/report/report.html", "results/report/report.pdf", "results/figures/forest_ORR.png",
                  "results/pooled/estimates.csv", "results/report/assets/variables.yml"]:
        assert not (built_clone / stale).exists(), f"{stale} of the older state is still there"
    assert (built_clone / "results/audit/audit.csv").stat().st_mtime_ns > before[built_clone / "results/audit/audit.csv"]
    # what is left is up to date: a dry run plans only the failed job and what depends on it
    dry = snakemake(built_clone, "-n")
    assert not _ran("clean", dry.stdout) and not _ran("audit", dry.stdout), dry.stdout[-3000:]
    assert _ran("pool", dry.stdout), dry.stdout[-3000:]


# --------------------------------------------------------------------------- outputs users can share and find


def test_outputs_have_the_users_umask(tmp_path):
    from tkimeta.io import write_text

    old = os.umask(0o002)
    try:
        write_text("x\n", tmp_path / "group.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "group.csv").stat().st_mode & 0o777 == 0o664


def test_built_outputs_are_not_private(built_workflow):
    modes = {p.stat().st_mode & 0o777 for p in (built_workflow / "results").rglob("*") if p.is_file()}
    expected = 0o666 & ~_current_umask()
    assert modes == {expected}, f"modes {sorted(map(oct, modes))}, expected {oct(expected)}"


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_every_readme_output_is_rebuilt_when_deleted(built_clone):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"`(results/[^`*<]+?)`", readme.split("## What is where")[0])
    assert "results/pooled/inputs.csv" in listed
    gone = ["results/pooled/inputs.csv", "results/audit/anlo_crc.csv", "results/audit/summary.csv",
            "results/pooled/subgroup_tests.csv", "results/figures/rulegraph.png"]
    for rel in gone:
        (built_clone / rel).unlink()
    dry = snakemake(built_clone, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "Nothing to be done" not in dry.stdout + dry.stderr
    for rel in gone:
        assert rel in dry.stdout, f"{rel} deleted, but the default run would not bring it back"


def test_a_copy_of_a_built_project_is_up_to_date(built_workflow, tmp_path):
    """Copied (results/ and .snakemake/ with it) to another path, nothing reruns: the
    rules' inputs, code included, are named relative to the project."""
    elsewhere = tmp_path / "another" / "place"
    shutil.copytree(built_workflow, elsewhere, symlinks=True)
    dry = run_snakemake(elsewhere, "-n")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out[-3000:]
    assert "Nothing to be done" in out, out[-3000:]
