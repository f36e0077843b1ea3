"""The papers' evaluative claims, checked against the numbers they rest on: one test per
kind of claim on small fixtures (a case that holds and one that fails), one per kind on
the real papers naming the claims expected in each result, and the claims as findings
and in the report's words."""

import pandas as pd
import pytest

from conftest import STUDIES
from tkimeta.audit import claim_checks as cc
from tkimeta.audit.study import audit_study


# --- small fixtures, one per kind of claim --------------------------------------------


def test_significant_difference():
    # an interval spanning 1, or a p at alpha or above, does not carry a claimed difference
    assert cc.significant_benefit_check("0.66", "0.2", "2.18").status == "discrepancy"
    spans = cc.significant_benefit_check("0.80", "0.55", "1.16")
    assert "interval includes 1" in spans.detail
    p_only = cc.significant_benefit_check("", "", "", "0.082", "=")
    assert p_only.status == "discrepancy" and "P = 0.082 is not below 0.05" in p_only.detail
    assert cc.significant_benefit_check("", "", "", "0.05", "=").status == "discrepancy"  # p = alpha is not below
    assert cc.significant_benefit_check("0.63", "0.26", "0.85", "0.011", "=").status == "consistent"
    assert cc.significant_benefit_check("", "", "", "0.001", "<").status == "consistent"
    # an interval that excludes 1 but a p that does not agree is still a claim not carried
    assert cc.significant_benefit_check("0.7", "0.5", "0.9", "0.2", "=").status == "discrepancy"
    assert cc.significant_benefit_check("", "", "").status == "not_checkable"


def test_not_significant():
    assert cc.not_significant_check("0.92", "0.54", "1.57").status == "consistent"
    assert cc.not_significant_check("", "", "", "0.05", ">").status == "consistent"
    assert cc.not_significant_check("", "", "", "0.095", "=").status == "consistent"
    excludes = cc.not_significant_check("0.78", "0.67", "0.91")
    assert excludes.status == "discrepancy" and "interval excludes 1" in excludes.detail
    assert cc.not_significant_check("", "", "", "0.03", "=").status == "discrepancy"
    assert cc.not_significant_check("", "", "", "0.01", ">").status == "not_checkable"  # P > 0.01 is open at 0.05


def test_uniform_benefit():
    held = cc.uniform_benefit_check({"age": ("0.51", "="), "sex": ("0.39", "=")})
    assert held.status == "consistent"
    broken = cc.uniform_benefit_check({"age": ("0.51", "="), "ecog": ("0.013", "=")})
    assert broken.status == "discrepancy" and "ecog P = 0.013" in broken.detail and "age" not in broken.detail
    assert cc.uniform_benefit_check({}).status == "not_checkable"


def test_higher_and_lower_than():
    assert cc.comparison_check("12.5", "8.6", higher=True).status == "consistent"
    lower = cc.comparison_check("72.1", "75.9", higher=True, subject="this study", comparator="ALTER0703")
    assert lower.status == "discrepancy" and "this study 72.1 is lower than ALTER0703 75.9" in lower.detail
    assert cc.comparison_check("1.5", "4", higher=False).status == "consistent"
    assert cc.comparison_check("4", "4", higher=False).status == "discrepancy"
    # another study's value not quoted: cannot be judged; the paper's own groups not printed: a discrepancy
    assert cc.comparison_check("73.6", "", higher=True).status == "not_checkable"
    own = cc.comparison_check("", "", higher=False, subject="liver_met", comparator="no_liver_met", own_data=True)
    assert own.status == "discrepancy" and "prints no value for liver_met and no_liver_met" in own.detail


def test_reference_group():
    assert cc.reference_group_check("4.2", "ecog_2", ["4.2"], ["5.3"], {}).status == "consistent"
    whole = cc.reference_group_check("7.6", "non_asps", ["6.3"], ["7.6"], {"ss": ["7.6"]})
    assert whole.status == "discrepancy" and "whole cohort's value" in whole.detail
    assert "the paper prints 6.3 for non_asps" in whole.detail
    other = cc.reference_group_check("6.3", "non_asps", [], ["7.6"], {"other_subtypes": ["6.3"]})
    assert other.status == "discrepancy" and "'other_subtypes'" in other.detail
    assert cc.reference_group_check("5.0", "x", ["5.5"], ["7.6"], {}).status == "discrepancy"
    assert cc.reference_group_check("19.3", "low_cea", [], ["15.3"], {}).status == "not_checkable"


