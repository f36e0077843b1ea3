"""Tables show what the papers printed: a single study's interval as printed, NR for a
bound the paper did not print (NA, not reached), never a back-computed number."""

import math
from pathlib import Path

import pandas as pd
import pytest

from tkimeta.report.assets import pooled_table, printed_estimate_text

ROOT = Path(__file__).resolve().parents[1]


def _est(outcome, subgroup, k, est, lo, hi, studies, scale="months"):
    return {"outcome": outcome, "subgroup": subgroup, "analysis": "primary", "method": "reml_hksj", "k": k,
            "estimate": est, "ci_lower": lo, "ci_upper": hi, "pi_lower": math.nan, "pi_upper": math.nan,
            "tau2": math.nan, "i2": math.nan, "scale": scale, "studies": studies}


def test_unprinted_bound_is_nr_and_printed_interval_is_kept():
    estimates = pd.DataFrame([
        # the k = 1 "pooled" rows carry intervals computed from the SE
        _est("median_OS", "no_liver_met", 1, 15.5, 13.3, 18.1, "s1"),
        _est("median_OS", "liver_met", 1, 10.0, 6.4, 15.7, "s1"),
    ])
    inputs = pd.DataFrame([
        {"outcome": "median_OS", "subgroup": "no_liver_met", "study_id": "s1", "family": "log", "yi": math.log(15.5),
         "estimate": 15.5, "ci_lower": 13.3, "ci_upper": math.nan, "approximation": True,
         "source": "SE from the lower CI bound only"},
        {"outcome": "median_OS", "subgroup": "liver_met", "study_id": "s1", "family": "log", "yi": math.log(10.0),
         "estimate": 10.0, "ci_lower": 7.8, "ci_upper": 19.3, "approximation": False,
         "source": "SE from the log-symmetric 95% CI"},
    ])
    table = pooled_table(estimates, {"median_OS": "reml_hksj"}, ["median_OS"], subgroups=("liver_met", "no_liver_met"),
                         inputs=inputs)
    cells = list(table["Estimate (95% CI)"])
    assert cells[0] == "10.0 (7.8-19.3)"          # as printed, not the back-computed 6.4-15.7
    assert cells[1].startswith("15.5 (13.3-NR)")  # the paper prints NA for the upper bound
    assert "18.1" not in " ".join(cells) and "6.4" not in " ".join(cells)
    assert cells[1].endswith("‡")                  # an approximation is marked


def test_derived_values_are_marked():
    tierney = {"family": "log", "estimate": 1.74, "ci_lower": 0.91, "ci_upper": 3.35, "approximation": True,
               "source": "Tierney et al. 2007 from log-rank p", "yi": 0.55}
    assert printed_estimate_text(tierney, "ratio").endswith("‡")
    counts = {"family": "proportion", "events": 1, "n": 43, "source": "1/43 (derived: the only split ...)"}
    assert printed_estimate_text(counts, "proportion") == "1/43 (2.3%)‡"


def test_no_unprinted_bound_in_the_built_tables():
    """In the workflow's own tables, every single-study row whose paper did not print a
    bound shows NR, and the back-computed bound appears nowhere in that row."""
    assets = ROOT / "results" / "report" / "assets"
    if not (assets / "liver.md").exists():
        pytest.skip("workflow results not built")
    inputs = pd.read_csv(ROOT / "results" / "pooled" / "inputs.csv")
    estimates = pd.read_csv(ROOT / "results" / "pooled" / "estimates.csv")
    text = "\n".join((assets / f"{name}.md").read_text(encoding="utf-8") for name in ("liver", "pooled"))
    checked = 0
    for r in inputs[(inputs["family"] == "log") & (inputs["ci_lower"].isna() | inputs["ci_upper"].isna())].itertuples():
        single = estimates[(estimates["outcome"] == r.outcome) & (estimates["subgroup"] == r.subgroup)
                           & (estimates["analysis"] == "primary") & (estimates["k"] == 1)]
        if single.empty or not r.outcome.startswith("median_"):
            continue
        computed = single.iloc[0]
        lines = [line for line in text.splitlines() if f"{computed['estimate']:.1f} (" in line]
        assert lines and all("NR" in line for line in lines), (r.outcome, r.subgroup)
        for bound, col in ((r.ci_lower, "ci_lower"), (r.ci_upper, "ci_upper")):
            if pd.isna(bound):
                assert all(f"{computed[col]:.1f}" not in line.split("|")[4] for line in lines)
        checked += 1
    assert checked, "expected at least one single-study median with an unprinted bound"
