"""End-to-end reproducibility of the whole workflow (slow: several full Snakemake runs).

One module-scoped reference run in a temporary copy of the workflow serves every test:

* a second clean run in another copy gives the same bytes for every file under results/;
* forcing one job of each rule reruns that job only, rewrites its outputs with the same
  bytes, touches nothing else, and a dry run forcing it plans exactly the job and what
  depends on it;
* a raw table whose bytes change plans exactly its dependants; a raw table only touched
  (newer mtime, same bytes) plans nothing, because Snakemake 9 compares the checksum it
  recorded for small inputs before trusting an mtime;
* a run killed while jobs are running resumes to the same bytes, leaving no partial or
  temporary file behind.

Every copy is cloned from one snapshot of the repository taken at the start of the
module, so edits made to the working tree while the tests run cannot make two runs differ.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from workflow_run import copy_workflow, run_snakemake, snakemake_command, snakemake_env

FULL_RUN_TIMEOUT = 1200
NOTHING_TO_DO = "Nothing to be done"


# --------------------------------------------------------------------------- helpers


def _clone(snapshot: Path, target: Path) -> Path:
    """A fresh copy of the snapshot (mtimes kept, as copy_workflow does)."""
    shutil.copytree(snapshot, target, symlinks=True)
    return target


def _output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def _hashes(workdir: Path) -> dict[str, str]:
    """sha256 of every file under results/ (hidden files included), by relative path."""
    root = workdir / "results"
    return {
        str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def _mtimes(workdir: Path) -> dict[str, int]:
    return {str(p.relative_to(workdir)): p.stat().st_mtime_ns for p in (workdir / "results").rglob("*") if p.is_file()}


def _differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    problems = [f"missing: {f}" for f in sorted(set(expected) - set(actual))]
    problems += [f"unexpected: {f}" for f in sorted(set(actual) - set(expected))]
    problems += [f"differs: {f}" for f in sorted(set(expected) & set(actual)) if expected[f] != actual[f]]
    return problems


def _stray_files(workdir: Path) -> list[str]:
    """Partial or temporary files: dot-files of the atomic writes, *.tmp, *.part."""
    return sorted(
        str(p.relative_to(workdir))
        for p in (workdir / "results").rglob("*")
        if p.name.startswith(".") or p.suffix in (".tmp", ".part") or p.name.endswith("~")
    )


_JOB_HEADER = re.compile(r"^(?:local)?rule (\w+):$")


def _planned_jobs(text: str) -> dict[tuple[str, str], list[str]]:
    """Jobs listed in Snakemake's (dry-)run output: (rule, wildcards) -> outputs."""
    jobs: dict[tuple[str, str], list[str]] = {}
    current = None
    for line in text.splitlines():
        match = _JOB_HEADER.match(line.strip()) if not line.startswith(" ") else None
        if match:
            current = [match.group(1), "", []]
            jobs[(current[0], current[1])] = current[2]
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("wildcards:"):
            del jobs[(current[0], current[1])]
            current[1] = stripped.partition(":")[2].strip()
            jobs[(current[0], current[1])] = current[2]
        elif stripped.startswith("output:"):
            current[2].extend(s.strip() for s in stripped.partition(":")[2].split(","))
        elif not line.startswith(" "):
            current = None
    return jobs


def _job_stats(text: str) -> dict[str, int]:
    """The first "Job stats" table of a Snakemake output, without its total."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Job stats:")
    stats = {}
    for line in lines[start + 3:]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        stats[parts[0]] = int(parts[1])
    return stats


# What each rule's outputs feed (the rule graph, written out by hand so that a change of
# the graph is a visible change of this test). `all` depends on everything.
FEEDS = {
    "clean": ["audit", "pool", "figures_summary", "figure_risk_of_bias", "report_assets", "evidence_analyses"],
    "audit": ["pool", "audit_findings", "report_assets"],
    "audit_findings": ["figures_summary", "report_assets"],
    "pool": ["audit_findings", "report_assets", "evidence_analyses", "figures_evidence", "evidence_changelog",
             "figures_forest", "figures_summary", "figure_flow"],
    "figures_forest": ["report_render"],
    "figures_summary": ["report_render"],
    "figure_rulegraph": [],  # in `all` only: the report names the file, does not show it
    "figure_risk_of_bias": ["report_render"],
    "figure_flow": ["report_render"],
    "report_assets": ["report_render", "evidence_changelog"],
    "evidence_analyses": ["figures_evidence", "evidence_changelog", "evidence_report"],
    "figures_evidence": ["report_render"],
    "evidence_changelog": ["evidence_report"],
    "evidence_report": ["report_render"],
    "report_render": [],
}


def _expected_jobs(rule: str) -> set[tuple[str, str]]:
    """The job (rule, wildcards) and every job downstream of it, `all` included. No rule
    has wildcards: each stage is one job for all studies or outcomes."""
    todo, seen = [rule], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(FEEDS[name])
    return {(name, "") for name in seen | {"all"}}


def _full_run(workdir: Path, hash_seed: int | None = None) -> subprocess.CompletedProcess:
    result = run_snakemake(workdir, timeout=FULL_RUN_TIMEOUT, hash_seed=hash_seed)
    assert result.returncode == 0, _output(result)[-4000:]
    return result


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """The repository's workflow as it is now; every run below is a clone of it."""
    return copy_workflow(tmp_path_factory.mktemp("snapshot") / "wf")


