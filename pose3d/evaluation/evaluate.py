"""Evaluate a trained lifter: Human3.6M per action, and MPI-INF-3DHP / 3DPW for 17-joint models.

Writes a long table (dataset, split, action, metric, value, frames) per run; errors in millimetres.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pose3d.config.run_settings import RunSettings
from pose3d.core.errors import InputError
from pose3d.data.h36m import ACTIONS
from pose3d.data.loader import Clips, load_3dhp, load_3dpw, load_h36m
from pose3d.data.parquet_io import write_table
from pose3d.data.skeleton import H36M_17_3DHP_14, LAYOUTS
from pose3d.evaluation.metrics import auc, joint_errors, mpjpe, mpjve, n_mpjpe, p_mpjpe, pck
from pose3d.models.targets import root_relative, root_relative_prediction
from pose3d.runs import Checkpoint, Predictor

log = logging.getLogger(__name__)

COLUMNS = ("run", "model", "input", "dataset", "split", "action", "metric", "value", "frames")


def _pose_mm(pred: np.ndarray, predicts_root: bool) -> np.ndarray:
    """Root-relative predicted pose in millimetres."""
    return root_relative_prediction(pred, predicts_root) * 1000.0


def _velocity_errors(pose: np.ndarray, target: np.ndarray, clips: Clips) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame MPJVE over every clip and the rows (the later frame of each pair) they belong to."""
    errors = mpjve(pose, target)
    later = np.arange(1, len(pose))
    inside = ~np.isin(later, clips.clip_starts)  # drop pairs that straddle two clips
    return errors[inside], later[inside]


def per_action(values: np.ndarray, actions: np.ndarray) -> list[tuple[str, float, int]]:
    """Frame-weighted mean per canonical action, then ``Average``: the unweighted mean over actions."""
    rows = []
    for action in ACTIONS:
        mask = actions == action
        if mask.any():
            rows.append((action, float(values[mask].mean()), int(mask.sum())))
    if rows:
        rows.append(("Average", float(np.mean([value for _, value, _ in rows])), int(sum(n for *_, n in rows))))
    return rows


def h36m_rows(pred: np.ndarray, clips: Clips, predicts_root: bool) -> list[dict[str, Any]]:
    """Per-action MPJPE, P-MPJPE, N-MPJPE, MPJVE (and root error for the trajectory model)."""
    pose = _pose_mm(pred, predicts_root)
    target = root_relative(clips.positions) * 1000.0
    per_frame = {"mpjpe": mpjpe(pose, target), "p_mpjpe": p_mpjpe(pose, target), "n_mpjpe": n_mpjpe(pose, target)}
    if predicts_root:
        per_frame["root_error"] = np.linalg.norm(pred[:, 0] - clips.positions[:, 0], axis=-1) * 1000.0
    rows = [
        {"dataset": "h36m", "split": "test", "action": action, "metric": metric, "value": value, "frames": n}
        for metric, values in per_frame.items()
        for action, value, n in per_action(values, clips.action)
    ]
    velocity, later = _velocity_errors(pose, target, clips)
    rows += [
        {"dataset": "h36m", "split": "test", "action": action, "metric": "mpjve", "value": value, "frames": n}
        for action, value, n in per_action(velocity, clips.action[later])
    ]
    return rows + per_joint_rows(pose, target)


def per_joint_rows(pose: np.ndarray, target: np.ndarray) -> list[dict[str, Any]]:
    """MPJPE of each joint but the root (always 0) over all frames: metric ``joint_mpjpe.<joint name>``."""
    [skeleton] = [layout for layout in LAYOUTS.values() if layout.num_joints == pose.shape[-2]]
    errors = joint_errors(pose, target).mean(axis=0)
    return [
        {
            "dataset": "h36m",
            "split": "test",
            "action": "All",
            "metric": f"joint_mpjpe.{joint}",
            "value": float(value),
            "frames": len(pose),
        }
        for joint, value in zip(skeleton.joints[1:], errors[1:])
    ]


def hp3d_rows(pred: np.ndarray, clips: Clips, predicts_root: bool) -> list[dict[str, Any]]:
    """PCK@150, AUC (0..150 mm, 5 mm steps) and MPJPE on valid frames, for all 17 and the 14-joint set."""
    pose, target = _pose_mm(pred, predicts_root)[clips.valid], (root_relative(clips.positions) * 1000.0)[clips.valid]
    rows = []
    for label, joints in (("17", None), ("14", H36M_17_3DHP_14)):
        for metric, values in (
            ("pck150", pck(pose, target, 150.0, joints=joints) * 100.0),
            ("auc", auc(pose, target, joints=joints) * 100.0),
            ("mpjpe", mpjpe(pose, target, joints=joints)),
        ):
            rows.append(
                {
                    "dataset": "3dhp",
                    "split": "test",
                    "action": "All",
                    "metric": f"{metric}_{label}",
                    "value": float(values.mean()),
                    "frames": int(len(values)),
                }
            )
    return rows


