"""The fast row check (tkimeta.rowcheck) never calls valid what jsonschema calls invalid."""

from __future__ import annotations

import random

import pytest

from conftest import ROOT
from tkimeta.rowcheck import compile_row_check
from tkimeta.tables import STUDY_TABLES
from tkimeta.validate import _column_types, _convert, load_schema, read_table


def _typed_rows(kind: str) -> list[dict]:
    """The shipped rows of one table kind, typed as the validator types them."""
    types = _column_types(kind)
    rows = []
    for path in sorted((ROOT / "data" / "raw").glob(f"*/{kind}.csv")):
        table, problems = read_table(path, kind)
        assert not problems, problems
        for row in table.rows:
            typed = {}
            for column, cell in row.items():
                if cell != "":
                    typed[column], error = _convert(cell, types[column])
                    assert error is None
            rows.append(typed)
    return rows


def _variants(row: dict, schema: dict, rng: random.Random) -> list[dict]:
    """Rows that differ from a valid one in one cell: other types, bounds, lengths, patterns."""
    out = []
    for column in schema["properties"]:
        for value in ["", "x", "not-a-token!", "A" * 1500, -1, 0, 0.5, 1, 99.5, 100, 100.5, 1e9, -0.0, True,
                      "PFS", "95", 95, 95.0, "abstract", "table_12", "Table 1", "anlo_crc", "ANLO", 3.0]:
            changed = dict(row)
            changed[column] = value
            out.append(changed)
        missing = dict(row)
        missing.pop(column, None)
        out.append(missing)
    out.append({**row, "unknown_column": "x"})
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("kind", STUDY_TABLES)
def test_fast_check_agrees_with_jsonschema(kind):
    _, validator = load_schema(kind)
    fast = compile_row_check(validator.schema)
    assert fast is not None, f"the {kind} schema uses a keyword the fast check does not implement"
    rng = random.Random(kind)
    rows = _typed_rows(kind)
    for row in rows:
        assert fast(row) and not list(validator.iter_errors(row)), row
    checked = disagreements = 0
    for row in rows[:8]:
        for variant in _variants(row, validator.schema, rng):
            valid = not list(validator.iter_errors(variant))
            checked += 1
            if fast(variant) != valid:
                disagreements += 1
                assert valid, f"fast check accepts a row jsonschema refuses: {variant}"
    assert checked and disagreements == 0


def test_a_keyword_it_does_not_implement_leaves_the_schema_to_jsonschema():
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "date"}}}
    assert compile_row_check(schema) is None
    assert compile_row_check({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}) is None
    assert compile_row_check({"type": "object", "properties": {}, "patternProperties": {}}) is None