def test_best():
    assert cc.best_check("b", {"a": "0.5", "b": "0.7"}).status == "consistent"
    assert cc.best_check("a", {"a": "0.5", "b": "0.7"}).status == "discrepancy"
    # hazard ratios: lower is better
    hr = cc.best_check("ram", {"ram": "0.8", "pan": "0.55", "bsc": "1"}, higher_is_better=False)
    assert hr.status == "discrepancy" and "pan has the better value" in hr.detail
    # the named top options must be the top of the values, in any order
    assert cc.best_check(["a", "b"], {"a": "0.9", "b": "0.8", "c": "0.7"}).status == "consistent"
    top = cc.best_check(["a", "d", "c"], {"a": "0.9", "b": "0.8", "c": "0.7"})
    assert top.status == "discrepancy" and "b has the better value" in top.detail and "d has no printed value" in top.detail
    # a named option beyond the printed top ones is not contradicted
    assert cc.best_check(["a", "b", "z"], {"a": "0.9", "b": "0.8"}).status == "consistent"
    assert cc.best_check("x", {}).status == "not_checkable"


def test_consistent_with():
    assert cc.consistent_with_check("5.8", "3.9", "6.4").status == "consistent"
    out = cc.consistent_with_check("25.6", "7.1", "11.8")
    assert out.status == "discrepancy" and "excludes the study's own 25.6" in out.detail
    # a single value of another study against the study's own interval
    assert cc.consistent_with_check("34.4", "25", "25", "18.6", "53.2").status == "consistent"
    assert cc.consistent_with_check("84.4", "100", "100", "67.2", "94.7").status == "discrepancy"
    assert cc.consistent_with_check("50.6", "41", "41").status == "not_checkable"  # no interval of its own
    assert cc.consistent_with_check("6.7", "", "").status == "not_checkable"  # no number of the other studies


def test_durable():
    held = cc.durable_check(["median duration of response 6.7 months (2.89-10.53)"], [])
    assert held.status == "consistent" and "6.7 months" in held.detail
    assert cc.durable_check([], ["12-month duration-of-response rate 36.8%"]).status == "consistent"
    none = cc.durable_check([], [])
    assert none.status == "discrepancy" and "prints no duration of response" in none.detail


def test_low_grade():
    assert cc.low_grade_check({"fatigue": (10, 1)}, mostly=False).status == "discrepancy"
    assert cc.low_grade_check({"bleeding": (5, 0)}, mostly=False).status == "consistent"
    assert cc.low_grade_check({"fatigue": (10, 1)}, mostly=True).status == "consistent"
    assert cc.low_grade_check({"fatigue": (10, 5)}, mostly=True).status == "discrepancy"  # half is not most
    assert cc.low_grade_check({}, mostly=True).status == "not_checkable"


def test_most_common_aes():
    r = cc.most_common_aes_check(["a"], {"a": "20.0", "b": "16.0", "c": "3.0"}, "15")
    assert r.status == "discrepancy" and "leaves out b (16.0%)" in r.detail
    below = cc.most_common_aes_check(["a", "c"], {"a": "20.0", "c": "3.0"}, "15")
    assert below.status == "discrepancy" and "lists c (3.0%) below 15%" in below.detail
    assert cc.most_common_aes_check(["a", "b"], {"a": "20.0", "b": "16.0", "c": "3.0"}, "15").status == "consistent"
    # no threshold printed: the lowest listed rate is the threshold the list implies
    implied = cc.most_common_aes_check(["a", "c"], {"a": "20.0", "b": "4.0", "c": "3.0"})
    assert implied.status == "discrepancy" and "leaves out b (4.0%)" in implied.detail
    assert cc.most_common_aes_check(["a", "b"], {"a": "20.0", "b": "4.0", "c": "3.0"}).status == "consistent"
    # the list is that of another column of the table
    pattern = cc.most_common_aes_check(["a"], {"a": "20.0", "b": "16.0"}, "15",
                                       {"grade 1-2": {"a": "18.0", "b": "10.0"}})
    assert "exactly the list of the grade 1-2 column" in pattern.detail


