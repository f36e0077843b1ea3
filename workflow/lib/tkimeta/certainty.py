"""Certainty of evidence (GRADE) by rules written in config.yaml ``certainty``.

One summary-of-findings row per outcome: the primary pooled estimate (all patients),
the studies and patients behind it, a judgement per GRADE domain derived by the
configured rules, and the overall certainty. Each judgement that lowers the rating
carries its reason (the footnotes of the table). Pure functions; no I/O.

The rules (keys of ``config["certainty"]``):

``start``
    the level the body of evidence starts at (``low``: single-arm and observational
    studies; the single-arm design is accounted for here, not again in indirectness).
``risk_of_bias``
    the mean MINORS total of the contributing studies below ``minors_serious_below``
    is serious, below ``minors_very_serious_below`` very serious; a contributing study
    without MINORS judgements is serious (not appraised).
``inconsistency``
    I² at or above ``i2_serious`` (percent) is serious, at or above ``i2_very_serious``
    very serious; for ratios, a prediction interval that includes 1 while the CI does
    not is serious; k = 1 is not assessable.
``indirectness``
    serious when the contributing studies span more than one tumour type
    (``mixed_tumour_types: serious``).
``imprecision``
    serious when k is below ``min_k``, and (another step) when the interval is wide:
    proportions wider than ``proportion_ci_width`` (absolute, 0-1), medians with an
    upper/lower ratio above ``median_ci_ratio``, ratios whose CI includes 1 or has an
    upper/lower ratio above ``ratio_ci_ratio``; two such reasons are very serious.
``publication_bias``
    not assessable below ``min_k_assessable`` studies (no downgrade, stated).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from .vocab import GRADE_DOMAINS, GRADE_LEVELS, MINORS_MAX, OVERALL, PRIMARY, cancer_label

_START = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}
NOT_SERIOUS, SERIOUS, VERY_SERIOUS, NOT_ASSESSABLE = "not serious", "serious", "very serious", "not assessable"
_STEPS = {NOT_SERIOUS: 0, SERIOUS: 1, VERY_SERIOUS: 2, NOT_ASSESSABLE: 0}


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def minors_totals(rob: pd.DataFrame) -> dict[str, int]:
    """MINORS total (0 to 16) per study, from rows of the risk_of_bias table."""
    own = rob[rob["tool"] == "minors"]
    return {s: int(pd.to_numeric(g["score"]).sum()) for s, g in own.groupby("study_id", sort=False)}


def judge_risk_of_bias(studies: Sequence[str], totals: Mapping[str, int], rules: Mapping) -> tuple[str, str]:
    missing = [s for s in studies if s not in totals]
    if missing:
        return SERIOUS, f"not appraised: {', '.join(missing)}"
    mean = sum(totals[s] for s in studies) / len(studies)
    text = f"mean MINORS {mean:.1f} of {MINORS_MAX}"
    if mean < rules["minors_very_serious_below"]:
        return VERY_SERIOUS, f"{text}, below {rules['minors_very_serious_below']}"
    if mean < rules["minors_serious_below"]:
        return SERIOUS, f"{text}, below {rules['minors_serious_below']}"
    return NOT_SERIOUS, text


def judge_inconsistency(row: Mapping, rules: Mapping) -> tuple[str, str]:
    k = int(row["k"])
    if k < 2 or _nan(row.get("i2")):
        return NOT_ASSESSABLE, "single study"
    i2 = float(row["i2"])
    if i2 >= rules["i2_very_serious"]:
        return VERY_SERIOUS, f"I² {i2:.0f}% (≥ {rules['i2_very_serious']}%)"
    if i2 >= rules["i2_serious"]:
        return SERIOUS, f"I² {i2:.0f}% (≥ {rules['i2_serious']}%)"
    if row.get("scale") == "ratio" and not _nan(row.get("pi_lower")):
        ci_excludes = row["ci_lower"] > 1 or row["ci_upper"] < 1
        if ci_excludes and row["pi_lower"] <= 1 <= row["pi_upper"]:
            return SERIOUS, "prediction interval includes 1 although the CI does not"
    return NOT_SERIOUS, f"I² {i2:.0f}%"


def judge_indirectness(studies: Sequence[str], config: Mapping, rules: Mapping) -> tuple[str, str]:
    types = list(dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in studies if s in config["studies"]))
    if len(types) > 1 and rules.get("mixed_tumour_types", "serious") == "serious":
        return SERIOUS, f"mixed tumour types ({', '.join(types)})"
    return NOT_SERIOUS, f"one tumour type ({', '.join(types)})"


def judge_imprecision(row: Mapping, rules: Mapping) -> tuple[str, str]:
    k = int(row["k"])
    reasons = []
    if k < rules["min_k"]:
        reasons.append(f"k = {k} (< {rules['min_k']})")
    lo, hi, scale = row["ci_lower"], row["ci_upper"], row.get("scale")
    if _nan(lo) or _nan(hi):
        reasons.append("no interval")
    elif scale == "proportion":
        if hi - lo > rules["proportion_ci_width"]:
            reasons.append(f"CI width {100 * (hi - lo):.0f} points (> {100 * rules['proportion_ci_width']:.0f})")
    elif scale == "months":
        if lo > 0 and hi / lo > rules["median_ci_ratio"]:
            reasons.append(f"CI upper/lower {hi / lo:.2f} (> {rules['median_ci_ratio']})")
    elif scale == "ratio":
        if lo <= 1 <= hi:
            reasons.append("CI includes 1")
        elif lo > 0 and hi / lo > rules["ratio_ci_ratio"]:
            reasons.append(f"CI upper/lower {hi / lo:.1f} (> {rules['ratio_ci_ratio']})")
    level = VERY_SERIOUS if len(reasons) >= 2 else SERIOUS if reasons else NOT_SERIOUS
    return level, "; ".join(reasons) if reasons else f"k = {k}, interval within the stated thresholds"


def judge_publication_bias(row: Mapping, rules: Mapping) -> tuple[str, str]:
    k = int(row["k"])
    if k < rules["min_k_assessable"]:
        return NOT_ASSESSABLE, f"k = {k}, below {rules['min_k_assessable']} studies"
    return NOT_SERIOUS, "assessable; no rule for a downgrade is configured"


def summary_of_findings(estimates: pd.DataFrame, outcomes: Sequence[str], primary_methods: Mapping[str, str],
                        rob: pd.DataFrame, sizes: Mapping[str, int], config: Mapping) -> list[dict]:
    """One dict per outcome with k, patients, the estimate row, each domain's
    (judgement, reason), and the overall certainty."""
    rules = config["certainty"]
    totals = minors_totals(rob)
    out = []
    for outcome in outcomes:
        rows = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                         & (estimates["analysis"] == PRIMARY) & (estimates["method"] == primary_methods.get(outcome))]
        if not len(rows) or int(rows.iloc[0]["k"]) == 0:
            continue
        row = rows.iloc[0].to_dict()
        studies = [s for s in str(row["studies"]).split(";") if s and s != "nan"]
        domains = {
            "risk_of_bias": judge_risk_of_bias(studies, totals, rules["risk_of_bias"]),
            "inconsistency": judge_inconsistency(row, rules["inconsistency"]),
            "indirectness": judge_indirectness(studies, config, rules["indirectness"]),
            "imprecision": judge_imprecision(row, rules["imprecision"]),
            "publication_bias": judge_publication_bias(row, rules["publication_bias"]),
        }
        start = _START[rules["start"]]
        level = max(1, start - sum(_STEPS[j] for j, _ in domains.values()))
        out.append({"outcome": outcome, "k": int(row["k"]), "studies": studies,
                    "patients": sum(sizes.get(s, 0) for s in studies), "row": row,
                    "domains": domains, "start": GRADE_LEVELS[start], "certainty": GRADE_LEVELS[level]})
    return out


__all__ = ["summary_of_findings", "minors_totals", "GRADE_DOMAINS"]
