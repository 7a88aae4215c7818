"""Evaluation: per-action weighting, TGraphNet window scoring, the baseline and the tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from pose3d.data.h36m import ACTIONS
from pose3d.data.loader import load_h36m
from pose3d.evaluation.evaluate import evaluate_mean_pose, per_action
from pose3d.evaluation.tables import write_tables
from pose3d.models import build, get
from pose3d.runs import Predictor


def test_per_action_is_frame_weighted_and_average_unweighted() -> None:
    values = np.array([1.0, 3.0, 5.0, 10.0])
    actions = np.array(["Walking", "Walking", "Walking", "Eating"])
    rows = per_action(values, actions)
    assert rows == [("Eating", 10.0, 1), ("Walking", 3.0, 3), ("Average", 6.5, 4)]


def test_tgraphnet_predicts_every_test_frame_once(tiny_tables: dict[str, Path]) -> None:
    clips = load_h36m(tiny_tables["poses_3d"], tiny_tables["poses_2d_gt"], ["S9"])
    torch.manual_seed(0)
    model = build("tgraphnet", channels=8)
    spec = get("tgraphnet")
    predictor = Predictor(model, spec, torch.device("cpu"), spec.test_window())
    pred = predictor.clips(clips)
    assert pred.shape == clips.positions.shape
    # The same frames scored through windows of one clip at a time agree with the batched result.
    one = clips.select(np.array([3]))
    start = clips.clip_starts[3]
    np.testing.assert_allclose(predictor.clips(one), pred[start : start + len(one.positions)], atol=1e-5)


def test_mean_pose_baseline_and_tables(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    frame = evaluate_mean_pose(
        **paths,
        train_subjects=["S1", "S5"],
        test_subjects=["S9", "S11"],
        input_2d="cpn",
        out=tmp_path / "baseline.parquet",
    )
    mpjpe = frame[frame["metric"] == "mpjpe"].set_index("action")["value"]
    assert list(mpjpe.index) == [*ACTIONS, "Average"]
    # By hand: the mean root-relative pose of S1 and S5 (17 joints), its joint distances to every test frame
    # in mm, averaged over each action's frames, then the plain mean of the actions.
    train = load_h36m(paths["poses_3d"], paths["poses_2d"], ["S1", "S5"], num_joints=17)
    test = load_h36m(paths["poses_3d"], paths["poses_2d"], ["S9", "S11"], num_joints=17)
    mean_pose = (train.positions - train.positions[:, :1]).astype(np.float64).mean(axis=0)
    truth = (test.positions - test.positions[:, :1]).astype(np.float64)
    errors = np.linalg.norm(truth - mean_pose, axis=-1).mean(axis=-1) * 1000.0
    by_action = [errors[test.action == action].mean() for action in ACTIONS]
    np.testing.assert_allclose(mpjpe.to_numpy(), [*by_action, np.mean(by_action)], rtol=1e-5)
    # ... and the mean pose beats predicting every joint at the root (all zeros), as any working baseline must.
    assert np.mean(by_action) < np.linalg.norm(truth, axis=-1).mean() * 1000.0
    tables = write_tables([tmp_path / "baseline.parquet"], tmp_path / "tables", columns=["mean_pose-cpn"])
    csv = pd.read_csv(tmp_path / "tables/mpjpe.csv", index_col="action")
    assert csv["mean_pose-cpn"].round(2).tolist() == mpjpe.round(2).tolist()
    assert tables["3dhp"].empty and (tmp_path / "tables/tables.md").exists()