@pytest.fixture(scope="module")
def reference(snapshot, tmp_path_factory):
    """The whole workflow run once; returns (workdir, sha256 of results/ right after)."""
    workdir = _clone(snapshot, tmp_path_factory.mktemp("reference") / "wf")
    _full_run(workdir, hash_seed=1)
    return workdir, _hashes(workdir)


@pytest.fixture
def up_to_date(reference):
    """The reference copy, checked to have nothing left to do before and after a test."""
    workdir, hashes = reference
    result = run_snakemake(workdir, "-n")
    assert result.returncode == 0 and NOTHING_TO_DO in _output(result), _output(result)[-3000:]
    yield workdir, hashes
    assert _differences(hashes, _hashes(workdir)) == []


# --------------------------------------------------------------------------- tests


def test_reference_run_is_complete_and_clean(reference):
    workdir, hashes = reference
    kinds = {Path(f).suffix for f in hashes}
    assert {".csv", ".png", ".pdf", ".html", ".md", ".yml"} <= kinds
    for required in ["results/report/report.html", "results/report/report.pdf", "results/pooled/estimates.csv",
                     "results/audit/audit.csv", "results/figures/rulegraph.png"]:
        assert required in hashes
    assert _stray_files(workdir) == []


def test_second_clean_run_is_byte_identical(reference, snapshot, tmp_path):
    _, expected = reference
    second = _clone(snapshot, tmp_path / "second")
    _full_run(second, hash_seed=2)  # another hash seed: no output may depend on set order
    differing = _differences(expected, _hashes(second))
    assert differing == [], "results/ differ between two clean runs:\n" + "\n".join(differing)


# (rule, one output file of the job to force)
SINGLE_JOBS = [
    ("clean", "results/clean/effects.csv"),
    ("audit", "results/audit/fruq_crc.csv"),
    ("audit_findings", "results/audit/findings.csv"),
    ("pool", "results/pooled/estimates.csv"),
    ("figures_forest", "results/figures/forest_ORR.png"),
    ("figures_summary", "results/figures/ae_rates.png"),
    ("figure_rulegraph", "results/figures/rulegraph.png"),
    ("figure_risk_of_bias", "results/figures/risk_of_bias.png"),
    ("figure_flow", "results/figures/flow.png"),
    ("report_assets", "results/report/assets/variables.yml"),
    ("evidence_analyses", "results/evidence/cumulative.csv"),
    ("evidence_report", "results/evidence/living_evidence.md"),
    ("report_render", "results/report/report.pdf"),
]


@pytest.mark.parametrize("rule,target", SINGLE_JOBS, ids=[j[0] for j in SINGLE_JOBS])
def test_single_job_rerun(up_to_date, rule, target):
    workdir, expected = up_to_date

    # Forcing the job in a dry run of the whole workflow plans it and its dependants only.
    dry = run_snakemake(workdir, "-n", "--forcerun", target)
    assert dry.returncode == 0, _output(dry)[-3000:]
    planned = set(_planned_jobs(_output(dry)))
    wanted = _expected_jobs(rule)
    assert planned == wanted, f"planned but not downstream: {sorted(planned - wanted)}; missing: {sorted(wanted - planned)}"

    # Forcing the job alone reruns exactly it, rewrites its outputs with the same bytes
    # and leaves every other file alone.
    before = _mtimes(workdir)
    time.sleep(0.05)
    run = run_snakemake(workdir, "--forcerun", rule, "--", target)
    text = _output(run)
    assert run.returncode == 0, text[-3000:]
    assert _job_stats(text) == {rule: 1}, text[-3000:]
    jobs = _planned_jobs(text)
    assert list(jobs) == [(rule, "")], jobs
    outputs = set(jobs[(rule, "")])
    assert target in outputs
    after = _mtimes(workdir)
    rewritten = {f for f in after if after[f] != before.get(f)}
    assert rewritten == outputs, f"rewritten: {sorted(rewritten)}; the job's outputs: {sorted(outputs)}"
    assert _differences(expected, _hashes(workdir)) == []
    assert _stray_files(workdir) == []

    # Same bytes, so nothing downstream is out of date (Snakemake 9 compares checksums).
    again = run_snakemake(workdir, "-n")
    assert again.returncode == 0 and NOTHING_TO_DO in _output(again), _output(again)[-3000:]


