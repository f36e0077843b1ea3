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
                fixes = _repair_row(frame, table, n_column, row, total_row, parts, frames)
                for fix in fixes or ():
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
    if "survival" in frames:
        log += repair_medians(frames["survival"])
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
    if percent_text == "" and _printed(frame, row, "percent") != "" and count_text != "" and n:
        # the percentage itself was unreadable (e.g. '184', above 100): both cells damaged
        both = _count_and_percent_fix(frame, row, total_row, parts, n_column, count_text, _printed(frame, row, "percent"), n)
        return both
    # Only printed numbers are repaired: a statement that gave no count gets none.
    if percent_text == "" or count_text == "" or not n:
        return None
    if count is not None and _rounds_to(count, n, percent_text):
        return None
    fixes = [f for f in (_count_fix(frame, table, row, total_row, parts, n_column, frames, count, count_text, percent_text, n),
                         _percent_fix(frame, row, total_row, parts, count, percent_text, n)) if f]
    # Either the count or the percentage is damaged; if both readings fit, neither is proven.
    return fixes if len(fixes) == 1 else None


def _rounds_twice_to(count: int, n: int, printed_percent: str) -> bool:
    """Does count/n give the printed percentage when rounded twice (one more decimal first)?"""
    exact = Decimal(100 * count) / Decimal(n)
    places = _decimals(printed_percent)
    once = exact.quantize(Decimal(1).scaleb(-(places + 1)), rounding=ROUND_HALF_UP)
    return once.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == Decimal(printed_percent)


def _candidates(percent_text: str, n: int) -> tuple[list[int], str]:
    """Counts of n giving a printed percentage: standard rounding, else rounding twice."""
    strict = counts_giving(percent_text, n)
    if strict:
        return strict, ""
    twice = [k for k in range(n + 1) if _rounds_twice_to(k, n, percent_text)]
    if twice:
        k = twice[0]
        exact = Decimal(100 * k) / Decimal(n)
        once = exact.quantize(Decimal(1).scaleb(-(_decimals(percent_text) + 1)), rounding=ROUND_HALF_UP)
        return twice, (f" ({k}/{n} = {exact.quantize(Decimal('0.001'))}% prints as {percent_text}% only when rounded "
                       f"twice, {once} -> {percent_text})")
    return [], ""


def _count_and_percent_fix(frame, row, total_row, parts, n_column, count_text, percent_text, n):
    """A cell whose percentage lost its decimal point and whose count lost a digit.

    Accepted when exactly one placement of the point gives a percentage that exactly
    one count of n reproduces, that count is the printed one with a digit restored, and
    the grade split confirms it.
    """
    if not parts or not percent_text.isdigit():
        return None
    placements = [percent_text[:i] + "." + percent_text[i:] for i in range(1, len(percent_text))]
    found = [(p, counts_giving(p, n)) for p in placements if Decimal(p) <= 100]
    found = [(p, c[0]) for p, c in found if len(c) == 1]
    if len(found) != 1:
        return None
    percent, candidate = found[0]
    if not str(candidate).endswith(count_text) or str(candidate) == count_text:
        return None
    expected, how = _block_expected(frame, row, total_row, parts, n_column)
    if expected != candidate:
        return None
    reason = (f"count printed '{count_text}' and percentage printed '{percent_text}' (above 100): the decimal point "
              f"was lost ({percent}% is the only placement of the point that a count of {n} gives) and a leading "
              f"digit was lost ({candidate} is the only count of {n} giving {percent}%), confirmed by {how} = {expected}")
    return [("percent", percent_text, percent, reason.replace("count printed", "with the count printed")),
            ("count", count_text, str(candidate), reason)]


def _count_fix(frame, table, row, total_row, parts, n_column, frames, count, count_text, percent_text, n):
    """Repair the count when the printed percentage singles it out and a constraint confirms it."""
    candidates, twice = _candidates(percent_text, n)
    if len(candidates) != 1 or count == candidates[0]:
        return None
    candidate = candidates[0]
    expected, how = _block_expected(frame, row, total_row, parts, n_column) if parts else (None, "")
    if expected is None and parts:
        expected, how = _block_expected_jointly(frame, row, total_row, parts, n_column)
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
        f"{candidate} is the only count of {n} that does{twice}, confirmed by {' and '.join(confirmations)}"
    )
    return "count", count_text, str(candidate), reason


