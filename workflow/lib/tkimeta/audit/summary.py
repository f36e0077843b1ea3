"""Gathering the per-paper audits and counting their findings."""

from __future__ import annotations

import pandas as pd

from .result import STATUSES
from .study import AUDIT_COLUMNS


def gather_audits(audits: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-study audits in the given order."""
    if not audits:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return pd.concat(audits, ignore_index=True)[AUDIT_COLUMNS]


def summarise(audit: pd.DataFrame, studies: list[str]) -> pd.DataFrame:
    """Checks per study and status (every study and status present, zeros included)."""
    counts = pd.crosstab(audit["study_id"], audit["status"]).reindex(index=studies, columns=list(STATUSES), fill_value=0)
    counts = counts.fillna(0).astype(int)
    counts["total"] = counts.sum(axis=1)
    return counts.reset_index(names="study_id")
