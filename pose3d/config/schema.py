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
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from pose3d.core.errors import InputError, one_line

#: The one copy of the schema.
SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


@cache
def schema() -> dict[str, Any]:
    """The parsed schema."""
    return yaml.safe_load(SCHEMA_PATH.read_text())


#: The most values (list entries and mapping items, aliases counted each time they occur) a config may
#: expand to: the repository's config has about a hundred; a YAML "billion laughs" has 10**9.
MAX_VALUES = 100_000


def _is_integer(checker: Any, value: Any) -> bool:
    """Only whole numbers written as such: JSON Schema calls 2.0 an integer, ``range(2.0)`` does not."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(checker: Any, value: Any) -> bool:
    """Finite numbers only: NaN slips through every bound (all comparisons are false) and inf is no rate."""
    return _is_integer(checker, value) or (isinstance(value, float) and math.isfinite(value))


#: The schema's validator with the number types the code that reads the config needs.
_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number}),
)


def setting_range(*keys: str) -> tuple[float, float]:
    """(minimum, maximum) the schema allows for the number at ``keys`` (e.g. ``"visualization", "fps"``;
    infinite where it sets none)."""
    spec = schema()
    for key in keys:
        spec = spec["properties"][key]
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


def _too_many_values(node: Any, budget: int = MAX_VALUES) -> bool:
    """Whether ``node`` holds more than ``budget`` values (counting stops there: a YAML bomb costs little)."""
    stack = [node]
    while stack and budget >= 0:
        node = stack.pop()
        budget -= 1
        if isinstance(node, dict):
            stack += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            stack += node
    return budget < 0


def _control_character(node: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The key path of the first key or string holding a control character (newline, tab, escape ...)."""
    if isinstance(node, str):
        return path if any(ch < " " or ch == "\x7f" for ch in node) else None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found = _control_character(key, (*path, str(key))) or _control_character(value, (*path, str(key)))
        if found is not None:
            return found
    return None


def validate_config(config: Any, source: str | Path) -> None:
    """Raise :class:`InputError` ``<source>: <key>: <problem>`` for the most relevant schema violation.

    Stricter than the schema read alone (what Snakemake's ``validate`` does): integers must be written as
    whole numbers, numbers must be finite, no string holds a control character and the config is small.
    """
    if not isinstance(config, dict):
        raise InputError(
            source, f"expected a mapping of settings, found {'nothing' if config is None else _show(config)}"
        )
    if _too_many_values(config):
        raise InputError(source, f"expands to more than {MAX_VALUES} values (YAML aliases repeating anchors?)")
    where = _control_character(config)
    if where is not None:
        key = ".".join(where).encode("unicode_escape").decode()  # a newline shows as \n: one line
        raise InputError(source, f"{key}: holds a control character (newline, tab ...)")
    error = best_match(_Validator(schema()).iter_errors(config))
    if error is not None:
        path, problem = _describe(error)
        raise InputError(source, f"{'.'.join(path) or 'top level'}: {problem}")