def _block_expected_jointly(frame, row, total_row, parts, n_column) -> tuple[int | None, str]:
    """The count a grade split implies for ``row`` when other parts are unreadable too:
    each unreadable part's percentage must single out its count (standard rounding, else
    rounding twice), and the readable rest then determines ``row``."""
    if total_row < 0 or row == total_row:
        return None, ""
    total = _int(frame.at[total_row, "count"])
    if total is None:
        return None, ""
    known, solved = [], []
    for r in parts:
        if r == row:
            continue
        value = _int(frame.at[r, "count"])
        if value is None:
            n = _int(frame.at[r, n_column])
            cands = _candidates(frame.at[r, "percent"], n)[0] if n and frame.at[r, "percent"] else []
            if len(cands) != 1:
                return None, ""
            value = cands[0]
            solved.append(f"{value} ({frame.at[r, 'percent']}% of {n})")
        known.append(value)
    if not solved:
        return None, ""
    return total - sum(known), (f"the grade split {total} - {' - '.join(map(str, known))}, "
                                f"with {', '.join(solved)} for the other unreadable cell")


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


# --- medians ------------------------------------------------------------------------

_GLYPHS = str.maketrans({"I": "1", "l": "1", "|": "1", "'": None, "\u2019": None})


def _median_readings(printed: str) -> list[tuple[str, str]]:
    """Readings of a damaged printed median: glyphs read as digits, a lost decimal point
    restored, a lost leading digit restored."""
    text = printed.strip()
    glyphs = text.translate(_GLYPHS)
    out = []
    if glyphs != text and glyphs.replace(".", "", 1).isdigit():
        out.append((glyphs, f"'{text}' read as {glyphs}"))
        text = glyphs
    if text.isdigit() and len(text) >= 2:
        out += [(text[:i] + "." + text[i:], "decimal point lost") for i in range(1, len(text))]
    if text.replace(".", "", 1).isdigit():
        out += [(d + text, "leading digit lost") for d in "123456789"]
    return out


def _centres(value: str, lower: str, upper: str) -> bool:
    """Is ``value`` the midpoint of (lower, upper) within printed precision?"""
    slack = sum(Decimal(5).scaleb(-_decimals(t) - 1) for t in (value, value, lower, upper))
    return abs(2 * Decimal(value) - Decimal(lower) - Decimal(upper)) <= slack


def repair_medians(survival: pd.DataFrame) -> list[dict[str, str]]:
    """Repair OCR-damaged medians in place; return the corrections log rows.

    A median printed outside its own CI (or unreadable) is repaired when exactly one
    reading of the damage (glyph, lost decimal point, lost leading digit) lies in the
    CI and centres it, and that is confirmed either by the pattern of its own table
    (at least two other rows of the same place, all with intact medians, centre their
    CIs: median +/- z SE) or by the same median printed elsewhere in the paper.  A
    median that no reading centres stays as printed (the audit says so).
    """
    log = []
    complete = [(i, r) for i, r in survival.iterrows() if r["ci_lower"] != "" and r["ci_upper"] != ""]
    for i, r in complete:
        printed = _printed(survival, i, "median")
        if printed == "":
            continue
        lower, upper = r["ci_lower"], r["ci_upper"]
        try:
            intact = r["median"] != "" and Decimal(lower) <= Decimal(r["median"]) <= Decimal(upper)
        except ArithmeticError:
            intact = False
        if intact:
            continue
        readings = [(v, how) for v, how in _median_readings(printed)
                    if Decimal(lower) <= Decimal(v) <= Decimal(upper) and _centres(v, lower, upper)]
        if len({v for v, _ in readings}) != 1:
            continue
        value, how = readings[0]
        confirmations = []
        peers = [p for j, p in complete if j != i and p["location"] == r["location"] and p["median"] != ""
                 and Decimal(p["ci_lower"]) <= Decimal(p["median"]) <= Decimal(p["ci_upper"])]
        if len(peers) >= 2 and all(_centres(p["median"], p["ci_lower"], p["ci_upper"]) for p in peers):
            confirmations.append(f"the pattern of {r['location'].replace('_', ' ')}, where every other CI "
                                 f"({len(peers)} rows) is centred on its median")
        same = survival[(survival["population"] == r["population"]) & (survival["endpoint"] == r["endpoint"])
                        & (survival["location"] != r["location"]) & (survival["median"] == value)]
        if len(same):
            confirmations.append(f"the median {value} printed at {same.iloc[0]['location']} ({same.iloc[0]['row_id']})")
        if not confirmations:
            continue
        survival.at[i, "median"] = value
        survival.at[i, "unparsed"] = ";".join(
            item for item in survival.at[i, "unparsed"].split(";") if item and not item.startswith("median="))
        survival.at[i, "corrected"] = ";".join(filter(None, [survival.at[i, "corrected"], "median"]))
        log.append({
            "study_id": r["study_id"], "table": "survival", "row_id": r["row_id"], "column": "median",
            "printed": printed, "corrected": value, "rule": "ocr_median",
            "reason": (f"median printed '{printed}' lies outside its CI {lower}-{upper}; {value} ({how}) is the only "
                       f"reading that lies in the CI and centres it, confirmed by {' and '.join(confirmations)}"),
        })
    return log
