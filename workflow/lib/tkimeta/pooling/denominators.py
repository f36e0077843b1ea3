"""Denominator sensitivity of the pooled response rates: the same studies pooled with
each denominator convention (evaluable patients first, or all treated first), each
study's responders derived from its preferred printed best-response row by
:func:`tkimeta.clean.responders_of`. Pure: data frames in, rows out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..clean import RESPONSE_MEASURES, response_wide, responders_of
from .analysis import pool

#: convention -> the denominators tried, in order (the second is the fallback).
CONVENTIONS = {"evaluable": ("evaluable", "itt"), "itt": ("itt", "evaluable")}
CONVENTION_LABELS = {"evaluable": "evaluable patients where printed, else all treated",
                     "itt": "all treated (intention to treat) where printed, else evaluable"}


def response_measures(configured: Sequence[str]) -> list[str]:
    """The configured response outcomes whose responders derive from best-response counts."""
    return [m for m in configured if m in RESPONSE_MEASURES]


def denominator_sensitivity(counts: pd.DataFrame, studies: Sequence[str], measures: Sequence[str], method: str,
                            level: float, min_k_pi: int, nagq: int = 7) -> list[dict]:
    """One row per measure and convention: k, the denominators used per study, the pooled estimate."""
    # every study's best-response rows pivoted once, not for each study, measure and
    # convention (thousands of times at 1,000 studies)
    wide: dict[str, list[dict]] = {}
    for row in response_wide(counts).to_dict("records"):
        wide.setdefault(row["study_id"], []).append(row)
    out = []
    for measure in measures:
        for convention, order in CONVENTIONS.items():
            rows, used = [], []
            for study in studies:
                for denominator in order:
                    found = responders_of(wide.get(study, []), "all", measure, denominator)
                    if found is not None:
                        rows.append({"study_id": study, "events": found.events, "n": found.n})
                        used.append(f"{study} {found.events}/{found.n} ({denominator})")
                        break
            frame = pd.DataFrame(rows, columns=["study_id", "events", "n"])
            result = pool(frame, "proportion", method, level, min_k_pi, nagq)
            out.append({"measure": measure, "convention": convention, "k": result["k"], "estimate": result["estimate"],
                        "ci_lower": result["ci_lower"], "ci_upper": result["ci_upper"], "used": "; ".join(used)})
    return out
