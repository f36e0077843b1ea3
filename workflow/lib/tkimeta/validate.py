"""Strict reading and validation of the raw study tables in ``data/raw/``.

The raw tables are typed by hand, so they are read as text and checked before anything
is computed from them: encoding, CSV structure, the header against the table's JSON
Schema (``tkimeta/schemas/<table>.schema.yaml``, shipped with the library), every cell against its column's
type and vocabulary, and the few cross-column rules a schema cannot express (a key that
must be unique, CI bounds in order, "at least one of" columns). Every problem is
reported with the file, the line and the column, all problems of all files at once, so
that one run tells the curator everything to fix.

What is *well-formed but inconsistent* (a percentage no count can give, a median
outside its CI, an abstract contradicting a table) is not an error here: that is the
audit's job, and the values must reach it as printed.

Only the standard library and ``jsonschema`` are used, so that the Snakefile can
validate at parse time without importing pandas.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .rowcheck import compile_row_check
from .tables import STUDY_TABLES

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
from .vocab import POPULATIONS

# The data model of the raw tables is part of the library (package data).
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


_INTEGER = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_NOT_A_NUMBER_WORDS = {"nan", "na", "n/a", "inf", "-inf", "+inf", "infinity", "none", "null", "nr", "ne", "-"}
_MAX_PROBLEMS_SHOWN = 50
# CSV files may end lines with LF, CRLF or a lone CR; count lines the way the parser does.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")
#: The longest cell the csv module reads (its default field limit); anything longer is
#: not a typed value.
_FIELD_LIMIT = csv.field_size_limit()
#: Columns whose tokens name a population, checked against :data:`tkimeta.vocab.POPULATIONS`.
_POPULATION_COLUMNS = ("population",)


@dataclass(frozen=True)
class Problem:
    """One validation problem, located as precisely as the problem allows."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class RawDataError(ValueError):
    """Raised when raw tables fail validation; the message lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = [f"  - {p}" for p in self.problems[:_MAX_PROBLEMS_SHOWN]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"  ... and {more} more")
        super().__init__(
            f"Invalid raw data ({len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''}):\n"
            + "\n".join(shown)
            + "\nFix the file(s) named above and run again; nothing downstream was written."
        )


@dataclass
class Table:
    """A validated raw table: cells kept as the printed text ('' = not reported)."""

    kind: str
    path: Path
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


# libyaml's parser when PyYAML was built with it: the same objects (SafeLoader's
# constructor), read about ten times faster, which every job that cleans or audits pays.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


@lru_cache(maxsize=None)
def _definitions(schema_dir: Path) -> dict:
    """The shared definitions, read once per process (every schema refers to them).
    Callers do not modify it: :func:`_inline_refs` builds new objects."""
    return _read_yaml(schema_dir / "_definitions.schema.yaml")


@lru_cache(maxsize=None)
def load_schema(kind: str, schema_dir: Path = SCHEMA_DIR) -> tuple[dict, Draft202012Validator]:
    """Load a raw table's schema and a validator for one row.

    The shared definitions are written into the schema once here (see :func:`_inline_refs`)
    instead of being looked up through a registry for every cell of every row: the
    lookups were most of the validation time, and validation runs whenever Snakemake
    parses the workflow. The errors are the same either way.
    """
    # imported here, not at the top: a parse whose validation is cached never needs them
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    path = schema_dir / f"{kind}.schema.yaml"
    if not path.is_file():
        raise KeyError(f"no schema for table '{kind}' ({path})")
    definitions = _definitions(schema_dir)
    schema = _read_yaml(path)
    registry = Registry().with_resource("definitions", Resource.from_contents(definitions))
    return schema, Draft202012Validator(_inline_refs(schema, definitions), registry=registry)


def _inline_refs(node, definitions: dict, within_definitions: bool = False):
    """``node`` with every ``$ref`` to the shared definitions replaced by the definition.

    A reference with sibling keywords becomes ``allOf: [definition]`` beside them, which
    JSON Schema 2020-12 evaluates exactly as it does ``$ref`` (both apply; an error of
    the definition is reported with the definition's own keyword and the same path).
    ``#/...`` inside the definitions file points into that file.
    """
    if isinstance(node, list):
        return [_inline_refs(item, definitions, within_definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    prefix = "#/$defs/" if within_definitions else "definitions#/$defs/"
    inlined = {key: _inline_refs(value, definitions, within_definitions) for key, value in node.items() if key != "$ref"}
    if not isinstance(ref, str):
        return inlined
    if not ref.startswith(prefix) and not (ref.startswith("definitions#/$defs/")):
        return {"$ref": ref, **inlined}
    target = _inline_refs(definitions["$defs"][ref.rsplit("/", 1)[-1]], definitions, within_definitions=True)
    return {**inlined, "allOf": [target]} if inlined else target


@lru_cache(maxsize=None)
def _fast_row_check(kind: str, schema_dir: Path = SCHEMA_DIR):
    return compile_row_check(load_schema(kind, schema_dir)[1].schema)


@lru_cache(maxsize=None)
def _column_types(kind: str, schema_dir: Path = SCHEMA_DIR) -> dict[str, str]:
    schema, _ = load_schema(kind, schema_dir)
    definitions = _definitions(schema_dir)
    types = {}
    for column, prop in schema["properties"].items():
        if "$ref" in prop:
            prop = definitions["$defs"][prop["$ref"].rsplit("/", 1)[-1]]
        types[column] = prop.get("type", "string")
    return types


def _convert(text: str, json_type: str) -> tuple[object | None, str | None]:
    """Turn a cell's text into the value its schema type expects, or explain why not."""
    if json_type == "string":
        return text, None
    if text.strip().lower() in _NOT_A_NUMBER_WORDS:
        return None, (
            f"'{text}' is not a number; leave the cell empty when the paper does not report it"
            " (for 'not reached' use the not_reached column)"
        )
    if json_type == "integer":
        if _INTEGER.match(text):
            return int(text), None
        if _NUMBER.match(text):
            return None, f"'{text}' is not a whole number (a count cannot have decimals)"
        return None, f"'{text}' is not a whole number"
    if _NUMBER.match(text):
        return float(text), None
    if re.match(r"^-?[0-9]+,[0-9]+$", text):
        return None, f"'{text}' is not a number (use '.' as decimal mark, no thousands separators)"
    if re.match(r"^-?[0-9.]+[eE][-+]?[0-9]+$", text):
        return None, f"'{text}' uses exponent notation; type the number as printed in the paper"
    return None, f"'{text}' is not a number"


def _decode(path: Path, shown: str, problems: list[Problem]) -> str | None:
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(shown, None, None, "the file is empty (delete it if the paper has no such data)"))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(shown, 1, None, "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = len(_LINE_BREAK_BYTES.split(data[: err.start]))
        problems.append(
            Problem(shown, line, None, f"bytes that are not UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8")
        )
        return None


def read_table(path: Path, kind: str, shown_as: str | None = None, schema_dir: Path = SCHEMA_DIR) -> tuple[Table | None, list[Problem]]:
    """Read and validate one raw table.

    Returns the table (``None`` if it could not be parsed at all) and the list of
    problems found; the caller decides whether to raise.
    """
    shown = shown_as or str(path)
    problems: list[Problem] = []
    text = _decode(path, shown, problems)
    if text is None:
        return None, problems
    schema, validator = load_schema(kind, schema_dir)
    types = _column_types(kind, schema_dir)
    expected = list(schema["properties"])

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records, read = [], 0
        for fields in reader:  # a record's line is where it starts (a quoted cell may span lines)
            records.append((read + 1, fields))
            read = reader.line_num
    except csv.Error as err:
        problems.append(_csv_problem(text, shown, reader.line_num, err))
        return None, problems

    header_line, header = records[0]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in header[0])
        problems.append(Problem(shown, header_line, None, f"the header is separated by {sep!r}; the raw tables use ','"))
        return None, problems
    unknown = [c for c in header if c not in schema["properties"]]
    missing = [c for c in expected if c not in header]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for c in unknown:
        problems.append(Problem(shown, header_line, c, f"unknown column; the columns of a {kind} table are: {', '.join(expected)}"))
    for c in missing:
        problems.append(Problem(shown, header_line, c, "missing column (add it; leave cells empty where nothing is printed)"))
    for c in duplicated:
        problems.append(Problem(shown, header_line, c, "column appears more than once in the header"))
    if problems:
        return None, problems
    if len(records) == 1:
        problems.append(Problem(shown, None, None, "the file has a header but no rows (delete it if the paper has no such data)"))
        return None, problems

    table = Table(kind=kind, path=path, columns=header)
    seen_keys: dict[tuple, int] = {}
    key_columns = schema.get("x-key", [])
    for line, fields in records[1:]:
        if fields == [] or fields == [""]:
            problems.append(Problem(shown, line, None, "blank line; remove it"))
            continue
        if len(fields) != len(header):
            problems.append(
                Problem(shown, line, None, f"{len(fields)} fields where the header has {len(header)} (a stray comma or an unquoted field?)")
            )
            continue
        row = dict(zip(header, fields))
        typed: dict[str, object] = {}
        row_ok = True
        for column, cell in row.items():
            control = _control_character(cell)
            if control:
                problems.append(Problem(shown, line, column, control))
                row_ok = False
                continue
            if cell != cell.strip():
                problems.append(Problem(shown, line, column, f"'{cell}' has leading or trailing spaces"))
                row_ok = False
                continue
            if cell == "":
                continue
            value, error = _convert(cell, types[column])
            if error:
                problems.append(Problem(shown, line, column, error))
                row_ok = False
            else:
                typed[column] = value
        # most rows are valid: a plain check says so, and jsonschema words the errors of the rest
        fast = _fast_row_check(kind, schema_dir)
        errors = [] if fast is not None and fast(typed) else validator.iter_errors(typed)
        for error in sorted(errors, key=lambda e: list(e.path)):
            if error.validator == "required":
                column = re.search(r"'([^']+)'", error.message).group(1)
                if row.get(column, "") == "":
                    problems.append(Problem(shown, line, column, "required value is empty"))
                    row_ok = False
                continue
            column = str(error.path[0]) if error.path else None
            problems.append(Problem(shown, line, column, _describe(error, row.get(column, ""))))
            row_ok = False
        for column in _POPULATION_COLUMNS:
            if column in typed and typed[column] not in POPULATIONS:
                problems.append(Problem(shown, line, column, _unknown_population(typed[column])))
                row_ok = False
        printed_unreadable = {item.partition("=")[0] for item in row.get("unparsed", "").split(";") if item}
        # a cell that was given but is invalid is reported once, as invalid, not also as missing
        given = printed_unreadable | {c for c, cell in row.items() if cell != ""}
        problems.extend(_cross_column_problems(schema, typed, given, shown, line))
        problems.extend(_unparsed_problems(row, types, shown, line))
        if key_columns and row_ok:
            key = tuple(row[c] for c in key_columns)
            if key in seen_keys:
                problems.append(
                    Problem(shown, line, None, f"duplicates line {seen_keys[key]} (same {', '.join(key_columns)})")
                )
            else:
                seen_keys[key] = line
        table.rows.append(row)
        table.lines.append(line)
    return table, problems


