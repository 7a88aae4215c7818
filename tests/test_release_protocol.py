"""MotionBERT's and MotionAGFormer's own protocol: an imported checkpoint scored on the converted pickle."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import motionbert_data

from pose3d.cli import main
from pose3d.data.convert.motionbert import convert_motionbert
from pose3d.data.loader import ReleaseClips, load_motionbert_test
from pose3d.evaluation.release_protocol import millimetres, predict_clips, release_scores
from pose3d.models import build
from pose3d.runs import Checkpoint
from pose3d.runs.release import import_checkpoint

#: A narrow MotionAGFormer of 4-frame windows, so the fixture's short videos hold whole clips.
OPTIONS = {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 16, "n_frames": 4}


@pytest.fixture
def release_table(tmp_path: Path) -> Path:
    pkl = tmp_path / "h36m_sh_conf_cam_source_final.pkl"
    pkl.write_bytes(pickle.dumps(motionbert_data(np.random.default_rng(5)), protocol=4))
    convert_motionbert(pkl, tmp_path / "converted")
    return tmp_path / "converted" / "motionbert_test.parquet"


def hand_scores(pred: np.ndarray, clips: ReleaseClips) -> dict[str, float]:
    """The releases' MPJPE, one frame at a time: rescale, factor, root-relative, per label, then the mean."""
    errors: dict[str, list[float]] = {}
    for c in np.flatnonzero(clips.scored):
        width, height = clips.image_size[c]
        for f, row in enumerate(clips.rows[c]):
            p = pred[c, f].astype(np.float64).copy()
            p[:, 0], p[:, 1], p[:, 2] = (
                (p[:, 0] + 1) * width / 2,
                (p[:, 1] + height / width) * width / 2,
                p[:, 2] * width / 2,
            )
            p = p * clips.factors[c, f]
            t = clips.targets[c, f].astype(np.float64)
            error = np.linalg.norm((p - p[0]) - (t - t[0]), axis=-1).mean()
            errors.setdefault(str(clips.frame_action[row]), []).append(error)
    means = {label: float(np.mean(values)) for label, values in errors.items()}
    return {**means, "Average": float(np.mean(list(means.values())))}


def test_the_releases_labels_score_zero_and_a_distortion_scores_by_hand(release_table: Path) -> None:
    clips = load_motionbert_test(release_table, frames=4)
    exact = release_scores(clips.labels, clips).query("metric == 'mpjpe'").set_index("action")["value"]
    assert exact["Average"] < 0.01  # the release's own labels, rescaled, are its targets
    distorted = clips.labels * np.array([1.0, 1.05, 0.9])  # squash depth, stretch height: not a shift
    scores = release_scores(distorted, clips).query("metric == 'mpjpe'").set_index("action")["value"]
    assert scores.to_dict() == pytest.approx(hand_scores(distorted, clips), rel=1e-5)
    assert scores["Average"] > 1.0
    assert millimetres(clips.labels, clips)[..., 0, :].max() == 0.0  # root-relative


def test_an_imported_checkpoint_is_scored_the_releases_way(release_table: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    weights = build("motionagformer", **OPTIONS).state_dict()
    release = tmp_path / "best_epoch.pth.tr"
    torch.save({"epoch": 3, "model": {f"module.{k}": v for k, v in weights.items()}}, release)
    import_checkpoint(release, "motionagformer", tmp_path / "ours.pt", **OPTIONS)

    out = tmp_path / "release.parquet"
    command = ["evaluate-release", "--checkpoint", str(tmp_path / "ours.pt"), "--motionbert-test", str(release_table)]
    assert main([*command, "--out", str(out)]) == 0
    written = pd.read_parquet(out)
    assert set(written["dataset"]) == {"h36m_release"} and set(written["metric"]) == {"mpjpe", "p_mpjpe"}

    clips = load_motionbert_test(release_table, frames=4)
    saved = Checkpoint.load(tmp_path / "ours.pt")
    flipped, direct = predict_clips(saved, clips), predict_clips(saved, clips, flip=False)
    assert not np.allclose(flipped, direct)  # flip test-time augmentation, as the release configs do
    mpjpe = written.query("metric == 'mpjpe'").set_index("action")["value"]
    assert mpjpe.to_dict() == pytest.approx(hand_scores(flipped, clips), rel=1e-5)
    assert written.query("metric == 'mpjpe' and action == 'Average'")["frames"].item() == clips.scored.sum() * 4
