"""Kinematic body model of the demo data: 32-joint Human3.6M hierarchy, bone offsets, forward kinematics.

Body frame (rest pose, metres): x forward, y to the subject's left, z up; arms hang down, the person
faces +x. Every joint that is not an end site carries a local rotation (25 of the 32 joints), given as
three Euler angles whose axes are named in :data:`EULER_ORDERS`: the root uses ``zyx`` (heading, lean,
roll) and every other joint ``yxz`` (flexion about the lateral axis, abduction about the forward axis,
twist about the bone's rest axis), with ``R = R_a(angle0) @ R_b(angle1) @ R_c(angle2)``.

Several joints coincide, as in the real recordings: ``Spine`` (11) sits on the ``Hip`` (0), the shoulder
anchors (16, 24) sit on the thorax (``Neck``, 13), and the thumb / wrist-end sites sit on their parents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose3d.data.skeleton import H36M_32

_PARENTS = np.array(H36M_32.parents)

#: Joints without children (no rotation of their own).
END_SITES: tuple[int, ...] = tuple(j for j, kids in enumerate(H36M_32.children()) if not kids)
#: Joints that carry a local rotation, in the order of the angle arrays.
ROTATING_JOINTS: tuple[int, ...] = tuple(j for j in range(H36M_32.num_joints) if j not in END_SITES)
#: Euler axis order of each rotating joint.
EULER_ORDERS: tuple[str, ...] = tuple("zyx" if j == 0 else "yxz" for j in ROTATING_JOINTS)

#: Rest offset of every joint from its parent for an average adult (metres, body frame).
_BASE_OFFSETS = np.array(
    [
        [0.0, 0.0, 0.0],  # 0 Hip
        [0.0, -0.13, -0.01],  # 1 RightUpLeg
        [0.0, 0.0, -0.45],  # 2 RightLeg (knee)
        [0.0, 0.0, -0.44],  # 3 RightFoot (ankle)
        [0.13, 0.0, -0.055],  # 4 RightToeBase
        [0.0, 0.0, 0.0],  # 5 RightToeSite
        [0.0, 0.13, -0.01],  # 6 LeftUpLeg
        [0.0, 0.0, -0.45],  # 7 LeftLeg
        [0.0, 0.0, -0.44],  # 8 LeftFoot
        [0.13, 0.0, -0.055],  # 9 LeftToeBase
        [0.0, 0.0, 0.0],  # 10 LeftToeSite
        [0.0, 0.0, 0.0],  # 11 Spine (on the hip)
        [0.01, 0.0, 0.23],  # 12 Spine1
        [-0.01, 0.0, 0.25],  # 13 Neck (thorax)
        [0.06, 0.0, 0.10],  # 14 Head (nose)
        [-0.03, 0.0, 0.12],  # 15 HeadSite (top of the head)
        [-0.01, 0.0, 0.25],  # 16 LeftShoulder anchor (on the thorax)
        [0.0, 0.15, -0.03],  # 17 LeftArm (shoulder joint)
        [0.0, 0.0, -0.28],  # 18 LeftForeArm (elbow)
        [0.0, 0.0, -0.25],  # 19 LeftHand (wrist)
        [0.03, 0.0, -0.05],  # 20 LeftHandThumb
        [0.0, 0.0, 0.0],  # 21 LeftThumbSite
        [0.0, 0.0, -0.09],  # 22 LeftWristEnd
        [0.0, 0.0, 0.0],  # 23 LeftWristEndSite
        [-0.01, 0.0, 0.25],  # 24 RightShoulder anchor
        [0.0, -0.15, -0.03],  # 25 RightArm
        [0.0, 0.0, -0.28],  # 26 RightForeArm
        [0.0, 0.0, -0.25],  # 27 RightHand
        [0.03, 0.0, -0.05],  # 28 RightHandThumb
        [0.0, 0.0, 0.0],  # 29 RightThumbSite
        [0.0, 0.0, -0.09],  # 30 RightWristEnd
        [0.0, 0.0, 0.0],  # 31 RightWristEndSite
    ]
)

#: Segment groups that share one per-subject length factor (left and right alike).
_SEGMENTS: dict[str, tuple[int, ...]] = {
    "pelvis": (1, 6),
    "thigh": (2, 7),
    "shin": (3, 8),
    "foot": (4, 9),
    "spine": (12, 13, 16, 24),
    "head": (14, 15),
    "shoulder": (17, 25),
    "upper_arm": (18, 26),
    "forearm": (19, 27),
    "hand": (20, 22, 28, 30),
}

#: Joints that may touch the floor and their clearance above it (metres): ankles, toes, the pelvis and
#: hips (seated on the floor), the knees (kneeling), and the back, head, shoulders, elbows and wrists
#: (lying, leaning on the hands).
CONTACTS: dict[int, float] = {
    3: 0.075,
    8: 0.075,
    4: 0.02,
    9: 0.02,
    0: 0.10,
    1: 0.10,
    6: 0.10,
    2: 0.05,
    7: 0.05,
    13: 0.10,
    15: 0.08,
    17: 0.06,
    25: 0.06,
    18: 0.04,
    26: 0.04,
    19: 0.03,
    27: 0.03,
}


@dataclass(frozen=True)
class Body:
    """One subject: rest offsets of the 32 joints from their parents (metres, body frame)."""

    offsets: np.ndarray


def make_body(rng: np.random.Generator) -> Body:
    """A subject with adult proportions: overall scale within +-8 %, each segment a further +-3 %."""
    scale = rng.uniform(0.92, 1.08)
    offsets = _BASE_OFFSETS * scale
    for joints in _SEGMENTS.values():
        offsets[list(joints)] *= 1.0 + rng.uniform(-0.03, 0.03)
    return Body(offsets=offsets)


def _axis_rotation(angle: np.ndarray, axis: str) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about one body axis."""
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros((*np.shape(angle), 3, 3))
    m[..., 3 - i - j, 3 - i - j] = 1.0
    m[..., i, i], m[..., j, j], m[..., i, j], m[..., j, i] = c, c, -s, s
    return m


