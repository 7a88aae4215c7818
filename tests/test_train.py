"""Training: seed reproducibility, resume after an interrupted epoch, checkpoint selection."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from workflow_helpers import small_config

from pose3d.config.run_settings import RunSettings
from pose3d.config.settings import resolve_run
from pose3d.core.safe_load import load_torch
from pose3d.data.loader import load_h36m
from pose3d.evaluation.evaluate import evaluate
from pose3d.training.loop import train


class Interrupted(Exception):
    """Stands in for a killed job."""


def settings(model: str, **changes) -> RunSettings:
    run = resolve_run(small_config(), model, "cpn").replace(device="cpu", epochs=2, samples_per_epoch=256)
    if model.startswith("tgraphnet"):
        run = run.replace(samples_per_epoch=16, batch_size=8, model_options={"channels": 8, "kernel_size": 3})
    return run.replace(**changes)


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("model", ["semgcn", "tgraphnet_traj"])
def test_same_seed_same_weights_other_seed_differs(tiny_tables: dict[str, Path], tmp_path: Path, model: str) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    first = train(settings(model), out=tmp_path / "a/model.pt", **paths)
    second = train(settings(model), out=tmp_path / "b/model.pt", **paths)
    other = train(settings(model, seed=1), out=tmp_path / "c/model.pt", **paths)
    assert same_weights(first.state_dict, second.state_dict)
    assert not same_weights(first.state_dict, other.state_dict)
    assert [h["train_loss"] for h in first.history] == [h["train_loss"] for h in second.history]


@pytest.mark.parametrize("model", ["semgcn_nonlocal", "tgraphnet"])
def test_resume_after_interrupted_epoch_gives_same_weights(
    tiny_tables: dict[str, Path], tmp_path: Path, model: str
) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    run = settings(model, epochs=3)
    straight = train(run, out=tmp_path / "straight/model.pt", **paths)

    def stop_in_epoch_two(epoch: int, batch: int) -> None:
        if epoch == 1 and batch == 1:
            raise Interrupted

    out = tmp_path / "resumed/model.pt"
    with pytest.raises(Interrupted):
        train(run, out=out, on_batch=stop_in_epoch_two, **paths)
    assert not out.exists()
    assert load_torch(out.with_name("training_state.pt"))["epoch"] == 1
    epochs_run: list[int] = []
    resumed = train(run, out=out, on_epoch=lambda epoch, metrics: epochs_run.append(epoch), **paths)
    assert epochs_run == [1, 2]
    assert same_weights(straight.state_dict, resumed.state_dict)


def test_changed_settings_do_not_resume(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    out = tmp_path / "model.pt"
    train(settings("linear", epochs=1), out=out, **paths)
    epochs_run: list[int] = []
    train(settings("linear", epochs=1, lr=5e-4), out=out, on_epoch=lambda e, m: epochs_run.append(e), **paths)
    assert epochs_run == [0]


@pytest.mark.parametrize("selection", ["validation", "test"])
def test_checkpoint_selection_keeps_the_best_epoch(
    tiny_tables: dict[str, Path], tmp_path: Path, selection: str
) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    result = train(settings("semgcn", epochs=3, checkpoint_selection=selection), out=tmp_path / "m.pt", **paths)
    errors = [h[f"{selection}_mpjpe"] for h in result.history]
    assert result.selected_epoch == errors.index(min(errors))


@pytest.mark.parametrize("root_start", ["train_mean", None])
def test_trajectory_root_head_start(tiny_tables: dict[str, Path], tmp_path: Path, root_start: str | None) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    run = settings("tgraphnet_traj", epochs=1, lr=1e-12, weight_decay=0.0, root_start=root_start)  # weights stay
    bias = train(run, out=tmp_path / "model.pt", **paths).state_dict["root_head.bias"]
    clips = load_h36m(paths["poses_3d"], paths["poses_2d"], run.train_subjects, num_joints=17)
    mean_root = torch.as_tensor(clips.positions[:, 0].mean(axis=0), dtype=bias.dtype)
    assert torch.allclose(bias, mean_root, atol=1e-4) == (root_start == "train_mean")


def test_motionagformer_demo_recipe_trains_with_flips_and_scores(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    """MotionAGFormer's demo recipe (narrowed to seconds) on the tiny demo: (x, y, confidence) inputs,
    flip-augmented training, every frame predicted once, scored like the other models."""
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    small = {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 32}
    run = settings("motionagformer", samples_per_epoch=64, batch_size=8, model_options=small)
    assert run.recipe.flip and run.test_window() == (27, 0)
    first = train(run, out=tmp_path / "a/model.pt", **paths)
    again = train(run, out=tmp_path / "b/model.pt", **paths)
    unflipped = train(run.replace(flip=False), out=tmp_path / "c/model.pt", **paths)
    assert same_weights(first.state_dict, again.state_dict)
    assert not same_weights(first.state_dict, unflipped.state_dict)  # the flips really changed training
    assert first.options["n_frames"] == 27 and first.window == (27, 0)
    metrics = evaluate(run, tmp_path / "a/model.pt", out=tmp_path / "metrics.parquet", **paths)
    average = metrics.query("dataset == 'h36m' and metric == 'mpjpe' and action == 'Average'")["value"].item()
    clips = load_h36m(paths["poses_3d"], paths["poses_2d"], run.test_subjects, num_joints=17)
    assert metrics.query("metric == 'mpjpe' and action != 'Average'")["frames"].sum() == len(clips)
    assert math.isfinite(average)  # the demo-size accuracy is the workflow's to show; here: every frame once
