"""Shared fixtures: copies of the raw data and of the whole workflow to break safely."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The studies come from config.yaml (the one list of studies), never from a list here.
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
STUDIES = list(CONFIG["studies"])
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
WORKFLOW_FILES = ["Snakefile", "config.yaml", "workflow", "data", "profiles", "report", "envs", ".test"]


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of data/raw (as tmp/data/raw, so messages read data/raw/...)."""
    target = tmp_path / "data" / "raw"
    shutil.copytree(ROOT / "data" / "raw", target)
    return target


def copy_workflow(target: Path) -> Path:
    """Copy what a run needs (no results, no caches) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


@pytest.fixture
def workflow_copy(tmp_path):
    return copy_workflow(tmp_path / "wf")


def run_snakemake(workdir: Path, *args: str, timeout: int = 600, hash_seed: int | None = None) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; ``hash_seed`` fixes PYTHONHASHSEED for it and its jobs
    (two runs with different seeds expose output that depends on set order)."""
    env = dict(os.environ)
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = str(hash_seed)
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="session")
def cleaned_by_study():
    """Every study's cleaned tables, built with the library from data/raw (no Snakemake)."""
    from tkimeta.clean import clean_study
    from tkimeta.validate import STUDY_TABLES, validate_raw_dir

    tables = validate_raw_dir(ROOT / "data" / "raw", STUDIES)
    out = {}
    for study in STUDIES:
        own = {t.path.stem: t for kind in STUDY_TABLES for t in tables[kind] if t.path.parent.name == study}
        out[study] = clean_study(study, own, repair_ocr=CONFIG["studies"][study]["ocr"])
    return out


@pytest.fixture(scope="session")
def cleaned(cleaned_by_study):
    """The gathered clean tables (as results/clean/*.csv)."""
    from tkimeta.clean import gather_studies

    return gather_studies([cleaned_by_study[s] for s in STUDIES])


@pytest.fixture(scope="session")
def built_workflow(tmp_path_factory):
    """The whole workflow run once, from a copy of the repository, in a temporary folder."""
    workdir = copy_workflow(tmp_path_factory.mktemp("built") / "wf")
    result = run_snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir
