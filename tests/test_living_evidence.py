"""Living evidence (issue 10): one list of studies, the scaffold, publication order,
the changelog, and a new study added as data rebuilding everything."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import CONFIG, ROOT, STUDIES, copy_workflow, run_snakemake
from synthetic_study import LABEL, STUDY, add_synthetic_study
from tkimeta.evidence.changelog import (ReleaseError, changelog, changelog_markdown, estimate_moves, load_release,
                                        rating_changes)
from tkimeta.evidence.cumulative import publication_order
from tkimeta.evidence.smallstudy import small_study_effects
from tkimeta.scaffold import ScaffoldError, append_to_config, config_entry, header, scaffold
from tkimeta.validate import RawDataError, load_schema, validate_raw_dir

RELEASES = Path(__file__).parent / "data" / "releases"


# --- 1. one source of truth ----------------------------------------------------------

def test_no_workflow_file_lists_the_study_ids():
    """Study ids live in config.yaml and data/raw/ only (tests may assert facts of a paper)."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, CONFIG["studies"])) + r")\b")
    offenders = []
    for path in [ROOT / "Snakefile", *(ROOT / "workflow").rglob("*")]:
        if path.is_file() and path.suffix in (".py", ".smk", ".yaml", ".yml", ".rst", "") and "__pycache__" not in path.parts:
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_raw_schemas_do_not_enumerate_studies():
    schema, _ = load_schema("response")
    definitions = yaml.safe_load((ROOT / "workflow/lib/tkimeta/schemas/_definitions.schema.yaml").read_text())
    assert "enum" not in definitions["$defs"]["study_id"]
    assert schema["properties"]["study_id"] == {"$ref": "definitions#/$defs/study_id"}


def test_an_unregistered_study_id_names_the_place_to_register_it(raw_copy):
    path = raw_copy / "anlo_crc" / "response.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("anlo_crc", "new_study", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RawDataError) as err:
        validate_raw_dir(raw_copy, STUDIES)
    text = str(err.value)
    assert "data/raw/anlo_crc/response.csv" in text and "line 3" in text
    assert "'new_study' is not a registered study; register it in config.yaml under 'studies'" in text


# --- 2. scaffold -----------------------------------------------------------------------

def _project(tmp_path: Path) -> Path:
    shutil.copy2(ROOT / "config.yaml", tmp_path / "config.yaml")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    return tmp_path


def test_scaffold_writes_headers_and_appends_the_config_entry(tmp_path):
    root = _project(tmp_path)
    before = (root / "config.yaml").read_text(encoding="utf-8")
    written = scaffold(root, "regor_crc", "005_0123456789abcdef.txt", "Regorafenib + PD-1: mCRC", "colorectal")
    folder = root / "data" / "raw" / "regor_crc"
    assert {p.name for p in written if p.parent == folder} == {
        "characteristics.csv", "baseline.csv", "response.csv", "rates.csv", "survival.csv", "landmarks.csv",
        "effects.csv", "adverse_events.csv", "ae_term_map.csv"}
    for path in folder.glob("*.csv"):
        assert path.read_text(encoding="utf-8") == ",".join(header(path.stem)) + "\n"
    after = (root / "config.yaml").read_text(encoding="utf-8")
    # only lines were inserted: every original line (comments included) is kept, in order
    entry = config_entry("regor_crc", "005_0123456789abcdef.txt", "Regorafenib + PD-1: mCRC", "colorectal", "single_arm", False)
    assert after.replace(entry, "", 1) == before
    config = yaml.safe_load(after)
    assert list(config["studies"])[-1] == "regor_crc"
    assert config["studies"]["regor_crc"] == dict(seed_file="005_0123456789abcdef.txt", label="Regorafenib + PD-1: mCRC",
                                                  cancer="colorectal", role="single_arm", ocr=False)
    assert config["pooling"] == yaml.safe_load(before)["pooling"]


def test_scaffold_context_study_and_refusals(tmp_path):
    root = _project(tmp_path)
    scaffold(root, "nma_two", "006_0123456789abcdef.txt", "Another NMA", "colorectal", role="context")
    assert sorted(p.name for p in (root / "data/raw/nma_two").iterdir()) == ["characteristics.csv", "effects.csv",
                                                                             "rankings.csv"]
    text = (root / "config.yaml").read_text()
    for args, message in [
        (("nma_two", "006_0123456789abcdef.txt", "Again", "colorectal"), "already registered"),
        (("Bad-Id", "006_0123456789abcdef.txt", "Label", "colorectal"), "lowercase"),
        (("ok_id", "seed.txt", "Label", "colorectal"), "seed file"),
    ]:
        with pytest.raises(ScaffoldError, match=message):
            scaffold(root, *args)
    assert (root / "config.yaml").read_text() == text, "a refused scaffold writes nothing"


