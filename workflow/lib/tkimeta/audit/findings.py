"""From checks to findings: what a reader must act on.

The audit runs many checks on one printed number (an HR's geometric midpoint, its p
against its CI); a reader needs one *finding* per problem, saying what kind of problem
it is and whether it can move a pooled result.  This module

* classifies every check that is not consistent (:func:`classify_check`) as one of
  :data:`FINDING_CLASSES`:

  ``ocr_damage``
      suspected transcription/OCR damage: the printed value is impossible in a way a
      damaged digit explains (a lost decimal point, ``133`` for ``13.3``; a lost leading
      digit, ``1.5`` for ``11.5``; a grade split that only adds up with one digit
      restored).  Not the authors' error.
  ``author_inconsistency``
      two places of one paper disagree (abstract vs results, a stated denominator vs
      the one the number uses, a ranking vs its own SUCRA values).
  ``computation_mismatch``
      no standard method reproduces a printed CI, p or percentage from the paper's
      own numbers.
  ``rounding``
      agreement only under a non-standard rounding or one unit in the last digit.

* groups checks into findings (:func:`assign_findings`): checks that are not
  consistent and share a printed row belong to one finding (the union of rows is
  closed transitively), so a number with three failed checks is one problem;
* gathers one row per finding (:func:`findings_table`) with its class, the pooled
  outcomes it touches and its impact (:data:`IMPACTS`), and counts findings and
  checks per paper and class (:func:`findings_summary`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import pandas as pd

__all__ = [
    "FINDING_CLASSES", "CLASS_LABELS", "IMPACTS", "IMPACT_LABELS", "FINDING_COLUMNS",
    "damage_variants", "classify_check", "assign_findings", "pooled_rows", "findings_table",
    "findings_summary",
]

FINDING_CLASSES = ("ocr_damage", "author_inconsistency", "unsupported_claim", "computation_mismatch", "rounding")
CLASS_LABELS = {
    "ocr_damage": "suspected transcription/OCR damage",
    "author_inconsistency": "author inconsistency",
    "unsupported_claim": "claim not supported by the paper's numbers",
    "computation_mismatch": "computation mismatch",
    "rounding": "rounding",
}
#: Impact of a finding, most urgent first.
IMPACTS = ("pooled_input", "conclusion", "cosmetic")
IMPACT_LABELS = {
    "pooled_input": "touches a pooled input",
    "conclusion": "could change a conclusion",
    "cosmetic": "cosmetic",
}

FINDING_COLUMNS = [
    "study_id", "finding", "finding_class", "class_label", "impact", "pooled_outcomes", "status",
    "quantity", "population", "location", "reported", "recomputed", "detail", "class_reason",
    "checks", "n_checks", "significance_disagrees", "source", "rows", "evidence",
]

_NUM = re.compile(r"\d+(?:\.\d+)?")
_ROW_ID = re.compile(r"[A-Za-z0-9_]+/[a-z_]+\.csv:\d+")


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def damage_variants(printed: str) -> list[tuple[str, str]]:
    """Values a printed number could have been before one glyph was lost.

    Returns ``(value, how)`` pairs: the decimal point restored at each place
    (``"133"`` -> ``"13.3"``, ``"1.33"``) and a lost leading digit restored
    (``"1.5"`` -> ``"11.5"``, ..., ``"91.5"``).  These are the two damage patterns of
    OCR'd tables (a dropped '.' and a dropped first glyph); a digit *replaced* by
    another is not considered, because every number is one replacement away from ten
    others and such a "repair" explains nothing.
    """
    text = printed.strip()
    out: list[tuple[str, str]] = []
    if re.fullmatch(r"\d+", text) and len(text) >= 2:
        for i in range(1, len(text)):
            out.append((text[:i] + "." + text[i:], "decimal point lost"))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        for d in "123456789":
            out.append((d + text, "leading digit lost"))
    return out


def _triple(reported: str) -> tuple[str, str, str] | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?) \((\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\)\s*", reported)
    return m.groups() if m else None


def _median_outside_ci(reported: str) -> tuple[bool, str]:
    parsed = _triple(reported)
    if not parsed:
        return False, ""
    m, lo, hi = parsed
    lo_d, hi_d = Decimal(lo), Decimal(hi)
    inside = [(v, how) for v, how in damage_variants(m) if lo_d <= Decimal(v) <= hi_d]
    if not inside:
        return False, ""
    centre = (lo_d + hi_d) / 2
    unit = Decimal(1).scaleb(-max(len(lo.split(".")[1]) if "." in lo else 0,
                                  len(hi.split(".")[1]) if "." in hi else 0))
    centring = [(v, how) for v, how in inside if abs(Decimal(v) - centre) <= unit]
    if len(centring) == 1:
        v, how = centring[0]
        return True, (f"median {m} lies outside its CI {lo}-{hi}; {v} ({how}) centres the CI "
                      f"(midpoint {centre.normalize():f}) and is the only such reading")
    shown = ", ".join(f"{v} ({how})" for v, how in inside[:3])
    return True, (f"median {m} lies outside its CI {lo}-{hi}; a damaged glyph explains it ({shown} lie inside) "
                  f"but no single reading centres the CI (midpoint {centre.normalize():f}), so it is not repaired")


def _percent_decimal_lost(reported: str, recomputed: str) -> tuple[bool, str]:
    m = re.fullmatch(r"\s*(\d+)%\s*", reported)
    r = re.match(r"\s*(\d+)/(\d+) = (\d+(?:\.\d+)?)%", recomputed)
    if not m or not r:
        return False, ""
    printed = m.group(1)
    exact = Decimal(r.group(3))
    for v, how in damage_variants(printed):
        if how != "decimal point lost":
            continue
        places = len(v.split(".")[1])
        if exact.quantize(Decimal(1).scaleb(-places)) == Decimal(v):
            return True, f"printed {printed}% is {v}% ({how}): {r.group(1)}/{r.group(2)} = {exact}%"
    return False, ""


def _values_differ_by_damage(reported: str) -> tuple[bool, str]:
    """Across-locations listing 'loc v, loc v, ...' whose values differ only by a lost glyph."""
    values = re.findall(r"(?:^|, )\S+ (\d+(?:\.\d+)?)", reported)
    distinct = sorted(set(values), key=values.index)
    if len(distinct) != 2:
        return False, ""
    a, b = distinct
    for x, y in ((a, b), (b, a)):
        for v, how in damage_variants(x):
            if Decimal(v) == Decimal(y):
                return True, f"{x} is {y} with one glyph lost ({how}); the places agree once it is restored"
    return False, ""


def _sum_explained_by_digit(detail: str) -> tuple[bool, str]:
    """'a+b = 6+3 = 9 vs printed total 19': a part that needs one restored digit to add up."""
    m = re.search(r"= ([\d+]+) = (\d+) vs printed total (\d+)", detail)
    if not m:
        return False, ""
    parts = m.group(1).split("+")
    total = int(m.group(3))
    s = sum(int(p) for p in parts)
    for i, p in enumerate(parts):
        needed = total - (s - int(p))
        if needed >= 0 and any(v == str(needed) for v, _ in damage_variants(p)):
            return True, (f"the parts add up to {total} only if the printed {p} is {needed} "
                          f"(a lost leading digit)")
    return False, ""


def classify_check(row: Mapping[str, str], ocr_source: bool = False) -> tuple[str, str]:
    """The class of one check (``("", "")`` for consistent and not checkable rows).

    Parameters
    ----------
    row : Mapping
        One audit row (``check``, ``status``, ``reported``, ``recomputed``, ``detail``).
    ocr_source : bool
        The paper reached us through OCR.  Damage patterns are recognised in every
        paper (a typesetting slip is transcription damage too), but a grade split that
        only adds up with a restored digit counts as damage only in an OCR'd paper.

    Returns
    -------
    (str, str)
        One of :data:`FINDING_CLASSES` (or ``""``) and a one-line reason.
    """
    status, check = row.get("status", ""), row.get("check", "")
    reported, recomputed, detail = row.get("reported", ""), row.get("recomputed", ""), row.get("detail", "")
    if status in ("consistent", "not_checkable", ""):
        return "", ""
    if status == "rounding":
        if "rounded twice" in detail or "rounding twice" in detail:
            return "rounding", "the percentage is its exact value rounded twice (one more decimal first)"
        return "rounding", "agrees only by a non-standard rounding or one unit in the last digit"
    if check.startswith("claim_"):
        return "unsupported_claim", "an evaluative claim of the paper that its own numbers do not carry"
    if check == "ocr_repair":
        return "ocr_damage", "repaired in cleaning: " + detail.split(": ", 1)[-1]
    if "reproduced by " in detail:
        how = re.search(r"reproduced by ([^;]*?), not on", detail)
        return "author_inconsistency", (f"the printed interval is {how.group(1) if how else 'another computation'}, "
                                        f"not on the denominator this place states")
    if "the subgroup's share of the cohort" in detail:
        return "author_inconsistency", "the percentage quoted as the subgroup's response rate is its share of the cohort"
    if "column of" in detail and "as the any-grade rate" in detail:
        return "author_inconsistency", "the text quotes one grade column of the table as the any-grade rate"
    if check == "median_ci_shape":
        hit, why = _median_outside_ci(reported)
        if hit:
            return "ocr_damage", why
        return "computation_mismatch", "median outside its own CI and no lost glyph explains it"
    if check in ("percent_from_count", "grim_percent"):
        hit, why = _percent_decimal_lost(reported, recomputed)
        if hit:
            return "ocr_damage", why
        if "[count " in detail:  # the count comes from another place of the paper
            return "author_inconsistency", "the percentage disagrees with the count printed in another place"
        return "computation_mismatch", "no count of the stated denominator gives the printed percentage"
    if check in ("same_quantity_across_locations",):
        hit, why = _values_differ_by_damage(reported)
        if hit:
            return "ocr_damage", why
        return "author_inconsistency", "the paper prints different values for one quantity in different places"
    if check.startswith("sum_"):
        hit, why = _sum_explained_by_digit(detail)
        if hit and ocr_source:
            return "ocr_damage", why
        return "author_inconsistency", "the printed parts do not add up to the printed total"
    if check in ("which_denominator", "events_pfs_vs_os", "ranking_vs_sucra", "duplicate_estimates"):
        return "author_inconsistency", {
            "which_denominator": "the text states one denominator; the number uses another",
            "events_pfs_vs_os": "fewer PFS events than deaths, although every death is a PFS event",
            "ranking_vs_sucra": "the stated ranking contradicts the paper's own SUCRA values",
            "duplicate_estimates": "one estimate and CI printed for different comparisons",
        }[check]
    return "computation_mismatch", {
        "ratio_geometric_midpoint": "the estimate is not the geometric midpoint of its CI (no log-symmetric Wald CI)",
        "p_value_vs_ci": "the printed p is not the p its CI implies, beyond rounding and test differences",
        "clopper_pearson_ci": "no standard binomial method reproduces the printed CI from the stated count and n",
        "ci_table_pattern": "the interval breaks the pattern of its own table (every other CI is median +/- z SE)",
        "events_vs_maturity": "the event count does not give the printed maturity",
    }.get(check, "the printed number is not reproduced by a standard computation")


_CLASS_ORDER = {c: i for i, c in enumerate(FINDING_CLASSES)}


def _split_rows(rows: str) -> list[str]:
    return [r for r in str(rows).split(";") if r]


def assign_findings(audit: pd.DataFrame, ocr_source: bool = False) -> pd.DataFrame:
    """Add ``finding_class``, ``class_reason`` and ``finding`` to one paper's checks.

    Checks that are not consistent (rounding or discrepancy) and share a printed row
    are one finding (rows united transitively); a check without rows is a finding of
    its own.  Consistent and not-checkable checks get no finding.  Findings are
    numbered in check order (``<study>-F01``...).
    """
    out = audit.copy()
    classes = [classify_check(r, ocr_source) for r in out.to_dict("records")]
    out["finding_class"] = [c for c, _ in classes]
    out["class_reason"] = [w for _, w in classes]
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    members = [i for i, c in enumerate(out["finding_class"]) if c]
    for i in members:
        parent[i] = i
    for i in members:
        for row_id in _split_rows(out.iloc[i]["rows"]):
            if row_id in owner:
                a, b = find(owner[row_id]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[row_id] = i
    labels: dict[int, str] = {}
    finding = [""] * len(out)
    for i in members:
        root = find(i)
        if root not in labels:
            study = out.iloc[i]["study_id"]
            labels[root] = f"{study}-F{len(labels) + 1:02d}"
        finding[i] = labels[root]
    out["finding"] = finding
    return out


def pooled_rows(inputs: pd.DataFrame) -> dict[str, list[str]]:
    """Raw row id -> pooled outcomes whose inputs were built from it (from ``source``)."""
    used: dict[str, list[str]] = {}
    if inputs is None or inputs.empty:
        return used
    for outcome, source in zip(inputs["outcome"], inputs["source"]):
        for row_id in _ROW_ID.findall(str(source)):
            used.setdefault(row_id, [])
            if outcome not in used[row_id]:
                used[row_id].append(outcome)
    return used


def _unique(values: Iterable[str], sep: str = ";") -> str:
    seen: list[str] = []
    for v in values:
        for part in str(v).split(sep):
            if part and part not in seen:
                seen.append(part)
    return sep.join(seen)


def findings_table(audit: pd.DataFrame, inputs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per finding, most urgent first within each paper's order.

    ``impact`` is ``pooled_input`` when a row of the finding is one a pooled input was
    built from (``pooled_outcomes`` names the outcomes), else ``conclusion`` when a
    printed p and its CI disagree about significance, a stated ranking contradicts its
    values, or a number of the abstract or discussion (where conclusions are drawn) is
    contradicted or not reproduced, else ``cosmetic``.  OCR damage
    and rounding never count as conclusion-changing on their own.
    """
    used = pooled_rows(inputs if inputs is not None else pd.DataFrame())
    rows = []
    found = audit[audit.get("finding", pd.Series("", index=audit.index)).fillna("") != ""]
    for finding, group in found.groupby("finding", sort=False):
        cls = min(group["finding_class"], key=lambda c: _CLASS_ORDER.get(c, 99))
        row_ids = _split_rows(_unique(group["rows"]))
        outcomes = _unique(";".join(used.get(r, [])) for r in row_ids)
        significance = (group.get("significance_disagrees", pd.Series("", index=group.index)) == "yes").any()
        locations = _unique(group["location"])
        if outcomes:
            impact = "pooled_input"
        elif significance or cls == "unsupported_claim" or "ranking_vs_sucra" in set(group["check"]) or (cls in ("author_inconsistency", "computation_mismatch")
                              and any(loc in ("abstract", "discussion", "conclusion") for loc in locations.split(";"))):
            impact = "conclusion"
        else:
            impact = "cosmetic"
        first = group.iloc[0]
        status = "discrepancy" if (group["status"] == "discrepancy").any() else "rounding"
        rows.append({
            "study_id": first["study_id"], "finding": finding, "finding_class": cls,
            "class_label": CLASS_LABELS[cls], "impact": impact, "pooled_outcomes": outcomes, "status": status,
            "quantity": first["quantity"], "population": first["population"], "location": locations,
            "reported": " | ".join(dict.fromkeys(group["reported"])),
            "recomputed": " | ".join(dict.fromkeys(group["recomputed"])),
            "detail": " | ".join(f"{c}: {d}" for c, d in zip(group["check"], group["detail"])),
            "class_reason": group.loc[group["finding_class"] == cls, "class_reason"].iloc[0],
            "checks": ";".join(group["check"]), "n_checks": len(group),
            "significance_disagrees": "yes" if significance else "",
            "source": _unique(group.get("source", pd.Series("", index=group.index)), sep=" / "),
            "rows": ";".join(row_ids),
            "evidence": _unique(group.get("evidence", pd.Series("", index=group.index))),
        })
    table = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    if len(table):
        order = {s: i for i, s in enumerate(dict.fromkeys(table["study_id"]))}
        table = table.assign(
            _s=table["study_id"].map(order), _i=table["impact"].map({k: i for i, k in enumerate(IMPACTS)}),
            _c=table["finding_class"].map(_CLASS_ORDER),
        ).sort_values(["_s", "_i", "_c"], kind="stable").drop(columns=["_s", "_i", "_c"]).reset_index(drop=True)
    return table


def findings_summary(findings: pd.DataFrame, audit: pd.DataFrame, studies: list[str]) -> pd.DataFrame:
    """Per paper: checks run, checks not consistent, findings per class and impact."""
    out = []
    for study in studies:
        a = audit[audit["study_id"] == study]
        f = findings[findings["study_id"] == study]
        row = {"study_id": study, "checks": len(a),
               "checks_not_consistent": int(a["status"].isin(["rounding", "discrepancy"]).sum()),
               "findings": len(f)}
        for cls in FINDING_CLASSES:
            row[cls] = int((f["finding_class"] == cls).sum())
        for impact in IMPACTS:
            row[impact] = int((f["impact"] == impact).sum())
        out.append(row)
    return pd.DataFrame(out)
