"""A model family is one module and one registry entry: a family defined only here, installed as a
package that registers itself through the ``pose3d.models`` entry point, goes through the whole
workflow (train, evaluate, tables, figures, animation, lift) with no file of pose3d changed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from keypoint_files import Person, coco_json
from workflow_helpers import REPO, small_config, snakemake_command, snakemake_env

from pose3d.core.safe_load import load_npz
from pose3d.data.h36m import ACTIONS

pytestmark = pytest.mark.slow

#: A temporal lifter of 9-frame windows that predicts every frame: per-frame MLP over all joints.
FAMILY = '''
"""A toy lifter family, registered with pose3d through an entry point."""

from types import MappingProxyType

import torch
from torch import nn

from pose3d.data.skeleton import H36M_17
from pose3d.models.spec import ModelSpec


class Toy(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(17 * 2, width), nn.ReLU(), nn.Linear(width, 16 * 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        poses = self.net(x.flatten(-2)).unflatten(-1, (16, 3))
        return torch.cat([torch.zeros_like(poses[..., :1, :]), poses], dim=-2)


RECIPE = {
    "optimizer": "adam", "lr": 1e-3, "weight_decay": 0.0, "amsgrad": False, "lr_gamma": 0.99,
    "lr_decay_every": 1, "lr_decay_unit": "epoch", "batch_size": 32, "grad_clip": None,
    "loss": "mse", "samples_per_epoch": 256, "compile": False, "epochs": 2,
    "window_chunk": 9, "window_pad": 0, "test_chunk": 9, "test_pad": 0, "model_options": {},
}

SPEC = ModelSpec(
    name="toy",
    network="toy_family:Toy",
    skeleton=H36M_17,
    frames=9,
    predicts_root=False,
    defaults=MappingProxyType({"width": 32}),
    options_schema={"type": "object", "properties": {"width": {"type": "integer"}}, "additionalProperties": False},
    recipes={"paper": RECIPE, "demo": RECIPE},
    recipe_schema={"$ref": "#/$defs/windows", "properties": {"loss": {"enum": ["mse"]}}},
    color="#117733",
    train_priority=0,
)
'''


def install_family(site: Path) -> None:
    """The toy family as an installed distribution: its module and a dist-info naming the entry point."""
    (site / "toy_family.py").write_text(FAMILY)
    info = site / "toy_family-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-family\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[pose3d.models]\ntoy = toy_family:SPEC\n")


def test_a_family_defined_outside_pose3d_goes_through_the_workflow(
    tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    site, workdir = tmp_path / "site", tmp_path / "work"
    site.mkdir()
    workdir.mkdir()
    install_family(site)
    env = dict(snakemake_env(), PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))

    raw = load_npz(tiny_tables["poses_3d"].parent / "raw/data_2d_h36m_detectron_pt_coco.npz")
    track = raw["positions_2d"].item()["S9"]["Walking 1"][0][:40]
    scores = np.ones((*track.shape[:-1], 1))
    coco_json(workdir / "clip.json", [Person(np.arange(len(track)), np.concatenate([track, scores], -1))])
    lift = {"clip": {"model": "toy", "input": "coco", "keypoints": "clip.json", "image_size": [1000, 1002]}}
    config = small_config(models=["toy", "semgcn"], inputs=["coco"], lift=lift)

    targets = ("results/lift/clip/poses_3d.parquet",)
    command = snakemake_command(workdir, "--cores", "2", "all", *targets, config=config)
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-6000:]}"

    mpjpe = pd.read_csv(workdir / "results/tables/mpjpe.csv", index_col="action")
    assert list(mpjpe.columns) == ["toy-coco", "semgcn-coco", "mean_pose-coco"]
    assert list(mpjpe.index) == [*ACTIONS, "Average"] and (mpjpe["toy-coco"] > 0).all()
    hp3d = pd.read_csv(workdir / "results/tables/3dhp.csv", index_col="metric")
    assert list(hp3d.columns) == ["toy-coco"]  # a 17-joint model is scored across datasets
    for figure in ("mpjpe_per_action", "mpjpe_per_joint", "training_curves", "error_over_time"):
        assert (workdir / f"results/figures/{figure}.png").stat().st_size > 0
    assert list((workdir / "results/figures/toy-coco").glob("*.gif"))
    lifted = pq.read_table(workdir / "results/lift/clip/poses_3d.parquet")
    assert lifted.column("frame").to_pylist() == list(range(len(track)))
    assert np.isfinite(np.asarray(lifted.column("positions").to_pylist())).all()

    listed = subprocess.run(
        [sys.executable, "-m", "pose3d.cli", "train", "--help"], env=env, capture_output=True, text=True, check=True
    )
    assert "toy" in listed.stdout  # the command line knows the family too
    assert not any(re.search(r"\btoy\b", path.read_text()) for path in (REPO / "pose3d").rglob("*.py"))


def test_the_family_gets_its_colour_and_schema(tmp_path: Path) -> None:
    """In a fresh interpreter with the family installed: the palette and the config schema (its recipe keys
    and options, nothing else) come from its spec."""
    install_family(tmp_path)
    probe = textwrap.dedent(
        """
        from pose3d.config.schema import validate_config, schema
        from pose3d.core.errors import InputError
        from pose3d.visualization.palette import model_color
        from workflow_helpers import small_config

        assert model_color("toy-cpn") == "#117733"
        assert "toy" in schema()["properties"]["models"]["items"]["enum"]
        validate_config(small_config(models=["toy"], training={**small_config()["training"],
                        "overrides": {"toy": {"window_chunk": 9, "model_options": {"width": 8}}}}), "c")
        for bad in ({"model_options": {"channels": 8}}, {"root_start": None}):
            try:
                validate_config(small_config(training={**small_config()["training"], "overrides": {"toy": bad}}), "c")
            except InputError as err:
                print(err)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO / "tests")]))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "c: training.overrides.toy.model_options.channels: unknown key (known: width)",
        "c: training.overrides.toy.root_start: unknown key (known: amsgrad, batch_size, compile, epochs, grad_clip,"
        " loss, lr, lr_decay_every, lr_decay_unit, lr_gamma, model_options, optimizer, samples_per_epoch, test_chunk,"
        " test_pad, weight_decay, window_chunk, window_pad)",
    ]
