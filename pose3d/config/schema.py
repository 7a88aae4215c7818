"""The config schema (``config.schema.yaml``, shipped in the package) and its one-line error messages.

The workflow's ``validate`` and :func:`pose3d.config.settings.load_config` both use this file.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from pose3d.core.errors import InputError, one_line

#: The one copy of the schema.
SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


@cache
def schema() -> dict[str, Any]:
    """The parsed schema."""
    return yaml.safe_load(SCHEMA_PATH.read_text())


def setting_range(section: str, key: str) -> tuple[float, float]:
    """(minimum, maximum) the schema allows for the number ``<section>.<key>`` (infinite where it sets none)."""
    spec = schema()["properties"][section]["properties"][key]
    return spec.get("minimum", -math.inf), spec.get("maximum", math.inf)


def _known_keys(node: dict[str, Any]) -> list[str]:
    """Property names a (sub)schema declares, following ``$ref`` chains (as ``unevaluatedProperties`` does)."""
    keys: list[str] = []
    while node:
        keys += node.get("properties", {})
        node = schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else {}
    return sorted(set(keys))


def _show(value: Any) -> str:
    return one_line(repr(value), 60)


def _yaml_word(value: Any) -> str:
    """An allowed value as it is written in YAML (``null``, ``true``, ``auto``)."""
    return json.dumps(value) if value is None or isinstance(value, bool) else str(value)


def _describe(error: ValidationError) -> tuple[list[str], str]:
    """(key path, problem) for one schema violation, in words a config author reads."""
    path = [str(part) for part in error.absolute_path]
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind in ("additionalProperties", "unevaluatedProperties"):
        known = _known_keys(error.schema)
        unknown = sorted(str(key) for key in value if key not in known)
        return path + unknown[:1], f"unknown key (known: {', '.join(known)})"
    if kind == "required":
        missing = [key for key in expected if key not in value]
        return path + missing[:1], "missing"
    if kind == "propertyNames":
        return path, one_line(error.message, 120)
    messages = {
        "type": lambda: (
            f"must be {' or '.join(expected) if isinstance(expected, list) else expected}, got {_show(value)}"
        ),
        "enum": lambda: f"must be one of {', '.join(_yaml_word(v) for v in expected)}, got {_show(value)}",
        "minimum": lambda: f"must be >= {expected}",
        "exclusiveMinimum": lambda: f"must be > {expected}",
        "maximum": lambda: f"must be <= {expected}",
        "exclusiveMaximum": lambda: f"must be < {expected}",
        "minItems": lambda: "must not be empty" if expected == 1 else f"must have at least {expected} entries",
        "maxItems": lambda: f"must have at most {expected} entries",
        "oneOf": lambda: "must give exactly one of: " + " | ".join("+".join(s.get("required", ())) for s in expected),
        "minLength": lambda: "must not be empty",
        "uniqueItems": lambda: f"lists an entry twice: {_show(value)}",
    }
    return path, messages[kind]() if kind in messages else one_line(error.message, 120)


def validate_config(config: Any, source: str | Path) -> None:
    """Raise :class:`InputError` ``<source>: <key>: <problem>`` for the most relevant schema violation."""
    if not isinstance(config, dict):
        raise InputError(
            source, f"expected a mapping of settings, found {'nothing' if config is None else _show(config)}"
        )
    error = best_match(Draft202012Validator(schema()).iter_errors(config))
    if error is not None:
        path, problem = _describe(error)
        raise InputError(source, f"{'.'.join(path) or 'top level'}: {problem}")
