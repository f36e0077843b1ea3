"""Generated report prose and certainty ratings: they follow the numbers."""

import csv
import re
from pathlib import Path

import pandas as pd

from tkimeta.certainty import judge_imprecision, judge_inconsistency, summary_of_findings
from tkimeta.report import prose as P
from tkimeta.vocab import MINORS_ITEMS

ROOT = Path(__file__).resolve().parents[1]

CONFIG = {
    "studies": {
        "a": {"cancer": "colorectal", "role": "single_arm", "label": "A", "seed_file": "a.txt"},
        "b": {"cancer": "colorectal", "role": "single_arm", "label": "B", "seed_file": "b.txt"},
        "c": {"cancer": "soft_tissue_sarcoma", "role": "single_arm", "label": "C", "seed_file": "c.txt"},
        "n": {"cancer": "colorectal", "role": "context", "label": "NMA", "seed_file": "n.txt"},
    },
    "certainty": {
        "outcomes": ["HR_PFS_liver", "ORR"], "start": "low",
        "risk_of_bias": {"minors_serious_below": 12, "minors_very_serious_below": 8},
        "inconsistency": {"i2_serious": 50, "i2_very_serious": 75},
        "indirectness": {"mixed_tumour_types": "serious"},
        "imprecision": {"min_k": 3, "proportion_ci_width": 0.2, "median_ci_ratio": 2.0, "ratio_ci_ratio": 3.0},
        "publication_bias": {"min_k_assessable": 10},
    },
}
SIZES = {"a": 68, "b": 75, "c": 32}


def _row(outcome, method, est, lo, hi, k=2, studies="a;b", scale="ratio", i2=0.0):
    return {"outcome": outcome, "subgroup": "all", "analysis": "primary", "method": method, "k": k,
            "estimate": est, "ci_lower": lo, "ci_upper": hi, "pi_lower": float("nan"), "pi_upper": float("nan"),
            "tau2": 0.0, "i2": i2, "q": 0.1, "q_pvalue": 0.7, "scale": scale, "studies": studies}


def _estimates(hksj=(1.9, 1.2, 3.0), dl=(1.9, 1.3, 2.8)):
    return pd.DataFrame([_row("HR_PFS_liver", "reml_hksj", *hksj), _row("HR_PFS_liver", "dl", *dl),
                         _row("ORR", "glmm", 0.2, 0.14, 0.28, k=3, studies="a;b;c", scale="proportion", i2=60.0)])


def test_conclusion_states_direction_k_patients_types_and_transfer():
    c = P.contrast_conclusion(_estimates(), "HR_PFS_liver", "reml_hksj", CONFIG, SIZES)
    assert c["reading"] == "worse" and not c["depends_on_method"]
    text = c["text"]
    assert "shorter PFS" in text and "1.90 (95% CI 1.20 to 3.00" in text
    assert "two studies" in text and "143 patients" in text and "colorectal cancer" in text
    assert "does not depend on the method" in text
    assert "cannot be carried over to soft-tissue sarcoma" in text


def test_conclusion_changes_when_the_numbers_change():
    before = P.contrast_conclusion(_estimates(), "HR_PFS_liver", "reml_hksj", CONFIG, SIZES)["text"]
    # the HKSJ interval now crosses 1 while DerSimonian-Laird's does not
    after = P.contrast_conclusion(_estimates(hksj=(1.5, 0.4, 5.6)), "HR_PFS_liver", "reml_hksj", CONFIG, SIZES)
    assert after["text"] != before
    assert after["reading"] == "unclear" and after["depends_on_method"]
    assert "No clear difference" in after["text"] and "depends on the method" in after["text"]
    # and the bottom line follows
    assert P.bottom_line([after], CONFIG) != P.bottom_line(
        [P.contrast_conclusion(_estimates(), "HR_PFS_liver", "reml_hksj", CONFIG, SIZES)], CONFIG)


def test_single_study_is_not_called_pooled():
    est = pd.DataFrame([_row("HR_PFS_liver", "reml_hksj", 2.0, 1.1, 3.6, k=1, studies="b")])
    c = P.contrast_conclusion(est, "HR_PFS_liver", "reml_hksj", CONFIG, SIZES)
    assert "a single study (b, 75 patients" in c["text"] and "not pooled" in c["text"]


