"""2D keypoints: the one vocabulary of their kinds, and detector keypoints -> the Human3.6M 17-joint order.

A model is trained on one *kind* of 2D keypoints (:data:`KINDS_2D`): Human3.6M's joints (``h36m``) or
COCO keypoints (``coco``). Each 2D input of the workflow (:data:`INPUT_KINDS`) holds one kind, and so
does each keypoint file layout (:func:`kind_of_layout`). The mapping below is the one `coco` training
and `pose3d lift` share.

Every detector layout (:data:`pose3d.data.skeleton.KEYPOINT_LAYOUTS`) holds the 17 COCO keypoints;
it is reduced to them by joint name, and COCO-17 then maps to H36M-17 (:data:`H36M_17_FROM_COCO`).
Keypoints may carry a score as a third channel: a synthesised joint gets the lowest score of the
keypoints it is made from, and its position is NaN (missing) when any of them is.
"""

from __future__ import annotations

import numpy as np

from pose3d.data.skeleton import COCO_17, H36M_17, KEYPOINT_LAYOUTS

#: Kinds of 2D keypoints a model is trained on: Human3.6M's joints, or COCO keypoints mapped to H36M-17.
KINDS_2D = ("h36m", "coco")
#: The workflow's 2D inputs (ground truth, CPN, Stacked Hourglass, COCO detections) and the kind each holds.
INPUT_KINDS: dict[str, str] = {"gt": "h36m", "cpn": "h36m", "sh": "h36m", "coco": "coco"}

#: Each H36M-17 joint as the mean of COCO-17 keypoints; the five H36M joints no COCO keypoint marks are commented.
H36M_17_FROM_COCO: dict[str, tuple[str, ...]] = {
    "Hip": ("left_hip", "right_hip"),  # pelvis: midpoint of the two hips
    "RHip": ("right_hip",),
    "RKnee": ("right_knee",),
    "RFoot": ("right_ankle",),
    "LHip": ("left_hip",),
    "LKnee": ("left_knee",),
    "LFoot": ("left_ankle",),
    "Spine": ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),  # spine: midpoint of pelvis and thorax
    "Thorax": ("left_shoulder", "right_shoulder"),  # thorax: midpoint of the two shoulders
    "Neck/Nose": ("nose",),  # neck/nose: the nose keypoint itself
    "Head": ("left_eye", "right_eye", "left_ear", "right_ear"),  # head: centre of the eyes and ears
    "LShoulder": ("left_shoulder",),
    "LElbow": ("left_elbow",),
    "LWrist": ("left_wrist",),
    "RShoulder": ("right_shoulder",),
    "RElbow": ("right_elbow",),
    "RWrist": ("right_wrist",),
}
assert tuple(H36M_17_FROM_COCO) == H36M_17.joints


def _mean_index() -> np.ndarray:
    """(17, 4) COCO indices per H36M joint; shorter lists are repeated, which leaves their mean unchanged."""
    rows = []
    for names in H36M_17_FROM_COCO.values():
        index = [COCO_17.joints.index(name) for name in names]
        rows.append((index * 4)[:4])
    return np.array(rows)


_COCO_TO_H36M = _mean_index()


def to_coco17(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """Keypoints (..., J, C) of a detector layout -> its 17 COCO keypoints (..., 17, C), by joint name."""
    source = KEYPOINT_LAYOUTS[layout]
    if keypoints.shape[-2] != source.num_joints:
        raise ValueError(f"layout {layout} has {source.num_joints} keypoints, array has {keypoints.shape[-2]}")
    return keypoints[..., [source.joints.index(name) for name in COCO_17.joints], :]


def coco_to_h36m(keypoints: np.ndarray) -> np.ndarray:
    """COCO-17 keypoints (..., 17, 2|3) -> H36M-17 (..., 17, 2|3); channel 2, when present, is the score."""
    gathered = keypoints[..., _COCO_TO_H36M, :]  # (..., 17, 4, C)
    out = gathered[..., :2].mean(axis=-2)
    if keypoints.shape[-1] == 2:
        return out
    return np.concatenate([out, gathered[..., 2:3].min(axis=-2)], axis=-1)


def to_h36m17(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """Keypoints of any layout in :data:`KEYPOINT_LAYOUTS` (or ``h36m17`` itself) in H36M-17 order."""
    if layout == H36M_17.name:
        return keypoints
    return coco_to_h36m(to_coco17(keypoints, layout))


def kind_of_layout(layout: str) -> str:
    """The kind of 2D keypoints (:data:`KINDS_2D`) a file in ``layout`` holds."""
    return "h36m" if layout == H36M_17.name else "coco"
