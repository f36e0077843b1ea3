"""Benchmark of the workflow and of the pooled analysis (run on demand, not a test).

    .venv/bin/python benchmarks/run_benchmark.py            # full benchmark, ~15 min
    .venv/bin/python benchmarks/run_benchmark.py --quick    # one rebuild, no 1,000-study run, library to k = 1,000
    .venv/bin/python benchmarks/run_benchmark.py --repeat 3 # median of 3 full rebuilds

Everything runs in a temporary copy of the workflow (Snakefile, config.yaml, workflow/,
data/, profiles/, report/, envs/); the repository's own results/, logs/, benchmarks/<rule>/
and .snakemake/ are never touched. Measured:

1. full rebuild from clean: ``snakemake --cores 4`` (median of --repeat runs);
2. Snakemake's floor (the no-op of a one-rule workflow), then this workflow's no-op rerun
   and dry run, each the median of 5, the last two also as ratios to the floor;
3. one-rule reruns, each the median of 3: ``--forcerun report_render``, ``--forcerun
   pool`` (every outcome) and ``--forcerun audit`` (every paper);
4. per-rule time and peak memory, from Snakemake's own benchmark TSVs of the full run(s);
5. end to end: the whole workflow from clean on 1,000 synthetic studies
   (``benchmarks/synthetic_evidence.py``; ``--studies`` sets the number);
6. scale: the statistics library on synthetic data with 10, 100, 1,000 and 10,000
   studies, beside metafor on the same data in the same run (``benchmarks/scale.py``,
   which also draws ``benchmarks/scale.png``); --quick stops at 1,000 studies.

Writes benchmarks/results.json (sorted keys, indent 2) and prints a summary plus a
markdown table for the README.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.append(str(REPO / "tests"))
sys.path.append(str(REPO / "benchmarks"))
from workflow_run import copy_workflow, run_snakemake  # noqa: E402 - the tests' copy-and-run helper

CLEAN_ITEMS = ["results", "logs", "benchmarks", ".snakemake"]

# Issue 12's targets. Times are absolute on this machine ("here"); the no-op and dry run
# are ratios to Snakemake's own floor measured in the same run (the no-op of a one-rule
# workflow), since the machine is shared and its speed varies from run to run.
TARGETS = {"full_rebuild_s": 15.0, "noop_over_floor": 1.3, "dry_run_over_noop": 1.0, "rerun_s": 1.5,
           "peak_memory_mib": 300.0, "end_to_end_1000_s": 180.0, "glmm_1000_s": 2.0, "pool_loo_1000_s": 5.0,
           "glmm_vs_metafor_1000": 10.0}
FLOOR_SNAKEFILE = 'rule a:\n    output: "a.txt"\n    shell: "touch {output}"\n'
END_TO_END_STUDIES = 1000


# ----------------------------------------------------------------------------- helpers


def median(values):
    return float(statistics.median(values)) if values else math.nan


def machine_info(cores: int) -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = math.nan
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:
        available = os.cpu_count()
    try:
        from importlib.metadata import version
        snakemake_version = version("snakemake")
    except Exception:  # noqa: BLE001
        snakemake_version = "unknown"
    return dict(
        cpu_model=model or platform.processor() or "unknown",
        logical_cores=os.cpu_count(),
        cores_available=available,
        snakemake_cores=cores,
        memory_gb=mem_gb,
        python=platform.python_version(),
        snakemake=snakemake_version,
        platform=platform.platform(),
        load_average_start=[round(x, 2) for x in os.getloadavg()],
    )


def git_info() -> dict:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    return dict(commit=git("rev-parse", "HEAD"), dirty=bool(git("status", "--porcelain", "--untracked-files=no")))


def clean_copy(workdir: Path) -> None:
    for item in CLEAN_ITEMS:
        shutil.rmtree(workdir / item, ignore_errors=True)


_STEPS = re.compile(r"(\d+) of (\d+) steps")


def timed_snakemake(workdir: Path, cores: int, extra: list[str], label: str, log_dir: Path) -> dict:
    """One timed snakemake invocation; stops the benchmark if it fails.

    ``cpu_s`` is the CPU time (user + system) of the whole command, Snakemake and every
    job and their children: the operating system's own account, not a sample (Snakemake's
    benchmark TSVs sample a job's CPU every few seconds and miss what it spends after
    the last sample)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = run_snakemake(workdir, *extra, cores=cores, timeout=None)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = proc.stdout + proc.stderr
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / f"{label}.log").write_text(output)
    if proc.returncode != 0:
        sys.exit(f"benchmark: `{' '.join(['snakemake', *proc.args[1:]])}` failed ({label}, exit {proc.returncode}):\n"
                 + "\n".join(output.splitlines()[-40:]))
    steps = _STEPS.findall(output)
    jobs = int(steps[-1][1]) if steps else 0
    return dict(wall_s=round(wall, 3), cpu_s=round(cpu, 3), jobs=jobs, nothing_to_do="Nothing to be done" in output)


