"""Numbers and tables for the report, computed from the results files.

The report source (``report/*.qmd``) contains no numbers: it reads them through
``{{< var ... >}}`` shortcodes from the variables built here and includes the markdown
tables written here. So every number in the text traces back to a results file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ..clean import location_rank
from ..vocab import (
    AUDIT_STATUSES,
    CRC_ONLY,
    LEAVE_ONE_OUT_PREFIX,
    METHOD_SETS,
    OVERALL,
    PRIMARY,
    SUBGROUPS,
    analysis_label,
    method_label,
    outcome_label,
    subgroup_label,
)


def fmt_value(value: float, scale: str) -> str:
    """A number as the report prints it: percent for proportions, 2 decimals otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if scale == "proportion":
        return f"{100 * value:.1f}%"
    if scale == "months":
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_interval(lower: float, upper: float, scale: str) -> str:
    if any(isinstance(v, float) and math.isnan(v) for v in (lower, upper)):
        return "NA"
    if scale == "proportion":
        return f"{100 * lower:.1f}-{100 * upper:.1f}%"
    return f"{fmt_value(lower, scale)}-{fmt_value(upper, scale)}"


def fmt_p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def estimate_text(row: Mapping) -> str:
    """'19.9% (95% CI 13.9-27.7%)' for one estimates.csv row."""
    scale = row["scale"]
    if row["k"] == 0:
        return "not reported by any study"
    return f"{fmt_value(row['estimate'], scale)} (95% CI {fmt_interval(row['ci_lower'], row['ci_upper'], scale)})"


def _estimate(estimates: pd.DataFrame, outcome: str, subgroup: str = OVERALL, analysis: str = PRIMARY,
              method: str | None = None) -> Mapping | None:
    rows = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == subgroup)
                     & (estimates["analysis"] == analysis)]
    if method is not None:
        rows = rows[rows["method"] == method]
    return rows.iloc[0].to_dict() if len(rows) else None


def outcome_variables(estimates: pd.DataFrame, outcome: str, subgroup: str = OVERALL, method: str | None = None) -> dict:
    """Variables for one outcome/subgroup: estimate text, k, heterogeneity."""
    row = _estimate(estimates, outcome, subgroup, method=method)
    if row is None:
        return {"text": "not reported", "k": "0", "i2": "NA", "tau2": "NA", "pi": "NA", "method": "NA"}
    scale = row["scale"]
    return {
        "text": estimate_text(row),
        "estimate": fmt_value(row["estimate"], scale),
        "ci": fmt_interval(row["ci_lower"], row["ci_upper"], scale),
        "k": str(int(row["k"])),
        "i2": "NA" if math.isnan(row["i2"]) else f"{row['i2']:.0f}%",
        "tau2": "NA" if math.isnan(row["tau2"]) else f"{row['tau2']:.3f}",
        "pi": fmt_interval(row["pi_lower"], row["pi_upper"], scale),
        "method": method_label(row["method"]),
        "studies": ", ".join(str(row["studies"]).split(";")) if isinstance(row["studies"], str) else "",
    }


