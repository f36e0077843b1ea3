"""A large evidence base in the report and figures (issue 12 item 5): above the listing
limit, per-study tables, id lists and cumulative steps are summarised, and every summary
says where all its rows are; at or below the limit nothing changes."""

import math

import pandas as pd

from tkimeta.evidence import report as ER
from tkimeta.plots import flow
from tkimeta.report import assets as A
from tkimeta.report import large as L
from tkimeta.report import prose as P

NAN = math.nan


def _ids(n):
    return [f"s{i}" for i in range(n)]


def test_the_limit_is_above_the_shipped_evidence_base():
    assert not L.is_large(5) and not L.is_large(L.MAX_LISTED_STUDIES) and L.is_large(L.MAX_LISTED_STUDIES + 1)


def test_study_words_lists_up_to_the_limit_then_says_where():
    assert P.study_words(["a", "b", "c"]) == "a, b and c"
    many = _ids(L.MAX_LISTED_STUDIES + 1)
    assert P.study_words(many[:-1]) == P.join_words(many[:-1])
    assert "s0" not in P.study_words(many) and "estimates.csv" in P.study_words(many)


def test_flow_ids_listed_or_pointed_to():
    assert flow.id_list(["a", "b"], "x.csv") == " (a, b)"
    assert flow.id_list([], "x.csv") == ""
    assert flow.id_list(_ids(flow.MAX_LISTED_IDS + 1), "x.csv") == " (ids in x.csv)"
    assert "s0" in flow.pooled_ids_text(_ids(flow.MAX_LISTED_IDS))
    assert "s0" not in flow.pooled_ids_text(_ids(flow.MAX_LISTED_IDS + 1))


def test_short_list_keeps_the_first_entries_and_counts_the_rest():
    text = "; ".join(_ids(25))
    short = L.short_list(text, "r.csv")
    assert short.startswith("; ".join(_ids(L.LISTED_ENTRIES)) + "; ")
    assert f"{25 - L.LISTED_ENTRIES} more" in short and "r.csv" in short
    assert L.short_list("a; b", "r.csv") == "a; b"


def test_count_summary_sums_and_counts_papers_with_any():
    table = pd.DataFrame({"Paper": ["a", "b", "c"], "consistent": [3, 4, 0], "discrepancy": [0, 2, 1]})
    out = L.count_summary(table, "Paper", "papers").set_index("Paper")
    assert out.loc["all 3 papers", "consistent"] == "7" and out.loc["all 3 papers", "discrepancy"] == "3"
    assert out.loc["papers with any", "consistent"] == "2" and out.loc["papers with any", "discrepancy"] == "2"


def test_inputs_summary_counts_pooled_and_left_out_with_reasons():
    table = pd.DataFrame({
        "Outcome": ["ORR"] * 4, "Subgroup": ["All"] * 4, "Study": ["a", "b", "c", "d"],
        "Input": ["3/10", "left out: median outside CI", "left out: median outside CI", "4/12"], "Source": [""] * 4})
    row = L.inputs_summary(table).iloc[0]
    assert row["Studies pooled"] == 2 and row["Left out"] == 2
    assert row["Why left out"] == "median outside CI (2)"


def test_studies_summary_adds_patients_and_liver_counts():
    table = pd.DataFrame({"Design": ["retrospective"] * 3, "Regimen": ["NR"] * 3, "Role": ["pooled"] * 3,
                          "N": ["30", "50", "NR"], "Liver metastasis": ["10/30", "NR", "5/20"]})
    row = L.studies_summary(table).iloc[0]
    assert row["Papers"] == 3 and row["Patients"] == "80"
    assert row["N per paper"] == "median 40 (range 30-50)"
    assert row["Liver metastasis"] == "15/50 in 2 papers"


def _estimate(analysis, k, est, lo, hi):
    return dict(outcome="ORR", subgroup="all", analysis=analysis, method="glmm", k=k, estimate=est, ci_lower=lo,
                ci_upper=hi, scale="proportion", studies="")


