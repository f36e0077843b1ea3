"""Evidence changelog: what changed between a previous release of the results and this one.

A release is a results folder (``results/`` of an earlier run, or a copy of it) or a git
revision whose tree holds ``results/``. Every CSV the two releases share among
:data:`RELEASE_TABLES` is compared row by row, rows matched on the key columns they have
(:data:`KEY_COLUMNS`: outcome, subgroup, analysis, method, ...), so tables added later
(GRADE ratings, report assets) are diffed without code changes here.
"""

from __future__ import annotations

import fnmatch
import io
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: Which CSVs of a release are compared (paths relative to the results folder).
RELEASE_TABLES = ["pooled/*.csv", "report/assets/*.csv", "report/*.csv", "evidence/cumulative.csv",
                  "evidence/small_study.csv", "**/grade*.csv"]
#: Columns that identify a row, in order; each table uses those it has.
KEY_COLUMNS = ["outcome", "subgroup", "analysis", "method", "study_id", "step", "domain", "item", "term",
               "population", "endpoint", "check", "location", "source_label"]
#: Columns whose change is a change of a conclusion or rating (shown first).
RATING_WORDS = ("grade", "certainty", "rating", "conclusion", "downgrade", "judgement", "judgment")
#: Relative tolerance below which two numbers are the same (CSV round trips).
RTOL = 1e-9

CHANGE_COLUMNS = ["table", "key", "column", "change", "before", "after"]


class ReleaseError(ValueError):
    """A previous release that cannot be read."""


@dataclass
class Release:
    name: str
    tables: dict[str, pd.DataFrame]


def _wanted(relative: str) -> bool:
    if relative.startswith("evidence/changelog"):
        return False
    return any(fnmatch.fnmatch(relative, pattern) for pattern in RELEASE_TABLES)


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def load_release(source: str | Path, repo: str | Path = ".") -> Release:
    """A release from a results folder, or from a git revision of ``repo``."""
    path = Path(source)
    if path.is_dir():
        base = path / "results" if (path / "results" / "pooled").is_dir() else path
        if not (base / "pooled").is_dir():
            raise ReleaseError(f"{source}: not a results folder (no pooled/ in it)")
        tables = {}
        for file in sorted(base.rglob("*.csv")):
            relative = file.relative_to(base).as_posix()
            if _wanted(relative):
                tables[relative] = _read(file.read_text(encoding="utf-8"))
        return Release(str(source), tables)
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{source}^{{commit}}"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise ReleaseError(f"changelog: previous release '{source}' is neither a results folder nor a git revision") from None
    listed = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", rev, "results/"],
                            capture_output=True, text=True, check=True).stdout.split()
    tables = {}
    for name in listed:
        relative = name[len("results/"):]
        if name.endswith(".csv") and _wanted(relative):
            text = subprocess.run(["git", "-C", str(repo), "show", f"{rev}:{name}"], capture_output=True, text=True,
                                  check=True).stdout
            tables[relative] = _read(text)
    if "pooled/estimates.csv" not in tables:
        raise ReleaseError(f"changelog: git revision '{source}' ({rev[:10]}) has no results/pooled/estimates.csv "
                           f"committed; give the results folder of that release instead")
    return Release(f"{source} ({rev[:10]})", tables)


def studies_of(release: Release) -> list[str]:
    """The studies that contributed to a release (pooled inputs, else the estimates' study lists)."""
    tables = release.tables
    if "pooled/inputs.csv" in tables and "study_id" in tables["pooled/inputs.csv"]:
        found = set(tables["pooled/inputs.csv"]["study_id"])
    else:
        found = {s for cell in tables.get("pooled/estimates.csv", pd.DataFrame({"studies": []}))["studies"]
                 for s in str(cell).split(";") if s}
    return sorted(found - {""})


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=RTOL, abs_tol=1e-12)


def _keys(frame: pd.DataFrame) -> list[str]:
    keys = [c for c in KEY_COLUMNS if c in frame.columns]
    return keys or [frame.columns[0]]


def _indexed(frame: pd.DataFrame, keys: list[str]) -> dict[str, dict]:
    out = {}
    for record in frame.to_dict("records"):
        key = "; ".join(f"{k}={record[k]}" for k in keys)
        n, base = 2, key
        while key in out:  # duplicate keys: told apart by their order
            key, n = f"{base} #{n}", n + 1
        out[key] = record
    return out


