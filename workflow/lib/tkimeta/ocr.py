"""Repairs of OCR-damaged counts (placeholder until the repair rules land)."""

from __future__ import annotations

import pandas as pd


def repair_counts(frames: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    from .clean import CORRECTION_COLUMNS

    return frames, pd.DataFrame(columns=CORRECTION_COLUMNS, dtype="str")
