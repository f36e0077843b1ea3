"""The small test configuration in .test/ runs end to end and passes Snakemake's linter.

.test/config.yaml registers the project's studies and excludes all but two colorectal
papers, so this is also the test of `exclude:` (a sensitivity run without deleting data)
and of a run whose working directory is not the project root (`--directory .test`).
"""

import csv

from conftest import copy_workflow, run_snakemake


def test_lint_is_clean(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--directory", ".test", "--lint")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Congratulations, your workflow is in a good condition" in result.stdout + result.stderr


def test_small_config_runs_end_to_end(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--directory", ".test", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    out = workdir / ".test" / "results"
    assert (out / "report" / "report.html").stat().st_size > 0
    assert (out / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    with open(out / "pooled" / "study_estimates.csv", newline="") as handle:
        studies = {row["study_id"] for row in csv.DictReader(handle)}
    assert studies == {"anlo_crc", "fruq_crc"}
    with open(out / "audit" / "summary.csv", newline="") as handle:
        assert {row["study_id"] for row in csv.DictReader(handle)} == {"anlo_crc", "fruq_crc"}
    assert not (workdir / "results").exists(), "the run wrote outside its working directory"


def test_excluding_an_unregistered_study_is_refused(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = workdir / ".test" / "config.yaml"
    config.write_text(config.read_text().replace("exclude: [anlo_sts, nma_crlm, anlo_escc]",
                                                 "exclude: [anlo_sts, nma_crlm, anlo_escc, anlo_xyz]"))
    result = run_snakemake(workdir, "--directory", ".test", "--dry-run")
    assert result.returncode != 0
    assert "config.yaml, 'exclude': anlo_xyz is not a registered study" in result.stdout + result.stderr
