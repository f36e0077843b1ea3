"""Findings: checks grouped per reported quantity, classified, and marked with the pooled
outcomes they touch; on small fixtures and on the five papers."""

import pandas as pd
import pytest
import yaml

from conftest import ROOT, STUDIES
from tkimeta.audit.findings import (
    FINDING_CLASSES, assign_findings, classify_check, damage_variants, findings_summary, findings_table,
)
from tkimeta.audit.study import AUDIT_COLUMNS, audit_study


# --- small fixtures -------------------------------------------------------------------


def _row(check, status, reported="", recomputed="", detail="", rows="", **extra):
    return {"study_id": "x", "check": check, "quantity": extra.pop("quantity", "q"), "population": "all",
            "location": extra.pop("location", "table_2"), "reported": reported, "recomputed": recomputed,
            "status": status, "detail": detail, "rows": rows,
            "significance_disagrees": extra.pop("significance_disagrees", "")}


def test_damage_variants():
    assert ("13.3", "decimal point lost") in damage_variants("133")
    assert ("11.5", "leading digit lost") in damage_variants("1.5")
    assert all(how != "decimal point lost" for _, how in damage_variants("1.5"))


def test_classes_on_fixtures():
    ocr = classify_check(_row("median_ci_shape", "discrepancy", "132 (8.2-18.2)", "median outside CI"))
    assert ocr[0] == "ocr_damage" and "13.2 (decimal point lost) centres the CI" in ocr[1]
    # a lost leading digit that no reading centres is damage, said to be unrepaired
    lost = classify_check(_row("median_ci_shape", "discrepancy", "1.5 (8.6-20.1)", "median outside CI"))
    assert lost[0] == "ocr_damage" and "not repaired" in lost[1]
    # a median outside its CI that no lost glyph explains is not damage
    assert classify_check(_row("median_ci_shape", "discrepancy", "25.0 (8.4-21.4)"))[0] == "computation_mismatch"
    assert classify_check(_row("percent_from_count", "discrepancy", "34%", "3/87 = 3.45%"))[0] == "ocr_damage"
    assert classify_check(_row("same_quantity_across_locations", "discrepancy", "table_3 34, results 3.4"))[0] == "ocr_damage"
    assert classify_check(_row("same_quantity_across_locations", "discrepancy",
                               "abstract 16.2, results 16.2, discussion 25.6"))[0] == "author_inconsistency"
    split = _row("sum_grade_bands", "discrepancy", "19", "9",
                 "grade bands vs any grade: 1_2+3plus = 6+3 = 9 vs printed total 19 (off by -10)")
    assert classify_check(split, ocr_source=True)[0] == "ocr_damage"
    assert classify_check(split, ocr_source=False)[0] == "author_inconsistency"
    assert classify_check(_row("p_value_vs_ci", "discrepancy"))[0] == "computation_mismatch"
    assert classify_check(_row("percent_from_count", "rounding"))[0] == "rounding"
    assert classify_check(_row("percent_from_count", "consistent")) == ("", "")
    assert classify_check(_row("grim_percent", "not_checkable")) == ("", "")


def test_checks_on_one_printed_row_are_one_finding():
    audit = pd.DataFrame([
        _row("ratio_geometric_midpoint", "discrepancy", rows="x/effects.csv:3"),
        _row("p_value_vs_ci", "discrepancy", rows="x/effects.csv:3", significance_disagrees="yes"),
        _row("ratio_geometric_midpoint", "consistent", rows="x/effects.csv:4"),
        _row("percent_from_count", "rounding", rows="x/rates.csv:2"),
        _row("same_quantity_across_locations", "discrepancy", "abstract 16.2, discussion 25.6",
             rows="x/rates.csv:2;x/rates.csv:5", location="abstract;discussion"),
        _row("duplicate_estimates", "discrepancy"),
    ])
    out = assign_findings(audit)
    assert list(out["finding"]) == ["x-F01", "x-F01", "", "x-F02", "x-F02", "x-F03"]
    inputs = pd.DataFrame({"outcome": ["ORR"], "source": ["best response, results (x/rates.csv:5)"]})
    table = findings_table(out, inputs)
    assert len(table) == 3
    # order: pooled input first, then conclusion (significance), then cosmetic
    assert list(table["impact"]) == ["pooled_input", "conclusion", "cosmetic"]
    assert table.iloc[0]["pooled_outcomes"] == "ORR"
    assert table.iloc[0]["finding_class"] == "author_inconsistency"  # outranks rounding
    assert table.iloc[1]["n_checks"] == 2 and table.iloc[1]["checks"] == "ratio_geometric_midpoint;p_value_vs_ci"
    summary = findings_summary(table, out, ["x"]).iloc[0]
    assert (summary["checks"], summary["checks_not_consistent"], summary["findings"]) == (6, 5, 3)
    assert sum(summary[c] for c in FINDING_CLASSES) == 3


