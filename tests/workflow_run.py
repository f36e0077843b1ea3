"""Copy the workflow into a scratch folder and run Snakemake there.

One helper for everything that runs the whole workflow away from the repository's own
results/: the tests (through ``conftest.py``) and ``benchmarks/run_benchmark.py``, which
imports this file by path. Standard library only, no tkimeta.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: What a run needs (no results, logs, benchmarks or .snakemake).
WORKFLOW_FILES = ("Snakefile", "config.yaml", "workflow", "data", "profiles", "report", "envs", ".test")

#: The snakemake installed beside the running Python (the project's .venv).
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def copy_workflow(target: Path, source: Path = ROOT) -> Path:
    """Copy what a run needs from ``source`` into ``target`` (created if absent; file
    times kept, Python caches left out) and return ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in WORKFLOW_FILES:
        item = source / name
        if item.is_dir():
            shutil.copytree(item, target / name, ignore=ignore)
        elif item.exists():
            shutil.copy2(item, target / name)
    return target


def snakemake_command(*args: str, cores: int = 2) -> list[str]:
    """The command line ``snakemake --cores <cores> <args>``."""
    return [SNAKEMAKE, "--cores", str(cores), *args]


def snakemake_env(hash_seed: int | None = None, **overrides: str) -> dict[str, str]:
    """The environment of a run: this one, with the .venv first on PATH and no
    SNAKEMAKE_PROFILE (the copy's own profiles/default applies); ``hash_seed`` fixes
    PYTHONHASHSEED for Snakemake and its jobs; ``overrides`` are set last."""
    env = dict(os.environ, PATH=f"{Path(SNAKEMAKE).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("SNAKEMAKE_PROFILE", None)
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = str(hash_seed)
    env.update(overrides)
    return env


def run_snakemake(
    workdir: Path,
    *args: str,
    cores: int = 2,
    timeout: float | None = 600,
    hash_seed: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir`` and return the finished process (output captured as
    text). ``hash_seed`` fixes PYTHONHASHSEED (two runs with different seeds expose
    output that depends on set order); ``env`` adds or replaces variables."""
    return subprocess.run(
        snakemake_command(*args, cores=cores),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=snakemake_env(hash_seed, **(env or {})),
    )
