"""Frames the figures need that are not a results file as such."""

from __future__ import annotations

import pandas as pd


def ae_term(outcome: str) -> tuple[str, bool]:
    """(harmonised term, grade >= 3?) of an AE outcome: AE_any, AE_grade3plus, AE_<term>[_grade3plus]."""
    name = outcome.removeprefix("AE_")
    high = name.endswith("grade3plus")
    name = name.removesuffix("grade3plus").rstrip("_")
    return ("any_ae" if name in ("", "any") else name), high


def ae_rates(study_estimates: pd.DataFrame) -> pd.DataFrame:
    """Per-study adverse-event rates (one row per study, term and grade group) from the
    pooled analysis's study rows, which already hold one reconciled count per study."""
    ae = study_estimates[study_estimates["outcome"].str.startswith("AE_") & (study_estimates["subgroup"] == "all")]
    terms = [ae_term(o) for o in ae["outcome"]]
    return pd.DataFrame({
        "study_id": ae["study_id"].to_numpy(), "harmonised_term": [t for t, _ in terms],
        "grade_group": ["high" if h else "any" for _, h in terms],
        "count": ae["events"].to_numpy(), "n": ae["n"].to_numpy(), "proportion": ae["estimate"].to_numpy(),
        "ci_lower": ae["ci_lower"].to_numpy(), "ci_upper": ae["ci_upper"].to_numpy(),
    })


#: Rows of estimates.csv read at a time by :func:`read_estimates`.
ESTIMATE_CHUNK_ROWS = 1000


def read_estimates(path, analyses=("primary",)) -> pd.DataFrame:
    """The rows of results/pooled/estimates.csv of ``analyses`` (the figures draw the
    primary analysis only), read in chunks of ESTIMATE_CHUNK_ROWS. At 1,000 studies the
    file is about 100 MB, nearly all of it leave-one-out rows that each list 999 study
    ids; reading it whole took most of a figure job's memory. A file of one chunk comes
    back exactly as ``pd.read_csv`` then a row filter would give it."""
    chunks = [chunk[chunk["analysis"].isin(list(analyses))]
              for chunk in pd.read_csv(path, chunksize=ESTIMATE_CHUNK_ROWS)]
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)
