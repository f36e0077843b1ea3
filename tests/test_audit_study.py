"""The audit finds each internal inconsistency of the five papers (with both numbers)
and calls clean values consistent."""

import pytest

from conftest import STUDIES
from tkimeta.audit.study import AUDIT_COLUMNS, audit_study


@pytest.fixture(scope="module")
def audits(cleaned_by_study):
    return {study: audit_study(study, cleaned_by_study[study], ocr_source=(study == "anlo_escc")) for study in STUDIES}


def finding(audits, study, check, quantity, location=None, population=None):
    """The single audit row of a check on a quantity (location/population narrow it)."""
    audit = audits[study]
    rows = audit[(audit.check == check) & (audit.quantity == quantity)]
    if location is not None:
        rows = rows[rows.location == location]
    if population is not None:
        rows = rows[rows.population == population]
    assert len(rows) == 1, f"{study} {check} {quantity} {location}: {len(rows)} rows\n{audit[audit.check == check].quantity.tolist()}"
    return rows.iloc[0]


def assert_finding(row, status, *numbers):
    assert row.status == status, row.detail
    for number in numbers:
        assert number in row.detail, f"{number!r} not in {row.detail!r}"


def test_columns_and_statuses(audits):
    for audit in audits.values():
        assert list(audit.columns) == AUDIT_COLUMNS
        assert set(audit.status) <= {"consistent", "rounding", "discrepancy", "not_checkable"}
        assert (audit.detail != "").all()


# --- clean values come out consistent -------------------------------------------------

def test_anlo_crc_clean_values(audits):
    assert_finding(finding(audits, "anlo_crc", "clopper_pearson_ci", "ORR (itt)", "abstract"), "consistent", "8.4-27.1")
    assert_finding(finding(audits, "anlo_crc", "percent_from_count", "ORR (itt)", "abstract"), "consistent", "16.2", "11/68")
    assert_finding(finding(audits, "anlo_crc", "clopper_pearson_ci", "DCR (itt)", "results"), "consistent", "64.6-85.9")
    shape = finding(audits, "anlo_crc", "median_ci_shape", "median PFS", "abstract", "all")
    assert shape.status == "consistent" and shape.recomputed == "linear"


def test_fruq_crc_clean_values(audits):
    assert_finding(finding(audits, "fruq_crc", "sum_response_categories", "response (evaluable)", "table_2"), "consistent", "72")
    shape = finding(audits, "fruq_crc", "median_ci_shape", "median PFS", "table_1", "liver_met")
    assert shape.recomputed == "neither"  # Kaplan-Meier (Brookmeyer-Crowley) CI: asymmetric


# --- anlo_crc -------------------------------------------------------------------------

def test_anlo_crc_discussion_contradicts_results(audits):
    assert_finding(finding(audits, "anlo_crc", "percent_from_count", "ORR (itt)", "discussion"), "discrepancy", "25.6", "11/68")
    assert_finding(finding(audits, "anlo_crc", "percent_from_count", "DCR (itt)", "discussion"), "discrepancy", "72.1", "52/68")
    assert_finding(finding(audits, "anlo_crc", "same_quantity_across_locations", "median PFS", population="all"),
                   "discrepancy", "results 5.3", "discussion 5.8")


def test_anlo_crc_table2_duplicates_and_hazard_ratios(audits):
    assert_finding(finding(audits, "anlo_crc", "duplicate_estimates", "median PFS with CI"), "discrepancy",
                   "5.5 (4.11-6.89)", "5.0 (3.76-6.24)", "5.8 (4.09-7.51)")
    hr = "HR PFS left_sided vs right_sided (tumour_location)"
    assert_finding(finding(audits, "anlo_crc", "ratio_geometric_midpoint", hr), "discrepancy", "0.66", "0.6041")
    assert_finding(finding(audits, "anlo_crc", "p_value_vs_ci", hr), "discrepancy", "0.011", "0.036")


def test_anlo_crc_fatigue_rounding(audits):
    rows = audits["anlo_crc"]
    fatigue = rows[(rows.check == "percent_from_count") & (rows.quantity.str.lower() == "ae fatigue grade 1_2")]
    assert list(fatigue.status) == ["rounding"] and "32.3" in fatigue.iloc[0].detail


# --- anlo_sts -------------------------------------------------------------------------

def test_anlo_sts_progressive_disease(audits):
    assert_finding(finding(audits, "anlo_sts", "sum_response_categories", "response (itt)", "abstract"), "discrepancy", "33", "32")
    assert_finding(finding(audits, "anlo_sts", "same_quantity_across_locations", "PD count (itt)"), "discrepancy",
                   "abstract 6", "results 5")


def test_anlo_sts_orr_and_subtype_median(audits):
    assert_finding(finding(audits, "anlo_sts", "percent_from_count", "ORR (itt)", "discussion"), "discrepancy", "37.5", "11/32")
    assert_finding(finding(audits, "anlo_sts", "same_quantity_across_locations", "median PFS", population="non_asps"),
                   "discrepancy", "6.3", "7.6")
    assert_finding(finding(audits, "anlo_sts", "ratio_geometric_midpoint", "HR PFS 0_1 vs 2 (ecog)"), "discrepancy", "0.61", "0.5369")


def test_anlo_sts_dermal_toxicity_percent(audits):
    rows = audits["anlo_sts"]
    dermal = rows[(rows.check == "percent_from_count") & rows.quantity.str.contains("Dermal toxicity grade 1_2")]
    assert list(dermal.status) == ["rounding"] and "28.2" in dermal.iloc[0].detail and "9/32" in dermal.iloc[0].detail


# --- fruq_crc -------------------------------------------------------------------------

def test_fruq_crc_table3_and_text(audits):
    diarrhoea = finding(audits, "fruq_crc", "percent_from_count", "AE Diarrhea grade 1_2", "table_3")
    assert_finding(diarrhoea, "discrepancy", "13.9", "10/75")
    assert_finding(finding(audits, "fruq_crc", "same_quantity_across_locations", "AE proteinuria grade any percent"),
                   "discrepancy", "results 48.0", "table_3 50.7")
    assert_finding(finding(audits, "fruq_crc", "percent_from_count", "sex=female", "table_1"), "rounding", "33.4", "25/75")
    assert_finding(finding(audits, "fruq_crc", "duplicate_estimates", "median PFS with CI"), "discrepancy", "4.1 (3.0-5.9)")


# --- nma_crlm -------------------------------------------------------------------------

def test_nma_crlm_findings(audits):
    assert_finding(finding(audits, "nma_crlm", "ratio_geometric_midpoint", "HR PFS panitumumab vs bsc (treatment)"),
                   "discrepancy", "0.55", "0.7897")
    assert_finding(finding(audits, "nma_crlm", "duplicate_estimates", "effect estimates with interval"),
                   "discrepancy", "2.29 (1.64-3.19)", "nintedanib", "napabucasin", "0.65 (0.49-0.86)")
    ranking = audits["nma_crlm"][(audits["nma_crlm"].check == "ranking_vs_sucra") & (audits["nma_crlm"].status == "discrepancy")]
    assert any("local_treatment_plus_chemotherapy (0.286)" in d and "chemotherapy (0.339)" in d for d in ranking.detail)


# --- anlo_escc ------------------------------------------------------------------------

def test_anlo_escc_denominator_and_ci(audits):
    assert_finding(finding(audits, "anlo_escc", "which_denominator", "ORR (stated evaluable)", "results"),
                   "discrepancy", "19/87", "n = 82")
    # The results' CI, stated for the 82 evaluable, is Clopper-Pearson on 19/87: said so.
    assert_finding(finding(audits, "anlo_escc", "clopper_pearson_ci", "ORR (evaluable)", "results"),
                   "discrepancy", "13.7-32.0", "reproduced by Clopper-Pearson on 19/87, the itt denominator")
    # The abstract's '87 subjects' is checked against 87 only, and agrees (no false alarm).
    abstract = audits["anlo_escc"]
    abstract = abstract[(abstract.check == "clopper_pearson_ci") & (abstract.location == "abstract")]
    assert set(abstract.status) == {"consistent"}, abstract.detail.tolist()
    assert_finding(finding(audits, "anlo_escc", "same_quantity_across_locations", "median DoR CI", population="all"),
                   "discrepancy", "abstract 2.3-10.9", "results 3.4-10.4")
    assert_finding(finding(audits, "anlo_escc", "same_quantity_across_locations", "OS rate at 12 months", population="all"),
                   "discrepancy", "49.0", "discussion 46.5")


def test_anlo_escc_damaged_table2(audits):
    # '132' (8.2-18.2) is repaired to 13.2 in cleaning; the audit keeps the damage as a finding
    assert_finding(finding(audits, "anlo_escc", "median_ci_shape", "median OS", "table_2", "female"), "consistent", "13.2")
    assert_finding(finding(audits, "anlo_escc", "ocr_repair", "median OS", "table_2", "female"), "discrepancy",
                   "'132' repaired to 13.2")
    escc = audits["anlo_escc"]
    ecog = escc[(escc.check == "p_value_vs_ci") & (escc.quantity == "HR OS 0 vs 1_2 (ecog)")]
    # univariate and multivariate rows: both p values are far below what their CIs imply
    assert list(ecog.status) == ["discrepancy", "discrepancy"]
    assert "0.011" in ecog.iloc[0].detail and "0.019" in ecog.iloc[1].detail


def test_anlo_crc_more_deaths_than_pfs_events(audits):
    assert_finding(finding(audits, "anlo_crc", "events_pfs_vs_os", "PFS vs OS events", population="all"),
                   "discrepancy", "PFS events 48", "deaths 49")


def test_anlo_escc_evaluable_patients_and_landmarks(audits):
    assert_finding(finding(audits, "anlo_escc", "same_quantity_across_locations", "n_evaluable"),
                   "discrepancy", "abstract 87", "results 82")
    assert_finding(finding(audits, "anlo_escc", "same_quantity_across_locations", "PFS rate at 12 months", population="all"),
                   "discrepancy", "28.6", "21.8", "discussion 18")


def test_anlo_escc_ici_naive_response_cannot_come_from_21_patients(audits):
    row = finding(audits, "anlo_escc", "grim_percent", "ORR", population="prior_ici_no")
    assert_finding(row, "discrepancy", "24.1%", "n=21", "5/21", "87 - 66")
