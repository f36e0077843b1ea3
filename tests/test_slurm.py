"""The workflow on a real SLURM cluster, through profiles/slurm (slow: a full run).

A one-node cluster on this machine (tools/slurm/start.sh: Debian's slurmctld, slurmd,
slurmdbd with MariaDB, munge) runs the whole workflow through the profile, with the
executor plugin's default status path (sacct against the accounting database):

* the results are byte-identical to a local run (the session's ``built_workflow``);
* one SLURM job per stage, and every SLURM job is in the accounting;
* a job that fails on the cluster fails the run promptly, and the user sees the job's
  error and where its logs are.

Without a cluster, the rules' resources (what a SLURM job asks for) are checked against
the benchmarks of the local run: at least twice the measured memory and time.

The cluster is started for this module and stopped afterwards (only when this module
started it). Where it cannot exist (not root, no apt-get, a real slurm.conf present),
the tests skip and say why.
"""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SNAKEMAKE, copy_workflow

TOOLS = ROOT / "tools" / "slurm"
PROFILE = "profiles/slurm"
START_TIMEOUT = 900  # installs the Debian packages on a new machine
# A full run took 25 min on this 2-core machine at a load average of 15 (a local run 8).
# Snakemake on SLURM ignores SIGTERM while it waits for jobs, hence timeout -k.
RUN_TIMEOUT = 2700
CANNOT_RUN_HERE = 2  # start.sh's exit status when this machine cannot have the cluster


@pytest.fixture(scope="module")
def slurm_cluster():
    """The local cluster, running; stopped afterwards if this fixture started it."""
    was_running = subprocess.run([TOOLS / "status.sh"], capture_output=True).returncode == 0
    start = subprocess.run([TOOLS / "start.sh"], capture_output=True, text=True, timeout=START_TIMEOUT)
    try:
        if start.returncode == CANNOT_RUN_HERE:
            pytest.skip(start.stderr.strip().splitlines()[-1])
        assert start.returncode == 0, f"tools/slurm/start.sh failed:\n{start.stderr[-3000:]}"
        yield
    finally:
        if not was_running:
            stop = subprocess.run([TOOLS / "stop.sh"], capture_output=True, text=True, timeout=300)
            assert stop.returncode == 0, f"tools/slurm/stop.sh failed:\n{stop.stderr[-3000:]}"


