"""Checks of config.yaml, run before Snakemake loads it, and its schema check.

PyYAML (and so Snakemake) silently keeps the last of two equal keys, reports a syntax
error without the file's name, accepts ``.nan`` wherever a number may stand (NaN fails
no comparison, so no minimum or maximum in the schema catches it) and expands aliases
without bound (a "billion laughs" file hangs the parse). These checks name the file,
the line and the column, or the key; anchors and aliases are refused. The schema check
(:func:`check_config_schema`) lists every error, each with its key path in words and
its line in config.yaml.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

#: A configuration file is a few kilobytes; anything this large is not one.
MAX_CONFIG_BYTES = 1_000_000


class ConfigError(ValueError):
    """A problem with the configuration file, described for the person who edits it."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping, and anchors and aliases
    (``&name`` / ``*name``): nothing in config.yaml needs them, and nested aliases
    expand exponentially."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "YAML anchors and aliases (&name, *name) are not allowed in config.yaml; "
                "write each value out", event.start_mark)
        return super().compose_node(parent, index)


def _mapping_without_duplicates(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _non_finite(node, path=()):
    if isinstance(node, float) and not math.isfinite(node):
        yield ".".join(map(str, path)), node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _non_finite(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _non_finite(value, path + (i,))


def check_config_file(path: Path) -> dict:
    """Parse ``path`` strictly; raise :class:`ConfigError` naming the file and the place."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path.name}: {len(raw):,} bytes; a configuration file is a few kilobytes "
                          f"(at most {MAX_CONFIG_BYTES:,} bytes are read)")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(f"{path.name}, line {line}, column {column}: byte 0x{raw[err.start]:02x} is not UTF-8 "
                          "(Latin-1 or Windows text?); save the file as UTF-8") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path.name}: not valid YAML ({err})") from None
    bad = list(_non_finite(data))
    if bad:
        listed = "; ".join(f"{key} is {value}" for key, value in bad)
        raise ConfigError(f"{path.name}: {listed}; give a finite number")
    return data


# --------------------------------------------------------------------------- schema

_TYPE_WORDS = {"number": "a number", "integer": "a whole number", "boolean": "true or false",
               "object": "a mapping of keys to values", "array": "a list", "string": "text"}


def key_lines(path: Path) -> dict[tuple, int]:
    """Line (1-based) of every key and list item of a YAML file, by key path."""
    lines: dict[tuple, int] = {}

    def walk(node, at):
        lines.setdefault(at, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[at + (key.value,)] = key.start_mark.line + 1
                walk(value, at + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, at + (i,))

    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_StrictLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _words(at: tuple) -> str:
    """A key path in words: ``studies > <study id> > label``, ``outcomes > ae_terms > item 3``."""
    return " > ".join(f"item {k + 1}" if isinstance(k, int) else str(k) for k in at) or "the top level"


def _shown(value) -> str:
    return f"'{value}'" if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _config_problem(error) -> tuple[tuple, str]:
    """The key path an error is about and a plain description of it."""
    at = tuple(error.absolute_path)
    v, value = error.validator, error.instance
    if v == "required":
        missing = re.search(r"'([^']+)'", error.message).group(1)
        return at, f"'{missing}' is missing (a required key)"
    if v == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        return at + (extra[0],), (f"unknown key {', '.join(repr(k) for k in extra)}"
                                  + (f" (allowed here: {', '.join(allowed)})" if allowed else ""))
    if v == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return at, f"{_shown(value)} is not {' or '.join(_TYPE_WORDS.get(t, t) for t in wanted)}"
    if v == "enum":
        return at, f"{_shown(value)} is not one of: {', '.join(map(str, error.validator_value))}"
    if v == "pattern" and "propertyNames" in error.schema_path:  # a key (e.g. a study id) of the wrong form
        return at + (value,), f"key {_shown(value)} does not have the allowed form {error.validator_value}"
    if v == "pattern":
        return at, f"{_shown(value)} does not have the allowed form {error.validator_value}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "below the minimum", "exclusiveMinimum": "not above",
                 "maximum": "above the maximum", "exclusiveMaximum": "not below"}[v]
        return at, f"{_shown(value)} is {words} {error.validator_value}"
    if v == "minProperties":
        return at, f"needs at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}"
    if v == "uniqueItems":
        return at, "lists the same item more than once"
    if v in ("minLength", "maxLength"):
        return at, f"{_shown(value)} is too {'short' if v == 'minLength' else 'long'} ({v} {error.validator_value})"
    if v == "propertyNames":  # a key (e.g. a study id) of the wrong form
        from jsonschema import Draft202012Validator

        bad = [k for k in value if list(Draft202012Validator(error.validator_value).iter_errors(k))]
        return at + (bad[0],) if bad else at, (
            f"key {', '.join(repr(k) for k in bad)} is not allowed here "
            f"(a key must match {error.validator_value.get('pattern', error.validator_value)})")
    return at, error.message


def check_config_schema(config: dict, schema: dict, path: Path = Path("config.yaml")) -> None:
    """Validate ``config`` against ``schema``; raise :class:`ConfigError` listing every
    error with its key path in words and its line in ``path`` (when it comes from there)."""
    from jsonschema import Draft202012Validator  # here: a parse whose check is remembered never imports it

    errors = list(Draft202012Validator(schema).iter_errors(config))
    if not errors:
        return
    lines = key_lines(path)
    found = []
    for error in errors:
        at, message = _config_problem(error)
        line = next((lines[at[:i]] for i in range(len(at), -1, -1) if at[:i] in lines), None)
        where = f"{path.name}, line {line}" if line else path.name
        found.append((line or 0, f"  - {where}, {_words(at)}: {message}"))
    found.sort(key=lambda item: item[0])
    raise ConfigError(
        f"{path.name} does not match workflow/schemas/config.schema.yaml ({len(found)} problem"
        f"{'s' if len(found) != 1 else ''}):\n" + "\n".join(text for _, text in found)
        + f"\nFix {path.name} and run again; nothing was run or written.")


def check_ae_terms(ae_terms: list[str], tables: dict, path: Path = Path("config.yaml")) -> None:
    """Every ``outcomes.ae_terms`` entry must be the harmonised term of an adverse event
    some study of the run prints (through its ae_term_map.csv); a term that matches
    nothing would give two outcomes with k = 0 and no word why."""
    mapped = {(r["study_id"], r["term"]): r["harmonised_term"] for t in tables.get("ae_term_map", []) for r in t.rows}
    printed = {mapped[(r["study_id"], r["term"])] for t in tables.get("adverse_events", []) for r in t.rows
               if (r["study_id"], r["term"]) in mapped}
    unknown = [term for term in ae_terms if term not in printed]
    if not unknown:
        return
    lines = key_lines(path)
    found = []
    for term in unknown:
        line = lines.get(("outcomes", "ae_terms", ae_terms.index(term)), lines.get(("outcomes", "ae_terms")))
        where = f"{path.name}, line {line}" if line else path.name
        found.append(f"  - {where}, outcomes > ae_terms: '{term}' matches no harmonised adverse-event term of any "
                     "study (data/raw/<study>/ae_term_map.csv)")
    raise ConfigError("\n".join([f"{path.name}: {len(unknown)} adverse-event term{'s' if len(unknown) != 1 else ''} "
                                 f"match{'es' if len(unknown) == 1 else ''} nothing:", *found,
                                 f"  printed terms: {', '.join(sorted(printed))}"]))
