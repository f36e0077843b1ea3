"""Which numbers of a paper each typed claim is checked against.

:func:`audit_claims` reads a study's cleaned ``claims`` table and, for each claim, the
paper's own tables it needs (adverse events for a list of common AEs, rankings and
effects for a "best", survival and rates for a comparison of two of its groups), and
returns the results of :mod:`.claim_checks`.  One feeder per kind of claim; what is
particular to one paper lives in its ``claims.csv``, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd

from ..frames import records
from ..clean import location_rank
from . import claim_checks as cc
from .result import CheckResult

__all__ = ["CLAIM_LABELS", "ClaimCheck", "audit_claims", "claim_quantity"]

#: The claim types in words (the audit's ``quantity`` and the report show these).
CLAIM_LABELS = {
    "significant_benefit": "claimed difference",
    "not_significant": "claimed no significant difference",
    "uniform_benefit": "claimed benefit alike in every subgroup",
    "higher_than": "claimed higher",
    "lower_than": "claimed lower",
    "best": "claimed best option",
    "consistent_with": "claimed consistent",
    "durable": "claimed durable",
    "mostly_low_grade": "claimed mostly grade 1-2",
    "all_low_grade": "claimed all grade 1-2",
    "most_common_aes": "claimed most common adverse events",
}

_RATE_MEASURES = ("ORR", "DCR", "CBR")
_HIGH_BANDS = ("3plus", "3_5", "3_4")


@dataclass(frozen=True)
class ClaimCheck:
    """One check of one claim: its result and the raw rows it rests on."""

    result: CheckResult
    check: str
    rows: list[str] = field(default_factory=list)


def claim_quantity(claim) -> str:
    """'claimed higher: asps vs non_asps (PFS)' for the audit's quantity column."""
    label = CLAIM_LABELS.get(claim.claim_type, claim.claim_type)
    what = _group_name(claim.subject).replace(";", ", ") if claim.subject else ""
    if claim.claim_type in ("mostly_low_grade", "all_low_grade"):
        what = claim.terms.replace(";", ", ")
    elif claim.claim_type == "consistent_with" and claim.range_lower != "":
        same = claim.range_lower == claim.range_upper
        what = "other study " + claim.range_lower if same else f"other studies {claim.range_lower}-{claim.range_upper}"
    elif claim.claim_type == "most_common_aes" and claim.grade_band not in ("", "any"):
        what = _band_words(claim.grade_band)
    if claim.comparator:
        what += f" vs {claim.comparator}"
    return f"{label}: {what} ({claim.endpoint})" if what else f"{label} ({claim.endpoint})"


def _group_name(group: str) -> str:
    """'all' (the whole cohort) is 'this study' when it is compared with another study."""
    return "this study" if group == "all" else group


def _frame(tables, name) -> pd.DataFrame:
    frame = tables.get(name)
    return frame if frame is not None else pd.DataFrame()