def diff_tables(before: pd.DataFrame, after: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cell-level changes of one table (rows matched on their key columns)."""
    keys = _keys(after if not after.empty else before)
    old, new = _indexed(before, [k for k in keys if k in before.columns]), _indexed(after, keys)
    rows = []
    for key in new.keys() - old.keys():
        rows.append(dict(table=table, key=key, column="", change="added", before="", after=""))
    for key in old.keys() - new.keys():
        rows.append(dict(table=table, key=key, column="", change="removed", before="", after=""))
    columns = [c for c in after.columns if c in before.columns and c not in keys]
    for key in old.keys() & new.keys():
        for column in columns:
            a, b = str(old[key][column]), str(new[key][column])
            if not _same(a, b):
                rows.append(dict(table=table, key=key, column=column, change="changed", before=a, after=b))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS).sort_values(["table", "key", "column"], kind="stable")


def changelog(previous: Release, current: Release) -> tuple[pd.DataFrame, dict]:
    """All changes (one row per changed cell, added or removed row) and a summary."""
    parts = []
    for table in sorted(previous.tables.keys() | current.tables.keys()):
        if table in previous.tables and table in current.tables:
            parts.append(diff_tables(previous.tables[table], current.tables[table], table))
        else:
            change = "table added" if table in current.tables else "table removed"
            parts.append(pd.DataFrame([dict(table=table, key="", column="", change=change, before="", after="")],
                                      columns=CHANGE_COLUMNS))
    changes = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CHANGE_COLUMNS)
    before, after = studies_of(previous), studies_of(current)
    summary = dict(previous=previous.name, current=current.name,
                   studies_added=[s for s in after if s not in before],
                   studies_removed=[s for s in before if s not in after])
    return changes.reset_index(drop=True), summary


def _fmt(value: str) -> str:
    try:
        x = float(value)
    except ValueError:
        return value or "–"
    if math.isnan(x):
        return "–"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _estimate_text(record: dict) -> str:
    if not record or str(record.get("k", "0")) in ("", "0"):
        return "not estimated (k = 0)"
    return (f"{_fmt(record.get('estimate', ''))} ({_fmt(record.get('ci_lower', ''))}–{_fmt(record.get('ci_upper', ''))}), "
            f"k = {record.get('k', '')}")


def estimate_moves(previous: Release, current: Release, analysis: str = "primary") -> pd.DataFrame:
    """Each pooled estimate before and after (pooled/estimates.csv, one analysis), changed ones only."""
    columns = ["outcome", "subgroup", "method", "before", "after", "k_before", "k_after"]
    old = previous.tables.get("pooled/estimates.csv")
    new = current.tables.get("pooled/estimates.csv")
    if old is None or new is None:
        return pd.DataFrame(columns=columns)
    keys = ["outcome", "subgroup", "analysis", "method"]
    a, b = _indexed(old, keys), _indexed(new, keys)
    rows = []
    for key in list(dict.fromkeys([*b, *a])):
        r_old, r_new = a.get(key, {}), b.get(key, {})
        record = r_new or r_old
        if record.get("analysis") != analysis:
            continue
        fields = ("k", "estimate", "ci_lower", "ci_upper")
        if r_old and r_new and all(_same(str(r_old.get(f, "")), str(r_new.get(f, ""))) for f in fields):
            continue
        rows.append(dict(outcome=record["outcome"], subgroup=record["subgroup"], method=record["method"],
                         before=_estimate_text(r_old) if r_old else "not in the previous release",
                         after=_estimate_text(r_new) if r_new else "no longer estimated",
                         k_before=r_old.get("k", ""), k_after=r_new.get("k", "")))
    return pd.DataFrame(rows, columns=columns)


def rating_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """The changed cells that are ratings or conclusions (GRADE certainty, ...)."""
    mask = changes["column"].str.lower().apply(lambda c: any(w in c for w in RATING_WORDS))
    mask |= changes["table"].str.lower().str.contains("grade") & changes["change"].ne("changed")
    return changes[mask]


def changelog_markdown(summary: dict, moves: pd.DataFrame, ratings: pd.DataFrame, changes: pd.DataFrame,
                       labels: dict[str, str] | None = None) -> str:
    """The changelog as a report section body (markdown)."""
    labels = labels or {}
    lines = [f"Changes from the previous release ({summary['previous']}) to this one.", ""]
    added, removed = summary["studies_added"], summary["studies_removed"]
    lines.append(f"- Studies added: {', '.join(added) if added else 'none'}.")
    lines.append(f"- Studies removed: {', '.join(removed) if removed else 'none'}.")
    lines.append(f"- Changed cells, added or removed rows across the compared tables: {len(changes)}.")
    lines.append("")
    if moves.empty:
        lines.append("No pooled estimate of the primary analysis changed.")
    else:
        lines += ["Pooled estimates (primary analysis) that changed:", "",
                  "| Outcome | Subgroup | Method | Before | After |", "|---|---|---|---|---|"]
        for _, r in moves.iterrows():
            lines.append(f"| {labels.get(r['outcome'], r['outcome'])} | {r['subgroup']} | {r['method']} | {r['before']} | {r['after']} |")
    lines.append("")
    if ratings.empty:
        lines.append("No rating or conclusion column (GRADE certainty, conclusions) changed"
                     + ("." if any("grade" in t for t in changes["table"]) else
                        " (no such table in the compared releases)."))
    else:
        lines += ["Ratings and conclusions that changed:", "", "| Table | Row | Column | Before | After |",
                  "|---|---|---|---|---|"]
        for _, r in ratings.iterrows():
            lines.append(f"| {r['table']} | {r['key']} | {r['column'] or r['change']} | {r['before']} | {r['after']} |")
    return "\n".join(lines) + "\n"