# --- the real papers, one test per kind of claim --------------------------------------


@pytest.fixture(scope="module")
def audits(cleaned_by_study):
    return {s: audit_study(s, cleaned_by_study[s], ocr_source=(s == "anlo_escc")) for s in STUDIES}


@pytest.fixture(scope="module")
def claims(audits):
    """Every claim check of the papers, with the claim's subject and sentence from claims.csv."""
    frame = pd.concat(list(audits.values()), ignore_index=True)
    return frame[frame["check"].str.startswith("claim_")]


def _results(claims, check, study=None):
    rows = claims[claims["check"] == check]
    if study:
        rows = rows[rows["study_id"] == study]
    return {(r.study_id, r.location, r.quantity.split(": ", 1)[-1]): r.status for r in rows.itertuples()}


def _status(results, status):
    return sorted(k for k, v in results.items() if v == status)


def test_real_significant_difference(claims):
    results = _results(claims, "claim_significant_benefit")
    assert _status(results, "discrepancy") == sorted([
        ("anlo_escc", "discussion", "anlotinib_plus_ici vs anlotinib_alone (ORR)"),  # Liu et al.'s P = 0.082
        ("nma_crlm", "results", "ctca vs ctfu (OS)"),  # 'better efficacy', HR 0.66 (0.2-2.18)
        ("nma_crlm", "results", "napabucasin vs ctfu (OS)"),  # 'performed worse', intervals spanning 1
        ("nma_crlm", "results", "nintedanib vs ctfu (OS)"),
        ("nma_crlm", "results", "ramucirumab vs ctfu (OS)"),
    ])
    # the claims resting on a supplement figure print no number
    assert _status(results, "not_checkable") == sorted([
        ("fruq_crc", "abstract", "liver_met_and_ecog vs liver_met_alone (PFS)"),
        ("fruq_crc", "results", "liver_met_and_ecog vs liver_met_alone (PFS)"),
        ("nma_crlm", "results", "ctfu vs ctca (PFS)"),
        ("nma_crlm", "results", "multi_targeted_therapy vs chemotherapy (OS)"),
        ("nma_crlm", "results", "targeted_therapy_plus_chemotherapy vs chemotherapy (PFS)"),
    ])
    for carried in [("anlo_escc", "results", "ecog_0 vs ecog_1_2 (OS)"), ("anlo_crc", "discussion", "left_sided vs right_sided (PFS)"),
                    ("fruq_crc", "abstract", "liver_met vs no_liver_met (PFS)"), ("anlo_sts", "results", "asps vs non_asps (PFS)")]:
        assert results[carried] == "consistent", carried


def test_real_not_significant(claims):
    results = _results(claims, "claim_not_significant")
    assert _status(results, "discrepancy") == []
    assert results[("anlo_crc", "results", "liver_met vs no_liver_met (PFS)")] == "consistent"  # P = 0.095
    assert results[("anlo_crc", "discussion", "met_sites_le3 vs met_sites_gt3 (OS)")] == "consistent"  # 'marginally' 0.057
    assert results[("anlo_escc", "discussion", "prior_ici_yes vs prior_ici_no (PFS)")] == "consistent"  # P > 0.05
    assert results[("nma_crlm", "abstract", "targeted_therapy vs chemotherapy (OS)")] == "consistent"  # 'comparable'
    assert _status(results, "not_checkable") == [("anlo_escc", "discussion", "anlotinib_plus_pd1 vs pd1_alone (AE)")]


def test_real_uniform_benefit(claims):
    results = _results(claims, "claim_uniform_benefit")
    # 'all patients might benefit uniformly', two sentences after Table 2's ECOG (P = 0.013)
    # and tumour location (P = 0.008) tests, in the results and again in the discussion
    assert results == {("anlo_crc", "results", "claimed benefit alike in every subgroup (PFS)"): "discrepancy",
                       ("anlo_crc", "discussion", "claimed benefit alike in every subgroup (PFS)"): "discrepancy"}
    detail = claims[claims["check"] == "claim_uniform_benefit"].iloc[0]["detail"]
    assert "ecog P = 0.013" in detail and "tumour_location P = 0.008" in detail