def test_sensitivity_summary_keeps_other_analyses_and_ranges_leave_one_out():
    estimates = pd.DataFrame([
        _estimate("primary", 3, 0.2, 0.1, 0.3), _estimate("crc_only", 2, 0.25, 0.1, 0.4),
        _estimate("loo_a", 2, 0.18, 0.12, 0.28), _estimate("loo_b", 2, 0.22, 0.09, 0.35),
        _estimate("loo_c", 2, 0.21, 0.11, 0.33)])
    out = L.sensitivity_summary(estimates, {"ORR": "glmm"}, ["ORR"])
    assert len(out) == 2
    full = A.sensitivity_table(estimates, {"ORR": "glmm"}, ["ORR"])
    assert out.iloc[0].to_dict() == full.iloc[0].to_dict()  # the colorectal-only row as the full table has it
    loo = out.iloc[1]
    assert loo["Analysis"] == "leave one out (3 analyses)" and loo["k"] == "2"
    assert loo["Estimate (95% CI)"] == "18.0% to 22.0%; CI bounds 9.0% to 35.0%"


def test_summarise_leaves_tables_without_a_summary_alone_and_names_the_file():
    frame = pd.DataFrame({"Paper": _ids(50), "consistent": [1] * 50})
    out, caption, widths = L.summarise("audit_summary", frame, "Audit checks", [1, 2])
    assert len(out) == 2 and widths is None
    assert "50 papers" in caption and "`results/audit/summary.csv`" in caption
    assert L.summarise("pooled", frame, "Pooled", [1, 2]) == (frame, "Pooled", [1, 2])


def test_cumulative_steps_shown_all_up_to_the_limit_then_selected_with_the_last():
    assert ER.shown_steps(list(range(1, 41))) == list(range(1, 41))
    steps = ER.shown_steps(list(range(1, 1235)))
    assert steps[:4] == [1, 2, 3, 5] and steps[-1] == 1234 and 1000 in steps and len(steps) < 20


def test_cumulative_table_thinned_says_where_every_step_is():
    n = ER.MAX_LISTED_STUDIES + 5
    cumulative = pd.DataFrame({"outcome": "ORR", "subgroup": "all", "step": [str(i) for i in range(1, n + 1)],
                               "study_id": _ids(n), "k": [str(i) for i in range(1, n + 1)], "estimate": "0.2",
                               "ci_lower": "0.1", "ci_upper": "0.3", "scale": "proportion"})
    order = pd.DataFrame({"study_id": _ids(n), "publication_year": ["2020"] * n})
    small = pd.DataFrame({"assessable": ["False"], "k": ["3"]})
    text = ER.evidence_markdown(cumulative, order, small, "", labels={}, method="reml_hksj", min_k=10)
    table_rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "Outcome" not in ln]
    assert len(table_rows) == len(ER.shown_steps(list(range(1, n + 1))))
    assert "results/evidence/cumulative.csv" in text and "publication_order.csv" in text
    assert f"s{n - 1} " not in text.split("## Cumulative meta-analysis")[1].split("|")[0]


def test_read_estimates_keeps_the_primary_rows_in_one_chunk_or_many(tmp_path, monkeypatch):
    from tkimeta.plots import data

    frame = pd.DataFrame({"outcome": ["ORR"] * 7, "analysis": ["primary", "loo_a", "loo_b", "primary", "crc_only",
                                                                "loo_c", "primary"],
                          "k": range(7), "studies": ["a;b;c"] * 7})
    path = tmp_path / "estimates.csv"
    frame.to_csv(path, index=False)
    whole = pd.read_csv(path)
    expected = whole[whole["analysis"] == "primary"]
    pd.testing.assert_frame_equal(data.read_estimates(path), expected)
    monkeypatch.setattr(data, "ESTIMATE_CHUNK_ROWS", 2)
    pd.testing.assert_frame_equal(data.read_estimates(path), expected)
