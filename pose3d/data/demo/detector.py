"""Detector-like errors on exact 2D joints: correlated jitter, gross outliers and left/right swaps."""

from __future__ import annotations

import numpy as np

from pose3d.data.demo.signals import event_mask, smooth_noise
from pose3d.data.h36m import FRAME_RATE
from pose3d.data.skeleton import H36M_17

#: Jitter standard deviation per 17-joint keypoint (pixels): wrists and ankles are hardest.
_JITTER_PX = np.full(H36M_17.num_joints, 2.0)
_JITTER_PX[[3, 6, 13, 16]] = 4.5
_JITTER_PX[[2, 5, 12, 15]] = 3.0
#: Each joint's mirror partner (itself on the midline).
_MIRROR = np.arange(H36M_17.num_joints)
_MIRROR[list(H36M_17.left)] = H36M_17.right
_MIRROR[list(H36M_17.right)] = H36M_17.left
#: Limbs that a detector may swap left/right as a whole: legs, arms.
_LIMBS = (np.array([1, 2, 3, 4, 5, 6]), np.array([11, 12, 13, 14, 15, 16]))


def detect(exact: np.ndarray, rng: np.random.Generator, fps: float = FRAME_RATE) -> np.ndarray:
    """Detections (C, T, 17, 2) float32 from exact pixel keypoints (C, T, 17, 2) of C cameras.

    Jitter is low-pass noise (a few frames of correlation) plus a little white noise; outliers are
    displacements of tens of pixels lasting 1-5 frames (about one per 2000 joint-frames); swaps exchange
    the left and right leg or arm for up to 8 frames (about one per 1500 frames per camera).
    """
    cams, frames, joints, _ = exact.shape
    jitter = smooth_noise(rng, frames, cams * joints * 2, fps, 3.0).reshape(frames, cams, joints, 2)
    noise = np.moveaxis(jitter, 0, 1) * _JITTER_PX[:, None] + 0.5 * rng.standard_normal(exact.shape)
    outlier = event_mask(rng, (cams * joints, frames), 1.0 / 2000.0, 5).reshape(cams, joints, frames)
    jump = 35.0 * smooth_noise(rng, frames, cams * joints * 2, fps, 0.5).reshape(frames, cams, joints, 2)
    noise += np.moveaxis(outlier, 2, 1)[..., None] * np.moveaxis(jump, 0, 1)
    swapped = exact.copy()
    swap = event_mask(rng, (cams * len(_LIMBS), frames), 1.0 / 1500.0, 8).reshape(cams, len(_LIMBS), frames)
    for limb, joints_of_limb in enumerate(_LIMBS):
        mirrored = exact[:, :, _MIRROR[joints_of_limb]]
        swapped[:, :, joints_of_limb] = np.where(swap[:, limb, :, None, None], mirrored, exact[:, :, joints_of_limb])
    return (swapped + noise).astype(np.float32)
