"""tkimeta.frames.records gives what DataFrame.itertuples(index=False) gives."""

import math

import numpy as np
import pandas as pd
import pytest

from tkimeta.frames import records


def _same(a, b):
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": ["x", "", "z"], "b": [1, 2, 3], "c": [0.5, np.nan, 2.0], "d": [True, False, True]}),
    pd.DataFrame({"study_id": pd.Series([], dtype="str"), "n": pd.Series([], dtype="int64")}),
    pd.DataFrame({"class": ["a"], "2nd": ["b"], "ok name": ["c"]}),  # names that are not identifiers
    pd.DataFrame({"x": [1.0, 2.5]}, index=[7, 3]),  # the index is not a field
])
def test_records_are_itertuples(frame):
    expected, got = list(frame.itertuples(index=False)), list(records(frame))
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g._fields == e._fields
        assert all(_same(x, y) for x, y in zip(e, g)), (e, g)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": ["x", "", "y,z"], "b": ["1", "2", '"3"']}, dtype=object),
    pd.DataFrame({"a": ["x"], "b": ["1"]}, dtype="str", index=[5]),
    pd.DataFrame(columns=["a", "b"], dtype="str"),
    pd.DataFrame({"a": ["x", "y"], "n": [1.5, float("nan")]}),  # not all text: the CSV round trip
])
def test_as_written_is_the_csv_round_trip(frame):
    import io

    from tkimeta.io import as_written, csv_text, read_text_csv

    expected = read_text_csv(io.StringIO(csv_text(frame)))
    got = as_written(frame)
    assert got.equals(expected) and list(got.dtypes) == list(expected.dtypes)
