"""The model registry is the one place for a model's facts: each entry agrees with its network, its
recipes with the config schema, and everything that lists models derives from it."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import torch
from workflow_helpers import REPO, small_config

from pose3d.config.run_settings import RunSettings
from pose3d.config.schema import SCHEMA_PATH, schema, validate_config
from pose3d.core.errors import InputError
from pose3d.models import MODELS, UnknownModel, build, get
from pose3d.models.tgraphnet import WINDOW
from pose3d.visualization.palette import MODEL_COLORS


@pytest.mark.parametrize("name", list(MODELS))
def test_entry_matches_its_network(name: str) -> None:
    """Options are the network's keywords; the window, joints and root convention are what it computes."""
    spec = MODELS[name]
    network = build(name, **({"channels": 8} if "channels" in spec.defaults else {}))
    assert isinstance(network, spec.network_class()) and set(spec.defaults) <= set(spec.options({}))
    shape = (2, spec.num_joints, spec.input_channels)
    if spec.temporal:
        shape = (2, spec.frames, *shape[1:])
    assert network.eval()(torch.rand(shape)).shape == (*shape[:-1], 3)


def test_tgraphnet_window_is_the_networks() -> None:
    assert {MODELS[n].frames for n in MODELS if n.startswith("tgraphnet")} == {WINDOW}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("profile", ["paper", "demo"])
def test_every_recipe_is_a_valid_override_and_resolves(name: str, profile: str) -> None:
    """A recipe passes its own schema (so a config may override any key of it) and resolves into settings."""
    spec = MODELS[name]
    config = small_config(models=[name])
    config["training"] = {**config["training"], "profile": profile, "overrides": {name: spec.recipe(profile)}}
    validate_config(config, "config.yaml")
    from pose3d.config.settings import resolve_run

    settings = resolve_run(config, name, "cpn")
    assert RunSettings.from_json(settings.to_json(), "json") == settings
    chunk, pad = settings.test_window()
    assert chunk + 2 * pad == spec.window(spec.options(settings.recipe.model_options))


def test_schema_file_names_no_model_and_the_full_schema_names_the_registry() -> None:
    """The static schema the workflow's ``validate`` reads is model-free; pose3d adds the registry's models."""
    text = SCHEMA_PATH.read_text()
    assert not [name for name in MODELS if re.search(rf"\b{name}\b", text)]
    props = schema()["properties"]
    assert props["models"]["items"]["enum"] == list(MODELS)
    assert props["lift"]["additionalProperties"]["properties"]["model"]["enum"] == list(MODELS)
    assert list(props["training"]["properties"]["overrides"]["properties"]) == list(MODELS)


def test_palette_and_priorities_come_from_the_registry() -> None:
    assert {name: MODEL_COLORS[name] for name in MODELS} == {name: spec.color for name, spec in MODELS.items()}
    assert len({spec.color for spec in MODELS.values()}) == len(MODELS)  # one colour per model
    common = (REPO / "workflow/rules/common.smk").read_text()
    assert "MODELS[wildcards.model].train_priority" in common
    assert len({spec.train_priority for spec in MODELS.values()}) == len(MODELS)


def test_unknown_model_is_one_error_wherever_the_name_comes_from() -> None:
    for lookup in (lambda: get("videopose"), lambda: build("videopose")):
        with pytest.raises(UnknownModel, match=r"unknown model 'videopose' \(known: linear, semgcn"):
            lookup()
    from pose3d.config.settings import resolve_run

    with pytest.raises(UnknownModel):
        resolve_run(small_config(), "videopose", "cpn")
    assert issubclass(UnknownModel, InputError)


def test_the_cli_offers_the_registry() -> None:
    done = subprocess.run([sys.executable, "-m", "pose3d.cli", "train", "--help"], capture_output=True, text=True)
    listed = re.search(r"--model \{([^}]*)\}", done.stdout)
    assert listed and "".join(listed[1].split()).split(",") == list(MODELS)


def test_registry_imports_no_torch() -> None:
    """The command line and the workflow read the registry; torch is imported only to build a network."""
    probe = "import sys, pose3d.models, pose3d.config.schema; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
