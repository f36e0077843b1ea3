"""The report's tables for a large evidence base.

A table with a row per study is what a reader wants for a handful of papers; at a
thousand it is hundreds of pages that nobody reads (and typst needed 6 GB to set them).
Above :data:`MAX_LISTED_STUDIES` studies each such table becomes a summary a reader can
take in, its caption naming the results file that holds every row, so no number is
dropped, only moved. At or below the threshold nothing here applies and the tables are
those of :mod:`.assets`, unchanged.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

import pandas as pd

from ..vocab import LEAVE_ONE_OUT_PREFIX, MAX_LISTED_STUDIES, OVERALL, PRIMARY, analysis_label, outcome_label
from .assets import estimate_text, fmt_value
#: How many entries of a per-study list in one table cell are shown above the limit.
LISTED_ENTRIES = 10


def is_large(n_studies: int) -> bool:
    return n_studies > MAX_LISTED_STUDIES


def where_note(n_rows: int, unit: str, source: str) -> str:
    """The caption sentence that says what the summary stands for and where every row is."""
    return (f" Summarised: {n_rows:,} {unit}, more than the report lists one by one "
            f"({MAX_LISTED_STUDIES}); every row is in `{source}`.")


def short_list(text: str, source: str, sep: str = "; ") -> str:
    """The first LISTED_ENTRIES entries of a ``sep``-separated cell and how many more there are."""
    parts = text.split(sep) if text else []
    if len(parts) <= LISTED_ENTRIES:
        return text
    return sep.join(parts[:LISTED_ENTRIES]) + f"{sep}… and {len(parts) - LISTED_ENTRIES:,} more (all in `{source}`)"


def _range_text(values: Sequence[float]) -> str:
    """'median 72 (range 30-150)' of some numbers (NR when none)."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "NR"
    return f"median {statistics.median(values):g} (range {min(values):g}-{max(values):g})"


def _number(text) -> float:
    try:
        return float(str(text).split("/")[0])
    except ValueError:
        return math.nan


def studies_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The included papers (assets.studies_table) grouped by design, regimen and role:
    how many papers, how many patients, the size of a paper and the share with liver
    metastases where printed."""
    rows = []
    for (design, regimen, role), group in table.groupby(["Design", "Regimen", "Role"], sort=False):
        sizes = [_number(n) for n in group["N"]]
        liver = [str(x).split("/") for x in group["Liver metastasis"] if "/" in str(x)]
        liver_text = (f"{sum(int(a) for a, _ in liver)}/{sum(int(b) for _, b in liver)} in {len(liver)} papers"
                      if liver else "NR")
        rows.append({"Design": design, "Regimen": regimen, "Role": role, "Papers": len(group),
                     "Patients": f"{int(sum(v for v in sizes if not math.isnan(v)))}",
                     "N per paper": _range_text(sizes), "Liver metastasis": liver_text})
    return pd.DataFrame(rows)


def count_summary(table: pd.DataFrame, label: str, unit: str) -> pd.DataFrame:
    """A per-paper table of counts (the audit summaries) as two rows: the sums over all
    papers, and how many papers have any (a number of papers with a non-zero count)."""
    counts = table.drop(columns=[label]).apply(pd.to_numeric, errors="coerce")
    total = {label: f"all {len(table):,} {unit}"}
    having = {label: f"{unit} with any"}
    for column in counts.columns:
        values = counts[column]
        total[column] = str(int(values.sum())) if values.notna().any() else "NA"
        having[column] = str(int((values > 0).sum())) if values.notna().any() else "NA"
    return pd.DataFrame([total, having])


def value_counts_summary(table: pd.DataFrame, columns: Sequence[str], unit: str) -> pd.DataFrame:
    """How many rows share each combination of ``columns`` (e.g. papers per adverse-event
    definition, or per MINORS total), most common first."""
    counts = table.groupby(list(columns), sort=False).size().reset_index(name=unit)
    return counts.sort_values(unit, ascending=False, kind="stable").reset_index(drop=True)


def inputs_summary(table: pd.DataFrame) -> pd.DataFrame:
    """What the studies contribute (assets.inputs_table), per outcome and subgroup: how
    many contribute a pooled input and how many are left out, with the reasons."""
    rows = []
    for (outcome, subgroup), group in table.groupby(["Outcome", "Subgroup"], sort=False):
        left = group["Input"].str.startswith("left out: ")
        reasons = group.loc[left, "Input"].str.removeprefix("left out: ").value_counts(sort=True)
        rows.append({"Outcome": outcome, "Subgroup": subgroup, "Studies pooled": int((~left).sum()),
                     "Left out": int(left.sum()),
                     "Why left out": "; ".join(f"{reason} ({n})" for reason, n in reasons.items()) or "none"})
    return pd.DataFrame(rows)


def sensitivity_summary(estimates: pd.DataFrame, primary_methods: Mapping[str, str], outcomes: list[str]) -> pd.DataFrame:
    """The sensitivity analyses (assets.sensitivity_table) with the leave-one-out analyses
    of an outcome as one row: how many, and the range of their estimates."""
    rows = []
    for outcome in outcomes:
        own = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == OVERALL)
                        & (estimates["method"] == primary_methods.get(outcome)) & (estimates["analysis"] != PRIMARY)]
        loo = own["analysis"].str.startswith(LEAVE_ONE_OUT_PREFIX)
        for row in own[~loo].to_dict("records"):
            rows.append({"Outcome": outcome_label(outcome), "Analysis": analysis_label(row["analysis"]),
                         "k": int(row["k"]), "Estimate (95% CI)": estimate_text(row).replace(" (95% CI ", " (")})
        if loo.any():
            left = own[loo]
            scale = left["scale"].iloc[0]
            ks = sorted({int(k) for k in left["k"]})
            rows.append({"Outcome": outcome_label(outcome), "Analysis": f"leave one out ({len(left):,} analyses)",
                         "k": str(ks[0]) if len(ks) == 1 else f"{ks[0]}-{ks[-1]}",
                         "Estimate (95% CI)": (f"{fmt_value(left['estimate'].min(), scale)} to "
                                               f"{fmt_value(left['estimate'].max(), scale)}; CI bounds "
                                               f"{fmt_value(left['ci_lower'].min(), scale)} to "
                                               f"{fmt_value(left['ci_upper'].max(), scale)}")})
    return pd.DataFrame(rows)


def ae_definitions_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The adverse-event definitions (assets.ae_definitions_table): how many papers print
    each combination of attribution, grading and bands, and how many of them are pooled."""
    definition = [c for c in ("Adverse events counted", "Grading", "Grade bands printed") if c in table]
    pooled = [c for c in ("Any grade pooled", "Grade ≥ 3 pooled") if c in table]
    rows = []
    for key, group in table.groupby(definition, sort=False):
        row = dict(zip(definition, key if isinstance(key, tuple) else (key,)))
        row["Papers"] = len(group)
        for column in pooled:  # "not pooled", or what the paper contributes
            row[column] = f"{int((group[column] != 'not pooled').sum())} papers"
        rows.append(row)
    return pd.DataFrame(rows).sort_values("Papers", ascending=False, kind="stable").reset_index(drop=True)