def test_scaffold_command_line(tmp_path):
    root = _project(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tkimeta.scaffold", "cli_crc", "--seed-file", "007_0123456789abcdef.txt",
                             "--label", "CLI study", "--cancer", "colorectal", "--root", str(root)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "docs/adding-a-study.md" in result.stdout
    again = subprocess.run([sys.executable, "-m", "tkimeta.scaffold", "cli_crc", "--seed-file", "007_0123456789abcdef.txt",
                            "--label", "CLI study", "--cancer", "colorectal", "--root", str(root)],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already registered" in again.stderr


def test_append_to_config_when_studies_is_last():
    text = "raw_dir: data/raw\nstudies:\n  a:\n    label: x\n# trailing comment\n"
    out = append_to_config(text, "  b:\n    label: y\n")
    assert yaml.safe_load(out)["studies"] == {"a": {"label": "x"}, "b": {"label": "y"}}
    assert out.endswith("# trailing comment\n")


def test_docs_page_walks_through_adding_a_study():
    text = (ROOT / "docs" / "adding-a-study.md").read_text(encoding="utf-8")
    for fragment in ["python -m tkimeta.scaffold", "required", "optional", "publication_year", "exclude:",
                     "not a registered study", "changelog:"]:
        assert fragment in text


# --- 4. publication order ------------------------------------------------------------------

def test_publication_order_missing_years_last_ties_by_id():
    characteristics = pd.DataFrame([
        dict(study_id="b", item="publication_year", value="2024"),
        dict(study_id="c", item="publication_year", value="2024"),
        dict(study_id="d", item="publication_year", value="2021"),
        dict(study_id="e", item="publication_date", value="2024-03-01"),
        dict(study_id="e", item="publication_year", value="2024"),
        dict(study_id="a", item="title", value="no year printed"),
    ])
    order = publication_order(characteristics, ["a", "b", "c", "d", "e"])
    assert list(order["study_id"]) == ["d", "b", "c", "e", "a"]
    basis = dict(zip(order["study_id"], order["order_basis"]))
    assert "tie broken by study id" in basis["b"] and "no publication year" in basis["a"]
    assert basis["e"] == "publication date"


def test_real_papers_publication_years():
    """Only fruq_crc prints a year (its copyright line); the others are not given one."""
    from tkimeta.io import read_text_csv

    rows = [read_text_csv(p) for p in sorted((ROOT / "data" / "raw").glob("*/characteristics.csv"))]
    order = publication_order(pd.concat(rows), STUDIES)
    years = dict(zip(order["study_id"], order["publication_year"]))
    assert years["fruq_crc"] == "2025"
    assert {s for s, y in years.items() if y} == {"fruq_crc"}
    assert list(order["study_id"]) == ["fruq_crc"] + sorted(s for s in STUDIES if s != "fruq_crc")


def test_small_study_effects_not_assessable_below_ten():
    inputs = pd.read_csv(Path(__file__).parent / "data" / "pipeline_inputs.csv", dtype=str, keep_default_na=False)
    table = small_study_effects(inputs, ["ORR", "median_PFS", "AE_nothing"])
    assert not table["assessable"].any()
    orr = table[(table.outcome == "ORR") & (table.subgroup == "all")].iloc[0]
    assert orr["reason"].startswith("not assessable: k = 4 < 10")
    assert table[table.outcome == "AE_nothing"].iloc[0]["reason"] == "not assessable: no study reports this outcome"


# --- 6. changelog -----------------------------------------------------------------------------

def test_changelog_between_two_fixture_releases():
    v1, v2 = load_release(RELEASES / "v1"), load_release(RELEASES / "v2")
    changes, summary = changelog(v1, v2)
    assert summary["studies_added"] == ["synth_crc"] and summary["studies_removed"] == []
    moves = estimate_moves(v1, v2).set_index(["outcome", "method"])
    assert moves.loc[("ORR", "glmm"), "before"] == "0.199 (0.139–0.276), k = 4"
    assert moves.loc[("ORR", "glmm"), "after"] == "0.21 (0.15–0.28), k = 5"
    assert moves.loc[("CBR", "glmm"), "after"] == "no longer estimated"
    assert moves.loc[("HR_PFS_liver", "reml_hksj"), "before"] == "not in the previous release"
    assert ("DCR", "glmm") not in moves.index, "0.7500000000 and 0.75 are the same number"
    ratings = rating_changes(changes)
    assert list(zip(ratings["key"], ratings["column"], ratings["before"], ratings["after"])) == [
        ("outcome=median_PFS; subgroup=all", "certainty", "very low", "low"),
        ("outcome=median_PFS; subgroup=all", "downgraded_for", "risk of bias; inconsistency; imprecision",
         "risk of bias; inconsistency")]
    text = changelog_markdown(summary, estimate_moves(v1, v2), ratings, changes)
    assert "Studies added: synth_crc." in text and "| very low | low |" in text
    # the other direction
    _, back = changelog(v2, v1)
    assert back["studies_removed"] == ["synth_crc"]


def test_changelog_previous_must_be_a_release(tmp_path):
    with pytest.raises(ReleaseError, match="neither a results folder nor a git revision"):
        load_release(tmp_path / "nowhere", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReleaseError, match="not a results folder"):
        load_release(tmp_path / "empty", tmp_path)


def test_changelog_from_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(RELEASES / "v1", repo / "results")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-f", "results"], check=True)
    subprocess.run([*git, "commit", "-qm", "release v1"], check=True)
    release = load_release("HEAD", repo)
    assert "pooled/estimates.csv" in release.tables and "report/assets/grade.csv" in release.tables
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "no results"], check=True)
    subprocess.run([*git, "rm", "-rq", "results"], check=True)
    subprocess.run([*git, "commit", "-qm", "results removed"], check=True)
    with pytest.raises(ReleaseError, match="has no results/pooled/estimates.csv"):
        load_release("HEAD", repo)