def _dec(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _by_place(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered tables first, then results, then the rest (the most detailed place first)."""
    if frame.empty:
        return frame
    return frame.iloc[sorted(range(len(frame)), key=lambda i: location_rank(frame.iloc[i]["location"]))]


# --- the paper's own values of one group ---------------------------------------------


def _group_values(tables, population: str, endpoint: str, exclude_location: str = "") -> list[tuple[str, str, str]]:
    """(value, location, row id) the paper prints for one group and endpoint: a median
    for PFS/OS/DoR, a percentage for ORR/DCR/CBR; rows of ``exclude_location`` (the
    claim's own sentence) left out."""
    if endpoint in _RATE_MEASURES:
        frame, column = _frame(tables, "rates"), "percent"
        if frame.empty:
            return []
        rows = frame[(frame["population"] == population) & (frame["measure"] == endpoint)]
    else:
        frame, column = _frame(tables, "survival"), "median"
        if frame.empty:
            return []
        rows = frame[(frame["population"] == population) & (frame["endpoint"] == endpoint)]
    rows = _by_place(rows[(rows[column] != "") & (rows["location"] != exclude_location)])
    return list(zip(rows[column], rows["location"], rows["row_id"]))


def _other_groups(tables, endpoint: str, subject: str, skip: set[str]) -> dict[str, list[str]]:
    """Values of the other groups of the subject's own block of a table (the rows of one
    characteristic, e.g. every histology of 'Histology subtypes'), by group.  Only that
    block: a value that merely coincides with some unrelated group's is no evidence."""
    frame = _frame(tables, "rates" if endpoint in _RATE_MEASURES else "survival")
    if frame.empty:
        return {}
    column = "percent" if endpoint in _RATE_MEASURES else "median"
    match = frame["measure"] == endpoint if endpoint in _RATE_MEASURES else frame["endpoint"] == endpoint
    rows = frame[match & frame["location"].str.startswith("table") & (frame[column] != "")]
    blocks = {(loc, label.split(" row ")[0]) for loc, label, pop in zip(rows["location"], rows["source_label"],
                                                                       rows["population"])
              if pop == subject and " row " in label}
    out: dict[str, list[str]] = {}
    for population, value, loc, label in zip(rows["population"], rows[column], rows["location"], rows["source_label"]):
        if population not in skip and (loc, label.split(" row ")[0]) in blocks:
            out.setdefault(population, []).append(value)
    return out


# --- feeders, one per kind of claim --------------------------------------------------


def _significance(claim, tables) -> Iterator[ClaimCheck]:
    check = cc.significant_benefit_check if claim.claim_type == "significant_benefit" else cc.not_significant_check
    yield ClaimCheck(check(claim.estimate, claim.ci_lower, claim.ci_upper, claim.p_value or None,
                           claim.p_relation or None), f"claim_{claim.claim_type}")
    yield from _reference_group(claim, tables)


def _uniform_benefit(claim, tables) -> Iterator[ClaimCheck]:
    effects = _frame(tables, "effects")
    tests, rows = {}, []
    if not effects.empty:
        subgroup = effects[(effects["endpoint"] == claim.endpoint) & (effects["p_value"] != "")
                           & (effects["test"] == "log_rank") & effects["location"].str.startswith("table")]
        for r in records(subgroup):
            if r.factor not in tests:
                tests[r.factor] = (r.p_value, r.p_relation or "=")
                rows.append(r.row_id)
    yield ClaimCheck(cc.uniform_benefit_check(tests), "claim_uniform_benefit", rows)


def _comparison(claim, tables) -> Iterator[ClaimCheck]:
    own = claim.comparator_source == "this_study"
    values, rows = {}, []
    for side, group, printed in (("subject", claim.subject, claim.subject_value),
                                 ("comparator", claim.comparator, claim.comparator_value)):
        if printed == "" and own:  # the sentence prints no number: the paper's own, from its tables
            found = _group_values(tables, group, claim.endpoint)
            if found:
                printed = found[0][0]
                rows.append(found[0][2])
        values[side] = printed
    higher = claim.claim_type == "higher_than"
    yield ClaimCheck(cc.comparison_check(values["subject"], values["comparator"], higher, _group_name(claim.subject),
                                         claim.comparator, own_data=own), f"claim_{claim.claim_type}", rows)
    yield from _reference_group(claim, tables)


def _reference_group(claim, tables) -> Iterator[ClaimCheck]:
    """A comparison of two of the paper's groups quoting the comparator's value: is it
    the comparator's, or the whole cohort's (or another group's)?"""
    if claim.comparator_source != "this_study" or claim.comparator_value == "" or not claim.comparator:
        return
    own = _group_values(tables, claim.comparator, claim.endpoint, exclude_location=claim.location)
    whole = _group_values(tables, "all", claim.endpoint)
    others = _other_groups(tables, claim.endpoint, claim.subject, {claim.comparator, claim.subject, "all"})
    result = cc.reference_group_check(claim.comparator_value, claim.comparator, [v for v, _, _ in own],
                                      [v for v, _, _ in whole], others)
    yield ClaimCheck(result, "claim_reference_group", [r for _, _, r in own])


def _ranking_values(claim, tables, subjects: list[str], among: list[str]) -> tuple[dict[str, str], list[str], bool]:
    """The values a 'best' is judged by: the SUCRA values of the ranking that holds the
    subjects (higher is better), else the hazard ratios against a common reference of
    the paper's effects (lower is better; the reference counts as 1)."""
    rankings = _frame(tables, "rankings")
    if not rankings.empty:
        block = rankings[(rankings["population"] == claim.population) & (rankings["endpoint"] == claim.endpoint)
                         & (rankings["sucra"] != "")]
        for _, group in block.groupby(["location", "source_label"], sort=False):
            values = dict(zip(group["treatment"], group["sucra"]))
            if among:
                values = {k: v for k, v in values.items() if k in among}
            if subjects[0] in values and len(values) >= 2:
                return values, list(group["row_id"]), True
    effects = _frame(tables, "effects")
    if effects.empty:
        return {}, [], True
    hr = effects[(effects["population"] == claim.population) & (effects["endpoint"] == claim.endpoint)
                 & (effects["measure"] == "HR") & (effects["estimate"] != "")]
    best: tuple[dict[str, str], list[str]] = ({}, [])
    for _, group in hr.groupby(["location", "reference"], sort=False):
        values = {group["reference"].iloc[0]: "1", **dict(zip(group["level"], group["estimate"]))}
        if among:
            values = {k: v for k, v in values.items() if k in among}
        if subjects[0] in values and len(values) > len(best[0]):
            best = (values, list(group["row_id"]))
    return best[0], best[1], False


def _best(claim, tables) -> Iterator[ClaimCheck]:
    subjects = [s for s in claim.subject.split(";") if s]
    among = [t for t in claim.terms.split(";") if t]
    values, rows, sucra = _ranking_values(claim, tables, subjects, among)
    result = cc.best_check(subjects if len(subjects) > 1 else subjects[0], values, higher_is_better=sucra)
    if values and not sucra:
        result = CheckResult(result.status, result.reported, result.recomputed,
                             result.detail.replace("(", "(hazard ratios against a common reference, lower is better: ", 1),
                             result.check)
    yield ClaimCheck(result, "claim_best", rows)


def _consistent_with(claim, tables) -> Iterator[ClaimCheck]:
    yield ClaimCheck(cc.consistent_with_check(claim.estimate, claim.range_lower, claim.range_upper,
                                              claim.ci_lower, claim.ci_upper), "claim_consistent_with")


def _durable(claim, tables) -> Iterator[ClaimCheck]:
    survival, landmarks = _frame(tables, "survival"), _frame(tables, "landmarks")
    medians, rates, rows = [], [], []
    if not survival.empty:
        seen = set()
        for r in records(_by_place(survival[(survival["endpoint"] == "DoR") & (survival["median"] != "")])):
            rows.append(r.row_id)
            if r.median in seen:  # one median printed in several places: its most detailed print
                continue
            seen.add(r.median)
            ci = f" ({r.ci_lower}-{r.ci_upper})" if r.ci_lower != "" else ""
            medians.append(f"median duration of response {r.median} months{ci}")
    if not landmarks.empty:
        for r in records(_by_place(landmarks[landmarks["endpoint"] == "DoR"])):
            rates.append(f"{r.time_months}-month duration-of-response rate {r.percent}%")
            rows.append(r.row_id)
    yield ClaimCheck(cc.durable_check(medians, rates), "claim_durable", rows)


def _grade_split(group: pd.DataFrame) -> tuple[int, int] | None:
    """(any grade, grade >= 3) counts of one printed AE row, if its bands give both."""
    bands = {b: c for b, c in zip(group["grade_band"], group["count"]) if c != ""}
    if "any" not in bands:
        return None
    high = next((bands[b] for b in _HIGH_BANDS if b in bands), None)
    if high is None and "3" in bands:  # grade 3, 4 (and 5) printed as separate columns
        high = sum(int(bands[b]) for b in ("3", "4", "5") if b in bands)
    return None if high is None else (int(bands["any"]), int(high))


def _low_grade(claim, tables) -> Iterator[ClaimCheck]:
    events = _frame(tables, "adverse_events")
    counts, rows = {}, []
    for term in [t for t in claim.terms.split(";") if t]:
        if events.empty:
            break
        term_rows = _by_place(events[events["harmonised_term"] == term])
        # one printed row of a table (its cells may be labelled '... column "Grade 3"')
        printed_row = term_rows["location"] + "|" + term_rows["source_label"].str.split(" column ").str[0]
        for _, group in term_rows.groupby(printed_row, sort=False):
            split = _grade_split(group)
            if split:
                counts[term] = split
                rows += list(group["row_id"])
                break
    yield ClaimCheck(cc.low_grade_check(counts, mostly=claim.claim_type == "mostly_low_grade"),
                     f"claim_{claim.claim_type}", rows)


def _band_rates(events: pd.DataFrame, band: str) -> dict[str, str]:
    """Term -> printed percentage of one grade band, from the paper's AE table (its text
    when it has none); two printed terms merged into one harmonised term keep the higher."""
    rows = events[(events["grade_band"] == band) & (events["percent"] != "")
                  & ~events["harmonised_term"].str.startswith("any")]
    table = rows[rows["location"].str.startswith("table")]
    rows = table if len(table) else rows
    rates: dict[str, str] = {}
    for term, percent in zip(rows["harmonised_term"], rows["percent"]):
        if term not in rates or _dec(percent) > _dec(rates[term]):
            rates[term] = percent
    return rates


def _band_words(band: str) -> str:
    if band == "any":
        return "any-grade"
    return "grade " + band.replace("_", "-").replace("plus", "+")


def _most_common(claim, tables) -> Iterator[ClaimCheck]:
    events = _frame(tables, "adverse_events")
    band = claim.grade_band or "any"
    rates = _band_rates(events, band) if not events.empty else {}
    others = {}
    if band == "any" and not events.empty:
        for other in sorted(set(events["grade_band"]) - {"any"}):
            others[_band_words(other)] = _band_rates(events, other)
    yield ClaimCheck(cc.most_common_aes_check([t for t in claim.terms.split(";") if t], rates, claim.threshold or None,
                                              others, band=_band_words(band)), "claim_most_common_aes")


_FEEDERS: dict[str, Callable] = {
    "significant_benefit": _significance, "not_significant": _significance, "uniform_benefit": _uniform_benefit,
    "higher_than": _comparison, "lower_than": _comparison, "best": _best, "consistent_with": _consistent_with,
    "durable": _durable, "mostly_low_grade": _low_grade, "all_low_grade": _low_grade, "most_common_aes": _most_common,
}


def audit_claims(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[object, ClaimCheck]]:
    """(claim row, check) for every check of every typed claim, in the table's order."""
    claims = tables.get("claims")
    if claims is None or claims.empty:
        return
    for claim in records(claims):
        feeder = _FEEDERS.get(claim.claim_type)
        if feeder is None:
            continue
        for found in feeder(claim, tables):
            yield claim, ClaimCheck(found.result, found.check, [claim.row_id, *found.rows])