#: table name -> (its summary, what one of its rows is, the results files with every row)
SUMMARIES = {
    "studies": (studies_summary, "papers", "results/clean/characteristics.csv` and `results/clean/baseline.csv"),
    "audit_summary": (lambda t: count_summary(t, "Paper", "papers"), "papers", "results/audit/summary.csv"),
    "audit_findings_summary": (lambda t: count_summary(t, "Paper", "papers"), "papers",
                               "results/audit/findings_summary.csv"),
    "inputs": (inputs_summary, "study inputs", "results/pooled/inputs.csv"),
    "ae_definitions": (ae_definitions_summary, "papers",
                       "results/clean/characteristics.csv`, `results/clean/adverse_events.csv` and "
                       "`results/pooled/inputs.csv"),
    "minors": (lambda t: value_counts_summary(t, ["Total"], "Studies"), "studies", "results/clean/risk_of_bias.csv"),
    "minors_reasons": (lambda t: value_counts_summary(t, ["Item", "Score"], "Studies"), "judgements",
                       "results/clean/risk_of_bias.csv"),
}


def summarise(name: str, frame: pd.DataFrame, caption: str, widths):
    """(frame, caption, widths) of a report table with one row per study, summarised as
    SUMMARIES says; a table without a summary, or without rows, as it is."""
    if name not in SUMMARIES or frame.empty:
        return frame, caption, widths
    summary, unit, source = SUMMARIES[name]
    return summary(frame), caption + "." + where_note(len(frame), unit, source), None


def sensitivity_caption(caption: str) -> str:
    return (caption + ". The leave-one-out analyses of an outcome are summarised as one row, more than the report "
            f"lists one by one ({MAX_LISTED_STUDIES}); each is in `results/pooled/estimates.csv` (analysis `loo_<study>`).")


def shorten_used(rows: list[dict], source: str = "results/clean/response_counts.csv") -> list[dict]:
    """The denominator-sensitivity rows with their per-study list cut to LISTED_ENTRIES."""
    return [{**r, "used": short_list(r["used"], source)} for r in rows]


def references_note(n_studies: int) -> str:
    """What stands in for the numbered reference list of a large evidence base."""
    return (f"The {n_studies:,} papers synthesised are more than the report lists one by one "
            f"({MAX_LISTED_STUDIES}). Each one's authors, title, journal, year and DOI as it prints them are in "
            "`results/clean/characteristics.csv` (items `authors`, `title`, `journal`, `publication_year`, `doi`), "
            "and its source file in `config.yaml`.\n")