# --- done means: a new study is a folder plus one config entry ----------------------------------

def _changed_files(copy: Path) -> set[str]:
    changed = set()
    for path in copy.rglob("*"):
        relative = path.relative_to(copy)
        if not path.is_file() or relative.parts[0] in ("results", "logs", "benchmarks", ".snakemake", "prev") \
                or "__pycache__" in relative.parts:
            continue
        original = ROOT / relative
        if not original.exists() or not filecmp.cmp(path, original, shallow=False):
            changed.add(relative.as_posix())
    return changed


def test_a_new_study_is_data_and_rebuilds_everything(tmp_path):
    copy = copy_workflow(tmp_path / "wf")
    first = run_snakemake(copy, "results/pooled/estimates.csv", "results/evidence/cumulative.csv", timeout=1500)
    assert first.returncode == 0, first.stderr[-3000:]
    shutil.copytree(copy / "results", copy / "prev" / "results")
    before = pd.read_csv(copy / "results/pooled/estimates.csv")

    add_synthetic_study(copy)
    config_path = copy / "config.yaml"
    text = config_path.read_text(encoding="utf-8")
    text = text.replace("changelog:\n  previous: null", "changelog:\n  previous: prev/results")
    config_path.write_text(text, encoding="utf-8")
    # nothing but the study's folder and config.yaml differs from the project
    assert _changed_files(copy) == {"config.yaml"} | {f"data/raw/{STUDY}/{t}.csv" for t in
                                                      ["baseline", "characteristics", "effects", "response", "survival"]}

    started = time.monotonic()
    second = run_snakemake(copy, timeout=1500)
    seconds = time.monotonic() - started
    assert second.returncode == 0, second.stderr[-3000:]
    print(f"rebuild after adding a study: {seconds:.0f} s")

    after = pd.read_csv(copy / "results/pooled/estimates.csv")
    def k(frame, outcome):
        row = frame[(frame.outcome == outcome) & (frame.subgroup == "all") & (frame.analysis == "primary")].iloc[0]
        return int(row["k"]), str(row["studies"])
    for outcome in ["ORR", "DCR", "median_PFS", "median_OS", "HR_PFS_liver", "RoM_PFS_liver"]:
        (k_before, _), (k_after, studies) = k(before, outcome), k(after, outcome)
        assert k_after == k_before + 1 and STUDY in studies.split(";"), outcome
    assert STUDY in set(pd.read_csv(copy / "results/clean/characteristics.csv")["study_id"])
    audit = pd.read_csv(copy / "results/audit/audit.csv")
    assert STUDY in set(audit["study_id"])
    assert LABEL in (copy / "results/report/assets/studies.md").read_text(encoding="utf-8")
    assert LABEL in (copy / "results/report/report.html").read_text(encoding="utf-8")
    cumul = pd.read_csv(copy / "results/evidence/cumulative.csv")
    orr = cumul[(cumul.outcome == "ORR") & (cumul.subgroup == "all")].sort_values("step")
    assert list(orr["study_id"])[:2] == ["fruq_crc", STUDY], "dated papers first, in year order"
    changes = (copy / "results/evidence/changelog.md").read_text(encoding="utf-8")
    assert f"Studies added: {STUDY}." in changes
    assert "Changes since the previous release" in (copy / "results/evidence/living_evidence.md").read_text()
