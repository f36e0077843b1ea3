"""The report's audit tables, in plain words: findings ordered by what a reader must act
on (touches a pooled input > could change a conclusion > cosmetic), without internal
codes (row ids, grade-band codes, subgroup keys); the CSVs keep those."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ..audit.findings import CLASS_LABELS, FINDING_CLASSES, IMPACT_LABELS, IMPACTS
from ..vocab import outcome_label

__all__ = ["plain", "plain_place", "findings_summary_table", "findings_report_table", "finding_variables",
           "corrections_report_table"]

_WORDS = [
    (re.compile(r"\s*\(?\b[A-Za-z0-9_]+/[a-z_]+\.csv:\d+(?:;[A-Za-z0-9_]+/[a-z_]+\.csv:\d+)*\)?"), ""),
    (re.compile(r"\?\s*vs\s*\?\s*"), ""),
    (re.compile(r"\b(\d)_(\d)\b"), r"\1–\2"),
    (re.compile(r"\b(\d)plus\b"), r"≥\1"),
    (re.compile(r"\b(\d)_5\b"), r"\1–5"),
    (re.compile(r"\bitt\b"), "all treated"),
    (re.compile(r"\bgt_(\d+)"), r">\1"),
    (re.compile(r"\blt_(\d+)"), r"<\1"),
    (re.compile(r"\bHR (PFS|OS) "), r"HR for \1, "),
    (re.compile(r"\bbsc\b"), "best supportive care"),
    (re.compile(r"\bsqrt\(L\*U\)"), "geometric midpoint of the CI"),
    (re.compile(r"\s*\[count ([^\]]*)\]"), r" (count: \1)"),
]


def plain(text) -> str:
    """Internal codes of a CSV cell turned into words."""
    out = str(text)
    for pattern, repl in _WORDS:
        out = pattern.sub(repl, out)
    out = out.replace("_", " ").replace(" ()", "").replace("( ", "(")
    return re.sub(r"\s{2,}", " ", out).strip(" ;")


def plain_place(location: str) -> str:
    """'table_2;results' -> 'Table 2, Results'."""
    def one(loc: str) -> str:
        m = re.fullmatch(r"(table|figure)_(\w+)", loc)
        if m:
            return f"{m.group(1).title()} {m.group(2)}" + (" legend" if m.group(1) == "figure" else "")
        return loc.replace("_", " ").capitalize()
    return ", ".join(one(loc) for loc in str(location).split(";") if loc) or "across the paper"


def _paper(study: str, labels: Mapping[str, str]) -> str:
    """A short name of the paper: its drug and population ('Anlotinib, metastatic ESCC')."""
    label = labels.get(study, study).split(" (")[0]
    if "meta-analysis" in label:
        return "Network meta-analysis"
    if ", " in label:
        head, tail = label.split(", ", 1)
        return f"{head.split()[0]}, {tail}"
    return label


_SHORT = {"ocr_damage": "OCR damage", "author_inconsistency": "Author incon­sistency",
          "unsupported_claim": "Unsup­ported claim", "computation_mismatch": "Compu­tation mismatch",
          "rounding": "Round­ing", "pooled_input": "Touch pooled input", "conclusion": "Could change a conclusion",
          "cosmetic": "Cos­metic"}


def findings_summary_table(summary: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Per paper: checks, checks not consistent, findings, findings per class and impact."""
    rows = []
    for r in summary.to_dict("records"):
        row = {"Paper": _paper(r["study_id"], labels), "Checks": r["checks"],
               "Not consistent": r["checks_not_consistent"], "Findings": r["findings"]}
        row.update({_SHORT[c]: r.get(c, 0) for c in FINDING_CLASSES})
        row.update({_SHORT[i]: r[i] for i in IMPACTS})
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        total = {c: (int(out[c].sum()) if c != "Paper" else "All papers") for c in out.columns}
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out


def _what(row) -> str:
    what = plain(row["quantity"])
    population = str(row.get("population", ""))
    if population and population not in ("all", ""):
        what += f" — subgroup {plain(population)}"
    return what


def _detail(row, limit: int = 420) -> str:
    """The finding in words: why it is in its class, then the evidence of its checks."""
    parts = [p.split(": ", 1)[1] if ": " in p else p for p in str(row["detail"]).split(" | ")]
    evidence = "; ".join(dict.fromkeys(plain(p) for p in parts))
    reason = plain(row["class_reason"])
    text = reason[0].upper() + reason[1:] + "." if reason else ""
    if evidence and not reason.startswith("repaired in cleaning"):
        text += " " + evidence[0].upper() + evidence[1:]
    if int(row.get("n_checks", 1)) > 1:
        text += f" ({row['n_checks']} checks on this number.)"
    if row.get("pooled_outcomes"):
        text += " Pooled outcome(s): " + ", ".join(outcome_label(o) for o in str(row["pooled_outcomes"]).split(";")) + "."
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _where(row, limit: int = 110) -> str:
    place = plain_place(row["location"])
    source = str(row.get("source", "")).split(" / ")[0].strip()
    if source:
        source = source if len(source) <= limit else source[: limit - 1].rsplit(" ", 1)[0] + " …"
        # a table row's label already names its table
        place = source if source.lower().startswith(place.split(",")[0].lower()) else f"{place}: {source}"
    return place


def findings_report_table(findings: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Every finding, most urgent first: impact, then class, then paper."""
    if findings.empty:
        return pd.DataFrame(columns=["Impact", "Class", "Paper", "Quantity", "Where", "Finding"])
    order = {s: i for i, s in enumerate(dict.fromkeys(findings["study_id"]))}
    ranked = findings.assign(
        _i=findings["impact"].map({k: i for i, k in enumerate(IMPACTS)}),
        _c=findings["finding_class"].map({k: i for i, k in enumerate(FINDING_CLASSES)}),
        _s=findings["study_id"].map(order),
    ).sort_values(["_i", "_c", "_s"], kind="stable")
    return pd.DataFrame({
        "Impact": [IMPACT_LABELS[i] for i in ranked["impact"]],
        "Class": [CLASS_LABELS[c] for c in ranked["finding_class"]],
        "Paper": [_paper(s, labels) for s in ranked["study_id"]],
        "Quantity": [_what(r) for r in ranked.to_dict("records")],
        "Where": [_where(r) for r in ranked.to_dict("records")],
        "Finding": [_detail(r) for r in ranked.to_dict("records")],
    })


def finding_variables(summary: pd.DataFrame) -> dict:
    """Counts the report text quotes: findings and checks, per class and impact."""
    v = {"n_findings": str(int(summary["findings"].sum())), "n_checks": str(int(summary["checks"].sum())),
         "n_checks_not_consistent": str(int(summary["checks_not_consistent"].sum()))}
    v.update({c: str(int(summary[c].sum())) for c in (*FINDING_CLASSES, *IMPACTS)})
    return v


def corrections_report_table(corrections: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """The OCR repairs, placed by the paper's table row or sentence instead of a file line."""
    places = {}
    for r in audit.to_dict("records"):
        for row_id in str(r.get("rows", "")).split(";"):
            if row_id and row_id not in places and r.get("source"):
                places[row_id] = f"{plain_place(r['location'])}: {str(r['source']).split(' / ')[0]}"
    return pd.DataFrame({
        "Where": [places.get(r, "") for r in corrections["row_id"]],
        "Cell": corrections["column"], "Printed": corrections["printed"], "Repaired": corrections["corrected"],
        "Reason": [plain(x) for x in corrections["reason"]],
    })