def timed_runs(workdir, cores, extra, label, repeats, log_dir, before=None) -> dict:
    runs = []
    for i in range(repeats):
        if before:
            before()
        runs.append(timed_snakemake(workdir, cores, extra, f"{label}_{i + 1}", log_dir))
        print(f"  {label} run {i + 1}/{repeats}: {runs[-1]['wall_s']:.2f} s ({runs[-1]['jobs']} jobs)", flush=True)
    return dict(command="snakemake " + " ".join(["--cores", str(cores), *extra]),
                median_s=round(median([r["wall_s"] for r in runs]), 3),
                runs_s=[r["wall_s"] for r in runs], jobs=runs[-1]["jobs"], repeats=repeats,
                nothing_to_do=all(r["nothing_to_do"] for r in runs))


def _num(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_rule_benchmarks(workdir: Path) -> list[dict]:
    """All benchmark TSV rows of one run: rule, wildcards, s, max_rss (MB), cpu_time."""
    rows = []
    for tsv in sorted((workdir / "benchmarks").glob("*/*.tsv")):
        with tsv.open(newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                rows.append(dict(rule=tsv.parent.name, job=tsv.stem, s=_num(rec.get("s")),
                                 max_rss=_num(rec.get("max_rss")), max_pss=_num(rec.get("max_pss")),
                                 cpu_time=_num(rec.get("cpu_time"))))
    return rows


def per_rule_table(rows: list[dict], runs: int) -> dict:
    """Per rule over every job and every full run: peak max_rss and max_pss, wall and CPU seconds."""
    table = {}
    for rule in sorted({r["rule"] for r in rows}):
        own = [r for r in rows if r["rule"] == rule]
        rss = [r["max_rss"] for r in own if not math.isnan(r["max_rss"])]
        pss = [r["max_pss"] for r in own if not math.isnan(r["max_pss"])]
        s = [r["s"] for r in own if not math.isnan(r["s"])]
        cpu = [r["cpu_time"] for r in own if not math.isnan(r["cpu_time"])]
        total_s, total_cpu = sum(s) / runs, sum(cpu) / runs
        table[rule] = dict(
            jobs=len(own) // runs,
            max_rss_mb=round(max(rss), 1) if rss else None,
            max_pss_mb=round(max(pss), 1) if pss else None,
            wall_s_total=round(total_s, 2),
            wall_s_max_job=round(max(s), 2) if s else None,
            cpu_time_s_total=round(total_cpu, 2),
            cpu_per_wall=round(total_cpu / total_s, 2) if total_s > 0 else None,
        )
    return table


# ----------------------------------------------------------------------------- end to end


def end_to_end_benchmark(n_studies: int, cores: int, keep: bool) -> dict:
    """The whole workflow, clean to report, on ``n_studies`` synthetic studies (the
    real papers replaced by benchmarks/synthetic_evidence.py's): wall time, jobs, and the
    peak memory of every rule."""
    from synthetic_evidence import write_synthetic_evidence

    workdir = Path(tempfile.mkdtemp(prefix=f"tkimeta-bench-{n_studies}-"))
    try:
        copy_workflow(workdir)
        write_synthetic_evidence(workdir, n_studies)
        run = timed_snakemake(workdir, cores, [], f"end_to_end_{n_studies}", workdir / "_benchmark_logs")
        per_rule = per_rule_table(read_rule_benchmarks(workdir), 1)
        pdf = workdir / "results" / "report" / "report.pdf"
        return dict(studies=n_studies, command=f"snakemake --cores {cores}", wall_s=run["wall_s"], cpu_s=run["cpu_s"],
                    jobs=run["jobs"], per_rule=per_rule, report_pdf_bytes=pdf.stat().st_size if pdf.exists() else None,
                    peak_rss_mb=max((r["max_rss_mb"] or 0) for r in per_rule.values()),
                    peak_pss_mb=max((r["max_pss_mb"] or 0) for r in per_rule.values()))
    finally:
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# ----------------------------------------------------------------------------- scale
# The library at scale lives in benchmarks/scale.py (also runnable on its own).
sys.path.insert(0, str(REPO / "benchmarks"))
import scale  # noqa: E402


# ----------------------------------------------------------------------------- report


def fmt_s(value) -> str:
    return scale.fmt_s(value, missing="n/a")


def status(value, target) -> str:
    """Whether a measured value is at most its target (every target is an upper bound)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not measured"
    return "met" if value <= target else "not met"


def print_summary(results: dict) -> None:
    m = results["machine"]
    print("\n=== Benchmark summary ===")
    print(f"machine: {m['cpu_model']}, {m['cores_available']} cores available, {m['memory_gb']} GB, "
          f"Python {m['python']}, Snakemake {m['snakemake']}; load average at start {m['load_average_start']}")
    wf = results.get("workflow")
    if wf:
        print(f"\n{'measure':46s} {'median':>10s} {'runs':>5s} {'jobs':>5s}")
        for key, label in [("full_rebuild", "full rebuild from clean"), ("floor_noop", "Snakemake floor (one-rule no-op)"),
                           ("noop", "no-op rerun"), ("dry_run", "dry run"),
                           ("rerun_report_render", "rerun report_render"), ("rerun_pool", "rerun pool"),
                           ("rerun_audit", "rerun audit")]:
            r = wf[key]
            print(f"{label:46s} {fmt_s(r['median_s']):>10s} {r['repeats']:5d} {r['jobs']:5d}")
        print(f"CPU time of a full run: {fmt_s(wf['full_rebuild'].get('median_cpu_s'))} (kernel's count, Snakemake "
              f"included); sampled in the jobs' benchmark files: {wf['cpu_time_s_all_jobs']:.1f} s")
        print(f"\n{'rule':20s} {'jobs':>5s} {'max RSS MB':>11s} {'wall s':>8s} {'max job s':>10s} "
              f"{'CPU s':>7s} {'CPU/wall':>9s}")
        for rule, r in wf["per_rule"].items():
            print(f"{rule:20s} {r['jobs']:5d} {r['max_rss_mb'] or float('nan'):11.1f} {r['wall_s_total']:8.2f} "
                  f"{r['wall_s_max_job'] or float('nan'):10.2f} {r['cpu_time_s_total']:7.2f} "
                  f"{r['cpu_per_wall'] if r['cpu_per_wall'] is not None else float('nan'):9.2f}")
    e2e = results.get("end_to_end")
    if e2e:
        print(f"\nend to end, {e2e['studies']:,} synthetic studies: {fmt_s(e2e['wall_s'])} ({e2e['jobs']} jobs, "
              f"{fmt_s(e2e.get('cpu_s'))} CPU), peak job memory {e2e.get('peak_pss_mb') or math.nan:.0f} MiB PSS, "
              f"{e2e['peak_rss_mb']:.0f} MiB RSS")
    sc = results.get("scale")
    if sc:
        print("\n" + scale.markdown(sc))
    print("\n=== Markdown for the README ===\n")
    print(results["readme_markdown"])


def readme_markdown(results: dict) -> str:
    m = results["machine"]
    wf = results.get("workflow", {})
    sc = results.get("scale", {})
    by_k = sc.get("sizes", {})

    def get(d, *keys):
        for key in keys:
            if not isinstance(d, dict) or key not in d:
                return None
            d = d[key]
        return d

    full = get(wf, "full_rebuild", "median_s")
    noop = get(wf, "noop", "median_s")
    floor = get(wf, "floor_noop", "median_s")
    g1000 = get(by_k, "1000", "tkimeta", "glmm_logit", "median_s")
    e2e = results.get("end_to_end", {})

    def ratio(value):
        return "n/a" if value is None else f"{value:.2f} ×"

    lines = [
        f"Measured by `benchmarks/run_benchmark.py` on {m['cpu_model']} ({m['cores_available']} cores, "
        f"`--cores {m['snakemake_cores']}`), Python {m['python']}, Snakemake {m['snakemake']}, "
        f"{results['date'][:10]}; load average {m['load_average_start'][0]:.1f} at the start; full numbers in "
        "`benchmarks/results.json`.",
        "",
        "| measure | measured | target | status |",
        "|---|---|---|---|",
        f"| full rebuild from clean, report included (`snakemake --cores {m['snakemake_cores']}`) | {fmt_s(full)} | "
        f"≤ 15 s | {status(full, TARGETS['full_rebuild_s'])} |",
        f"| CPU time of that rebuild, Snakemake and every job (kernel's count) | "
        f"{fmt_s(get(wf, 'full_rebuild', 'median_cpu_s'))} | – | – |",
        f"| Snakemake's floor: no-op of a one-rule workflow (same run) | {fmt_s(floor)} | – | – |",
        f"| no-op rerun (everything up to date) | {fmt_s(noop)} = {ratio(get(wf, 'noop_over_floor'))} the floor | "
        f"≤ 1.3 × | {status(get(wf, 'noop_over_floor'), TARGETS['noop_over_floor'])} |",
        f"| dry run (`-n`) | {fmt_s(get(wf, 'dry_run', 'median_s'))} = {ratio(get(wf, 'dry_run_over_noop'))} "
        f"the no-op | ≤ 1 × | {status(get(wf, 'dry_run_over_noop'), TARGETS['dry_run_over_noop'])} |",
        f"| rerun `--forcerun pool` (every outcome) | {fmt_s(get(wf, 'rerun_pool', 'median_s'))} | ≤ 1.5 s | "
        f"{status(get(wf, 'rerun_pool', 'median_s'), TARGETS['rerun_s'])} |",
        f"| rerun `--forcerun audit` (every paper) | {fmt_s(get(wf, 'rerun_audit', 'median_s'))} | ≤ 1.5 s | "
        f"{status(get(wf, 'rerun_audit', 'median_s'), TARGETS['rerun_s'])} |",
        f"| rerun `--forcerun report_render` | {fmt_s(get(wf, 'rerun_report_render', 'median_s'))} | – | – |",
        f"| GLMM (`glmm_logit`), 1,000 synthetic studies | {fmt_s(g1000)} | ≤ 2 s | "
        f"{status(g1000, TARGETS['glmm_1000_s'])} |",
    ]
    if e2e:
        lines.append(f"| whole workflow, {e2e['studies']:,} synthetic studies, clean to report | {fmt_s(e2e['wall_s'])} | "
                     f"≤ 3 min | {status(e2e['wall_s'], TARGETS['end_to_end_1000_s'])} |")
        if e2e.get("cpu_s") is not None:
            lines.append(f"| CPU time of that run (kernel's count) | {fmt_s(e2e['cpu_s'])} | – | – |")
        if e2e.get("peak_pss_mb") is not None:
            lines.append(f"| peak memory of any job in that run | {e2e['peak_pss_mb']:.0f} MiB PSS "
                         f"({e2e['peak_rss_mb']:.0f} MiB RSS) | ≤ 300 MiB | "
                         f"{status(e2e['peak_pss_mb'], TARGETS['peak_memory_mib'])} |")
    loo1000 = get(by_k, "1000", "tkimeta", "pool_outcome_4_methods_loo", "median_s")
    if loo1000 is not None:
        lines.append(f"| `pool_outcome`, 4 methods + leave-one-out, 1,000 synthetic studies | {fmt_s(loo1000)} | ≤ 5 s | "
                     f"{status(loo1000, TARGETS['pool_loo_1000_s'])} |")
    glmm_ratio = get(by_k, "1000", "ratios", "glmm")
    if glmm_ratio is not None:
        lines.append(f"| GLMM, 1,000 studies: metafor `rma.glmm` time / `glmm_logit` time | {glmm_ratio:.0f}× | ≥ 10× | "
                     f"{'met' if glmm_ratio >= TARGETS['glmm_vs_metafor_1000'] else 'not met'} |")
    if wf.get("per_rule"):
        # Snakemake's benchmark files give memory in MiB (bytes / 1024 / 1024), whatever the
        # column says. The target is read on PSS: the memory a job holds, a page its forked
        # workers share counted once (as a cluster's cgroup charges it); RSS beside it.
        peak_rule, peak = max(((r, v.get("max_pss_mb") or 0) for r, v in wf["per_rule"].items()), key=lambda t: t[1])
        peak_rss_rule, peak_rss = max(((r, v["max_rss_mb"] or 0) for r, v in wf["per_rule"].items()), key=lambda t: t[1])
        lines.append(f"| peak memory of any job, full rebuild (`{peak_rule}`) | {peak:.0f} MiB PSS "
                     f"(largest RSS {peak_rss:.0f} MiB, `{peak_rss_rule}`) | ≤ 300 MiB | "
                     f"{status(peak, TARGETS['peak_memory_mib'])} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def _finite(obj):
    """NaN / inf become null, so that the JSON is strict."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="full rebuilds to take the median of (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="one full rebuild whatever --repeat says, and the library at scale up to 1,000 studies")
    parser.add_argument("--cores", type=int, default=4, help="snakemake --cores (default 4)")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "results.json")
    parser.add_argument("--keep-workdir", action="store_true", help="keep the temporary workflow copy")
    parser.add_argument("--skip-workflow", action="store_true", help="scale benchmark only")
    parser.add_argument("--skip-scale", action="store_true", help="workflow benchmark only")
    parser.add_argument("--studies", type=int, default=END_TO_END_STUDIES,
                        help=f"synthetic studies of the end-to-end run (default {END_TO_END_STUDIES:,}; 0 skips it; "
                             "skipped by --quick)")
    args = parser.parse_args(argv)
    full_repeats = 1 if args.quick else max(1, args.repeat)

    started = time.perf_counter()
    results = dict(
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        machine=machine_info(args.cores),
        git=git_info(),
        options=dict(quick=args.quick, full_rebuild_repeats=full_repeats, noop_repeats=5, rerun_repeats=3,
                     scale_repeats=3, cores=args.cores),
        targets=TARGETS,
    )

    if not args.skip_workflow:
        workdir = Path(tempfile.mkdtemp(prefix="tkimeta-bench-"))
        log_dir = workdir / "_benchmark_logs"
        print(f"workflow copy: {workdir}", flush=True)
        try:
            copy_workflow(workdir)
            wf = {}
            rule_rows = []

            def fresh():
                clean_copy(workdir)

            print("full rebuild from clean", flush=True)
            runs = []
            for i in range(full_repeats):
                fresh()
                runs.append(timed_snakemake(workdir, args.cores, [], f"full_{i + 1}", log_dir))
                rule_rows += read_rule_benchmarks(workdir)
                print(f"  full run {i + 1}/{full_repeats}: {runs[-1]['wall_s']:.2f} s ({runs[-1]['jobs']} jobs)",
                      flush=True)
            wf["full_rebuild"] = dict(command=f"snakemake --cores {args.cores}",
                                      median_s=round(median([r["wall_s"] for r in runs]), 3),
                                      runs_s=[r["wall_s"] for r in runs], jobs=runs[-1]["jobs"],
                                      median_cpu_s=round(median([r["cpu_s"] for r in runs]), 3),
                                      runs_cpu_s=[r["cpu_s"] for r in runs], repeats=full_repeats)
            wf["per_rule"] = per_rule_table(rule_rows, full_repeats)
            wf["cpu_time_s_all_jobs"] = round(sum(r["cpu_time_s_total"] for r in wf["per_rule"].values()), 2)
            wf["per_rule_note"] = ("from Snakemake's benchmark TSVs of the full rebuild(s): max_rss_mb and "
                                   "max_pss_mb are the largest max_rss and max_pss of any job of the rule (each "
                                   "summed over the job's processes; RSS counts a page its forked workers share "
                                   "once per process, PSS once in all); wall_s_total and cpu_time_s_total "
                                   "are summed over the rule's jobs (mean over full runs); jobs run "
                                   f"concurrently with --cores {args.cores}; very short jobs (under ~1 s) are "
                                   "sampled too late for reliable memory and CPU figures, and the CPU of any job "
                                   "is sampled, so cpu_time_s_all_jobs undercounts; full_rebuild.median_cpu_s is "
                                   "the whole command's CPU as the kernel counts it, and median_cpu_s / cores is "
                                   "a floor for the rebuild's wall time")

            print("Snakemake's floor: the no-op of a one-rule workflow", flush=True)
            floor_dir = workdir.parent / f"{workdir.name}-floor"
            floor_dir.mkdir()
            (floor_dir / "Snakefile").write_text(FLOOR_SNAKEFILE)
            timed_snakemake(floor_dir, 1, [], "floor_first", log_dir)
            wf["floor_noop"] = timed_runs(floor_dir, args.cores, [], "floor_noop", 5, log_dir)
            shutil.rmtree(floor_dir, ignore_errors=True)

            print("no-op rerun and dry run", flush=True)
            wf["noop"] = timed_runs(workdir, args.cores, [], "noop", 5, log_dir)
            if not wf["noop"]["nothing_to_do"]:
                print("  warning: the no-op rerun ran jobs", flush=True)
            wf["dry_run"] = timed_runs(workdir, args.cores, ["-n"], "dry_run", 5, log_dir)
            floor = wf["floor_noop"]["median_s"]
            wf["noop_over_floor"] = round(wf["noop"]["median_s"] / floor, 2)
            wf["dry_run_over_noop"] = round(wf["dry_run"]["median_s"] / wf["noop"]["median_s"], 2)

            # A reviewer's reruns of one rule (each target before --forcerun, which takes
            # any number of arguments); report_render first, the others leave it out of date.
            print("one-rule reruns", flush=True)
            for key, target, rule in [("rerun_report_render", "results/report/report.pdf", "report_render"),
                                      ("rerun_pool", "results/pooled/estimates.csv", "pool"),
                                      ("rerun_audit", "results/audit/audit.csv", "audit")]:
                wf[key] = timed_runs(workdir, args.cores, [target, "--forcerun", rule], key, 3, log_dir)
                if wf[key]["jobs"] != 1:
                    print(f"  warning: {key} ran {wf[key]['jobs']} jobs, expected 1", flush=True)
            wf["rerun_note"] = ("one job each: the target's job forced, nothing downstream (Snakemake 9 compares "
                                "checksums, so a rerun that writes the same bytes leaves the rest up to date)")
            results["workflow"] = wf
        finally:
            if args.keep_workdir:
                print(f"kept {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    if not args.skip_workflow and not args.quick and args.studies:
        print(f"end to end with {args.studies:,} synthetic studies", flush=True)
        results["end_to_end"] = end_to_end_benchmark(args.studies, args.cores, args.keep_workdir)

    if not args.skip_scale:
        print("scale (synthetic data, tkimeta and metafor)", flush=True)
        results["scale"] = scale.run(3, scale.SIZES[:3] if args.quick else scale.SIZES)
        results["scale_note"] = results["scale"].pop("note")
        scale.plot(results["scale"], REPO / "benchmarks" / "scale.png")

    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_runtime_s"] = round(time.perf_counter() - started, 1)
    results["readme_markdown"] = readme_markdown(results)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(_finite(results), sort_keys=True, indent=2, allow_nan=False, default=str) + "\n")
    print_summary(results)
    print(f"\nwrote {args.output} (total {results['total_runtime_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
