"""Gathering the per-paper audits and counting their findings."""

from __future__ import annotations

import pandas as pd

from .findings import FINDING_CLASSES
from .result import STATUSES
from .study import AUDIT_COLUMNS


def gather_audits(audits: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-study audits in the given order."""
    if not audits:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return pd.concat(audits, ignore_index=True)[AUDIT_COLUMNS]


def summarise(audit: pd.DataFrame, studies: list[str]) -> pd.DataFrame:
    """Checks per study and status (every study and status present, zeros included), then
    findings (problems: checks grouped per reported quantity) per study and class.

    ``total`` counts checks; ``findings`` counts findings, and the class columns add up
    to it.
    """
    counts = pd.crosstab(audit["study_id"], audit["status"]).reindex(index=studies, columns=list(STATUSES), fill_value=0)
    counts = counts.fillna(0).astype(int)
    counts["total"] = counts.sum(axis=1)
    found = audit[audit.get("finding", pd.Series("", index=audit.index)).fillna("") != ""]
    per_finding = found.groupby("finding", sort=False).agg(
        study_id=("study_id", "first"),
        finding_class=("finding_class", lambda c: min(c, key=lambda x: FINDING_CLASSES.index(x))))
    classes = pd.crosstab(per_finding["study_id"], per_finding["finding_class"]).reindex(
        index=studies, columns=list(FINDING_CLASSES), fill_value=0).fillna(0).astype(int)
    counts["findings"] = classes.sum(axis=1)
    for cls in FINDING_CLASSES:
        counts[cls] = classes[cls]
    return counts.reset_index(names="study_id")