def pw3d_rows(pred: np.ndarray, clips: Clips, predicts_root: bool) -> list[dict[str, Any]]:
    """MPJPE, PA-MPJPE and MPJVE over every frame of the 3DPW test set."""
    pose, target = _pose_mm(pred, predicts_root), root_relative(clips.positions) * 1000.0
    velocity, _ = _velocity_errors(pose, target, clips)
    return [
        {
            "dataset": "3dpw",
            "split": "test",
            "action": "All",
            "metric": metric,
            "value": float(values.mean()),
            "frames": int(len(values)),
        }
        for metric, values in (("mpjpe", mpjpe(pose, target)), ("pa_mpjpe", p_mpjpe(pose, target)), ("mpjve", velocity))
    ]


def _scored(clips: Clips) -> str:
    """What a test set held: frames (valid ones where not all are), clips, subjects and actions."""
    parts = [f"{len(clips)} frames" if clips.valid.all() else f"{int(clips.valid.sum())} valid of {len(clips)} frames"]
    parts.append(f"{clips.num_clips} clips")
    subjects = sorted(set(clips.subject) - {""}, key=lambda subject: (len(subject), subject))
    if subjects:
        parts.append(f"subjects {' '.join(subjects)}")
    actions = set(clips.action) - {""}
    if actions:
        parts.append(f"{len(actions)} actions")
    return ", ".join(parts)


def _log_scores(run: str, dataset: str, clips: Clips, rows: list[dict[str, Any]]) -> None:
    """One log line per test set: what was scored and the headline numbers (``Average`` / ``All`` rows)."""
    headline = ", ".join(f"{row['metric']} {row['value']:.2f}" for row in rows if row["action"] in ("Average", "All"))
    log.info("%s on %s (%s): %s", run, dataset, _scored(clips), headline)


def _write(rows: list[dict[str, Any]], run: str, model: str, input_2d: str, out: str | Path) -> pd.DataFrame:
    frame = pd.DataFrame(rows).assign(run=run, model=model, input=input_2d)[list(COLUMNS)]
    write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return frame


def evaluate(
    settings: RunSettings,
    checkpoint: str | Path,
    poses_3d: str | Path,
    poses_2d: str | Path,
    out: str | Path,
    hp3d: str | Path = "",
    pw3d: str | Path = "",
) -> pd.DataFrame:
    """Score one trained run on the Human3.6M test subjects and, for 17-joint models, 3DHP and 3DPW.

    ``settings.flip_test`` turns on flip test-time augmentation (see :class:`pose3d.runs.Predictor`).
    """
    spec = settings.spec
    saved = Checkpoint.load(checkpoint)
    if saved.model != settings.model:
        raise InputError(checkpoint, f"holds a {saved.model!r} model but the settings are for {settings.model!r}")
    predictor = Predictor.from_checkpoint(saved, settings.device, flip=settings.flip_test)
    run = settings.run
    log.info("evaluating %s (%s) on %s; errors in mm, PCK and AUC in %%", run, checkpoint, predictor.device)

    clips = load_h36m(poses_3d, poses_2d, settings.test_subjects, num_joints=spec.num_joints)
    saved.check_reads(checkpoint, poses_2d)  # the table is checked by now
    rows = h36m_rows(predictor.clips(clips), clips, spec.predicts_root)
    _log_scores(run, "h36m", clips, rows)
    for dataset, path, load, score in (("3dhp", hp3d, load_3dhp, hp3d_rows), ("3dpw", pw3d, load_3dpw, pw3d_rows)):
        if not path:
            log.info("%s on %s: skipped (no test set given)", run, dataset)
        elif spec.num_joints != 17:
            log.info(
                "%s on %s: skipped (%d-joint model; the test set is scored on 17 joints)", run, dataset, spec.num_joints
            )
        else:
            test = load(path)
            scored = score(predictor.clips(test), test, spec.predicts_root)
            _log_scores(run, dataset, test, scored)
            rows += scored
    return _write(rows, run, settings.model, settings.input_2d, out)


def evaluate_mean_pose(
    poses_3d: str | Path,
    poses_2d: str | Path,
    train_subjects: list[str],
    test_subjects: list[str],
    input_2d: str,
    out: str | Path,
) -> pd.DataFrame:
    """The trivial baseline: predict the mean root-relative training pose (17 joints) for every test frame."""
    train = load_h36m(poses_3d, poses_2d, train_subjects, num_joints=17)
    test = load_h36m(poses_3d, poses_2d, test_subjects, num_joints=17)
    mean_pose = root_relative(train.positions).mean(axis=0)
    pred = np.broadcast_to(mean_pose, test.positions.shape).copy()
    rows = h36m_rows(pred, test, False)
    _log_scores(f"mean_pose-{input_2d}", "h36m", test, rows)
    return _write(rows, f"mean_pose-{input_2d}", "mean_pose", input_2d, out)
