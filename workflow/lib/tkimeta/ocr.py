"""Repairs of OCR-damaged counts and percentages, applied only where provable.

The esophageal paper reached us through OCR, and its tables lost digits: "3 (60.9)" for
"53 (60.9)", "3 (34)" for "3 (3.4)". A repair is made only when the repaired value is

1. the *unique* value consistent with the other number printed in the same cell pair
   (the only count of n that rounds to the printed percentage, or the only placement of
   the lost decimal point that the count reproduces), and
2. confirmed by an independent constraint: the grade split of the same table row
   (any grade = grade 1-2 + grade >= 3), the categories of a response or baseline block
   adding up to their total, or the same quantity printed with its count elsewhere in
   the paper;

and no constraint contradicts it. Everything else stays as printed, for the audit to
report. Each repair is one row of ``corrections.csv`` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pandas as pd

from .tables import CORRECTION_COLUMNS

#: (table, denominator column, columns that identify one block whose counts add up).
_TABLES = {
    "adverse_events": "n",
    "baseline": "total",
    "response_counts": "n",
}

_ALL_GRADES = frozenset(range(1, 6))


def _decimals(printed: str) -> int:
    return len(printed.split(".", 1)[1]) if "." in printed else 0


def _rounds_to(count: int, n: int, printed_percent: str) -> bool:
    """Does count/n give the printed percentage under a common rounding rule?"""
    exact = Decimal(100 * count) / Decimal(n)
    quantum = Decimal(1).scaleb(-_decimals(printed_percent))
    target = Decimal(printed_percent)
    return any(exact.quantize(quantum, rounding=r) == target for r in (ROUND_HALF_UP, ROUND_HALF_EVEN))


def counts_giving(printed_percent: str, n: int) -> list[int]:
    """All counts k of n that print as ``printed_percent`` (GRIM-style search)."""
    return [k for k in range(n + 1) if _rounds_to(k, n, printed_percent)]


def _grades(band: str) -> frozenset[int] | None:
    if band == "any":
        return None
    if band.endswith("plus"):
        return frozenset(range(int(band[0]), 6))
    parts = [int(g) for g in band.split("_")]
    return frozenset(range(parts[0], parts[-1] + 1))


@dataclass
class _Cell:
    table: str
    index: int  # row position in the frame


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _blocks(table: str, frame: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """Blocks of rows where one row's count is the sum of the others: (total_row, parts).

    For response and baseline blocks the total is the denominator column itself, which
    is represented by total_row = -1.
    """
    blocks = []
    if table == "adverse_events":
        for _, group in frame.groupby(["term", "location", "source_label"], sort=False):
            anys = [i for i, b in zip(group.index, group["grade_band"]) if b == "any"]
            parts = [i for i, b in zip(group.index, group["grade_band"]) if b != "any"]
            grade_sets = [_grades(frame.at[i, "grade_band"]) for i in parts]
            disjoint = sum(len(g) for g in grade_sets) == len(frozenset().union(*grade_sets)) if grade_sets else False
            if len(anys) == 1 and parts and disjoint and frozenset().union(*grade_sets) == _ALL_GRADES:
                blocks.append((anys[0], parts))
    else:
        keys = ["population", "denominator", "location"] if table == "response_counts" else ["characteristic", "location"]
        for _, group in frame.groupby(keys, sort=False):
            blocks.append((-1, list(group.index)))
    return blocks


def repair_counts(frames: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Repair provably OCR-damaged counts and percentages in a study's cleaned frames.

    Returns new frames (the input is not modified) and the corrections log.
    """
    frames = {k: v.copy() for k, v in frames.items()}
    log: list[dict[str, str]] = []
    changed = True
    while changed:  # a repair can complete the block another repair needs
        changed = False
        for table, n_column in _TABLES.items():
            frame = frames.get(table)
            if frame is None:
                continue
            block_of = {}
            for total_row, parts in _blocks(table, frame):
                for member in ([total_row] if total_row >= 0 else []) + parts:
                    block_of[member] = (total_row, parts)
            for row in frame.index:
                total_row, parts = block_of.get(row, (row, []))
                fix = _repair_row(frame, table, n_column, row, total_row, parts, frames)
                if fix:
                    column, printed, repaired, reason = fix
                    frame.at[row, column] = repaired
                    frame.at[row, "unparsed"] = ";".join(
                        item for item in frame.at[row, "unparsed"].split(";") if item and not item.startswith(column + "=")
                    )
                    frame.at[row, "corrected"] = ";".join(filter(None, [frame.at[row, "corrected"], column]))
                    log.append({
                        "study_id": frame.at[row, "study_id"], "table": table, "row_id": frame.at[row, "row_id"],
                        "column": column, "printed": printed, "corrected": repaired,
                        "rule": "ocr_count" if column == "count" else "ocr_decimal_point", "reason": reason,
                    })
                    changed = True
    return frames, pd.DataFrame(log, columns=CORRECTION_COLUMNS, dtype="str")


def _block_expected(frame, row, total_row, parts, n_column) -> tuple[int | None, str]:
    """The count the block's other rows imply for ``row`` (None if not determined)."""
    if total_row == -1:
        total = _int(frame.at[parts[0], n_column]) if parts else None
        others = [r for r in parts if r != row]
        description = "the block's categories adding up to its total"
    elif row == total_row:
        total, others = None, parts
        description = "the grade split"
    else:
        total = _int(frame.at[total_row, "count"])
        others = [total_row] + [r for r in parts if r != row]
        description = "the grade split"
    counts = [_int(frame.at[r, "count"]) for r in others if r != total_row]
    if None in counts:
        return None, description
    if row == total_row:
        return sum(counts), description + f" {' + '.join(map(str, counts))}"
    if total is None:
        return None, description
    return total - sum(counts), description + f" {total} - {' - '.join(map(str, counts)) or '0'}"


