"""Deterministic reading and writing of the workflow's CSV files.

Every CSV the workflow writes goes through :func:`write_csv`: UTF-8, LF line endings,
a fixed column order, text cells written as they are (the cleaned tables keep printed
numbers as printed text) and floats with a fixed format, so that a rerun gives the
same bytes. Files are written to a temporary name and renamed, so an interrupted run
never leaves a half-written output behind; they get the permissions of any file the
user creates (0666 less the umask), not mkstemp's private 0600, so that group folders
on a cluster stay shared.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd

#: Significant digits for computed floats: enough for 4-significant-digit agreement
#: with metafor after any later arithmetic, few enough to hide platform noise.
FLOAT_FORMAT = "%.10g"


def read_text_csv(path) -> pd.DataFrame:
    """Read a CSV with every cell as text ('' for empty), nothing guessed."""
    return pd.read_csv(path, dtype="str", keep_default_na=False, na_filter=False, encoding="utf-8")


def csv_text(frame: pd.DataFrame, columns: list[str] | None = None) -> str:
    """The text :func:`write_csv` writes for ``frame``."""
    if columns is not None:
        frame = frame[columns]
    return frame.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT)


def write_csv(frame: pd.DataFrame, path, columns: list[str] | None = None) -> None:
    """Write ``frame`` deterministically (atomic rename, fixed float format)."""
    write_text(csv_text(frame, columns), path)


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as :func:`read_text_csv` reads it back after :func:`write_csv` wrote it.

    A job that hands its results to the next step in memory, instead of through a file,
    passes this, so that the next step sees exactly the text it would have read.
    """
    if _all_text(frame):  # every cell a string (the common case): reading would give them back as they are
        return frame.astype("str").reset_index(drop=True)
    return read_text_csv(io.StringIO(csv_text(frame)))


def _all_text(frame: pd.DataFrame) -> bool:
    return (all(isinstance(c, str) for c in frame.columns)
            and all(pd.api.types.is_string_dtype(dtype) for dtype in frame.dtypes)  # object or str
            and all(isinstance(v, str) for v in frame.to_numpy(dtype=object).ravel()))


def write_text(text: str, path) -> None:
    """Write text atomically (UTF-8, LF), like :func:`write_csv`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~file_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_umask() -> int:
    """The process umask (read by setting it and setting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