def run_on_slurm(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Snakemake through the SLURM profile, as the README says, with a short first status
    check (the plugin waits 40 s by default) so that the test stays short."""
    command = [
        "timeout", "-k", "10", str(RUN_TIMEOUT),
        SNAKEMAKE, "--workflow-profile", PROFILE, "--slurm-init-seconds-before-status-checks", "1", *args,
    ]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=RUN_TIMEOUT + 60)
    assert result.returncode not in (124, 137), f"Snakemake on SLURM hung (killed after {RUN_TIMEOUT} s):\n" + \
        (result.stdout + result.stderr)[-4000:]
    return result


def _hashes(workdir: Path) -> dict[str, str]:
    root = workdir / "results"
    return {str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _submissions(text: str) -> list[tuple[str, str]]:
    """(SLURM job id, SLURM log) of every sbatch submission the plugin reports."""
    return re.findall(r"has been submitted with SLURM jobid (\d+) \(log: ([^)]+)\)", text)


def _accounting(run_id: str) -> dict[str, str]:
    """SLURM job id -> state, from sacct (the accounting database) for one Snakemake run."""
    out = subprocess.run(["sacct", "-X", "-n", "-P", "--name", run_id, "-o", "JobIDRaw,State", "-S", "now-1days"],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("|", 1) for line in out.splitlines() if line)


HEADROOM = 2  # resources must be at least this many times the measured peak memory and time


def _declared_resources(workdir: Path) -> dict[str, dict[str, int]]:
    """Rule -> mem_mb and runtime (minutes), as Snakemake evaluates them for each job."""
    result = subprocess.run([SNAKEMAKE, "-n", "--forceall", "--cores", "2"], cwd=workdir, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    declared: dict[str, dict[str, int]] = {}
    rule = None
    for line in (result.stdout + result.stderr).splitlines():
        if match := re.match(r"^\s*(?:local)?rule (\w+):$", line):
            rule = match.group(1)
        elif rule and line.strip().startswith("resources:"):
            values = dict(item.strip().split("=", 1) for item in line.split(":", 1)[1].split(","))
            own = {key: int(values[key]) for key in ("mem_mb", "runtime") if key in values}
            declared.setdefault(rule, own)
            rule = None
    return declared


def test_rule_resources_cover_the_measured_benchmarks(built_workflow):
    declared = _declared_resources(built_workflow)
    measured: dict[str, tuple[float, float]] = {}  # rule -> (peak max_rss in MB, longest s)
    for tsv in sorted((built_workflow / "benchmarks").glob("*/*.tsv")):
        rows = list(csv.DictReader(tsv.open(), delimiter="\t"))
        rss = max(float(r["max_rss"]) for r in rows if r["max_rss"] not in ("", "NA"))
        seconds = max(float(r["s"]) for r in rows)
        old = measured.get(tsv.parent.name, (0.0, 0.0))
        measured[tsv.parent.name] = (max(old[0], rss), max(old[1], seconds))
    assert measured, "the local run wrote no benchmark"
    problems = []
    for rule, (rss, seconds) in sorted(measured.items()):
        own = declared.get(rule, {})
        if "mem_mb" not in own or "runtime" not in own:
            problems.append(f"{rule}: no mem_mb or runtime in its resources ({own})")
            continue
        if own["mem_mb"] < HEADROOM * rss:
            problems.append(f"{rule}: mem_mb={own['mem_mb']} but {rss:.0f} MB measured")
        if own["runtime"] * 60 < HEADROOM * seconds:
            problems.append(f"{rule}: runtime={own['runtime']} min but {seconds:.0f} s measured")
    assert problems == [], "resources in workflow/rules/ below the measured benchmarks:\n" + "\n".join(problems)


def test_full_run_on_slurm_is_byte_identical_to_a_local_run(slurm_cluster, built_workflow, tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_on_slurm(workdir)
    text = result.stdout + result.stderr
    assert result.returncode == 0, text[-5000:]

    local, cluster = _hashes(built_workflow), _hashes(workdir)
    problems = [f"missing: {f}" for f in sorted(set(local) - set(cluster))]
    problems += [f"unexpected: {f}" for f in sorted(set(cluster) - set(local))]
    problems += [f"differs: {f}" for f in sorted(set(local) & set(cluster)) if local[f] != cluster[f]]
    assert problems == [], "results/ of the SLURM run differ from the local run:\n" + "\n".join(problems)
    assert "results/report/report.pdf" in cluster

    # Every job but `all` went through sbatch, one SLURM job per stage: the studies are
    # cleaned and audited, and the outcomes pooled, each in one job (nothing to group).
    submissions = _submissions(text)
    logs = [Path(log).parent.name for _, log in submissions]
    assert len(logs) == len(set(logs)) < 20, logs
    assert {"rule_clean", "rule_audit", "rule_pool", "rule_report_render"} <= set(logs), logs

    # The status came from the accounting database, which knows every job as completed.
    run_id = re.search(r"SLURM run ID: (\S+)", text).group(1)
    assert "using 'squeue'" not in text
    states = _accounting(run_id)
    assert set(states) == {job for job, _ in submissions}, states
    assert set(states.values()) == {"COMPLETED"}, states


FAILING_STUDY = "anlo_sts"
INJECTED = "injected failure for the SLURM test"
BROKEN_SCRIPT = """\
if "{study}" in snakemake.params.studies:  # noqa: F821
    with open(snakemake.log[0], "w") as log:  # noqa: F821
        log.write("ERROR RuntimeError: {message}\\n")
    raise RuntimeError("{message}")
exec(compile(open("{unbroken}").read(), "audit.py", "exec"))
"""


def test_failing_job_on_slurm_reports_its_error_and_logs(slurm_cluster, tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    # The audit fails, as a bug would: the rule's script, wrapped, writes the error to the
    # rule's log and raises.
    scripts = workdir / "workflow" / "scripts"
    unbroken = scripts / "audit_unbroken.py"
    (scripts / "audit.py").rename(unbroken)
    broken = BROKEN_SCRIPT.format(study=FAILING_STUDY, message=INJECTED, unbroken=unbroken)
    (scripts / "audit.py").write_text(broken)

    # One paper's audit table: the cleaning job, then the audit job, which fails.
    result = run_on_slurm(workdir, f"results/audit/{FAILING_STUDY}.csv")
    text = result.stdout + result.stderr
    assert result.returncode != 0, text[-5000:]

    # The user is told which job failed and sees its SLURM log, which holds the job's
    # error, and the failing rule's own log.
    assert "Error in rule audit" in text, text[-5000:]
    submissions = _submissions(text)
    assert [Path(log).parent.name for _, log in submissions] == ["rule_clean", "rule_audit"], submissions
    (clean_job, _), (audit_job, audit_slurm_log) = submissions
    assert f"Logfile {audit_slurm_log}:" in text, "the SLURM log was not shown:\n" + text[-5000:]
    assert f"RuntimeError: {INJECTED}" in Path(audit_slurm_log).read_text(), "the failed job's SLURM log was not kept"
    rule_log = "logs/audit/audit.log"
    assert re.search(rf"Logfile {re.escape(rule_log)}:\s*\n\s*=+\s*\n\s*ERROR RuntimeError: {INJECTED}", text), \
        "the rule's log was not shown:\n" + text[-5000:]
    # SLURM has the audit job as failed; the failed job left no output behind.
    run_id = re.search(r"SLURM run ID: (\S+)", text).group(1)
    assert _accounting(run_id) == {clean_job: "COMPLETED", audit_job: "FAILED"}
    assert not (workdir / "results" / "audit" / f"{FAILING_STUDY}.csv").exists()
