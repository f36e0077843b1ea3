"""A fast yes/no check of one typed row against a raw table's (inlined) JSON Schema.

jsonschema's validator walks the schema for every row, which made it most of the time
of validating thousands of rows. The raw tables' schemas use a handful of keywords, so
:func:`compile_row_check` turns a schema into plain comparisons. It answers only
"valid": a row it finds invalid (or a schema with a keyword it does not know) goes to
jsonschema, which finds the errors and words them exactly as before. It must therefore
never call valid what jsonschema calls invalid: each keyword below is implemented as
JSON Schema 2020-12 defines it (a ``pattern`` searches, unanchored; ``pattern`` and
lengths apply to strings only, bounds to numbers only; an integer may be a float with
no fractional part; a boolean is neither), and tests/test_validation.py holds the two
against each other on every shipped row and on broken ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Keywords that only describe (no effect on validity).
_ANNOTATIONS = {"description", "title", "$comment", "examples", "default", "$id", "$schema"}
_KNOWN = {"type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
          "exclusiveMaximum", "allOf"} | _ANNOTATIONS


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_equal(value, allowed) -> bool:
    """JSON equality of a value and a string or number: 95 equals 95.0, True is no number."""
    if isinstance(allowed, str):
        return isinstance(value, str) and value == allowed
    return _is_number(value) and value == allowed


_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
    "boolean": lambda v: isinstance(v, bool),
}


def _value_check(schema: dict) -> list[Callable[[object], bool]] | None:
    """Predicates a value must all pass, or None if the schema needs jsonschema."""
    if not isinstance(schema, dict) or set(schema) - _KNOWN:
        return None
    checks: list[Callable[[object], bool]] = []
    for sub in schema.get("allOf", []):
        inner = _value_check(sub)
        if inner is None:
            return None
        checks += inner
    if "type" in schema:
        if schema["type"] not in _TYPES:
            return None
        checks.append(_TYPES[schema["type"]])
    if "enum" in schema:
        allowed = schema["enum"]
        if not all(isinstance(a, str) or _is_number(a) for a in allowed):
            return None  # booleans, null, arrays: leave them to jsonschema
        checks.append(lambda v: any(_json_equal(v, a) for a in allowed))
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "minLength" in schema:
        low = schema["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= low)
    if "maxLength" in schema:
        high = schema["maxLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) <= high)
    for keyword, holds in (("minimum", lambda v, b: v >= b), ("maximum", lambda v, b: v <= b),
                           ("exclusiveMinimum", lambda v, b: v > b), ("exclusiveMaximum", lambda v, b: v < b)):
        if keyword in schema:
            bound = schema[keyword]
            checks.append(lambda v, b=bound, holds=holds: not _is_number(v) or holds(v, b))
    return checks


def compile_row_check(schema: dict) -> Callable[[dict], bool] | None:
    """A function telling whether a typed row (column -> value) is valid against an
    object schema with ``properties``, ``required`` and ``additionalProperties: false``;
    None when the schema uses something this module does not implement."""
    top = set(schema) - _ANNOTATIONS
    if top - {"type", "properties", "required", "additionalProperties"} - {k for k in schema if k.startswith("x-")}:
        return None
    if schema.get("type", "object") != "object" or schema.get("additionalProperties", True) not in (True, False):
        return None
    properties = {}
    for column, sub in schema.get("properties", {}).items():
        checks = _value_check(sub)
        if checks is None:
            return None
        properties[column] = checks
    required = tuple(schema.get("required", ()))
    closed = schema.get("additionalProperties", True) is False

    def valid(row: dict) -> bool:
        if any(column not in row for column in required):
            return False
        for column, value in row.items():
            checks = properties.get(column)
            if checks is None:
                if closed:
                    return False
                continue
            if not all(check(value) for check in checks):
                return False
        return True

    return valid
