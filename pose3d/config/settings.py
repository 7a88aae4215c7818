"""Resolve the config into the settings of one run (one model on one 2D input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pose3d.config.recipes import recipe

_TEMPORAL = ("tgraphnet", "tgraphnet_traj")


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config.yaml (for running stages by hand; the workflow validates it against the schema)."""
    with open(path) as handle:
        return yaml.safe_load(handle)


def resolve_run(config: dict[str, Any], model: str, input_2d: str) -> dict[str, Any]:
    """Every hyper-parameter of one run: the profile's recipe, config overrides, seed, device, data split."""
    training = config["training"]
    settings = recipe(training["profile"], model)
    overrides = dict(training.get("overrides", {}).get(model, {}))
    settings["model_options"].update(overrides.pop("model_options", {}))
    settings.update(overrides)
    if model in _TEMPORAL:
        settings["model_options"].setdefault("kernel_size", training["tgraphnet_kernel"])
    settings.update(
        model=model,
        input_2d=input_2d,
        profile=training["profile"],
        seed=config["seed"],
        device=training["device"],
        mixed_precision=training["mixed_precision"],
        checkpoint_selection=training["checkpoint_selection"],
        validation_fraction=training["validation_fraction"],
        train_subjects=list(config["data"]["train_subjects"]),
        test_subjects=list(config["data"]["test_subjects"]),
    )
    return settings
