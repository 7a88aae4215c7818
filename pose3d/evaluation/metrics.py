"""Pose error metrics (NumPy), returned per frame so callers can frame-weight per action.

All functions take ``pred`` and ``target`` of shape (..., J, 3) and return one value per frame
(shape = the leading dims ``...``). Distances are in the units of the inputs (the project evaluates
in millimetres); PCK and AUC are fractions in [0, 1]. ``joints`` optionally selects a subset of joint
indices (e.g. the 14 3DHP joints, ``pose3d.data.skeleton.H36M_17_3DHP_14``); alignments then use only those
joints. Root alignment is the caller's choice (:func:`root_align`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

JointSelection = Sequence[int] | np.ndarray | None

#: Standard 3DHP AUC thresholds: 0..150 mm in 5 mm steps. TGraphNet's variant is ``np.arange(0, 155)``.
AUC_THRESHOLDS_MM: np.ndarray = np.arange(0, 151, 5, dtype=np.float64)


def root_align(x: np.ndarray, root: int = 0) -> np.ndarray:
    """Subtract joint ``root`` from every joint of (..., J, 3) poses."""
    x = np.asarray(x)
    return x - x[..., root : root + 1, :]


def _pair(pred: np.ndarray, target: np.ndarray, joints: JointSelection) -> tuple[np.ndarray, np.ndarray]:
    """Check shapes, convert to float64 and apply the joint selection."""
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if pred.shape != target.shape or pred.ndim < 2:
        raise ValueError(f"pred {pred.shape} and target {target.shape} must be equal (..., J, D) shapes")
    if joints is not None:
        idx = np.asarray(joints, dtype=np.int64)
        pred, target = pred[..., idx, :], target[..., idx, :]
    return pred, target


def joint_errors(pred: np.ndarray, target: np.ndarray, joints: JointSelection = None) -> np.ndarray:
    """Euclidean distance per joint, shape (..., J) (J = len(joints) when given)."""
    pred, target = _pair(pred, target, joints)
    return np.linalg.norm(pred - target, axis=-1)


def mpjpe(pred: np.ndarray, target: np.ndarray, joints: JointSelection = None) -> np.ndarray:
    """Mean per-joint position error per frame (Protocol #1 once both poses are root-aligned)."""
    return joint_errors(pred, target, joints).mean(axis=-1)


def procrustes_align(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Similarity-align each frame of ``pred`` onto ``target`` (scale, proper rotation, translation).

    Least squares over all joints of the frame; reflections are excluded by flipping the last singular
    vector when the optimal orthogonal matrix has negative determinant. Shapes (..., J, D).
    """
    pred, target = _pair(pred, target, None)
    mu_p = pred.mean(axis=-2, keepdims=True)
    mu_t = target.mean(axis=-2, keepdims=True)
    xp, xt = pred - mu_p, target - mu_t
    # Row-vector convention: aligned = s * xp @ rot + mu_t maximises trace(rot^T xp^T xt).
    u, sing, vt = np.linalg.svd(np.swapaxes(xp, -1, -2) @ xt)
    sign = np.sign(np.linalg.det(u @ vt))
    sign[sign == 0] = 1.0
    flip = np.ones_like(sing)
    flip[..., -1] = sign
    rot = (u * flip[..., None, :]) @ vt
    var_p = np.sum(xp**2, axis=(-2, -1))
    scale = np.sum(sing * flip, axis=-1) / np.where(var_p > 0, var_p, 1.0)
    return scale[..., None, None] * (xp @ rot) + mu_t


def p_mpjpe(pred: np.ndarray, target: np.ndarray, joints: JointSelection = None) -> np.ndarray:
    """MPJPE per frame after per-frame Procrustes alignment (Protocol #2), on the selected joints."""
    pred, target = _pair(pred, target, joints)
    return mpjpe(procrustes_align(pred, target), target)


def n_mpjpe(pred: np.ndarray, target: np.ndarray, joints: JointSelection = None) -> np.ndarray:
    """MPJPE per frame after scale-only alignment, ``s = <pred, target> / <pred, pred>`` per frame."""
    pred, target = _pair(pred, target, joints)
    num = np.sum(pred * target, axis=(-2, -1))
    den = np.sum(pred * pred, axis=(-2, -1))
    scale = num / np.where(den > 0, den, 1.0)
    return mpjpe(scale[..., None, None] * pred, target)


def mpjve(pred: np.ndarray, target: np.ndarray, joints: JointSelection = None) -> np.ndarray:
    """Mean per-joint velocity error of a sequence (T, J, 3): per frame pair, shape (T-1,), units per frame."""
    pred, target = _pair(pred, target, joints)
    return mpjpe(np.diff(pred, axis=0), np.diff(target, axis=0))


def pck(pred: np.ndarray, target: np.ndarray, threshold: float = 150.0, joints: JointSelection = None) -> np.ndarray:
    """Fraction of joints per frame whose error is at most ``threshold`` (same units as the inputs)."""
    return (joint_errors(pred, target, joints) <= threshold).mean(axis=-1)


def auc(
    pred: np.ndarray,
    target: np.ndarray,
    thresholds: np.ndarray = AUC_THRESHOLDS_MM,
    joints: JointSelection = None,
) -> np.ndarray:
    """Per-frame mean of :func:`pck` over ``thresholds`` (area under the PCK curve, in [0, 1])."""
    levels = np.sort(np.asarray(thresholds, dtype=np.float64).ravel())
    if levels.size == 0:
        raise ValueError("auc needs at least one threshold")
    errors = joint_errors(pred, target, joints)
    # A joint with error e counts at every threshold >= e: that is len - searchsorted(levels, e, 'left').
    passed = levels.size - np.searchsorted(levels, errors, side="left")
    return passed.mean(axis=-1) / levels.size
