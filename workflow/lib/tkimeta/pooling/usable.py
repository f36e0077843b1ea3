"""Which rows of the pooling inputs enter an analysis.

A study that reports an outcome but cannot enter it (an unusable printed value) keeps
its row in ``results/pooled/inputs.csv`` with the reason in the ``excluded`` column, so
that it does not vanish silently; every analysis of the inputs leaves those rows out.
"""

from __future__ import annotations

import pandas as pd


def is_left_out(inputs: pd.DataFrame) -> pd.Series:
    """True for the rows that report an outcome but cannot enter it."""
    if "excluded" not in inputs.columns:
        return pd.Series(False, index=inputs.index)
    return inputs["excluded"].fillna("").astype(str) != ""


def usable_inputs(inputs: pd.DataFrame) -> pd.DataFrame:
    """The rows that enter the pooling."""
    return inputs[~is_left_out(inputs)]