def _printed(frame, row, column) -> str:
    """What the paper printed in a cell: its value, or its unreadable text from ``unparsed``."""
    if frame.at[row, column] != "":
        return frame.at[row, column]
    for item in filter(None, frame.at[row, "unparsed"].split(";")):
        name, _, text = item.partition("=")
        if name == column:
            return text
    return ""


def _repair_row(frame, table, n_column, row, total_row, parts, frames):
    count_text, percent_text, n_text = _printed(frame, row, "count"), frame.at[row, "percent"], frame.at[row, n_column]
    count, n = _int(count_text), _int(n_text)
    # Only printed numbers are repaired: a statement that gave no count gets none.
    if percent_text == "" or count_text == "" or not n:
        return None
    if count is not None and _rounds_to(count, n, percent_text):
        return None
    fixes = [f for f in (_count_fix(frame, table, row, total_row, parts, n_column, frames, count, count_text, percent_text, n),
                         _percent_fix(frame, row, total_row, parts, count, percent_text, n)) if f]
    # Either the count or the percentage is damaged; if both readings fit, neither is proven.
    return fixes[0] if len(fixes) == 1 else None


def _count_fix(frame, table, row, total_row, parts, n_column, frames, count, count_text, percent_text, n):
    """Repair the count when the printed percentage singles it out and a constraint confirms it."""
    candidates = counts_giving(percent_text, n)
    if len(candidates) != 1 or count == candidates[0]:
        return None
    candidate = candidates[0]
    expected, how = _block_expected(frame, row, total_row, parts, n_column) if parts else (None, "")
    if table == "response_counts" and len(parts) < 2:
        expected = None
    confirmations = []
    if expected is not None:
        if expected != candidate:
            return None
        confirmations.append(f"{how} = {expected}")
    elsewhere = _same_quantity_elsewhere(frame, table, row, frames)
    if elsewhere is not None:
        if elsewhere[0] != candidate:
            return None
        confirmations.append(f"the count {elsewhere[0]} printed at {elsewhere[1]}")
    if not confirmations:
        return None
    reason = (
        f"count printed '{count_text}' does not give the printed {percent_text}% of {n}; "
        f"{candidate} is the only count of {n} that does, confirmed by {' and '.join(confirmations)}"
    )
    return "count", count_text, str(candidate), reason


def _percent_fix(frame, row, total_row, parts, count, percent_text, n):
    """Repair a percentage that lost its decimal point ("34" for "3.4").

    Accepted when exactly one placement of the point reproduces count/n and the grade
    split of percentages confirms it.
    """
    if count is None or not parts:
        return None
    digits = percent_text.replace(".", "")
    placements = [digits[:i] + "." + digits[i:] for i in range(1, len(digits))]
    matching = [p for p in placements if _rounds_to(count, n, p)]
    if len(matching) != 1 or matching[0] == percent_text:
        return None
    confirmed = _percent_split_confirms(frame, row, total_row, parts, Decimal(matching[0]))
    if not confirmed:
        return None
    reason = (
        f"percentage printed '{percent_text}' does not fit {count}/{n}; the decimal point was lost: "
        f"{count}/{n} gives {matching[0]}%, the only placement of the point that fits, confirmed by {confirmed}"
    )
    return "percent", percent_text, matching[0], reason


def _percent_split_confirms(frame, row, total_row, parts, value: Decimal) -> str | None:
    """Does the grade split of percentages hold with ``value`` (within rounding)?"""
    if total_row < 0:
        return None
    members = [total_row] + parts
    texts = {r: (str(value) if r == row else frame.at[r, "percent"]) for r in members}
    if any(t == "" for t in texts.values()):
        return None
    total = Decimal(texts[total_row])
    summed = sum(Decimal(texts[r]) for r in parts)
    # Each printed part is off by at most half a unit of its last digit.
    slack = sum(Decimal(5).scaleb(-_decimals(texts[r]) - 1) for r in members)
    if abs(total - summed) <= slack:
        return f"the grade split of percentages {texts[total_row]} = {' + '.join(texts[r] for r in parts)}"
    return None


def _same_quantity_elsewhere(frame, table, row, frames) -> tuple[int, str] | None:
    """The same adverse-event quantity printed with a count at another location."""
    if table != "adverse_events" or "ae_term_map" not in frames:
        return None
    term_map = {(r.study_id, r.term): r.harmonised_term for r in frames["ae_term_map"].itertuples()}
    key = (term_map.get((frame.at[row, "study_id"], frame.at[row, "term"])), frame.at[row, "grade_band"])
    for other in frame.index:
        if other == row or frame.at[other, "location"] == frame.at[row, "location"]:
            continue
        other_key = (term_map.get((frame.at[other, "study_id"], frame.at[other, "term"])), frame.at[other, "grade_band"])
        if other_key == key and frame.at[other, "count"].isdigit() and frame.at[other, "n"] == frame.at[row, "n"]:
            return int(frame.at[other, "count"]), f"{frame.at[other, 'location']} ({frame.at[other, 'row_id']})"
    return None
