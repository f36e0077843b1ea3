"""Row iteration over a DataFrame without pandas' per-row cost.

``DataFrame.itertuples`` takes every column out of the frame again on each call, which
costs far more than the rows themselves for the small, wide tables the audit and the
pooling walk through thousands of times (once per study and check). :func:`records`
yields the same named tuples from one conversion of the whole frame.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from functools import cache

import pandas as pd


@cache
def _row_type(columns: tuple[str, ...]):
    # as itertuples names it: invalid or duplicate field names become _0, _1, ...
    return namedtuple("Pandas", columns, rename=True)


def records(frame: pd.DataFrame) -> Iterator[tuple]:
    """What ``frame.itertuples(index=False)`` yields: one named tuple per row, fields in
    column order, numbers as Python numbers."""
    row = _row_type(tuple(str(c) for c in frame.columns))
    if frame.empty:
        return iter(())
    return map(row._make, frame.to_numpy(dtype=object).tolist())