def euler_to_matrix(angles: np.ndarray, order: str) -> np.ndarray:
    """``R_order[0](angles[..., 0]) @ R_order[1](angles[..., 1]) @ R_order[2](angles[..., 2])``."""
    a, b, c = (_axis_rotation(angles[..., i], axis) for i, axis in enumerate(order))
    return a @ b @ c


def forward_kinematics(body: Body, root: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Joint positions (T, 32, 3) from root positions (T, 3) and local rotations (T, 25, 3) in radians.

    Units of the result follow ``root`` and the body offsets (metres).
    """
    frames = root.shape[0]
    local = np.tile(np.eye(3), (frames, len(_PARENTS), 1, 1))
    local[:, 0] = euler_to_matrix(angles[:, 0], EULER_ORDERS[0])
    local[:, ROTATING_JOINTS[1:]] = euler_to_matrix(angles[:, 1:], EULER_ORDERS[1])
    glob = np.empty_like(local)
    pos = np.empty((frames, len(_PARENTS), 3))
    glob[:, 0], pos[:, 0] = local[:, 0], root
    for joint in range(1, len(_PARENTS)):
        parent = _PARENTS[joint]
        glob[:, joint] = glob[:, parent] @ local[:, joint]
        pos[:, joint] = pos[:, parent] + glob[:, parent] @ body.offsets[joint]
    return pos


def ground(positions: np.ndarray) -> np.ndarray:
    """Vertical shift (T,) that puts the lowest contact joint of every frame on the floor (z = 0)."""
    joints = list(CONTACTS)
    heights = positions[:, joints, 2] - np.array([CONTACTS[j] for j in joints])
    return -heights.min(axis=1)


def angles_record(root_mm: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """The 78 D3_Angles values per frame: root position (mm, 3) then 25 x 3 Euler angles in degrees.

    The angle triples follow :data:`ROTATING_JOINTS` (joint order of the 32-joint skeleton without its
    end sites), each in the axis order given by :data:`EULER_ORDERS`, wrapped to [-180, 180).
    """
    degrees = (np.degrees(angles) + 180.0) % 360.0 - 180.0
    return np.concatenate([root_mm, degrees.reshape(len(angles), -1)], axis=1)