# --- the five papers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def audits(cleaned_by_study):
    return {s: audit_study(s, cleaned_by_study[s], ocr_source=(s == "anlo_escc")) for s in STUDIES}


@pytest.fixture(scope="module")
def findings(audits, cleaned):
    from tkimeta.pooling.inputs import Context, build_inputs

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    audit = pd.concat(list(audits.values()), ignore_index=True)
    ctx = Context(config["studies"], config["pooling"]["response_denominator"], config["pooling"]["ci_level"])
    inputs = build_inputs(cleaned, ctx, audit, config["outcomes"]["ae_terms"])
    return findings_table(audit, inputs)


def _one(findings, study, quantity, population=None, check=None):
    rows = findings[(findings.study_id == study) & (findings.quantity == quantity)]
    if population is not None:
        rows = rows[rows.population == population]
    if check is not None:
        rows = rows[rows.checks.str.contains(check)]
    assert len(rows) == 1, rows[["finding", "quantity", "population", "checks"]]
    return rows.iloc[0]


def test_columns(audits):
    for audit in audits.values():
        assert list(audit.columns) == AUDIT_COLUMNS
        classified = audit[audit.status.isin(["rounding", "discrepancy"])]
        assert (classified.finding_class != "").all() and (classified.finding != "").all()
        assert (audit.loc[audit.status == "consistent", "finding"] == "").all()


ESCC_DAMAGED_MEDIANS = ["age_lt_63", "female", "prior_surgery_no", "met_sites_lt_3", "combined_radiotherapy_yes",
                        "combined_radiotherapy_no", "anlotinib_10mg", "tislelizumab"]


def test_ocr_damage_on_the_papers(findings):
    ocr = findings[findings.finding_class == "ocr_damage"]
    medians = ocr[ocr.quantity == "median OS"]
    # the eight Table 2 medians outside their CIs, plus two unreadable medians ("I'1.5"
    # in Table 2, "|1.5" in the Figure 6 legend)
    assert sorted(medians.population) == sorted(ESCC_DAMAGED_MEDIANS + ["primary_site_middle", "all"])
    lt3 = _one(findings, "anlo_escc", "median OS", "met_sites_lt_3")
    assert "'133' repaired to 13.3" in lt3.detail and "the median 13.3 printed at results" in lt3.detail
    # the lost leading digit of tislelizumab: no reading centres its CI, left unrepaired and said so
    tis = _one(findings, "anlo_escc", "median OS", "tislelizumab")
    assert tis.checks == "median_ci_shape" and "not repaired" in tis.class_reason
    # the proteinuria row of Table 3 is one finding: 6 (184) -> 16 (18.4) and 3(34) -> 3 (3.4)
    prot = ocr[ocr.rows.str.contains("anlo_escc/adverse_events.csv:27")]
    assert len(prot) == 1
    prot = prot.iloc[0]
    assert prot.impact == "pooled_input" and "AE_proteinuria_grade3plus" in prot.pooled_outcomes.split(";")
    for repaired in ("'184' repaired to 18.4", "'6' repaired to 16", "'34' repaired to 3.4"):
        assert repaired in prot.detail
    # the oral mucositis cells printed 'I', determined by their percentages
    muc = ocr[ocr.rows.str.contains("anlo_escc/adverse_events.csv:32")].iloc[0]
    assert "'I' repaired to 11" in muc.detail and "'I' repaired to 1" in muc.detail
    assert "rounded twice" in muc.detail
    # OCR damage is only in the OCR'd paper
    assert set(ocr.study_id) == {"anlo_escc"}


