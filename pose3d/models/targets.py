"""The root convention of targets and predictions (torch-free: training, evaluation and both runtimes share it)."""

from __future__ import annotations

import numpy as np

from pose3d.data.camera import ArrayT


def root_relative(positions: ArrayT, predicts_root: bool = False) -> ArrayT:
    """Targets as the models learn them: joints relative to the root; the root itself stays absolute
    (camera frame) for models that predict it, and is zero otherwise."""
    relative = positions - positions[..., :1, :]
    if predicts_root:
        relative[..., 0, :] = positions[..., 0, :]
    return relative


def root_relative_prediction(pred: np.ndarray, predicts_root: bool) -> np.ndarray:
    """The root-relative pose of a prediction (the trajectory model keeps the root position in joint 0)."""
    if predicts_root:
        pose = pred.copy()
        pose[..., 0, :] = 0.0
        return pose
    return pred - pred[..., :1, :]
