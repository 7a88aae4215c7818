"""The config schema and its one-line error messages.

``config.schema.yaml`` (shipped in the package) is the schema of everything but the models: the
workflow's ``validate`` fills in its defaults. :func:`schema` adds what the model registry knows (the
model names, and each model's recipe and ``model_options`` keys under ``training.overrides``), and
:func:`validate_config`, which the workflow and ``pose3d --config`` both call first, checks with that.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from pose3d.core.errors import InputError, one_line
from pose3d.core.numbers import is_whole
from pose3d.models import MODELS, ModelSpec
from pose3d.models.recipes import Recipe

#: The schema of everything but the models.
SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


def recipe_schema(spec: ModelSpec) -> dict[str, Any]:
    """The JSON schema of one model's recipe keys, ``model_options`` included (no other keys: the
    caller closes it with ``unevaluatedProperties``)."""
    own = dict(spec.recipe_schema)
    return {**own, "properties": {**own.get("properties", {}), "model_options": dict(spec.options_schema)}}


def _with_models(base: dict[str, Any], models: Mapping[str, ModelSpec]) -> dict[str, Any]:
    """``base`` with the registry's model names and each model's recipe schema filled in."""
    full = copy.deepcopy(base)
    props = full["properties"]
    names = list(models)
    props["models"]["items"]["enum"] = names
    props["lift"]["additionalProperties"]["properties"]["model"]["enum"] = names
    overrides = props["training"]["properties"]["overrides"]
    overrides["properties"] = {
        name: {**recipe_schema(spec), "unevaluatedProperties": False} for name, spec in models.items()
    }
    overrides["additionalProperties"] = False
    return full


@cache
def schema() -> dict[str, Any]:
    """The full schema: the file's, with the models of the registry."""
    return _with_models(yaml.safe_load(SCHEMA_PATH.read_text()), MODELS)


#: The most values (list entries and mapping items, aliases counted each time they occur) a config may
#: expand to: the repository's config has about a hundred; a YAML "billion laughs" has 10**9.
MAX_VALUES = 100_000


def _is_integer(checker: Any, value: Any) -> bool:
    """Only whole numbers written as such: JSON Schema calls 2.0 an integer, ``range(2.0)`` does not."""
    return is_whole(value)


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
    for part in node.get("allOf", []):
        keys += _known_keys(part)
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


def _problem(schema_: dict[str, Any], instance: Any) -> ValidationError | None:
    """The most relevant violation; a wrong value before the "unknown key" it causes (a subschema that
    fails evaluates none of its keys, so ``unevaluatedProperties`` then reports them all)."""
    errors = list(_Validator(schema_).iter_errors(instance))
    values = [e for e in errors if e.validator != "unevaluatedProperties"]
    return best_match(values or errors)


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
    error = _problem(schema(), config)
    if error is not None:
        path, problem = _describe(error)
        raise InputError(source, f"{'.'.join(path) or 'top level'}: {problem}")


#: Run settings that pick code paths or data, checked first with the messages ``--settings`` users know.
_RUN_KEYS = ("model", "input_2d", "device", "train_subjects", "test_subjects")


def run_settings_schema(spec: ModelSpec) -> dict[str, Any]:
    """The schema of one run's resolved settings (:class:`pose3d.config.run_settings.RunSettings`): the
    config's own rules for each run key, and the model's recipe keys, every one of them required."""
    full = schema()
    props, training = full["properties"], full["properties"]["training"]["properties"]
    run = {
        "model": {"type": "string", "enum": list(MODELS)},
        "input_2d": props["inputs"]["items"],
        "profile": training["profile"],
        "seed": props["seed"],
        "device": training["device"],
        "mixed_precision": training["mixed_precision"],
        "implementation": training["implementation"],
        "flip_test": props["evaluation"]["properties"]["flip_test"],
        "checkpoint_selection": training["checkpoint_selection"],
        "validation_fraction": training["validation_fraction"],
        "train_subjects": props["data"]["properties"]["train_subjects"],
        "test_subjects": props["data"]["properties"]["test_subjects"],
    }
    paper = spec.recipes["paper"]
    optional = [key for key in Recipe.OPTIONAL if paper.get(key) is None]  # written only when set
    return {
        "$defs": full["$defs"],
        "allOf": [recipe_schema(spec)],
        "properties": run,
        "required": [*run, *(key for key in paper if key not in optional)],
        "unevaluatedProperties": False,
    }


def check_run_settings(values: dict[str, Any], source: str | Path) -> None:
    """Raise :class:`InputError` ``<source>: <key>: <problem>`` unless ``values`` are a run's full settings."""
    missing = [key for key in _RUN_KEYS if key not in values]
    if missing:
        raise InputError(source, f"missing {', '.join(missing)} (resolved run settings name them all)")
    if values["model"] not in MODELS:
        raise InputError(source, f"model: must be one of {', '.join(MODELS)}, got {_show(values['model'])}")
    for key in ("train_subjects", "test_subjects"):
        subjects = values[key]
        if not (isinstance(subjects, list) and subjects and all(isinstance(s, str) for s in subjects)):
            raise InputError(source, f"{key}: must be a non-empty list of subject names, got {_show(subjects)}")
    error = _problem(run_settings_schema(MODELS[values["model"]]), values)
    if error is not None:
        path, problem = _describe(error)
        raise InputError(source, f"{'.'.join(path) or 'top level'}: {problem}")