def build_variables(estimates, tests, audit_summary, audit, corrections, inputs, characteristics,
                    primary_methods: Mapping[str, str], config: Mapping) -> dict:
    """Every value the report text quotes, keyed as the .qmd refers to them."""
    single_arm = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    sizes = _study_sizes(characteristics)
    v: dict = {
        "summary": {
            "n_papers": str(len(config["studies"])),
            "n_single_arm": str(len(single_arm)),
            "n_patients": str(sum(sizes.get(s, 0) for s in single_arm)),
            "n_checks": str(int(audit_summary["total"].sum())),
            "n_discrepancies": str(int(audit_summary["discrepancy"].sum())),
            "n_rounding": str(int(audit_summary["rounding"].sum())),
            "n_repairs": str(len(corrections)),
            "ci_level": f"{100 * config['pooling']['ci_level']:.0f}%",
            "min_k_pi": str(config["pooling"]["min_k_prediction_interval"]),
        },
        "methods": {
            **{method_set: method_label(config["pooling"][method_set]["primary"]) for method_set in METHOD_SETS},
            "nagq": str(config["pooling"]["proportions"]["glmm_quadrature_points"]),
            "denominator": config["pooling"]["response_denominator"],
        },
        "outcomes": {},
        "liver": {},
        "tests": {},
        "audit": {},
    }
    for outcome in estimates["outcome"].unique():
        key = outcome.replace("-", "_")
        method = primary_methods.get(outcome)
        v["outcomes"][key] = {g: outcome_variables(estimates, outcome, g, method) for g in SUBGROUPS}
        dl = _estimate(estimates, outcome, method="dl")
        v["outcomes"][key]["dl"] = estimate_text(dl) if dl else "NA"
        loo = estimates[(estimates["outcome"] == outcome) & estimates["analysis"].str.startswith(LEAVE_ONE_OUT_PREFIX)
                        & (estimates["subgroup"] == OVERALL)]
        if len(loo):
            scale = loo["scale"].iloc[0]
            v["outcomes"][key]["loo_range"] = (f"{fmt_value(loo['estimate'].min(), scale)} to "
                                               f"{fmt_value(loo['estimate'].max(), scale)}")
        else:  # too few studies to leave one out (the report says NA, as for crc_only)
            v["outcomes"][key]["loo_range"] = "NA"
        crc = _estimate(estimates, outcome, analysis=CRC_ONLY, method=method)
        v["outcomes"][key]["crc_only"] = estimate_text(crc) if crc else "NA"
    for row in tests.itertuples():
        if row.method == primary_methods.get(row.outcome):
            v["tests"][row.outcome] = {"q": f"{row.q_between:.2f}", "df": str(int(row.df)), "p": fmt_p(row.p_value)}
    for row in audit_summary.itertuples():
        v["audit"][row.study_id] = {s: str(getattr(row, s)) for s in [*AUDIT_STATUSES, "total"]}
    return v


def _study_sizes(characteristics: pd.DataFrame) -> dict[str, int]:
    sizes = {}
    for study, group in characteristics.groupby("study_id", sort=False):
        for item in ("n_enrolled", "n_treated"):
            values = [int(x) for x in group.loc[group["item"] == item, "value"] if str(x).isdigit()]
            if values:
                sizes[study] = values[0]
                break
    return sizes


# --- markdown tables -------------------------------------------------------------------

