"""The rendered report: every number comes from the results files, every figure exists
and is embedded, the HTML is self-contained, the PDF has every section."""

import base64
import re

import pandas as pd
import pytest
import yaml

from conftest import ROOT

SECTIONS = ["Summary", "Data and methods", "Audit findings", "Pooled results", "Liver-metastasis analysis",
            "Sensitivity analyses", "Limitations", "Appendix: reproducibility", "References"]


@pytest.fixture(scope="module")
def report(built_workflow):
    results = built_workflow / "results"
    return {
        "html": (results / "report" / "report.html").read_text(encoding="utf-8"),
        "pdf": (results / "report" / "report.pdf").read_bytes(),
        "variables": yaml.safe_load((results / "report" / "assets" / "variables.yml").read_text()),
        "estimates": pd.read_csv(results / "pooled" / "estimates.csv"),
        "audit": pd.read_csv(results / "audit" / "audit.csv", dtype=str, keep_default_na=False),
        "results": results,
    }


def _qmd_sources():
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "report").glob("*.qmd"))


def _lookup(variables, key):
    value = variables
    for part in key.split("."):
        value = value[part]
    return value


def test_every_variable_in_the_source_exists(report):
    keys = re.findall(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}", _qmd_sources())
    assert len(keys) > 30
    for key in keys:
        _lookup(report["variables"], key)  # KeyError names the key


def _primary(estimates, outcome, subgroup="all", method=None):
    rows = estimates[(estimates.outcome == outcome) & (estimates.subgroup == subgroup) & (estimates.analysis == "primary")]
    if method:
        rows = rows[rows.method == method]
    return rows.iloc[0]


@pytest.mark.parametrize("outcome,method,unit", [
    ("ORR", "glmm", "percent"), ("DCR", "glmm", "percent"), ("AE_any", "glmm", "percent"),
    ("AE_grade3plus", "glmm", "percent"), ("median_PFS", "reml_hksj", "months"), ("median_OS", "reml_hksj", "months"),
    ("HR_PFS_liver", "reml_hksj", "ratio"), ("RoM_PFS_liver", "reml_hksj", "ratio"),
])
def test_report_numbers_equal_the_pooled_estimates(report, outcome, method, unit):
    row = _primary(report["estimates"], outcome, method=method)
    shown = report["variables"]["outcomes"][outcome]["all"]
    if unit == "percent":
        expected = [f"{100 * row[c]:.1f}" for c in ("estimate", "ci_lower", "ci_upper")]
    else:
        digits = 1 if unit == "months" else 2
        expected = [f"{row[c]:.{digits}f}" for c in ("estimate", "ci_lower", "ci_upper")]
    assert shown["estimate"].rstrip("%") == expected[0]
    assert shown["ci"].replace("%", "") == f"{expected[1]}-{expected[2]}"
    assert shown["k"] == str(row.k)
    # and the sentence with these numbers is in the rendered HTML
    assert shown["text"] in report["html"]


def test_liver_subgroup_and_test_numbers(report):
    est = report["estimates"]
    liver = _primary(est, "median_PFS", "liver_met", "reml_hksj")
    assert report["variables"]["outcomes"]["median_PFS"]["liver_met"]["estimate"] == f"{liver.estimate:.1f}"
    tests = pd.read_csv(report["results"] / "pooled" / "subgroup_tests.csv")
    row = tests[(tests.outcome == "median_PFS") & (tests.method == "reml_hksj")].iloc[0]
    p = report["variables"]["tests"]["median_PFS"]["p"]
    assert p == ("< 0.001" if row.p_value < 0.001 else f"{row.p_value:.3f}")


def test_audit_counts_in_the_report(report):
    audit = report["audit"]
    summary = report["variables"]["summary"]
    counted = report["variables"]["findings"]
    assert summary["n_checks"] == str(len(audit)) == counted["n_checks"]
    corrections = pd.read_csv(report["results"] / "clean" / "corrections.csv")
    assert summary["n_repairs"] == str(len(corrections))
    # the report counts problems (findings), not checks, and lists every one of them
    findings = pd.read_csv(report["results"] / "audit" / "findings.csv", keep_default_na=False)
    assert counted["n_findings"] == str(len(findings)) and len(findings) < (audit.status != "consistent").sum()
    for impact, n in findings["impact"].value_counts().items():
        assert counted[impact] == str(n)
    findings_table = (report["results"] / "report" / "assets" / "audit_findings.md").read_text(encoding="utf-8")
    assert findings_table.count("\n| ") == len(findings)  # one row per finding below the header
    assert "audit_findings.md" not in report["html"] and "tbl-audit-findings" in report["html"]


def test_every_figure_referenced_exists_and_is_embedded(report):
    figures = re.findall(r"\]\((figures/[^)]+)\)\{#fig-", _qmd_sources())
    assert len(figures) >= 10
    html = report["html"]
    embedded = re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    for figure in figures:
        path = report["results"] / figure
        assert path.is_file(), figure
        assert base64.b64encode(path.read_bytes()).decode() in embedded, f"{figure} not embedded"


def test_html_is_self_contained(report):
    html = report["html"]
    assert "{{<" not in html  # no unexpanded shortcodes
    external = re.findall(r'<(?:img|script|link|iframe|source|video|audio)\b[^>]*(?:src|href)="(?:https?:)?//', html)
    assert external == []
    assert "@import" not in html
    for section in SECTIONS:
        assert section in html, section
    assert re.search(r"Figure(\s|&nbsp;|\u00a0)1", html) and re.search(r"Table(\s|&nbsp;|\u00a0)1", html)
    assert "?@" not in html  # unresolved cross-references


def test_pdf_has_every_page_and_figure(report):
    pdf = report["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    images = len(re.findall(rb"/Subtype\s*/Image", pdf))
    figures = len(re.findall(r"\]\((figures/[^)]+)\)\{#fig-", _qmd_sources()))
    assert pages >= 15
    assert images >= figures