def _control_character(cell: str) -> str | None:
    """Why a cell holding a control or invisible format character is refused, or None.

    A NUL, an escape sequence, a line break inside a quoted cell or a zero-width or
    bidirectional-override character is never part of a typed value, and would reach
    the cleaned tables unseen."""
    if cell.isprintable():  # no character of the categories Cc or Cf (nor any other unprintable)
        return None
    for position, char in enumerate(cell, start=1):
        if char == "\t" and position in (1, len(cell)):
            continue  # reported as a leading or trailing space
        if unicodedata.category(char) in ("Cc", "Cf"):
            name = unicodedata.name(char, "control character")
            return (f"a control character U+{ord(char):04X} ({name.lower()}) at character {position} of the cell; "
                    "retype the value (it may come from a copy-paste)")
    return None


def _unknown_population(token: str) -> str:
    close = difflib.get_close_matches(token, sorted(POPULATIONS), n=1, cutoff=0.8)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"'{token}' is not a known population{hint}; a new subgroup must be added to "
            "tkimeta.vocab.POPULATIONS first, so that a typo never becomes a subgroup of its own")


def _csv_problem(text: str, shown: str, line: int, err: csv.Error) -> Problem:
    """Locate a CSV syntax error where the curator can fix it.

    An unclosed quote makes the parser read on to the end of the file, so the line it
    stops at is useless; the first line with an odd number of quote characters is
    where the quote was opened.
    """
    if "field larger than field limit" in str(err):
        for number, content in enumerate(_LINE_BREAK.split(text), start=1):
            if len(content) > _FIELD_LIMIT:
                line = number
                break
        return Problem(shown, line, None, f"a cell is too long (over {_FIELD_LIMIT:,} characters); "
                                          "no typed value is that long: was something pasted in by mistake?")
    for number, content in enumerate(_LINE_BREAK.split(text), start=1):
        if content.count('"') % 2:
            return Problem(shown, number, None, "a quote opened on this line is never closed (stray '\"'?)")
    return Problem(shown, line, None, f"malformed CSV ({err}); check the quotes on this line")