RAW_TABLE = "data/raw/anlo_sts/adverse_events.csv"


def test_touching_a_raw_table_without_changing_it_plans_nothing(up_to_date):
    workdir, _ = up_to_date
    path = workdir / RAW_TABLE
    stat = path.stat()
    newer = time.time() + 60
    os.utime(path, (newer, newer))
    try:
        result = run_snakemake(workdir, "-n")
        assert result.returncode == 0, _output(result)[-3000:]
        # The recorded checksum of the (small) input still matches: no rerun.
        assert NOTHING_TO_DO in _output(result), _planned_jobs(_output(result)).keys()
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_editing_a_raw_table_plans_exactly_its_dependants(up_to_date):
    workdir, _ = up_to_date
    path = workdir / RAW_TABLE
    original, stat = path.read_bytes(), path.stat()
    # Same table, other bytes: the first cell quoted (a CSV reader sees no difference).
    assert original.split(b"\n")[1].startswith(b"anlo_sts,")
    lines = original.split(b"\n")
    lines[1] = b'"anlo_sts"' + lines[1][len(b"anlo_sts"):]
    path.write_bytes(b"\n".join(lines))
    newer = time.time() + 60
    os.utime(path, (newer, newer))
    try:
        result = run_snakemake(workdir, "-n")
        text = _output(result)
        assert result.returncode == 0, text[-3000:]
        planned = set(_planned_jobs(text))
        wanted = _expected_jobs("clean")
        assert planned == wanted, f"unexpected: {sorted(planned - wanted)}; missing: {sorted(wanted - planned)}"
        # spelled out, for the reader: one job per stage, and the rule graph is not redrawn
        assert ("figure_rulegraph", "") not in planned
        stats = _job_stats(text)
        assert stats["clean"] == 1 and stats["audit"] == 1 and stats["pool"] == 1
        assert "Updated input files: " + RAW_TABLE in text
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _kill_group(process: subprocess.Popen, grace: float = 60) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
        return "SIGTERM"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        return "SIGKILL"


def _group_gone(pgid: int, wait: float = 30) -> bool:
    """True once no process of the group is left (signal 0 probes without killing)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_interrupted_run_resumes_to_identical_results(reference, snapshot, tmp_path):
    _, expected = reference
    workdir = _clone(snapshot, tmp_path / "interrupted")
    pooled = workdir / "results" / "pooled" / "estimates.csv"  # interrupted after the pooling, before the figures
    log = (tmp_path / "first.log").open("w")
    process = subprocess.Popen(snakemake_command(), cwd=workdir, env=snakemake_env(), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + FULL_RUN_TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            if pooled.exists():
                break
            time.sleep(0.1)
        assert process.poll() is None, "the run ended before it could be interrupted"
        how = _kill_group(process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    first = (tmp_path / "first.log").read_text()
    assert process.returncode != 0
    assert _group_gone(process.pid), "job processes outlived the interrupted Snakemake"
    assert not (workdir / "results" / "report" / "report.pdf").exists(), "interrupted too late to test anything"

    if how == "SIGKILL":  # Snakemake could not release its lock: what a user would do
        unlock = run_snakemake(workdir, "--unlock")
        assert unlock.returncode == 0, _output(unlock)
    second = run_snakemake(workdir, timeout=FULL_RUN_TIMEOUT)
    assert second.returncode == 0, f"first run ({how}):\n{first[-3000:]}\nsecond run:\n{_output(second)[-4000:]}"
    differing = _differences(expected, _hashes(workdir))
    assert differing == [], "after an interrupted run:\n" + "\n".join(differing)
    assert _stray_files(workdir) == []
    done = run_snakemake(workdir, "-n")
    assert NOTHING_TO_DO in _output(done)