def test_real_higher_and_lower_than(claims):
    higher, lower = _results(claims, "claim_higher_than"), _results(claims, "claim_lower_than")
    # 'outperformed ... ALTER0703 (DCR = 75.9%)' with the discussion's own DCR of 72.1%
    assert _status(higher, "discrepancy") == [("anlo_crc", "discussion", "this study vs ALTER0703 anlotinib arm (DCR)")]
    # 'patients with liver metastasis demonstrated a decreased ORR, ... in line with our study': no ORR by liver metastasis printed
    assert _status(lower, "discrepancy") == [("anlo_crc", "discussion", "liver_met vs no_liver_met (ORR)")]
    assert _status(higher, "not_checkable") == [("anlo_escc", "discussion", "this study vs Hong et al. 2025 (DCR)")]
    # fruq_crc's 'our study further supported this conclusion' is judged by the results' 2.3% vs 27.6%
    assert lower[("fruq_crc", "discussion", "liver_met vs no_liver_met (ORR)")] == "consistent"
    assert higher[("anlo_sts", "discussion", "this study vs anlotinib monotherapy phase II (PFS)")] == "consistent"


def test_real_reference_group(claims):
    results = _results(claims, "claim_reference_group")
    # ASPS against 'the other subtypes': the discussion quotes the whole cohort's 7.6 months
    # and 34.4%, the results quote the 'Other subtypes' row of Table 2
    assert _status(results, "discrepancy") == sorted([
        ("anlo_sts", "discussion", "asps vs non_asps (ORR)"),
        ("anlo_sts", "discussion", "asps vs non_asps (PFS)"),
        ("anlo_sts", "results", "asps vs non_asps (PFS)"),
    ])
    assert results[("anlo_crc", "results", "ecog_0_1 vs ecog_2 (PFS)")] == "consistent"
    # a median that only coincides with an unrelated group's is no evidence
    assert results[("fruq_crc", "results", "high_cea vs low_cea (OS)")] == "not_checkable"


def test_real_best(claims):
    results = _results(claims, "claim_best")
    assert _status(results, "discrepancy") == sorted([
        # 'the best options were HAI ..., aflibercept ... and panitumumab plus CTFU': the
        # third of the SUCRA ranking is bevacizumab plus ICTFU
        ("nma_crlm", "abstract", "hai_followed_by_singlect, aflibercept_plus_ctfu, panitumumab_plus_ctfu (PFS)"),
        ("nma_crlm", "discussion", "hai_followed_by_singlect, aflibercept_plus_ctfu, panitumumab_plus_ctfu (PFS)"),
        # 'ramucirumab performed the best' with the largest HR of the three against BSC
        ("nma_crlm", "results", "ramucirumab (PFS)"),
    ])
    assert _status(results, "not_checkable") == [("nma_crlm", "results", "hai_followed_by_singlect, tace_plus_ctfu, tare_plus_ctfu (OS)")]
    assert results[("nma_crlm", "results", "fruquintinib (OS)")] == "consistent"  # every HR against it is above 1


def test_real_consistent_with(claims):
    results = _results(claims, "claim_consistent_with")
    assert _status(results, "discrepancy") == sorted([
        ("anlo_crc", "discussion", "other studies 7.1-11.8 (ORR)"),  # against the study's own 25.6%
        ("anlo_escc", "discussion", "other studies 10-11 (OS)"),  # 'consistency of 10-11 month OS', its own 11.5
        ("anlo_sts", "discussion", "other study 100 (DCR)"),  # Yuan's 100% against its own 67.2-94.7%
    ])
    rows = claims[(claims["check"] == "claim_consistent_with") & (claims["status"] == "discrepancy")]
    assert any("excludes the study's own 25.6" in d for d in rows["detail"])
    assert results[("anlo_escc", "discussion", "other study 43 (OS)")] == "consistent"  # KEYNOTE-181 in 38.1-59.1
    # no number quoted for the other studies, or a single value and no interval of the study's own
    assert _status(results, "not_checkable") == sorted([
        ("anlo_crc", "discussion", "claimed consistent (DoR)"), ("anlo_sts", "discussion", "claimed consistent (AE)"),
        ("fruq_crc", "discussion", "claimed consistent (any)"), ("anlo_escc", "discussion", "claimed consistent (any)"),
        ("anlo_escc", "discussion", "other study 41 (AE)"),
    ])


