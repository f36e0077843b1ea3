"""Cleaning: from validated raw tables to the tables every later step reads.

Cleaning keeps every printed value as its printed text (so that the audit still sees
"16.20" and not 16.2), adds a stable ``row_id`` pointing back to the raw file and line,
harmonises vocabulary (adverse-event terms through the reviewed map, grade bands into
groups), applies the logged OCR repairs of :mod:`tkimeta.ocr`, and derives the two
contract tables:

* ``response.csv``: one row per study, population, denominator and location with the
  counts ``cr, pr, sd, pd, ne`` side by side; ``preferred`` marks the row the pooled
  analysis uses (the most complete, then the most detailed location);
* ``survival.csv``: every reported survival summary, ``preferred`` marking likewise.

Nothing is imputed: a count the paper does not print stays empty here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .ocr import repair_counts
from .tables import CLEAN_TABLES, CORRECTION_COLUMNS, GATHERED_TABLES
from .validate import Table, load_schema

#: Column order of each cleaned long table: the raw columns, then what cleaning adds.
ADDED_COLUMNS = ["row_id", "corrected"]

RESPONSE_CATEGORIES = ["CR", "PR", "SD", "PD", "NE"]

#: More detailed locations win when the same quantity is printed in several places:
#: tables carry the full numbers, the abstract the shortest summary.
LOCATION_PRIORITY = {"table": 0, "results": 1, "figure": 2, "abstract": 3, "conclusion": 4, "discussion": 5}


def location_rank(location: str) -> int:
    """Rank of a location for choosing the preferred statement (lower is preferred)."""
    return LOCATION_PRIORITY.get(location.split("_", 1)[0], 9)


def table_frame(table: Table, study_root: str) -> pd.DataFrame:
    """A validated raw table as text columns, with a row_id ``<study>/<file>:<line>``."""
    frame = pd.DataFrame(table.rows, columns=table.columns, dtype="str")
    frame = frame[[c for c in table.columns]]
    frame.insert(len(frame.columns), "row_id", [f"{study_root}/{table.path.name}:{line}" for line in table.lines])
    frame.insert(len(frame.columns), "corrected", "")
    return frame


def grade_group(band: str) -> str:
    """Group a grade band: ``any``; ``low`` (grades 1-2 only); ``high`` (grade 3 or more only).

    A band such as ``2_3`` that straddles the cut is ``mixed`` and is never summed into
    either group.
    """
    if band == "any":
        return "any"
    grades = band.replace("plus", "").split("_")
    low, high = int(grades[0]), int(grades[-1]) if "plus" not in band else 5
    if high <= 2:
        return "low"
    if low >= 3:
        return "high"
    return "mixed"


def harmonise_adverse_events(events: pd.DataFrame, term_map: pd.DataFrame) -> pd.DataFrame:
    """Add ``harmonised_term`` (from the reviewed map) and ``grade_group`` columns.

    The map is complete by validation (every printed term of a study is in it), so a
    missing term here is a programming error, not a data error.
    """
    mapping = {(r.study_id, r.term): r.harmonised_term for r in term_map.itertuples()}
    out = events.copy()
    out["harmonised_term"] = [mapping[(s, t)] for s, t in zip(out["study_id"], out["term"])]
    out["grade_group"] = [grade_group(b) for b in out["grade_band"]]
    return out


def response_wide(counts: pd.DataFrame) -> pd.DataFrame:
    """Pivot best-response counts to one row per study, population, denominator and location.

    When a location states the same category twice (e.g. two sentences of the results),
    the first statement is used here; both stay in the long table for the audit.
    ``preferred`` marks, per study/population/denominator, the row with the most
    categories, then the most detailed location.
    """
    keys = ["study_id", "population", "denominator", "location"]
    # plain Python over the records: this runs for every responder count the audit and
    # the pooling look up, and pandas indexing per group was most of their time
    groups: dict[tuple, list[dict]] = {}
    for record in counts[keys + ["n", "category", "count", "row_id"]].to_dict("records"):
        groups.setdefault(tuple(record[k] for k in keys), []).append(record)
    rows = []
    for key, group in groups.items():
        row = dict(zip(keys, key))
        ns = [r["n"] for r in group if r["n"] != ""]
        row["n"] = ns[0] if ns else ""
        for category in RESPONSE_CATEGORIES:
            printed = [r["count"] for r in group if r["category"] == category and r["count"] != ""]
            row[category.lower()] = printed[0] if printed else ""
        row["source_rows"] = ";".join(r["row_id"] for r in group)
        rows.append(row)
    wide = pd.DataFrame(
        rows, columns=keys + ["n", "cr", "pr", "sd", "pd", "ne", "source_rows"], dtype="str"
    )
    wide["preferred"] = _mark_preferred(
        wide,
        group_by=["study_id", "population", "denominator"],
        completeness=lambda r: sum(r[c] != "" for c in ["n", "cr", "pr", "sd", "pd", "ne"]),
    )
    order = ["study_id", "population", "denominator", "n", "cr", "pr", "sd", "pd", "ne", "location", "preferred", "source_rows"]
    return wide[order]


def mark_preferred_survival(survival: pd.DataFrame) -> pd.DataFrame:
    """Flag per study/population/endpoint the summary the pooled analysis uses.

    The most complete statement wins (a median with both CI bounds over a bare median),
    then the most detailed location, then the first printed.
    """
    out = survival.copy()
    out["preferred"] = _mark_preferred(
        out,
        group_by=["study_id", "population", "endpoint"],
        completeness=lambda r: 2 * (r["median"] != "") + (r["ci_lower"] != "") + (r["ci_upper"] != "")
        + (r["events"] != "") + (r["n"] != ""),
    )
    return out


def _mark_preferred(frame: pd.DataFrame, group_by: list[str], completeness) -> list[str]:
    flags = ["false"] * len(frame)
    scores = {}
    for position, row in enumerate(frame.to_dict("records")):
        key = tuple(row[c] for c in group_by)
        score = (-completeness(row), location_rank(row["location"]), position)
        if key not in scores or score < scores[key][0]:
            scores[key] = (score, position)
    for _, position in scores.values():
        flags[position] = "true"
    return flags


def clean_columns(kind: str) -> list[str]:
    """Columns of a cleaned per-study table."""
    if kind == "corrections":
        return CORRECTION_COLUMNS
    raw_kind = "response" if kind == "response_counts" else kind
    columns = list(load_schema(raw_kind)[0]["properties"]) + ADDED_COLUMNS
    if kind == "adverse_events":
        columns += ["harmonised_term", "grade_group"]
    return columns


def clean_study(study: str, tables: dict[str, Table], repair_ocr: bool) -> dict[str, pd.DataFrame]:
    """Clean one study's validated raw tables.

    Parameters
    ----------
    study : the study_id (its raw folder's name).
    tables : raw tables of this study by kind (kinds the study lacks are absent).
    repair_ocr : apply the OCR repairs of :mod:`tkimeta.ocr` (only for OCR'd papers).

    Returns every table of :data:`CLEAN_TABLES`, empty (header only) where the study has
    no such data, so that every study yields the same set of files. Every cell is text
    (as printed, repaired, or derived; '' where nothing is printed), so the tables read
    back from CSV as they are.
    """
    frames = {kind: table_frame(table, study) for kind, table in tables.items()}
    if "response" in frames:
        frames["response_counts"] = frames.pop("response")
    corrections = pd.DataFrame(columns=CORRECTION_COLUMNS, dtype="str")
    if repair_ocr:
        frames, corrections = repair_counts(frames)
    term_map = frames.pop("ae_term_map", None)
    if "adverse_events" in frames:
        frames["adverse_events"] = harmonise_adverse_events(frames["adverse_events"], term_map)
    frames["corrections"] = corrections
    out = {}
    for kind in CLEAN_TABLES:
        columns = clean_columns(kind)
        frame = frames.get(kind)
        out[kind] = pd.DataFrame(columns=columns, dtype="str") if frame is None else frame[columns]
    return out




def gather_studies(per_study: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Stack the studies' cleaned tables (in the given study order) and derive the
    contract tables ``response`` (wide) and ``survival`` (with ``preferred``)."""
    out = {}
    for kind in CLEAN_TABLES:
        parts = [tables[kind] for tables in per_study]
        out[kind] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=clean_columns(kind))
    out["response"] = response_wide(out["response_counts"])
    out["survival"] = mark_preferred_survival(out["survival"])
    return {kind: out[kind] for kind in GATHERED_TABLES}


def split_by_study(gathered: dict[str, pd.DataFrame], studies: list[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """The inverse of :func:`gather_studies`: each study's cleaned tables (``CLEAN_TABLES``,
    their own columns only) out of the gathered ones, rows in their gathered order."""
    per_study: dict[str, dict[str, pd.DataFrame]] = {study: {} for study in studies}
    for kind in CLEAN_TABLES:
        frame = gathered[kind][clean_columns(kind)]
        groups = {study: rows for study, rows in frame.groupby("study_id", sort=False)}
        for study in studies:
            rows = groups.get(study, frame.iloc[0:0])
            per_study[study][kind] = rows.reset_index(drop=True)
    return per_study


#: Which best-response categories make up each response measure.
RESPONSE_MEASURES = {"ORR": ["cr", "pr"], "DCR": ["cr", "pr", "sd"]}


@dataclass(frozen=True)
class Responders:
    """Responders for ORR or DCR, derived from one printed best-response row."""

    events: int
    n: int
    denominator: str
    location: str
    source_rows: str
    unprinted: tuple[str, ...]  # categories taken as 0 because the printed ones add up to n

    def describe(self) -> str:
        note = f"; {', '.join(self.unprinted)} not printed, 0 because the printed categories add up to n" if self.unprinted else ""
        return f"best response, {self.denominator} denominator, {self.location} ({self.source_rows}){note}"


def responders_of(wide: list[dict], population: str, measure: str, denominator: str) -> Responders | None:
    """ORR or DCR responders of one study's population from its preferred best-response row.

    ``wide`` is one study's rows of :func:`response_wide`, as records (callers pivot every
    study's counts at once, then look each study up). A category the paper does not
    print counts as zero only when the printed categories already add up to n (the
    paper's own numbers then leave no room for it); otherwise there is no answer.
    """
    if measure not in RESPONSE_MEASURES:
        return None
    rows = [r for r in wide if r["population"] == population and r["preferred"] == "true" and r["denominator"] == denominator]
    if len(rows) != 1 or not rows[0]["n"].isdigit():
        return None
    row = rows[0]
    n = int(row["n"])
    printed = {c: int(row[c]) if row[c].isdigit() else None for c in ["cr", "pr", "sd", "pd", "ne"]}
    needed = RESPONSE_MEASURES[measure]
    unprinted = tuple(c.upper() for c in needed if printed[c] is None)
    if unprinted and sum(v for v in printed.values() if v is not None) != n:
        return None
    return Responders(sum(printed[c] or 0 for c in needed), n, denominator, row["location"], row["source_rows"], unprinted)


def ci_level_fraction(printed: str) -> float:
    """The confidence level of a cleaned row as the library uses it, a fraction (0.95).

    The tables keep the level as the paper printed it, in percent (``"95"``); an empty
    cell means 95%. This is the one place where the printed percentage is converted.
    """
    return float(printed) / 100 if printed not in (None, "") else 0.95
