"""Shared fixtures: copies of the raw data and of the whole workflow to break safely
(copying and running Snakemake: workflow_run.py, shared with the benchmark)."""

import shutil

import pytest
import yaml

from workflow_run import ROOT, SNAKEMAKE, copy_workflow, run_snakemake  # noqa: F401 - re-exported to the tests

# The studies come from config.yaml (the one list of studies), never from a list here.
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
STUDIES = list(CONFIG["studies"])


@pytest.fixture
def raw_copy(tmp_path):
    """A writable copy of data/raw (as tmp/data/raw, so messages read data/raw/...)."""
    target = tmp_path / "data" / "raw"
    shutil.copytree(ROOT / "data" / "raw", target)
    return target


@pytest.fixture
def workflow_copy(tmp_path):
    return copy_workflow(tmp_path / "wf")


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
    result = run_snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir
