"""The report's sensitivity tables (issue 14 item 10): every ratio outcome under REML +
HKSJ, DerSimonian-Laird and the common-effect model with the scale of tau² per row;
results by tumour type first where tumour types are mixed; each paper's adverse-event
definition and grade bands beside what it contributes to the pooled AE rates."""

import math

import pandas as pd

from tkimeta.report import assets as A

CONFIG = {"studies": {
    "a": {"cancer": "colorectal", "role": "single_arm"},
    "b": {"cancer": "colorectal", "role": "single_arm"},
    "c": {"cancer": "soft_tissue_sarcoma", "role": "single_arm"},
    "n": {"cancer": "colorectal", "role": "context"},
}}
NAN = math.nan


def _row(outcome, method, k, est, lo, hi, scale, analysis="primary", studies="a;b;c", tau2=0.1):
    return dict(outcome=outcome, subgroup="all", analysis=analysis, method=method, k=k, estimate=est, ci_lower=lo,
                ci_upper=hi, pi_lower=NAN, pi_upper=NAN, tau2=tau2, i2=20.0, q=2.0, q_pvalue=0.3, pooled=k > 1,
                scale=scale, studies=studies, note="")


ESTIMATES = pd.DataFrame([
    _row("HR_PFS_liver", "reml_hksj", 2, 2.49, 0.04, 171.0, "ratio", studies="a;b"),
    _row("HR_PFS_liver", "dl", 2, 2.45, 1.30, 4.60, "ratio", studies="a;b"),
    _row("HR_PFS_liver", "ce", 2, 2.56, 1.67, 3.92, "ratio", studies="a;b", tau2=0.0),
    _row("ORR", "glmm", 3, 0.20, 0.14, 0.28, "proportion"),
    _row("ORR", "reml_hksj", 3, 0.21, 0.10, 0.38, "proportion"),
    _row("ORR", "ft_reml", 3, 0.20, 0.12, 0.30, "proportion"),
    _row("ORR", "glmm", 2, 0.14, 0.09, 0.21, "proportion", analysis="crc_only", studies="a;b"),
    _row("AE_any", "glmm", 2, 0.9, 0.8, 0.95, "proportion", studies="a;b"),  # one tumour type only
])
INPUTS = pd.DataFrame([
    dict(outcome="ORR", family="proportion", subgroup="all", study_id="c", cancer="soft_tissue_sarcoma", events=11,
         n=32, yi=NAN, sei=NAN, estimate=NAN, ci_lower=NAN, ci_upper=NAN, approximation=False, source="best response",
         excluded=""),
    dict(outcome="AE_grade3plus", family="proportion", subgroup="all", study_id="a", cancer="colorectal", events=14,
         n=75, yi=NAN, sei=NAN, estimate=NAN, ci_lower=NAN, ci_upper=NAN, approximation=False,
         source="'Any grade adverse reactions' grade 3_4, results (a/adverse_events.csv:5)", excluded=""),
    dict(outcome="AE_any", family="proportion", subgroup="all", study_id="a", cancer="colorectal", events=71,
         n=75, yi=NAN, sei=NAN, estimate=NAN, ci_lower=NAN, ci_upper=NAN, approximation=False,
         source="'Total' grade any, table_3 (a/adverse_events.csv:28)", excluded=""),
])
PRIMARY = {"HR_PFS_liver": "reml_hksj", "ORR": "glmm", "AE_any": "glmm"}


def test_every_ratio_outcome_has_dl_and_common_effect_beside_the_primary():
    table = A.methods_table(ESTIMATES, ["ORR", "HR_PFS_liver"], PRIMARY)
    hr = table[table["Outcome"].str.startswith("HR")]
    assert list(hr["Method"]) == ["REML + HKSJ (primary)", "DerSimonian-Laird", "Common effect (IV)"]
    assert list(hr["tau² scale"]) == ["log", "log", "none (common effect)"]
    assert list(hr["tau²"])[-1] == "0 (fixed)"
    orr = table[table["Outcome"] == "Objective response rate"]
    assert list(orr["Method"])[0] == "GLMM (ML) (primary)"  # the primary method leads
    assert dict(zip(orr["Method"], orr["tau² scale"]))["Freeman-Tukey (REML)"] == "Freeman-Tukey"
    assert set(orr["tau² scale"]) == {"logit", "Freeman-Tukey"}


def test_results_by_tumour_type_where_types_are_mixed():
    table = A.tumour_type_table(ESTIMATES, INPUTS, PRIMARY, ["ORR", "AE_any"], CONFIG)
    assert list(table["Outcome"].unique()) == ["Objective response rate"]  # AE_any: one type, left out
    assert list(table["Tumour type"]) == ["colorectal cancer", "soft-tissue sarcoma", "all types pooled"]
    rows = table.set_index("Tumour type")
    assert rows.loc["colorectal cancer", "k"] == 2 and rows.loc["colorectal cancer", "Estimate (95% CI)"].startswith("14.0% (9.0-21.0%)")
    assert rows.loc["soft-tissue sarcoma", "Estimate (95% CI)"] == "11/32 (34.4%)"  # as printed, not pooled
    assert rows.loc["all types pooled", "k"] == 3 and rows.loc["all types pooled", "Estimate (95% CI)"].startswith("20.0%")


def test_ae_definitions_carry_grade_bands_and_what_is_pooled():
    characteristics = pd.DataFrame([
        dict(study_id="a", item="ae_attribution", value="treatment-related adverse events (TRAEs)"),
        dict(study_id="a", item="ae_criteria", value="CTCAE 5.0"),
    ])
    adverse = pd.DataFrame({"study_id": ["a"] * 5, "grade_band": ["any", "3_4", "1_2", "3", "5"]})
    table = A.ae_definitions_table(characteristics, CONFIG, adverse, INPUTS).set_index("Study")
    assert table.loc["a", "Adverse events counted"] == "treatment-related adverse events (TRAEs)"
    assert table.loc["a", "Grade bands printed"] == "any, 1-2, 3-4, 3, 5"
    assert table.loc["a", "Grade ≥ 3 pooled"] == "14/75 (band 3-4)"
    assert table.loc["a", "Any grade pooled"] == "71/75 (band any)"
    assert table.loc["c", "Adverse events counted"] == "not printed" and table.loc["c", "Grade ≥ 3 pooled"] == "not pooled"
    assert "n" not in table.index  # the context study has no AE definition row