def test_evidence_text_counts_from_the_config():
    text = P.evidence_text(CONFIG, SIZES)
    assert "four papers" in text and "not the result of a systematic search" in text
    assert "Three single-arm studies (175 patients)" in text and "colorectal cancer (two studies)" in text
    two = {**CONFIG, "studies": {s: CONFIG["studies"][s] for s in ("a", "b")}}
    text2 = P.evidence_text(two, SIZES)
    assert "two papers" in text2 and "context only" not in text2


def test_count_words():
    assert [P.count_word(n) for n in (0, 1, 2, 12, 13)] == ["no", "one", "two", "twelve", "13"]
    assert P.counted(1, "study", "studies") == "one study" and P.counted(3, "study", "studies") == "three studies"


def test_grade_rules_from_config():
    rules = CONFIG["certainty"]
    assert judge_inconsistency({"k": 3, "i2": 60.0, "scale": "proportion"}, rules["inconsistency"])[0] == "serious"
    assert judge_inconsistency({"k": 3, "i2": 80.0, "scale": "proportion"}, rules["inconsistency"])[0] == "very serious"
    assert judge_inconsistency({"k": 1, "i2": float("nan")}, rules["inconsistency"])[0] == "not assessable"
    narrow = {"k": 4, "ci_lower": 0.15, "ci_upper": 0.25, "scale": "proportion"}
    assert judge_imprecision(narrow, rules["imprecision"])[0] == "not serious"
    assert judge_imprecision({**narrow, "k": 2, "ci_lower": 0.05, "ci_upper": 0.45}, rules["imprecision"])[0] == "very serious"
    assert judge_imprecision({"k": 3, "ci_lower": 0.8, "ci_upper": 1.3, "scale": "ratio"}, rules["imprecision"])[0] == "serious"


def test_summary_of_findings_rating_changes_with_the_numbers():
    rob = pd.DataFrame([{"study_id": s, "tool": "minors", "item": item, "score": "1"}
                        for s in ("a", "b", "c") for item in MINORS_ITEMS])  # totals 8 of 16
    primary = {"HR_PFS_liver": "reml_hksj", "ORR": "glmm"}
    sof = {f["outcome"]: f for f in summary_of_findings(_estimates(), ["HR_PFS_liver", "ORR"], primary, rob, SIZES, CONFIG)}
    assert sof["ORR"]["domains"]["indirectness"][0] == "serious"  # colorectal + sarcoma
    assert sof["ORR"]["domains"]["inconsistency"][0] == "serious"  # I² 60%
    assert sof["ORR"]["domains"]["publication_bias"][0] == "not assessable"
    assert sof["ORR"]["certainty"] == "Very low"
    better = rob.assign(score="2")
    sof2 = {f["outcome"]: f for f in summary_of_findings(_estimates(), ["HR_PFS_liver"], primary, better, SIZES, CONFIG)}
    assert sof["HR_PFS_liver"]["domains"]["risk_of_bias"][0] == "serious"
    assert sof2["HR_PFS_liver"]["domains"]["risk_of_bias"][0] == "not serious"


def _norm(text):
    return re.sub(r"\s+", " ", text)


def test_every_minors_judgement_quotes_its_paper():
    """Every single-arm study of config.yaml has the eight MINORS items, each with a
    passage found verbatim (up to line breaks) in its seed text."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    seeds = Path("/work/shared/seeds")
    for study, entry in config["studies"].items():
        if entry["role"] != "single_arm":
            continue
        path = ROOT / "data" / "raw" / study / "risk_of_bias.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        assert sorted(r["item"] for r in rows) == sorted(MINORS_ITEMS), study
        seed = seeds / entry["seed_file"]
        if not seed.exists():
            continue
        text = _norm(seed.read_text(encoding="utf-8"))
        for r in rows:
            assert _norm(r["source_label"]) in text, (study, r["item"], r["source_label"])


def test_report_source_types_no_counts():
    """Issue 10 part 3: no typed count word next to papers/studies in the report source."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "report").glob("*.qmd"))
    words = r"(one|two|three|four|five|six|seven|eight|nine|ten|both|all)"
    nouns = r"(papers?|stud(y|ies)|trials?|cohorts?|types|cancers)"
    assert not re.findall(rf"\b{words}\s+(\w+[- ])?{nouns}\b", source, flags=re.I)
