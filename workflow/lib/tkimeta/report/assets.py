"""Numbers and tables for the report, computed from the results files.

The report source (``report/*.qmd``) contains no numbers: it reads them through
``{{< var ... >}}`` shortcodes from the variables built here and includes the markdown
tables written here. So every number in the text traces back to a results file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from ..clean import location_rank
from ..pooling.usable import usable_inputs
from .prose import context_sentence, limitations_counts
from ..vocab import (
    AUDIT_STATUSES,
    CRC_ONLY,
    LEAVE_ONE_OUT_PREFIX,
    METHOD_SETS,
    OVERALL,
    PRIMARY,
    SUBGROUPS,
    analysis_label,
    cancer_label,
    method_abbreviation,
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


COMPARISON_TEXT = {
    "within_study": "both subgroups come from the same studies, so this is a within-study comparison of subgroup summaries",
    "between_study": "the subgroups come from different studies, so this is a between-study (ecological) comparison",
    "mixed": "some studies give both subgroups and some only one, so the comparison is partly between studies",
}


def build_variables(estimates, tests, audit_summary, audit, corrections, inputs, characteristics,
                    primary_methods: Mapping[str, str], config: Mapping) -> dict:
    """Every value the report text quotes, keyed as the .qmd refers to them."""
    single_arm = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    sizes = study_sizes(characteristics)
    lim = limitations_counts(estimates, list(estimates["outcome"].unique()), config, characteristics)
    v: dict = {
        "limitations": lim,
        "summary": {
            "n_papers": str(len(config["studies"])),
            "n_single_arm": str(len(single_arm)),
            "context_sentence": context_sentence(config),
            "config_digest": str(config.get("_digest", "not recorded")),
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
    for outcome in estimates["outcome"].unique():  # an outcome without both subgroups has no test
        v["tests"][outcome] = {"q": "NA", "df": "NA", "p": "NA", "knha_p": "NA",
                               "comparison": "no study gives both subgroups"}
    for row in tests.itertuples():
        if row.method == primary_methods.get(row.outcome):
            v["tests"][row.outcome] = {"q": f"{row.q_between:.2f}", "df": str(int(row.df)), "p": fmt_p(row.p_value),
                                       "knha_p": "NA", "comparison": COMPARISON_TEXT.get(getattr(row, "comparison", ""), "NA")}
    for row in tests.itertuples():
        if row.method == "reml_hksj" and row.outcome in v["tests"] and not pd.isna(getattr(row, "knha_p", math.nan)):
            v["tests"][row.outcome]["knha_p"] = fmt_p(row.knha_p)
    for row in audit_summary.itertuples():
        v["audit"][row.study_id] = {s: str(getattr(row, s)) for s in [*AUDIT_STATUSES, "total"]}
    return v


def study_sizes(characteristics: pd.DataFrame) -> dict[str, int]:
    sizes = {}
    for study, group in characteristics.groupby("study_id", sort=False):
        for item in ("n_enrolled", "n_treated"):
            values = [int(x) for x in group.loc[group["item"] == item, "value"] if str(x).isdigit()]
            if values:
                sizes[study] = values[0]
                break
    return sizes


def rows_by_study(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each study's rows of a long table, split in one pass. A boolean mask per study
    scans the whole table every time, which made the per-study tables quadratic in the
    number of studies (most of this rule's time at 1,000 studies)."""
    return {study: rows for study, rows in frame.groupby("study_id", sort=False)}


def _own(groups: Mapping[str, pd.DataFrame], frame: pd.DataFrame, study: str) -> pd.DataFrame:
    """One study's rows from :func:`rows_by_study` (no rows, same columns, when it has none)."""
    return groups[study] if study in groups else frame.iloc[0:0]


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


NOT_PRINTED = "not printed"
CITATION_ITEMS = ("authors", "title", "journal", "publication_year", "doi")


def citation(characteristics: pd.DataFrame, study: str) -> dict[str, str]:
    """Authors, title, journal, year and DOI of a paper as its seed prints them
    (characteristics rows); 'not printed' for what it does not print."""
    own = characteristics[characteristics["study_id"] == study]
    out = {}
    for item in CITATION_ITEMS:
        values = own.loc[own["item"] == item, "value"]
        out[item] = str(values.iloc[0]) if len(values) else NOT_PRINTED
    return out


