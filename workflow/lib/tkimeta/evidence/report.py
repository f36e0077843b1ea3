"""The report's living-evidence section (markdown include): cumulative meta-analysis,
small-study effects and, when a previous release is given, the changelog."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ..vocab import MAX_LISTED_STUDIES, method_label, outcome_label


def _num(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def format_estimate(estimate, lower, upper, scale: str) -> str:
    """'16.2% (8.4–27.1)', '4.1 (3.0–5.9)' or 'not estimable'."""
    e, lo, hi = _num(estimate), _num(lower), _num(upper)
    if math.isnan(e):
        return "not estimable"
    if scale == "proportion":
        return f"{100 * e:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"
    return f"{e:.2f} ({lo:.2f}–{hi:.2f})"


# Above MAX_LISTED_STUDIES papers (tkimeta.vocab) the cumulative section names the order
# of the first few only and shows selected steps (about logarithmically spaced, the last
# always), each step of every outcome being in results/evidence/cumulative.csv: a row per
# paper and outcome was thousands of rows at 1,000 papers.
#: The steps shown above the limit: these k and the last one.
SHOWN_STEPS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
LISTED_ORDER = 10


def shown_steps(steps: list[int]) -> list[int]:
    """All steps up to MAX_LISTED_STUDIES; above, the SHOWN_STEPS among them and the last."""
    if len(steps) <= MAX_LISTED_STUDIES:
        return steps
    return [s for s in steps if s in SHOWN_STEPS or s == steps[-1]]


def _order_text(order: pd.DataFrame, labels: Mapping[str, str]) -> str:
    entries = [f"{labels.get(s, s)} ({y or 'no year printed'})" for s, y in zip(order["study_id"], order["publication_year"])]
    if len(entries) <= MAX_LISTED_STUDIES:
        return ", ".join(entries)
    return (", ".join(entries[:LISTED_ORDER]) + f" and {len(entries) - LISTED_ORDER:,} more "
            "(the full order in results/evidence/publication_order.csv)")


def evidence_markdown(cumulative: pd.DataFrame, order: pd.DataFrame, small_study: pd.DataFrame, changelog_md: str,
                      *, labels: Mapping[str, str], method: str, min_k: int, previous: str = "") -> str:
    lines = ["# Living evidence {#sec-living}", "", "## Cumulative meta-analysis", ""]
    dated = order[order["publication_year"] != ""]
    undated = order[order["publication_year"] == ""]
    order_text = _order_text(order, labels)
    lines.append(
        f"The studies enter in order of publication: {order_text}. "
        f"{len(dated)} of {len(order)} pooled papers {'prints' if len(dated) == 1 else 'print'} a publication year"
        + (f"; the {len(undated)} that do not follow the dated ones in order of study id (no year is guessed), "
           f"so their relative order is a convention, not chronology." if len(undated) else ".")
        + (" Studies sharing a year are ordered by study id." if dated["publication_year"].duplicated().any() else "")
        + f" Each step pools the studies so far with {method_label(method)} (metafor `cumul()`), "
          f"proportions on the logit scale.")
    lines.append("")
    main = cumulative[cumulative["subgroup"] == "all"]
    if main.empty:
        lines.append("No outcome of the cumulative analysis has data in this run.")
    else:
        lines += ["| Outcome | Step | Study added | k | Estimate (95% CI) |", "|---|---|---|---|---|"]
        thinned = False
        for outcome, rows in main.groupby("outcome", sort=False):
            rows = rows.sort_values("step", key=lambda s: s.astype(int))
            steps = [int(x) for x in rows["step"]]
            keep = shown_steps(steps)
            if len(keep) < len(steps):
                thinned = True
                rows = rows[[x in set(keep) for x in steps]]
            for i, (_, r) in enumerate(rows.iterrows()):
                name = outcome_label(outcome) if i == 0 else ""
                lines.append(f"| {name} | {r['step']} | {labels.get(r['study_id'], r['study_id'])} | {r['k']} | "
                             f"{format_estimate(r['estimate'], r['ci_lower'], r['ci_upper'], r['scale'])} |")
        shown = (f" With more than {MAX_LISTED_STUDIES} papers, selected steps only; every step is in "
                 "`results/evidence/cumulative.csv`." if thinned else "")
        lines += ["", ": Cumulative meta-analysis: the pooled estimate as each paper arrived (overall population; "
                      f"ratios and medians on their natural scale).{shown} {{#tbl-cumulative}}", ""]
    lines += ["## Small-study effects", ""]
    assessable = small_study[small_study["assessable"].astype(str) == "True"]
    if assessable.empty:
        k_max = max((int(k) for k in small_study["k"]), default=0)
        lines.append(f"Funnel plots, Egger's regression test and trim and fill were not assessed for any outcome: "
                     f"the best-reported outcome has k = {k_max} studies, and these methods need at least {min_k} "
                     f"(with fewer the test has too little power to tell asymmetry from chance). "
                     f"They are computed automatically once an outcome reaches k = {min_k}.")
    else:
        lines += ["| Outcome | Subgroup | k | Egger z (p) | Trim and fill: filled, side | Adjusted estimate |",
                  "|---|---|---|---|---|---|"]
        for _, r in assessable.iterrows():
            lines.append(f"| {outcome_label(r['outcome'])} | {r['subgroup']} | {r['k']} | "
                         f"{_num(r['egger_z']):.2f} ({_num(r['egger_pvalue']):.3g}) | {r['trimfill_k0']}, {r['trimfill_side']} | "
                         f"{format_estimate(r['trimfill_estimate'], r['trimfill_ci_lower'], r['trimfill_ci_upper'], r['scale'])} |")
        others = len(small_study) - len(assessable)
        lines += ["", f": Small-study effects (REML model; Egger's test with the standard error as moderator; "
                      f"trim and fill, L0 estimator); {others} outcome/subgroup rows with k < {min_k} not assessed. "
                      "{#tbl-small-study}", ""]
    if previous and changelog_md.strip():
        lines += ["", "## Changes since the previous release", "", changelog_md.strip()]
    return "\n".join(lines) + "\n"