def test_real_durable(claims):
    results = _results(claims, "claim_durable")
    # anlo_sts calls its efficacy durable and prints no duration of response; anlo_crc prints its 6.7 months
    assert results == {("anlo_sts", "abstract", "claimed durable (DoR)"): "discrepancy",
                       ("anlo_sts", "conclusion", "claimed durable (DoR)"): "discrepancy",
                       ("anlo_crc", "discussion", "claimed durable (DoR)"): "consistent"}


def test_real_low_grade(claims):
    mostly, every = _results(claims, "claim_mostly_low_grade"), _results(claims, "claim_all_low_grade")
    assert set(mostly.values()) == {"consistent"} and len(mostly) == 3
    # 'only 20.7% pneumonitis (all low grade)' against Table 3's 4 grade >= 3 of 18
    assert every == {("anlo_escc", "discussion", "pneumonitis (AE)"): "discrepancy",
                     ("anlo_escc", "discussion", "bleeding (AE)"): "consistent"}  # no grade 3-5 bleeding
    pneumonitis = claims[(claims["check"] == "claim_all_low_grade") & (claims["status"] == "discrepancy")].iloc[0]
    assert "pneumonitis 4 of 18 at grade >=3" in pneumonitis.detail
    assert mostly[("fruq_crc", "results", "any_irae (AE)")] == "consistent"  # irAEs 34 + 6 + 0 of 40


def test_real_most_common_aes(claims):
    rows = claims[claims["check"] == "claim_most_common_aes"]
    bad = rows[rows["status"] == "discrepancy"]
    assert sorted(zip(bad["study_id"], bad["location"])) == [("anlo_escc", "results"), ("fruq_crc", "results")]
    fruq = bad[bad["study_id"] == "fruq_crc"].iloc[0]
    # '>= 15%' leaves out Table 3's diarrhoea and fatigue; the merged hepatotoxicity is no false alarm;
    # the list is the grade 1-2 column's
    assert "leaves out diarrhoea (18.7%), fatigue (16.0%)" in fruq.detail and "below" not in fruq.detail
    assert "exactly the list of the grade 1-2 column" in fruq.detail
    escc = bad[bad["study_id"] == "anlo_escc"].iloc[0]
    assert "leaves out hypothyroidism (2.3%)" in escc.detail  # grade >= 3 list down to mucositis 1.2%
    assert (rows["status"] == "consistent").sum() == len(rows) - 2


# --- claims as findings and in the report ---------------------------------------------


def test_claim_findings(audits):
    from tkimeta.audit.findings import findings_table

    audit = pd.concat(list(audits.values()), ignore_index=True)
    table = findings_table(audit)
    claims = table[table["finding_class"] == "unsupported_claim"]
    assert (claims["checks"].str.split(";").map(lambda c: all(x.startswith("claim_") for x in c))).all()
    assert set(claims["impact"]) == {"conclusion"}
    # one finding per claim: the abstract's and the discussion's 'best options' are two,
    # although both are judged by the same SUCRA rows (kept as evidence)
    best = claims[claims["quantity"].str.contains("panitumumab_plus_ctfu")]
    assert sorted(best["location"]) == ["abstract", "discussion"]
    assert best["evidence"].str.contains("nma_crlm/rankings.csv:").all()
    # every claim row of the audit is a claims.csv row
    assert audit.loc[audit["check"].str.startswith("claim_"), "rows"].str.fullmatch(r"\w+/claims\.csv:\d+").all()


def test_claims_in_the_report_words(audits):
    from tkimeta.audit.findings import findings_table
    from tkimeta.report.audit_assets import findings_report_table

    from conftest import CONFIG

    labels = {s: CONFIG["studies"][s]["label"] for s in STUDIES}
    table = findings_report_table(findings_table(pd.concat(list(audits.values()), ignore_index=True)), labels)
    claims = table[table["Class"] == "claim not supported by the paper's numbers"]
    text = " ".join(claims.astype(str).to_numpy().ravel())
    assert "claims.csv" not in text and "_" not in text
    sts = claims[claims["Quantity"].str.contains("asps vs non asps")]
    assert any("whole cohort's value" in f for f in sts["Finding"])
    # the place is the paper's section and its sentence
    assert any(w.startswith("Discussion: \"patients with ASPS") for w in sts["Where"])