def test_author_inconsistency_on_the_papers(findings):
    orr = _one(findings, "anlo_crc", "ORR (itt)")
    assert orr.finding_class == "author_inconsistency" and "25.6" in orr.detail
    # fruq_crc's text quotes Table 3's grade 1-2 column as the any-grade rate
    prot = _one(findings, "fruq_crc", "AE proteinuria grade any percent")
    assert prot.finding_class == "author_inconsistency"
    assert "48.0%, the grade 1-2 column of table 3 (its total is 50.7%)" in prot.detail
    assert prot.impact == "pooled_input" and prot.pooled_outcomes == "AE_proteinuria"
    # 24.1% 'response' of the ICI-naive is their share of the cohort, 21/87
    share = _one(findings, "anlo_escc", "ORR", "prior_ici_no")
    assert share.finding_class == "author_inconsistency" and "21/87" in share.detail
    # the results' ORR CI, said to be among 82 evaluable, is Clopper-Pearson on 19/87
    stated = _one(findings, "anlo_escc", "ORR (stated evaluable)")
    assert "reproduced by Clopper-Pearson on 19/87" in stated.detail
    assert _one(findings, "nma_crlm", "OS ranking").impact == "conclusion"


def test_computation_mismatch_on_the_papers(findings):
    # ECOG HR 0.63 (0.26-0.85): estimate not the CI's centre, p = 0.011 vs implied 0.13
    ecog = findings[(findings.study_id == "anlo_escc") & (findings.quantity == "HR OS 0 vs 1_2 (ecog)")]
    assert len(ecog) == 2
    assert set(ecog.finding_class) == {"computation_mismatch"}
    assert set(ecog.significance_disagrees) == {"yes"} and set(ecog.impact) == {"conclusion"}
    assert all(r.checks == "ratio_geometric_midpoint;p_value_vs_ci" for r in ecog.itertuples())
    pan = _one(findings, "nma_crlm", "HR PFS panitumumab vs bsc (treatment)")
    assert pan.finding_class == "computation_mismatch" and pan.impact == "cosmetic"


def test_rounding_on_the_papers(findings):
    female = _one(findings, "fruq_crc", "sex=female")
    assert female.finding_class == "rounding" and "33.4%" in female.reported


def test_no_false_alarms_on_the_papers(audits, findings):
    fruq = audits["fruq_crc"]
    os_dup = fruq[(fruq.check == "duplicate_estimates") & (fruq.quantity == "median OS with CI")].iloc[0]
    assert os_dup.status == "consistent" and "whole cohort by construction" in os_dup.detail
    escc = audits["anlo_escc"]
    abstract_ci = escc[(escc.check == "clopper_pearson_ci") & (escc.location == "abstract")]
    assert set(abstract_ci.status) == {"consistent"}


def test_findings_count_problems_not_checks(audits, findings):
    audit = pd.concat(list(audits.values()), ignore_index=True)
    summary = findings_summary(findings, audit, STUDIES).set_index("study_id")
    assert (summary["findings"] < summary["checks_not_consistent"]).any()
    assert (summary[list(FINDING_CLASSES)].sum(axis=1) == summary["findings"]).all()
    assert summary.loc["anlo_escc", "ocr_damage"] >= 10


def test_patterns_within_a_table_and_double_rounding(audits, findings):
    crc = audits["anlo_crc"]
    odd = crc[crc.check == "ci_table_pattern"]
    assert list(odd.population) == ["camrelizumab"] and odd.iloc[0].status == "discrepancy"
    assert "every other CI of table 2" in odd.iloc[0].detail and "4.8 (3.13-6.3)" in odd.iloc[0].detail
    escc = audits["anlo_escc"]
    twice = escc[(escc.check == "grim_percent") & (escc.quantity == "AE mucositis grade 3plus")].iloc[0]
    assert twice.status == "rounding" and "1.149% -> 1.15% -> 1.2%" in twice.detail
    assert twice.class_reason.startswith("the percentage is its exact value rounded twice")