def short_citation(cite: Mapping[str, str]) -> str:
    """'Bai H et al., journal not printed, 2025' style: first author, journal, year."""
    if cite["authors"] == NOT_PRINTED:
        first = "authors not printed"
    else:
        names = [a.strip() for a in cite["authors"].split(",") if a.strip()]
        first = names[0] + (" et al." if len(names) > 1 else "")
    journal = cite["journal"] if cite["journal"] != NOT_PRINTED else "journal not printed"
    year = cite["publication_year"] if cite["publication_year"] != NOT_PRINTED else "year not printed"
    return f"{first}; {journal}; {year}"


def study_references(characteristics: pd.DataFrame, config: Mapping) -> str:
    """The numbered list of the papers synthesised, keyed by study code (markdown)."""
    lines = []
    groups = rows_by_study(characteristics)
    for i, study in enumerate(config["studies"], start=1):
        c = citation(_own(groups, characteristics, study), study)
        title = c["title"] if c["title"] == NOT_PRINTED else f"*{c['title']}*"
        doi = f" doi:{c['doi']}" if c["doi"] != NOT_PRINTED else " DOI not printed"
        lines.append(f"{i}. **[{study}]** {c['authors'] if c['authors'] != NOT_PRINTED else 'Authors not printed'}. "
                     f"{title if c['title'] != NOT_PRINTED else 'Title not printed'}. "
                     f"Journal {c['journal']}. Year {c['publication_year']}.{doi}. Source: `{config['studies'][study]['seed_file']}`.")
    return "\n".join(lines) + "\n"


