"""The pooled analysis: what enters it (inputs) and how studies are grouped
(subgroups, sensitivity analyses, k = 1 and k = 2 handling)."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from tkimeta.pooling.analysis import analyses, pool, pool_outcome
from tkimeta.pooling.inputs import split_counts


def test_split_counts_recovers_the_unique_subgroup_split():
    # fruq_crc: ORR 9/72 overall, 2.3% with and 27.6% without liver metastasis (45/30 ITT)
    assert split_counts(9, 72, "2.3", "27.6", max_a=45, max_b=30) == (1, 43, 8, 29)
    assert split_counts(55, 72, "67.4", "89.7", max_a=45, max_b=30) == (29, 43, 26, 29)


def test_split_counts_refuses_an_ambiguous_split():
    # 50% and 50% of 10 patients: 1/2 + 4/8, 2/4 + 3/6, ... many splits fit
    assert split_counts(5, 10, "50", "50") is None


def _inputs(rows):
    return pd.DataFrame(rows)


def _prop(study, events, n, subgroup="all", cancer="colorectal"):
    return dict(outcome="ORR", family="proportion", subgroup=subgroup, study_id=study, cancer=cancer,
                events=events, n=n, yi=np.nan, sei=np.nan, estimate=np.nan, ci_lower=np.nan, ci_upper=np.nan,
                approximation=False, source="test")


def test_single_study_is_its_own_exact_estimate():
    rows = _inputs([_prop("a", 11, 68)])
    result = pool(rows, "proportion", "glmm", 0.95, 3)
    assert result["k"] == 1 and result["pooled"] is False
    assert result["estimate"] == pytest.approx(11 / 68)
    assert (round(result["ci_lower"] * 100, 1), round(result["ci_upper"] * 100, 1)) == (8.4, 27.1)  # Clopper-Pearson


def test_prediction_interval_only_from_three_studies():
    two = _inputs([_prop("a", 11, 68), _prop("b", 9, 72)])
    three = _inputs([_prop("a", 11, 68), _prop("b", 9, 72), _prop("c", 19, 82)])
    assert math.isnan(pool(two, "proportion", "reml_hksj", 0.95, 3)["pi_lower"])
    assert not math.isnan(pool(three, "proportion", "reml_hksj", 0.95, 3)["pi_lower"])


def test_glmm_with_no_events_anywhere_is_reported_not_estimable():
    rows = _inputs([_prop("a", 0, 30), _prop("b", 0, 40)])
    result = pool(rows, "proportion", "glmm", 0.95, 3)
    assert math.isnan(result["estimate"]) and "not estimable" in result["note"]
    # the inverse-variance logit with its 0.5 correction still gives an estimate
    assert 0 < pool(rows, "proportion", "dl", 0.95, 3)["estimate"] < 0.05


def test_sensitivity_sets():
    rows = _inputs([_prop("a", 11, 68), _prop("b", 11, 32, cancer="sarcoma"), _prop("c", 9, 72), _prop("d", 19, 82, cancer="escc")])
    sets = dict(analyses(rows, ["crc_only", "leave_one_out"]))
    assert list(sets) == ["primary", "crc_only", "loo_a", "loo_b", "loo_c", "loo_d"]
    assert list(sets["crc_only"]["study_id"]) == ["a", "c"]
    assert list(sets["loo_b"]["study_id"]) == ["a", "c", "d"]
    # no leave-one-out below three studies
    assert list(dict(analyses(rows.iloc[:2], ["leave_one_out"]))) == ["primary"]


@pytest.mark.parametrize("k", [41, 42])
def test_leave_one_out_rows_list_their_studies_only_up_to_the_limit(k):
    """Listing k - 1 studies in each of k leave-one-out rows grows with k squared; above
    MAX_LISTED_STUDIES the rows say which studies they hold instead. The primary
    row lists its studies at any k."""
    from tkimeta.vocab import MAX_LISTED_STUDIES

    assert MAX_LISTED_STUDIES == 40
    rows = _inputs([_prop(f"s{i:02d}", 5 + i % 7, 40 + i) for i in range(k)])
    estimates, _, _ = pool_outcome(rows, "ORR", ["reml_hksj"], ["leave_one_out"], 0.95, 3)
    primary = estimates[estimates["analysis"] == "primary"].iloc[0]
    assert primary["studies"].split(";") == [f"s{i:02d}" for i in range(k)]
    loo = estimates[estimates["analysis"].str.startswith("loo_")]
    assert len(loo) == k and (loo["k"] == k - 1).all()
    if k - 1 <= MAX_LISTED_STUDIES:
        assert loo.iloc[3]["studies"].split(";") == [f"s{i:02d}" for i in range(k) if i != 3]
        assert not loo["note"].str.contains("not listed").any()
    else:
        assert (loo["studies"] == "").all()
        assert loo["note"].str.contains("but the one left out").all()


def test_pool_outcome_rows_and_subgroup_test():
    rows = _inputs([
        _prop("a", 11, 68), _prop("c", 9, 72), _prop("d", 19, 82, cancer="escc"),
        _prop("c", 1, 43, subgroup="liver_met"), _prop("c", 8, 29, subgroup="no_liver_met"),
    ])
    estimates, studies, tests = pool_outcome(rows, "ORR", ["glmm", "reml_hksj"], ["crc_only"], 0.95, 3)
    primary = estimates[estimates.analysis == "primary"]
    assert set(zip(primary.subgroup, primary.method)) == {
        (g, m) for g in ("all", "liver_met", "no_liver_met") for m in ("glmm", "reml_hksj")}
    crc = estimates[estimates.analysis == "crc_only"]
    assert list(crc.method) == ["glmm"] and list(crc.k) == [2]
    single = estimates[(estimates.subgroup == "liver_met")].iloc[0]
    assert single.k == 1 and "not pooled" in single.note
    k2 = estimates[(estimates.analysis == "crc_only")].iloc[0]
    assert "k = 2" in k2.note
    # subgroup test: one row per method; with one study per subgroup it compares 1/43 and 8/29
    assert list(tests.method) == ["glmm", "reml_hksj"]
    assert tests.p_value.iloc[0] < 0.05 and tests.df.iloc[0] == 1
    # study rows: REML weights add to 100 within the overall subgroup
    assert studies[studies.subgroup == "all"].weight.sum() == pytest.approx(100)


def test_an_outcome_nobody_reports_is_listed_with_k_zero():
    rows = _inputs([_prop("a", 11, 68)])
    estimates, studies, tests = pool_outcome(rows, "HR_OS_liver", ["reml_hksj"], [], 0.95, 3)
    assert list(estimates.k) == [0] and "no study" in estimates.note.iloc[0]
    assert studies.empty and tests.empty


def test_seed_inputs_are_traceable(cleaned, cleaned_by_study):
    """Spot-check what the seed data contribute (values from the papers)."""
    import yaml

    from conftest import ROOT
    from tkimeta.audit.study import audit_study
    from tkimeta.pooling.inputs import Context, build_inputs

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    audit = pd.concat([audit_study(s, t) for s, t in cleaned_by_study.items()])
    ctx = Context(config["studies"], config["pooling"]["response_denominator"], config["pooling"]["ci_level"])
    inputs = build_inputs(cleaned, ctx, audit, config["outcomes"]["ae_terms"]).set_index(["outcome", "subgroup", "study_id"])
    assert tuple(inputs.loc[("ORR", "all", "anlo_crc"), ["events", "n"]]) == (11, 68)
    assert tuple(inputs.loc[("DCR", "all", "fruq_crc"), ["events", "n"]]) == (55, 72)
    assert tuple(inputs.loc[("ORR", "liver_met", "fruq_crc"), ["events", "n"]]) == (1, 43)
    assert tuple(inputs.loc[("AE_grade3plus", "all", "anlo_escc"), ["events", "n"]]) == (44, 87)
    # nma_crlm is context only: never pooled
    assert "nma_crlm" not in set(inputs.index.get_level_values("study_id"))
    # anlo_crc's median PFS CI is SPSS-style (linear): SE = (7.59 - 3.01) / (2 * 1.96) / 5.3
    assert inputs.loc[("median_PFS", "all", "anlo_crc"), "sei"] == pytest.approx((7.59 - 3.01) / (2 * 1.959964) / 5.3, rel=1e-6)
    # fruq_crc's HR for PFS with liver metastasis is printed: 3.40 (1.94-5.97)
    assert math.exp(inputs.loc[("HR_PFS_liver", "all", "fruq_crc"), "yi"]) == pytest.approx(3.40)
    # anlo_crc only gives a log-rank p: Tierney et al. 2007 with 48 events, 51:17 patients, p = 0.095
    tierney = inputs.loc[("HR_PFS_liver", "all", "anlo_crc")]
    v = 48 * (51 / 17) / (1 + 51 / 17) ** 2
    assert tierney["sei"] == pytest.approx(1 / math.sqrt(v))
    assert tierney["yi"] == pytest.approx(1.669592 / math.sqrt(v), rel=1e-5)  # z for p = 0.095, HR > 1
    assert tierney["approximation"] and "Tierney" in tierney["source"]


# --------------------------------------------------------------------------- inputs (issue 11)

from tkimeta.pooling.inputs import Context, build_inputs  # noqa: E402
from tkimeta.stats.distributions import critical_value  # noqa: E402

_STUDIES = {
    "anlo_crc": {"role": "single_arm", "cancer": "colorectal"},
    "anlo_sts": {"role": "single_arm", "cancer": "soft_tissue_sarcoma"},
    "fruq_crc": {"role": "single_arm", "cancer": "colorectal"},
    "nma_crlm": {"role": "context", "cancer": "colorectal"},
    "anlo_escc": {"role": "single_arm", "cancer": "esophageal_squamous"},
}
_AE_TERMS = ["hypertension", "fatigue"]


def _build(cleaned, level=0.95, edit=None):
    tables = {kind: frame.copy() for kind, frame in cleaned.items()}
    if edit:
        edit(tables)
    return build_inputs(tables, Context(_STUDIES, "evaluable", level), None, _AE_TERMS)


def test_printed_interval_level_is_the_rows_not_the_configs(cleaned):
    """pooling.ci_level sets only the level of the intervals we compute: the SE taken from
    a printed CI (median, landmark, ratio of medians, HR) is the same at 0.90 as at 0.95."""
    at95, at90 = _build(cleaned, 0.95), _build(cleaned, 0.90)
    kinds = at95["outcome"].str.match(r"^(median_|landmark_|RoM_|HR_)")
    assert kinds.sum() >= 8
    pd.testing.assert_series_equal(at95.loc[kinds, "sei"], at90.loc[kinds, "sei"])
    pd.testing.assert_series_equal(at95.loc[kinds, "yi"], at90.loc[kinds, "yi"])


def test_a_rows_own_ci_level_is_used(cleaned):
    """A median printed with an 80% CI: its SE is the 95% one times z(0.975)/z(0.90)."""
    def eighty(tables):
        survival = tables["survival"]
        survival.loc[(survival["study_id"] == "anlo_crc") & (survival["ci_level"] == "95"), "ci_level"] = "80"

    base, changed = _build(cleaned), _build(cleaned, edit=eighty)
    pick = (base["outcome"] == "median_PFS") & (base["study_id"] == "anlo_crc") & (base["subgroup"] == "all")
    ratio = float(base.loc[pick, "sei"].iloc[0]) / float(changed.loc[pick, "sei"].iloc[0])
    assert ratio == pytest.approx(critical_value(0.80) / critical_value(0.95))
    assert "80% CI" in changed.loc[pick, "source"].iloc[0]


def _set(tables, kind, study, match, **values):
    frame = tables[kind]
    rows = frame["study_id"] == study
    for column, value in match.items():
        rows &= frame[column] == value
    assert rows.any(), f"test set-up: no {kind} row {match} in {study}"
    for column, value in values.items():
        frame.loc[rows, column] = value


@pytest.mark.parametrize("kind, match, values, outcome, reason", [
    ("survival", dict(population="all", endpoint="PFS", preferred="true"), dict(median="9.5"), "median_PFS", "outside its CI"),
    ("survival", dict(population="all", endpoint="OS", preferred="true"), dict(ci_lower="0"), "median_OS", "positive"),
    ("landmarks", dict(population="all", endpoint="PFS", time_months="6"), dict(percent="0", ci_lower="0", ci_upper="0"),
     "landmark_PFS_6m", "0 < lower < rate < upper < 100"),
    ("landmarks", dict(population="all", endpoint="PFS", time_months="12"), dict(percent="40"),
     "landmark_PFS_12m", "0 < lower < rate < upper < 100"),
])
def test_an_unusable_row_is_left_out_with_its_reason(cleaned, kind, match, values, outcome, reason):
    """Every row a builder cannot use gives a row with the reason in 'excluded' (no
    silent drop, no crash), without yi/sei, so that the pooling leaves it out."""
    built = _build(cleaned, edit=lambda t: _set(t, kind, "anlo_crc", match, **values))
    mine = built[(built["outcome"] == outcome) & (built["study_id"] == "anlo_crc") & (built["subgroup"] == "all")]
    assert len(mine) == 1 and reason in mine["excluded"].iloc[0], mine.to_dict("records")
    assert pd.isna(mine["sei"].iloc[0]) or mine["sei"].iloc[0] == ""
    as_read = pd.read_csv(io.StringIO(built.to_csv(index=False)), keep_default_na=False, na_values=[""])  # as workflow/scripts/pool.py
    estimates, studies, _ = pool_outcome(as_read, outcome, ["reml_hksj"], [], 0.95, 3)
    assert "anlo_crc" not in set(studies.loc[studies["subgroup"] == "all", "study_id"])
    overall = estimates[estimates["subgroup"] == "all"]
    assert not any("anlo_crc" in s.split(";") for s in overall["studies"].astype(str))


def test_more_responders_than_patients_is_left_out(cleaned):
    def too_many(tables):
        counts = tables["response_counts"]
        counts.loc[(counts["study_id"] == "anlo_crc") & (counts["category"] == "SD"), "count"] = "60"
    built = _build(cleaned, edit=too_many)
    dcr = built[(built["outcome"] == "DCR") & (built["study_id"] == "anlo_crc") & (built["subgroup"] == "all")]
    # the categories now add up to more than n: no DCR can be read from them, and the row says so
    assert len(dcr) == 1 and "do not give DCR" in dcr["excluded"].iloc[0]
    assert not any(r["outcome"] == "DCR" and r["study_id"] == "anlo_crc" and r["excluded"] == ""
                   for r in built.to_dict("records"))


def test_outcome_whose_every_study_is_left_out_says_so():
    rows = pd.DataFrame([dict(_prop("a", np.nan, np.nan), excluded="a reason")])
    estimates, _, _ = pool_outcome(rows, "ORR", ["glmm"], [], 0.95, 3)
    assert estimates["k"].iloc[0] == 0 and "left out" in estimates["note"].iloc[0]
