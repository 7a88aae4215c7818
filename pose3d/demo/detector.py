"""Detector-like errors on exact 2D joints: correlated jitter, gross outliers and left/right swaps.

Two detectors look at the demo people: one marking the Human3.6M 17 joints (the CPN file) and one
marking the 17 COCO keypoints (the ``detectron_pt_coco`` file), whose face points
:func:`coco_keypoints` places on the demo body's head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose3d.data.h36m import FRAME_RATE
from pose3d.data.skeleton import COCO_17, H36M_17
from pose3d.demo.signals import event_mask, smooth_noise


@dataclass(frozen=True)
class KeypointErrors:
    """How a detector errs on one keypoint layout."""

    jitter_px: np.ndarray  # (J,) jitter standard deviation per keypoint (pixels)
    mirror: np.ndarray  # (J,) each keypoint's left/right partner (itself on the midline)
    limbs: tuple[np.ndarray, ...]  # keypoints a detector may swap left/right as a whole: legs, arms


def _errors(
    joints: int, legs: list[int], arms: list[int], hard: list[int], harder: list[int], face: list[int] | None = None
) -> KeypointErrors:
    """``legs``, ``arms`` (and ``face``): left keypoints then their right partners in the same order.
    Wrists and ankles (``harder``) are hardest, elbows and knees (``hard``) next."""
    jitter = np.full(joints, 2.0)
    jitter[harder], jitter[hard] = 4.5, 3.0
    mirror = np.arange(joints)
    for pairs in (legs, arms, face or []):
        half = len(pairs) // 2
        mirror[pairs] = pairs[half:] + pairs[:half]
    return KeypointErrors(jitter, mirror, (np.array(legs), np.array(arms)))


def _coco(*names: str) -> list[int]:
    return [COCO_17.joints.index(name) for name in names]


#: The Human3.6M-joint detector (CPN-like).
H36M_ERRORS = _errors(H36M_17.num_joints, [4, 5, 6, 1, 2, 3], [11, 12, 13, 14, 15, 16], [2, 5, 12, 15], [3, 6, 13, 16])
#: The COCO-keypoint detector (Detectron-like); eyes and ears also have left/right partners.
COCO_ERRORS = _errors(
    COCO_17.num_joints,
    _coco("left_hip", "left_knee", "left_ankle", "right_hip", "right_knee", "right_ankle"),
    _coco("left_shoulder", "left_elbow", "left_wrist", "right_shoulder", "right_elbow", "right_wrist"),
    _coco("left_knee", "right_knee", "left_elbow", "right_elbow"),
    _coco("left_ankle", "right_ankle", "left_wrist", "right_wrist"),
    face=_coco("left_eye", "left_ear", "right_eye", "right_ear"),
)

#: 32-joint Human3.6M indices of the COCO keypoints that the body has (nose = the Head joint, 14).
_COCO_FROM_H36M_32 = {
    "nose": 14,
    "left_shoulder": 17,
    "right_shoulder": 25,
    "left_elbow": 18,
    "right_elbow": 26,
    "left_wrist": 19,
    "right_wrist": 27,
    "left_hip": 6,
    "right_hip": 1,
    "left_knee": 7,
    "right_knee": 2,
    "left_ankle": 8,
    "right_ankle": 3,
}
#: Eyes and ears relative to the nose in the head frame (metres): up, forward, left.
_FACE_OFFSETS = {
    "left_eye": (0.035, -0.02, 0.032),
    "right_eye": (0.035, -0.02, -0.032),
    "left_ear": (0.02, -0.09, 0.075),
    "right_ear": (0.02, -0.09, -0.075),
}


def coco_keypoints(positions: np.ndarray) -> np.ndarray:
    """The 17 COCO keypoints (..., 17, 3) of 32-joint positions (..., 32, 3) of the demo body (metres).

    The head frame: up from the thorax (13) to the top of the head (15), forward towards the nose (14)
    across that axis, and left completing the right-handed frame; eyes and ears sit at fixed offsets.
    """
    thorax, nose, top = positions[..., 13, :], positions[..., 14, :], positions[..., 15, :]
    up = top - thorax
    up /= np.linalg.norm(up, axis=-1, keepdims=True)
    forward = nose - thorax
    forward -= (forward * up).sum(axis=-1, keepdims=True) * up
    forward /= np.linalg.norm(forward, axis=-1, keepdims=True)
    left = np.cross(up, forward)
    out = np.empty((*positions.shape[:-2], COCO_17.num_joints, 3))
    for name, joint in _COCO_FROM_H36M_32.items():
        out[..., COCO_17.joints.index(name), :] = positions[..., joint, :]
    for name, (u, f, sideways) in _FACE_OFFSETS.items():
        out[..., COCO_17.joints.index(name), :] = nose + u * up + f * forward + sideways * left
    return out


def detect(
    exact: np.ndarray, rng: np.random.Generator, fps: float = FRAME_RATE, errors: KeypointErrors = H36M_ERRORS
) -> np.ndarray:
    """Detections (C, T, J, 2) float32 from exact pixel keypoints (C, T, J, 2) of C cameras.

    Jitter is low-pass noise (a few frames of correlation) plus a little white noise; outliers are
    displacements of tens of pixels lasting 1-5 frames (about one per 2000 joint-frames); swaps exchange
    the left and right leg or arm for up to 8 frames (about one per 1500 frames per camera).
    """
    cams, frames, joints, _ = exact.shape
    jitter = smooth_noise(rng, frames, cams * joints * 2, fps, 3.0).reshape(frames, cams, joints, 2)
    noise = np.moveaxis(jitter, 0, 1) * errors.jitter_px[:, None] + 0.5 * rng.standard_normal(exact.shape)
    outlier = event_mask(rng, (cams * joints, frames), 1.0 / 2000.0, 5).reshape(cams, joints, frames)
    jump = 35.0 * smooth_noise(rng, frames, cams * joints * 2, fps, 0.5).reshape(frames, cams, joints, 2)
    noise += np.moveaxis(outlier, 2, 1)[..., None] * np.moveaxis(jump, 0, 1)
    swapped = exact.copy()
    limbs = errors.limbs
    swap = event_mask(rng, (cams * len(limbs), frames), 1.0 / 1500.0, 8).reshape(cams, len(limbs), frames)
    for limb, joints_of_limb in enumerate(limbs):
        mirrored = exact[:, :, errors.mirror[joints_of_limb]]
        swapped[:, :, joints_of_limb] = np.where(swap[:, limb, :, None, None], mirrored, exact[:, :, joints_of_limb])
    return (swapped + noise).astype(np.float32)