def _describe(error, cell: str) -> str:
    """A short, curator-facing version of a jsonschema error."""
    if error.validator == "enum":
        return f"'{cell}' is not one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        return f"'{cell}' does not match the allowed form {error.validator_value}"
    if error.validator == "exclusiveMinimum" and error.validator_value == 0:
        return f"{cell} must be positive (greater than 0)"
    if error.validator == "exclusiveMinimum":
        return f"{cell} must be greater than {error.validator_value}"
    if error.validator == "minimum":
        return f"{cell} is below the allowed minimum {error.validator_value}"
    if error.validator in ("maximum", "exclusiveMaximum"):
        return f"{cell} is above the allowed maximum {error.validator_value}"
    if error.validator == "maxLength":
        return f"the text is too long ({len(cell):,} characters; at most {error.validator_value})"
    if error.validator == "minLength":
        return f"the text is too short ({len(cell)} characters; at least {error.validator_value})"
    if error.validator == "additionalProperties":
        return error.message
    return error.message


def _cross_column_problems(schema: dict, typed: dict, given: set[str], shown: str, line: int) -> list[Problem]:
    """The rules between columns. ``given`` are the columns with a cell (valid or not) or
    an ``unparsed`` entry: a value printed unreadably, or typed wrongly and reported as
    such, was still given."""
    problems = []
    for group in schema.get("x-any-of", []):
        if not any(c in typed or c in given for c in group):
            problems.append(Problem(shown, line, group[0], f"at least one of {', '.join(group)} must be given"))
    for low, high in schema.get("x-less-or-equal", []):
        if low in typed and high in typed and typed[low] > typed[high]:
            problems.append(
                Problem(shown, line, low, f"{low} {typed[low]:g} is greater than {high} {typed[high]:g} (bounds reversed?)")
            )
    for low, high in schema.get("x-less-than", []):
        if low in typed and high in typed and typed[low] == typed[high]:
            problems.append(Problem(shown, line, low, f"{low} equals {high} ({typed[low]:g}): an interval of zero width "
                                                     "is not a printed CI"))
    for part, whole in schema.get("x-at-most", []):
        if part in typed and whole in typed and typed[part] > typed[whole]:
            problems.append(Problem(shown, line, part, f"{part} {typed[part]:g} is greater than {whole} {typed[whole]:g}"
                                                      f" (a {part} cannot exceed {whole})"))
    for present, needed in schema.get("x-requires", []):
        if present in typed and needed not in typed and needed not in given:
            problems.append(Problem(shown, line, needed, f"required when {present} is given"))
    return problems