def studies_table(characteristics: pd.DataFrame, baseline: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    rows = []
    chars, liver_rows = rows_by_study(characteristics), rows_by_study(baseline)
    for study, entry in config["studies"].items():
        own = _own(chars, characteristics, study)
        cite = citation(own, study)
        # the most detailed statement first (tables, then results, then the abstract)
        own = own.iloc[sorted(range(len(own)), key=lambda i: (location_rank(own.iloc[i]["location"]), i))]

        def first(*items):
            for item in items:
                values = own.loc[own["item"] == item, "value"]
                if len(values):
                    return values.iloc[0]
            return "NR"

        base = _own(liver_rows, baseline, study)
        liver = base[(base["characteristic"] == "liver_metastasis") & (base["category"] == "yes") & (base["count"] != "")]
        liver_text = "NR"
        if len(liver):
            r = liver.iloc[0]
            liver_text = f"{r['count']}/{r['total']}" if r["total"] else r["count"]
        n = first("n_enrolled", "n_treated", "n_patients")
        rows.append({
            "Study": study, "Reference": short_citation(cite), "Design": first("design").replace("_", " "), "Population": entry["label"],
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


DERIVED_MARK = "‡"
DERIVED_FOOTNOTE = (f"{DERIVED_MARK} Derived, not printed by the paper: counts recovered from printed percentages, "
                    "ratios of printed medians, hazard ratios from a log-rank p value (Tierney et al.), or a standard "
                    "error from a single bound; the interval shown is then computed. NR: not printed by the paper "
                    "(NA or not reached); a bound the paper did not print is never shown as a number.")


def _is_derived(source: str, approximation) -> bool:
    text = str(source)
    return (str(approximation).lower() == "true" or "derived" in text or "Tierney" in text
            or bool(re.match(r"^[0-9.]+ / [0-9.]+ months", text)))


def printed_estimate_text(inp: Mapping, scale: str) -> str:
    """A single study's estimate with the interval as its paper printed it (NR for a
    bound it did not print), marked when derived."""
    mark = DERIVED_MARK if _is_derived(inp.get("source", ""), inp.get("approximation")) else ""
    if inp.get("family") == "proportion":
        e, n = int(inp["events"]), int(inp["n"])
        return f"{e}/{n} ({100 * e / n:.1f}%){mark}"

    def bound(x):
        return "NR" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt_value(x, scale)

    est = inp.get("estimate")
    if est is None or (isinstance(est, float) and math.isnan(est)):
        est = math.exp(inp["yi"])
    return f"{fmt_value(est, scale)} ({bound(inp.get('ci_lower'))}-{bound(inp.get('ci_upper'))}){mark}"


def _single_input(inputs: pd.DataFrame | None, outcome: str, subgroup: str, row: Mapping) -> Mapping | None:
    if inputs is None or int(row["k"]) != 1:
        return None
    study = str(row.get("studies", "")).split(";")[0]
    inputs = usable_inputs(inputs)
    own = inputs[(inputs["outcome"] == outcome) & (inputs["subgroup"] == subgroup) & (inputs["study_id"] == study)]
    return own.iloc[0].to_dict() if len(own) else None


def pooled_table(estimates: pd.DataFrame, primary_methods: Mapping[str, str], outcomes: list[str],
                 subgroups=(OVERALL,), inputs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Primary estimates; a single study (k = 1) is shown as its paper printed it."""
    rows = []
    for outcome in outcomes:
        for subgroup in subgroups:
            row = _estimate(estimates, outcome, subgroup, method=primary_methods.get(outcome))
            if row is None:
                continue
            scale = row["scale"]
            single = _single_input(inputs, outcome, subgroup, row)
            text = (printed_estimate_text(single, scale) if single is not None else
                    estimate_text(row).replace(" (95% CI ", " (").replace("not reported by any study", "NR"))
            rows.append({
                "Outcome": outcome_label(outcome), "Subgroup": subgroup_label(subgroup),
                "k": int(row["k"]),
                "Estimate (95% CI)": text,
                "95% PI": fmt_interval(row["pi_lower"], row["pi_upper"], scale),
                "I²": "NA" if math.isnan(row["i2"]) else f"{row['i2']:.0f}%",
                "tau²": "NA" if math.isnan(row["tau2"]) else f"{row['tau2']:.3f}",
                "Method": method_label(row["method"]) if row["k"] > 1 else "single study, not pooled",
            })
    return pd.DataFrame(rows)


def methods_table(estimates: pd.DataFrame, outcomes: list[str],
                  primary_methods: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each pooled outcome (all patients) under every method of the primary analysis, the
    primary method first (for ratios: REML + HKSJ, DerSimonian-Laird, common effect), with
    the scale its tau² is estimated on."""
    rows = []
    for outcome in outcomes:
        own = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                        & (estimates["analysis"] == PRIMARY) & (estimates["k"] > 1)]
        primary = (primary_methods or {}).get(outcome)
        own = own.assign(_first=own["method"] != primary).sort_values("_first", kind="stable")
        for row in own.to_dict("records"):
            common = row["method"] == "ce"
            rows.append({"Outcome": outcome_label(outcome),
                         "Method": method_label(row["method"]) + (" (primary)" if row["method"] == primary else ""),
                         "k": int(row["k"]), "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " ("),
                         "tau²": "0 (fixed)" if common else ("NA" if math.isnan(row["tau2"]) else f"{row['tau2']:.3f}"),
                         "tau² scale": tau2_scale(row["scale"], row["method"])})
    return pd.DataFrame(rows)


def tau2_scale(scale: str, method: str) -> str:
    """The scale tau² is estimated on: logit or Freeman-Tukey for proportions, log otherwise
    (none for the common-effect model, which has no tau²)."""
    if method == "ce":
        return "none (common effect)"
    if scale == "proportion":
        return "Freeman-Tukey" if method == "ft_reml" else "logit"
    return "log"


def tumour_type_table(estimates: pd.DataFrame, inputs: pd.DataFrame, primary_methods: Mapping[str, str],
                      outcomes: list[str], config: Mapping) -> pd.DataFrame:
    """Results by tumour type for each outcome pooled across more than one type (all
    patients, primary method): a type with several studies as its own pooled analysis
    where one exists (colorectal only), a type with one study as that study printed it,
    then all types pooled. Outcomes from one tumour type only are left out."""
    cancer = {s: c["cancer"] for s, c in config["studies"].items()}
    usable = usable_inputs(inputs)
    rows = []
    for outcome in outcomes:
        method = primary_methods.get(outcome)
        overall = _estimate(estimates, outcome, method=method)
        if overall is None or int(overall["k"]) < 2:
            continue
        studies = str(overall["studies"]).split(";")
        types = list(dict.fromkeys(cancer.get(s, "unknown") for s in studies))
        if len(types) < 2:
            continue
        scale = overall["scale"]
        for kind in types:
            members = [s for s in studies if cancer.get(s) == kind]
            if len(members) == 1:
                own = usable[(usable["outcome"] == outcome) & (usable["subgroup"] == OVERALL)
                             & (usable["study_id"] == members[0])]
                text = printed_estimate_text(own.iloc[0].to_dict(), scale) if len(own) else "NA"
                how = "single study, as printed"
            else:
                pooled = _estimate(estimates, outcome, analysis=CRC_ONLY, method=method) if kind == "colorectal" else None
                if pooled is not None and sorted(str(pooled["studies"]).split(";")) == sorted(members):
                    text, how = estimate_text(pooled).replace(" (95% CI ", " ("), method_label(method)
                else:
                    text, how = "not pooled separately", ""
            rows.append({"Outcome": outcome_label(outcome), "Tumour type": cancer_label(kind),
                         "k": len(members), "Estimate (95% CI)": text, "Method": how})
        rows.append({"Outcome": outcome_label(outcome), "Tumour type": "all types pooled", "k": int(overall["k"]),
                     "Estimate (95% CI)": estimate_text(overall).replace(" (95% CI ", " ("),
                     "Method": method_label(method)})
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


def _p_eq(p) -> str:
    text = fmt_p(p)
    return text if text.startswith("<") else f"= {text}"


def subgroup_test_table(tests: pd.DataFrame, primary_methods: Mapping[str, str]) -> pd.DataFrame:
    """Per outcome: the Wald-type Q between the subgroup summaries of the primary
    method, and the meta-regression Knapp-Hartung F-test (REML, the basis of the HKSJ
    intervals), each labelled; and whether the comparison is within or between studies."""
    rows = []
    for outcome, own in tests.groupby("outcome", sort=False):
        prim = own[own["method"] == primary_methods.get(outcome)]
        if not len(prim):
            continue
        r = prim.iloc[0]
        kh = own[own["method"] == "reml_hksj"]
        kh_text = "NA"
        if len(kh) and "knha_f" in kh and not pd.isna(kh.iloc[0]["knha_f"]):
            k = kh.iloc[0]
            kh_text = f"F = {k['knha_f']:.2f} ({int(k['knha_df1'])}, {int(k['knha_df2'])} df), p {_p_eq(k['knha_p'])}"
        elif len(kh) and "knha_df2" in kh and kh.iloc[0]["knha_df2"] == 0:
            kh_text = "not estimable (no residual df)"
        comparison = str(r.get("comparison", "")).replace("_", "-") if isinstance(r.get("comparison"), str) else "NA"
        rows.append({
            "Outcome": outcome_label(outcome), "k (liver / no liver)": f"{r['k_liver_met']} / {r['k_no_liver_met']}",
            "Wald Q between (primary method)": (f"Q = {r['q_between']:.2f} ({int(r['df'])} df), p {_p_eq(r['p_value'])} "
                                                f"[{method_abbreviation(r['method'])}]" if not pd.isna(r["q_between"]) else "NA"),
            "Knapp-Hartung F (REML meta-regression)": kh_text,
            "Comparison": comparison,
        })
    return pd.DataFrame(rows)


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


# --- risk of bias and certainty -----------------------------------------------------------

def minors_table(rob: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    """MINORS scores per study and item (D1-D8) with the total; studies without
    judgements listed as not appraised."""
    from ..vocab import MINORS_ITEMS, MINORS_MAX

    rows = []
    groups = rows_by_study(rob)
    for study, entry in config["studies"].items():
        if entry["role"] != "single_arm":
            continue
        own = _own(groups, rob, study)
        own = own[own["tool"] == "minors"]
        scores = {item: own.loc[own["item"] == item, "score"] for item in MINORS_ITEMS}
        row = {"Study": study}
        for i, item in enumerate(MINORS_ITEMS, start=1):
            row[f"D{i}"] = str(scores[item].iloc[0]) if len(scores[item]) else "–"
        row["Total"] = (f"{int(pd.to_numeric(own['score']).sum())}/{MINORS_MAX}" if len(own) else "not appraised")
        rows.append(row)
    return pd.DataFrame(rows)


def minors_reasons_table(rob: pd.DataFrame) -> pd.DataFrame:
    """Every MINORS judgement with its reason and the passage of the paper behind it."""
    from ..vocab import MINORS_ITEMS

    own = rob[rob["tool"] == "minors"]
    order = {item: i for i, item in enumerate(MINORS_ITEMS)}
    own = own.assign(_o=own["item"].map(order)).sort_values(["study_id", "_o"], kind="stable")
    return pd.DataFrame({
        "Study": own["study_id"], "Item": [f"D{order[i] + 1} {MINORS_ITEMS[i]}" for i in own["item"]],
        "Score": own["score"], "Reason": own["reason"],
        "Quote (location)": [f"“{q}” ({loc.replace('_', ' ')})" for q, loc in zip(own["source_label"], own["location"])],
    })


def grade_table(findings: list[dict]) -> tuple[pd.DataFrame, list[str]]:
    """The GRADE summary-of-findings table and its footnotes (the reason for every
    domain judgement, and for every downgrade)."""
    from ..vocab import GRADE_DOMAINS

    rows, notes = [], []
    for f in findings:
        row = f["row"]
        cells = {}
        for domain, (judgement, reason) in f["domains"].items():
            if reason not in notes:  # one note per distinct reason, shared by the cells it explains
                notes.append(reason)
            cells[GRADE_DOMAINS[domain]] = f"{judgement} [{notes.index(reason) + 1}]"
        rows.append({
            "Outcome": outcome_label(f["outcome"]), "k": len(f["studies"]),
            "Patients": f["patients"],
            "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " ("),
            **cells, "Certainty": f"{f['certainty']} (from {f['start'].lower()})",
        })
    return pd.DataFrame(rows), notes


def footnotes_markdown(notes: list[str]) -> str:
    return "\n".join(f"[{i}] {n}." for i, n in enumerate(notes, start=1)) + ("\n" if notes else "")


def denominator_table(rows: list[dict], primary_convention: str) -> pd.DataFrame:
    """Pooled response rates under each denominator convention, the primary marked."""
    from ..pooling.denominators import CONVENTION_LABELS

    return pd.DataFrame([{
        "Outcome": outcome_label(r["measure"]),
        "Denominator convention": CONVENTION_LABELS[r["convention"]] + (" (primary)" if r["convention"] == primary_convention else ""),
        "k": r["k"],
        "Estimate (95% CI)": (f"{fmt_value(r['estimate'], 'proportion')} ({fmt_interval(r['ci_lower'], r['ci_upper'], 'proportion')})"
                              if r["k"] else "NR"),
        "Responders/denominator per study": r["used"],
    } for r in rows])


GRADE_BAND_LABELS = {"any": "any", "1_2": "1-2", "3plus": "≥ 3", "3_4": "3-4", "3_5": "3-5"}


def grade_bands(adverse_events: pd.DataFrame | None, study: str) -> str:
    """The grade bands a paper prints its adverse events in, from the typed rows."""
    if adverse_events is None or adverse_events.empty:
        return NOT_PRINTED
    bands = adverse_events.loc[adverse_events["study_id"] == study, "grade_band"].astype(str)
    order = ["any", "1_2", "3plus", "3_4", "3_5", "3", "4", "5"]
    present = list(dict.fromkeys(bands))
    present.sort(key=lambda b: order.index(b) if b in order else len(order))
    return ", ".join(GRADE_BAND_LABELS.get(b, b) for b in present) or NOT_PRINTED


def _pooled_band(usable: pd.DataFrame | None, outcome: str, study: str) -> str:
    """What a study contributes to a pooled AE outcome: events/N and the band pooled.
    ``usable``: the usable inputs (:func:`usable_inputs`), all studies' or this study's."""
    if usable is None:
        return "NA"
    own = usable[(usable["outcome"] == outcome) & (usable["study_id"] == study) & (usable["subgroup"] == OVERALL)]
    if own.empty:
        return "not pooled"
    row = own.iloc[0]
    match = re.search(r"' grade (\w+)", str(row["source"]))  # "'<term as printed>' grade <band>, ..."
    band = GRADE_BAND_LABELS.get(match.group(1), match.group(1)) if match else "?"
    return f"{int(row['events'])}/{int(row['n'])} (band {band})"


def ae_definitions_table(characteristics: pd.DataFrame, config: Mapping, adverse_events: pd.DataFrame | None = None,
                         inputs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each pooled study's adverse-event definition as printed: attribution (all-cause or
    treatment-related), grading criteria and the grade bands printed, beside what it
    contributes to the pooled any-grade and grade >= 3 rates."""
    rows = []
    chars = rows_by_study(characteristics)
    events = rows_by_study(adverse_events) if adverse_events is not None and not adverse_events.empty else {}
    usable = usable_inputs(inputs) if inputs is not None else None
    contributions = rows_by_study(usable) if usable is not None else {}
    for study, entry in config["studies"].items():
        if entry["role"] != "single_arm":
            continue
        own = _own(chars, characteristics, study)

        def first(item):
            values = own.loc[own["item"] == item, "value"]
            return str(values.iloc[0]) if len(values) else NOT_PRINTED
        row = {"Study": study, "Adverse events counted": first("ae_attribution"), "Grading": first("ae_criteria")}
        if adverse_events is not None:
            row["Grade bands printed"] = grade_bands(_own(events, adverse_events, study), study)
        if usable is not None:
            row["Any grade pooled"] = _pooled_band(_own(contributions, usable, study), "AE_any", study)
            row["Grade ≥ 3 pooled"] = _pooled_band(_own(contributions, usable, study), "AE_grade3plus", study)
        rows.append(row)
    return pd.DataFrame(rows)
