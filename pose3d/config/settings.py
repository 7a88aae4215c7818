"""Read a config.yaml, and resolve it into the settings of one run (one model on one 2D input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pose3d.config.run_settings import RunSettings
from pose3d.config.schema import validate_config
from pose3d.core.device import select_device
from pose3d.core.errors import InputError, one_line
from pose3d.models import get


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no tags that run code) that refuses a key given twice instead of keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key_node.value!r} given twice", key_node.start_mark
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and validate a config.yaml against the schema the workflow uses; errors name the key.

    ``training.device: cuda`` on a machine without CUDA is an error here too (the workflow leaves
    that check to its jobs, which may run on other machines).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        config = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or type(err).__name__
        raise InputError(path, f"not valid YAML{where}: {one_line(problem, 120)}") from None
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        raise InputError(path, "not valid YAML: nested too deeply") from None
    validate_config(config, path)
    try:
        select_device(config["training"]["device"])
    except InputError as err:
        raise InputError(path, f"{err.path}: {err.problem}") from None
    return config


def resolve_run(config: dict[str, Any], model: str, input_2d: str) -> RunSettings:
    """Every setting of one run: the profile's recipe, the config's overrides, seed, device, data split."""
    spec = get(model, "models")
    training = config["training"]
    values = spec.recipe(training["profile"])
    overrides = dict(training.get("overrides", {}).get(model, {}))
    values["model_options"].update(overrides.pop("model_options", {}))
    values.update(overrides)
    for option, key in spec.config_options.items():
        values["model_options"].setdefault(option, training[key])
    values.update(
        model=model,
        input_2d=input_2d,
        profile=training["profile"],
        seed=config["seed"],
        device=training["device"],
        mixed_precision=training["mixed_precision"],
        implementation=training.get("implementation", "fast"),
        flip_test=config.get("evaluation", {}).get("flip_test", False),
        checkpoint_selection=training["checkpoint_selection"],
        validation_fraction=training["validation_fraction"],
        train_subjects=list(config["data"]["train_subjects"]),
        test_subjects=list(config["data"]["test_subjects"]),
    )
    return RunSettings.from_dict(values, "config")
