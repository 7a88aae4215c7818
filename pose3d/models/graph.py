"""Adjacency and partition matrices of the pose graphs, built from the joint layouts in pose3d.data.skeleton."""

from __future__ import annotations

import numpy as np

from pose3d.data.skeleton import Skeleton

#: SemGCN's non-local joint pairs for the 16-joint layout (released ``joints_group``).
SEMGCN_JOINT_GROUPS: tuple[tuple[int, int], ...] = (
    (2, 3),
    (5, 6),
    (1, 4),
    (0, 7),
    (8, 9),
    (14, 15),
    (11, 12),
    (10, 13),
)

#: Order of TGraphNet's partitions along the first axis of its affinity tensor.
PARTITIONS: tuple[str, ...] = ("self", "from_parent", "from_children", "symmetric")


def bone_adjacency(skeleton: Skeleton) -> np.ndarray:
    """Symmetric (J, J) 0/1 matrix of the skeleton's bones, without self links."""
    adjacency = np.zeros((skeleton.num_joints, skeleton.num_joints), dtype=np.float32)
    child, parent = np.array(skeleton.bones()).T
    adjacency[child, parent] = adjacency[parent, child] = 1.0
    return adjacency


def semgcn_mask(skeleton: Skeleton) -> np.ndarray:
    """Boolean (J, J) support of ``A + I``: where SemGCN learns an edge weight."""
    return (bone_adjacency(skeleton) + np.eye(skeleton.num_joints, dtype=np.float32)) > 0


def grouped_order(groups: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Joint order that places each group contiguously, and the inverse order that restores it."""
    order = np.array([joint for group in groups for joint in group])
    if np.unique(order).size != order.size:
        raise ValueError(f"joint groups overlap: {groups}")
    return order, np.argsort(order)


def _frame_partitions(skeleton: Skeleton) -> np.ndarray:
    """(4, J, J) 0/1 partitions of one frame; row = receiving joint, column = sending joint."""
    joints = skeleton.num_joints
    child, parent = np.array(skeleton.bones()).T
    left, right = np.array(skeleton.left), np.array(skeleton.right)
    parts = np.zeros((len(PARTITIONS), joints, joints), dtype=np.float32)
    parts[0] = np.eye(joints, dtype=np.float32)
    parts[1, child, parent] = 1.0  # a joint hears the joint nearer the hip
    parts[2, parent, child] = 1.0  # a joint hears the joints further from the hip
    parts[3, left, right] = parts[3, right, left] = 1.0
    return parts


def tgraphnet_partitions(skeleton: Skeleton, frames: int = 3) -> np.ndarray:
    """Normalised (4, F*J, F*J) partition matrices of a graph of ``frames`` consecutive poses.

    Nodes are frame-major (node = frame * J + joint). The normaliser is D^-1/2 M D^-1/2 with
    M = clamp(per-frame self, bone and left/right links + same-joint links between adjacent
    frames, 0, 1) and D its column sums; every partition keeps its own entries of that matrix.
    """
    joints = skeleton.num_joints
    nodes = frames * joints
    parts = np.stack([np.kron(np.eye(frames, dtype=np.float32), p) for p in _frame_partitions(skeleton)])
    temporal = np.eye(nodes, k=joints, dtype=np.float32) + np.eye(nodes, k=-joints, dtype=np.float32)
    links = np.clip(parts.sum(axis=0) + temporal, 0.0, 1.0)
    scale = 1.0 / np.sqrt(links.sum(axis=0))
    normalised = scale[:, None] * links * scale[None, :]
    return (normalised[None] * (parts > 0)).astype(np.float32)