def _escape(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, caption: str, label: str, widths: list[int] | None = None) -> str:
    """A pipe table with a Quarto caption and cross-reference id."""
    if frame.empty:  # keep the table (and its cross-reference) but say why it has no rows
        frame = pd.DataFrame({"Note": ["No analysis of this kind with the studies of this run."]})
        widths = None
    header = "| " + " | ".join(_escape(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_escape(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    attrs = f"#{label}" + (f' tbl-colwidths="[{",".join(map(str, widths))}]"' if widths else "")
    return "\n".join([header, rule, *body, "", f": {caption} {{{attrs}}}", ""])


def studies_table(characteristics: pd.DataFrame, baseline: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    rows = []
    for study, entry in config["studies"].items():
        own = characteristics[characteristics["study_id"] == study]
        # the most detailed statement first (tables, then results, then the abstract)
        own = own.iloc[sorted(range(len(own)), key=lambda i: (location_rank(own.iloc[i]["location"]), i))]

        def first(*items):
            for item in items:
                values = own.loc[own["item"] == item, "value"]
                if len(values):
                    return values.iloc[0]
            return "NR"

        liver = baseline[(baseline["study_id"] == study) & (baseline["characteristic"] == "liver_metastasis")
                         & (baseline["category"] == "yes") & (baseline["count"] != "")]
        liver_text = "NR"
        if len(liver):
            r = liver.iloc[0]
            liver_text = f"{r['count']}/{r['total']}" if r["total"] else r["count"]
        n = first("n_enrolled", "n_treated", "n_patients")
        rows.append({
            "Study": study, "Design": first("design").replace("_", " "), "Population": entry["label"],
            "Regimen": " + ".join(x for x in [first("tki"), first("pd1_inhibitor")] if x != "NR") or "NR",
            "N": n, "Evaluable": first("n_evaluable"), "Liver metastasis": liver_text,
            "Role": "pooled" if entry["role"] == "single_arm" else "context only",
        })
    return pd.DataFrame(rows)


def audit_summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    out = summary.rename(columns={"study_id": "Paper", "not_checkable": "not checkable", "total": "Total"})
    return out


def findings_table(audit: pd.DataFrame) -> pd.DataFrame:
    found = audit[audit["status"] == "discrepancy"]
    return pd.DataFrame({
        "Paper": found["study_id"], "Check": found["check"].str.replace("_", " "),
        "Quantity": found["quantity"], "Where": found["location"].str.replace(";", ", "),
        "Finding": found["detail"],
    })


def corrections_table(corrections: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Row": corrections["row_id"], "Column": corrections["column"], "Printed": corrections["printed"],
        "Repaired": corrections["corrected"], "Reason": corrections["reason"],
    })


def pooled_table(estimates: pd.DataFrame, primary_methods: Mapping[str, str], outcomes: list[str],
                 subgroups=(OVERALL,)) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        for subgroup in subgroups:
            row = _estimate(estimates, outcome, subgroup, method=primary_methods.get(outcome))
            if row is None:
                continue
            scale = row["scale"]
            rows.append({
                "Outcome": outcome_label(outcome), "Subgroup": subgroup_label(subgroup),
                "k": int(row["k"]),
                "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " (").replace("not reported by any study", "NR"),
                "95% PI": fmt_interval(row["pi_lower"], row["pi_upper"], scale),
                "I²": "NA" if math.isnan(row["i2"]) else f"{row['i2']:.0f}%",
                "tau²": "NA" if math.isnan(row["tau2"]) else f"{row['tau2']:.3f}",
                "Method": method_label(row["method"]) if row["k"] > 1 else "single study, not pooled",
            })
    return pd.DataFrame(rows)


def methods_table(estimates: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Each pooled outcome (all patients) under every method of the primary analysis."""
    rows = []
    for outcome in outcomes:
        own = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                        & (estimates["analysis"] == PRIMARY) & (estimates["k"] > 1)]
        for row in own.to_dict("records"):
            rows.append({"Outcome": outcome_label(outcome), "Method": method_label(row["method"]),
                         "k": int(row["k"]), "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " ("),
                         "tau²": "NA" if math.isnan(row["tau2"]) else f"{row['tau2']:.3f}"})
    return pd.DataFrame(rows)


def sensitivity_table(estimates: pd.DataFrame, primary_methods: Mapping[str, str], outcomes: list[str]) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        method = primary_methods.get(outcome)
        own = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                        & (estimates["method"] == method) & (estimates["analysis"] != PRIMARY)]
        for row in own.to_dict("records"):
            rows.append({"Outcome": outcome_label(outcome), "Analysis": analysis_label(row["analysis"]), "k": int(row["k"]),
                         "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " (")})
    return pd.DataFrame(rows)


def subgroup_test_table(tests: pd.DataFrame, primary_methods: Mapping[str, str]) -> pd.DataFrame:
    own = tests[[m == primary_methods.get(o) for o, m in zip(tests["outcome"], tests["method"])]]
    return pd.DataFrame({
        "Outcome": [outcome_label(o) for o in own["outcome"]],
        "k (liver / no liver)": [f"{a} / {b}" for a, b in zip(own["k_liver_met"], own["k_no_liver_met"])],
        "Q between": [f"{q:.2f}" for q in own["q_between"]], "df": own["df"].astype(int),
        "p": [fmt_p(p) for p in own["p_value"]],
        "Method": [method_label(m) for m in own["method"]],
    })


def inputs_table(inputs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    own = inputs[inputs["outcome"].isin(outcomes)]
    rows = []
    for r in own.to_dict("records"):
        if isinstance(r.get("excluded"), str) and r["excluded"]:
            value = f"left out: {r['excluded']}"
        elif r["family"] == "proportion":
            value = f"{int(r['events'])}/{int(r['n'])}"
        else:
            value = f"{math.exp(r['yi']):.2f} (SE of log {r['sei']:.3f})" if r["family"] == "log" else f"{r['estimate']:.3f}"
        rows.append({"Outcome": outcome_label(r["outcome"]), "Subgroup": subgroup_label(r["subgroup"]),
                     "Study": r["study_id"], "Input": value, "Source": r["source"]})
    return pd.DataFrame(rows)


def versions_table(versions: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"Component": list(versions), "Version": list(versions.values())})