def _unparsed_problems(row: dict[str, str], types: dict[str, str], shown: str, line: int) -> list[Problem]:
    """An ``unparsed`` entry must name a numeric column whose cell is left empty."""
    problems = []
    for item in filter(None, row.get("unparsed", "").split(";")):
        column = item.partition("=")[0]
        if types.get(column) not in ("number", "integer"):
            problems.append(Problem(shown, line, "unparsed", f"'{column}' is not a numeric column of this table"))
        elif row[column] != "":
            problems.append(
                Problem(shown, line, "unparsed", f"'{column}' has a value and printed text; leave the cell empty when the print is unreadable")
            )
    return problems


def validate_raw_dir(raw_dir: Path, study_ids: list[str], schema_dir: Path = SCHEMA_DIR,
                     skipped: Sequence[str] = (), seed_files: dict[str, str] | None = None) -> dict[str, list[Table]]:
    """Validate every raw table under ``raw_dir`` (one folder per study).

    Returns the tables by kind. Raises :class:`RawDataError` listing every problem of
    every file (unknown files and folders included) if anything is wrong: a study of
    ``study_ids`` without its folder is one (it would drop out of every outcome
    unseen), a symbolic link is another (a table is read only from a real file of the
    study's folder). Folders of ``skipped`` studies (registered, but left out of this
    run) are not read. ``seed_files`` (study -> the seed_file config.yaml registers)
    must match every row's ``seed_file``.
    """
    raw_dir = Path(raw_dir)
    problems: list[Problem] = []
    tables: dict[str, list[Table]] = {kind: [] for kind in STUDY_TABLES}
    if not raw_dir.is_dir():
        raise RawDataError([Problem(_shown(raw_dir, raw_dir), None, None, "raw data folder not found")])
    found_studies = set()
    for entry in sorted(raw_dir.iterdir()):
        shown = _shown(entry, raw_dir)
        if entry.is_symlink():
            problems.append(Problem(shown, None, None, f"a symbolic link (to {entry.resolve()}); data/raw/ holds real "
                                                       "folders and files only, so that nothing outside it is read"))
            continue
        if entry.is_file():
            if entry.suffix == ".csv":
                problems.append(Problem(shown, None, None, "a table outside a study folder; move it into data/raw/<study_id>/"))
            continue
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            problems.append(Problem(shown, None, None, "not a folder; data/raw/ holds one folder per study"))
            continue
        if entry.name in skipped:
            continue
        if entry.name not in study_ids:
            problems.append(Problem(shown, None, None, f"a study folder not registered in config.yaml; add '{entry.name}' under 'studies' "
                                                       f"(registered: {', '.join(study_ids)})"))
            continue
        found_studies.add(entry.name)
        for path in sorted(entry.iterdir()):
            shown = _shown(path, raw_dir)
            if path.is_symlink():  # refused before it is opened: never follow it out of data/raw/
                problems.append(Problem(shown, None, None, "a symbolic link; a study folder holds only real CSV files "
                                                           "(copy the table in instead of linking it)"))
                continue
            if not path.is_file():  # a folder, a dangling link or a pipe: nothing to read (or a hang)
                problems.append(Problem(shown, None, None, "not a regular file; a study folder holds only CSV tables"))
                continue
            if path.suffix != ".csv" or path.stem not in STUDY_TABLES:
                problems.append(Problem(shown, None, None, f"unknown table; a study folder holds only {', '.join(t + '.csv' for t in STUDY_TABLES)}"))
                continue
            table, found = read_table(path, path.stem, shown, schema_dir)
            problems.extend(found)
            if table is None:
                continue
            expected_seed = (seed_files or {}).get(entry.name)
            other_seed = []
            for row, line in zip(table.rows, table.lines):
                if row["study_id"] and row["study_id"] not in study_ids and row["study_id"] not in skipped:
                    problems.append(Problem(shown, line, "study_id",
                                            f"'{row['study_id']}' is not a registered study; register it in config.yaml "
                                            f"under 'studies' (registered: {', '.join(study_ids)})"))
                elif row["study_id"] and row["study_id"] != entry.name:
                    problems.append(Problem(shown, line, "study_id", f"'{row['study_id']}' in the folder of '{entry.name}'"))
                if expected_seed and row.get("seed_file") and row["seed_file"] != expected_seed:
                    other_seed.append((line, row["seed_file"]))
            if other_seed:  # one problem per file: typically every row, from one wrong entry in config.yaml
                line, seed = other_seed[0]
                problems.append(Problem(shown, line, "seed_file", f"'{seed}' but config.yaml registers '{expected_seed}' as the "
                                                                  f"seed file of {entry.name} ({len(other_seed)} of "
                                                                  f"{len(table.rows)} rows differ)"))
            tables[path.stem].append(table)
    for study in study_ids:
        if study not in found_studies and not (raw_dir / study).is_symlink():
            problems.append(Problem(_shown(raw_dir / study, raw_dir), None, None,
                                    f"no folder for study '{study}', which config.yaml registers; add its tables, or "
                                    "list it under 'exclude' to leave it out of this run"))
    problems.extend(_unmapped_terms(tables, raw_dir))
    if problems:
        raise RawDataError(problems)
    return tables


def _unmapped_terms(tables: dict[str, list[Table]], raw_dir: Path) -> list[Problem]:
    """Every printed adverse-event term must be in its study's reviewed term map."""
    mapped = {(row["study_id"], row["term"]) for t in tables["ae_term_map"] for row in t.rows}
    problems = []
    for table in tables["adverse_events"]:
        for row, line in zip(table.rows, table.lines):
            if (row["study_id"], row["term"]) not in mapped:
                problems.append(
                    Problem(_shown(table.path, raw_dir), line, "term",
                            f"'{row['term']}' is not in {row['study_id']}/ae_term_map.csv; add it with its harmonised term")
                )
    return problems


def _shown(path: Path, raw_dir: Path) -> str:
    """Path as the user knows it: relative to the raw folder's parent's parent when
    possible; under a raw folder configured outside the working directory
    (``raw_dir: ../../etc``) the real path, so that it is plain which files were read."""
    if not raw_dir.is_absolute() and os.pardir in Path(os.path.normpath(raw_dir)).parts:
        return f"{path} (that is {os.path.realpath(path)})"
    try:
        return str(path.relative_to(raw_dir.parent.parent))
    except ValueError:
        return str(path)
