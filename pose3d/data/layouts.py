"""2D keypoints: the one vocabulary of their kinds, and detector keypoints -> the Human3.6M 17-joint order.

A model is trained on one *kind* of 2D keypoints (:data:`KINDS_2D`): Human3.6M's joints (``h36m``) or
COCO keypoints (``coco``). Each 2D input of the workflow (:data:`INPUT_KINDS`) holds one kind, and so
does each keypoint file layout (:func:`kind_of_layout`). The mapping below is the one `coco` training
and `pose3d lift` share.

Every detector layout (:data:`pose3d.data.skeleton.KEYPOINT_LAYOUTS`) holds the 17 COCO keypoints;
it is reduced to them by joint name, and COCO-17 then maps to H36M-17 (:data:`H36M_17_FROM_COCO`).
Keypoints may carry a score as a third channel: a synthesised joint gets the lowest score of the
keypoints it is made from, and its position is NaN (missing) when any of them is (training tables);
``pose3d lift`` instead makes it from the keypoints found (:func:`coco_to_h36m_present`).
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


def coco_to_h36m_present(keypoints: np.ndarray, min_score: float) -> np.ndarray:
    """COCO-17 keypoints (..., 17, 3) -> H36M-17 (..., 17, 3), each joint made from the keypoints *found*.

    A keypoint is found when its x, y and score are finite and the score is above ``min_score``. A
    synthesised joint (Hip, Thorax, Head) is the mean of its keypoints that were found and scores the
    lowest of them; it is missing (NaN, score 0) only when none was found. Spine is the midpoint of Hip
    and Thorax, so it needs both. This is how ``pose3d lift``
    maps real footage, where a profile view never shows the far ear. Training tables use
    :func:`coco_to_h36m`, which needs every keypoint; their detectors report all 17, so the two agree
    whenever nothing is missing. A joint made from fewer keypoints sits elsewhere than the model learnt
    (a Head from the eyes and one ear is pulled towards that ear); benchmarks/lift_profile_view.py measures
    what that costs in MPJPE.
    """
    found = np.isfinite(keypoints).all(axis=-1) & (np.nan_to_num(keypoints[..., 2], nan=-np.inf) > min_score)
    gathered = keypoints[..., _COCO_TO_H36M, :]  # (..., 17, 4, 3)
    present = found[..., _COCO_TO_H36M]  # (..., 17, 4)
    count = present.sum(axis=-1)
    total = np.where(present[..., None], gathered[..., :2], 0.0).sum(axis=-2)
    xy = np.divide(total, count[..., None], out=np.full(total.shape, np.nan), where=count[..., None] > 0)
    score = np.where(present, gathered[..., 2], np.inf).min(axis=-1)
    out = np.concatenate([xy, np.where(count > 0, score, 0.0)[..., None]], axis=-1)
    # Spine is the midpoint of Hip and Thorax (the mean of all four keypoints when all are found): from the
    # shoulders alone it would sit on the Thorax, so it needs both
    spine, hip, thorax = (H36M_17.joints.index(name) for name in ("Spine", "Hip", "Thorax"))
    out[..., spine, :2] = (out[..., hip, :2] + out[..., thorax, :2]) / 2
    out[..., spine, 2] = np.where(np.isnan(out[..., spine, 0]), 0.0, np.minimum(out[..., hip, 2], out[..., thorax, 2]))
    return out


def to_h36m17(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """Keypoints of any layout in :data:`KEYPOINT_LAYOUTS` (or ``h36m17`` itself) in H36M-17 order."""
    if layout == H36M_17.name:
        return keypoints
    return coco_to_h36m(to_coco17(keypoints, layout))


def to_h36m17_present(keypoints: np.ndarray, layout: str, min_score: float) -> np.ndarray:
    """Like :func:`to_h36m17` for (..., J, 3) keypoints with scores, synthesised joints made from the keypoints
    found (:func:`coco_to_h36m_present`)."""
    if layout == H36M_17.name:
        return keypoints
    return coco_to_h36m_present(to_coco17(keypoints, layout), min_score)


def kind_of_layout(layout: str) -> str:
    """The kind of 2D keypoints (:data:`KINDS_2D`) a file in ``layout`` holds."""
    return "h36m" if layout == H36M_17.name else "coco"
