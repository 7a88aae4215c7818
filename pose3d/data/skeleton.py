"""Joint layouts: the one place for joint names, parents, symmetry and layout mappings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Skeleton:
    """A joint layout: names, parent indices (-1 for the root) and left/right joint sets."""

    name: str
    joints: tuple[str, ...]
    parents: tuple[int, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def children(self) -> list[list[int]]:
        """Child indices of every joint."""
        kids: list[list[int]] = [[] for _ in self.joints]
        for j, p in enumerate(self.parents):
            if p >= 0:
                kids[p].append(j)
        return kids

    def mirrored(self) -> tuple[int, ...]:
        """Joint order of the mirror image: every left joint swapped with its right counterpart."""
        order = list(range(self.num_joints))
        for left, right in zip(self.left, self.right):
            order[left], order[right] = right, left
        return tuple(order)

    def bones(self) -> list[tuple[int, int]]:
        """(child, parent) pairs."""
        return [(j, p) for j, p in enumerate(self.parents) if p >= 0]

    def metadata(self) -> dict[str, object]:
        """Self-description stored in Parquet key-value metadata."""
        return {
            "layout": self.name,
            "joints": list(self.joints),
            "parents": list(self.parents),
            "left": list(self.left),
            "right": list(self.right),
        }


H36M_32 = Skeleton(
    name="h36m32",
    joints=(
        "Hip",
        "RightUpLeg",
        "RightLeg",
        "RightFoot",
        "RightToeBase",
        "RightToeSite",
        "LeftUpLeg",
        "LeftLeg",
        "LeftFoot",
        "LeftToeBase",
        "LeftToeSite",
        "Spine",
        "Spine1",
        "Neck",
        "Head",
        "HeadSite",
        "LeftShoulder",
        "LeftArm",
        "LeftForeArm",
        "LeftHand",
        "LeftHandThumb",
        "LeftThumbSite",
        "LeftWristEnd",
        "LeftWristEndSite",
        "RightShoulder",
        "RightArm",
        "RightForeArm",
        "RightHand",
        "RightHandThumb",
        "RightThumbSite",
        "RightWristEnd",
        "RightWristEndSite",
    ),
    parents=(
        -1,
        0,
        1,
        2,
        3,
        4,
        0,
        6,
        7,
        8,
        9,
        0,
        11,
        12,
        13,
        14,
        12,
        16,
        17,
        18,
        19,
        20,
        19,
        22,
        12,
        24,
        25,
        26,
        27,
        28,
        27,
        30,
    ),
    left=(6, 7, 8, 9, 10, 16, 17, 18, 19, 20, 21, 22, 23),
    right=(1, 2, 3, 4, 5, 24, 25, 26, 27, 28, 29, 30, 31),
)

H36M_17 = Skeleton(
    name="h36m17",
    joints=(
        "Hip",
        "RHip",
        "RKnee",
        "RFoot",
        "LHip",
        "LKnee",
        "LFoot",
        "Spine",
        "Thorax",
        "Neck/Nose",
        "Head",
        "LShoulder",
        "LElbow",
        "LWrist",
        "RShoulder",
        "RElbow",
        "RWrist",
    ),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15),
    left=(4, 5, 6, 11, 12, 13),
    right=(1, 2, 3, 14, 15, 16),
)

H36M_16 = Skeleton(
    name="h36m16",
    joints=(
        "Hip",
        "RHip",
        "RKnee",
        "RFoot",
        "LHip",
        "LKnee",
        "LFoot",
        "Spine",
        "Thorax",
        "Head",
        "LShoulder",
        "LElbow",
        "LWrist",
        "RShoulder",
        "RElbow",
        "RWrist",
    ),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14),
    left=(4, 5, 6, 10, 11, 12),
    right=(1, 2, 3, 13, 14, 15),
)

LAYOUTS: dict[str, Skeleton] = {s.name: s for s in (H36M_32, H36M_17, H36M_16)}


@dataclass(frozen=True)
class KeypointLayout:
    """A 2D detector's keypoint order: joint names (COCO-style, lower case) in the order its files use."""

    name: str
    joints: tuple[str, ...]

    @property
    def num_joints(self) -> int:
        return len(self.joints)


_FACE = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
_LIMBS_COCO = (
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
_OPENPOSE_BODY = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
)
_OPENPOSE_LEGS = ("right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle")
_OPENPOSE_FACE = ("right_eye", "left_eye", "right_ear", "left_ear")

#: COCO keypoints (Detectron2, MMPose, the COCO API, VideoPose3D's ``detectron_pt_coco``).
COCO_17 = KeypointLayout("coco17", _FACE + _LIMBS_COCO)
#: OpenPose BODY_25 (``pose_keypoints_2d`` of 75 values).
OPENPOSE_BODY_25 = KeypointLayout(
    "body25",
    (
        *_OPENPOSE_BODY,
        "mid_hip",
        *_OPENPOSE_LEGS,
        *_OPENPOSE_FACE,
        "left_big_toe",
        "left_small_toe",
        "left_heel",
        "right_big_toe",
        "right_small_toe",
        "right_heel",
    ),
)
#: OpenPose COCO-18 (``pose_keypoints_2d`` of 54 values).
OPENPOSE_COCO_18 = KeypointLayout("coco18", (*_OPENPOSE_BODY, *_OPENPOSE_LEGS, *_OPENPOSE_FACE))
#: Halpe-26 (AlphaPose's full-body layout; Halpe-136 starts with these 26).
HALPE_26 = KeypointLayout(
    "halpe26",
    (
        *COCO_17.joints,
        "head",
        "neck",
        "hip",
        "left_big_toe",
        "right_big_toe",
        "left_small_toe",
        "right_small_toe",
        "left_heel",
        "right_heel",
    ),
)

KEYPOINT_LAYOUTS: dict[str, KeypointLayout] = {
    k.name: k for k in (COCO_17, OPENPOSE_BODY_25, OPENPOSE_COCO_18, HALPE_26)
}

#: 32-joint indices kept by the 17-joint layout.
H36M_32_TO_17 = np.array([0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27])
#: 17-joint indices kept by the 16-joint layout (drops Neck/Nose).
H36M_17_TO_16 = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16])
#: Stacked-Hourglass file joint order -> 16-joint layout.
SH_TO_H36M_16 = np.array([6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10])
#: For each H36M-17 joint, its index in the MPI-INF-3DHP test files.
H36M_17_FROM_3DHP = np.array([14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4])
#: H36M-17 joints of the 14-joint 3DHP evaluation set (no Hip, Spine, Neck/Nose).
H36M_17_3DHP_14 = np.array([1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16])


def to_layout(array: np.ndarray, source: str, target: str) -> np.ndarray:
    """Select joints of ``array`` (..., J, C) from layout ``source`` into layout ``target``."""
    if source == target:
        return array
    steps = {
        ("h36m32", "h36m17"): [H36M_32_TO_17],
        ("h36m17", "h36m16"): [H36M_17_TO_16],
        ("h36m32", "h36m16"): [H36M_32_TO_17, H36M_17_TO_16],
    }
    if (source, target) not in steps:
        raise ValueError(f"cannot convert joint layout {source} to {target}")
    expected = LAYOUTS[source].num_joints
    if array.shape[-2] != expected:
        raise ValueError(f"layout {source} has {expected} joints, array has {array.shape[-2]}")
    for index in steps[(source, target)]:
        array = array[..., index, :]
    return array
