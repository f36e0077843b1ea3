"""Checks of config.yaml that a JSON Schema cannot make, run before Snakemake loads it.

PyYAML (and so Snakemake) silently keeps the last of two equal keys, reports a syntax
error without the file's name, and accepts ``.nan`` wherever a number may stand (NaN
fails no comparison, so no minimum or maximum in the schema catches it). These checks
name the file, the line and the column, or the key.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml


class ConfigError(ValueError):
    """A problem with the configuration file, described for the person who edits it."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


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
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path.name}: not UTF-8 text ({err.reason} at byte {err.start})") from None
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
