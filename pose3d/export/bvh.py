"""Joint positions -> a BVH file (Biovision hierarchy) that animation tools import (Blender, Maya, MotionBuilder).

The hierarchy is the pose's joint layout rooted at the Hip, with one rigid skeleton: every bone as long as its
median length over the sequence. Rotations are solved from the positions, frame by frame:

- a joint with several children (Hip, Thorax) is oriented by two directions, its middle child (Spine,
  Neck/Nose) and the line from its right to its left child (the hips, the shoulders); its side children hang
  from zero-length links (``RHipBase``, ``LShoulderBase``, ...) that turn each of them onto its own direction,
  since the pelvis and shoulder triangles of real and predicted poses are not rigid;
- every other bone turns from its rest direction by the shortest arc in its parent's frame, which defines
  the limb's twist (none about the bone relative to the parent) and is continuous in time;
- Euler angles are picked per frame as the solution nearest the previous frame, so none jumps by a turn.

The rest pose is a T-pose (legs down, arms out along +X/-X, spine up); the pelvis and shoulder triangles keep
the sequence's mean shape. Axes: Y up, the person faces +Z when facing the camera (camera x right, y down,
z forward becomes x, -y, -z); units are centimetres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose3d.core.atomic import atomic_path
from pose3d.data.skeleton import Skeleton
from pose3d.export.rotations import euler_angles, frame_from, normalize, shortest_arc

CM_PER_METRE = 100.0
#: Camera frame (x right, y down, z forward) -> BVH frame (Y up): half a turn about x, a proper rotation.
CAMERA_TO_BVH = np.diag([1.0, -1.0, -1.0])
_UP, _DOWN, _LEFT, _RIGHT = (0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (-1.0, 0.0, 0.0)
#: T-pose direction of the bone ending at each joint whose parent has one child (the middle child of a joint
#: with several, Spine or Neck/Nose, rests along +Y; its side children keep the sequence's mean directions).
REST_DIRECTIONS: dict[str, tuple[float, float, float]] = {
    "Thorax": _UP,
    "Head": _UP,
    "RKnee": _DOWN,
    "RFoot": _DOWN,
    "LKnee": _DOWN,
    "LFoot": _DOWN,
    "LElbow": _LEFT,
    "LWrist": _LEFT,
    "RElbow": _RIGHT,
    "RWrist": _RIGHT,
}
#: Euler channel order by the axis a bone rests along: that axis in the middle, where a swing away from the
#: rest direction keeps the angle below 90 degrees (no gimbal lock short of a half-turn swing).
_ORDERS = {0: "ZXY", 1: "ZYX", 2: "YZX"}
#: Order of joints with several children: turning about the vertical (Y) is unbounded, so it goes first.
_GIRDLE_ORDER = "YZX"
#: Length of the end site of a leaf joint, as a fraction of the leaf's bone.
_END_FRACTION = 0.2


@dataclass(frozen=True)
class Node:
    """A BVH joint: a skeleton joint, or a zero-length link to a side child."""

    name: str
    parent: int  # node index, -1 for the root
    link: bool
    order: str  # rotation channel order, e.g. "ZYX"


@dataclass
class BvhMotion:
    """A BVH file's content: hierarchy, rest offsets and per-frame root position and local rotations."""

    nodes: list[Node]
    offsets: np.ndarray  # (N, 3) centimetres from the parent node, rest pose
    end_sites: dict[int, np.ndarray]  # node -> end-site offset (centimetres) for leaf joints
    root: np.ndarray  # (T, 3) centimetres
    rotations: np.ndarray  # (T, N, 3, 3) local rotations (parent frame)
    frame_time: float  # seconds


def bvh_name(joint: str) -> str:
    """A joint name as BVH allows it: letters, digits and underscores (``Neck/Nose`` -> ``Neck_Nose``)."""
    return re.sub(r"\W", "_", joint)


def _middle_child(skeleton: Skeleton, kids: list[int]) -> int:
    """The child of a joint with several children that lies on neither side (Spine, Neck/Nose)."""
    sided = set(skeleton.left) | set(skeleton.right)
    middle = [k for k in kids if k not in sided]
    if len(middle) != 1 or not any(k in skeleton.left for k in kids) or not any(k in skeleton.right for k in kids):
        raise ValueError(f"{skeleton.name}: a joint with several children needs one middle, one left, one right child")
    return middle[0]


def _order(rest: np.ndarray) -> str:
    """The channel order of a joint whose bone rests along ``rest``."""
    return _ORDERS[int(np.argmax(np.abs(rest)))]


class _Hierarchy:
    """The BVH joints, built depth first, each with its global rotation (T, 3, 3) solved from the positions."""

    def __init__(self, skeleton: Skeleton, points: np.ndarray) -> None:
        self.skeleton, self.points, self.kids = skeleton, points, skeleton.children()
        bones = points[:, 1:] - points[:, list(skeleton.parents[1:])]
        self.lengths = np.concatenate([[0.0], np.median(np.linalg.norm(bones, axis=-1), axis=0)])
        self.nodes: list[Node] = []
        self.offsets: list[np.ndarray] = []
        self.rotations: list[np.ndarray] = []
        self.end_sites: dict[int, np.ndarray] = {}

    def add(self, name: str, parent: int, link: bool, order: str, offset: np.ndarray, rotation: np.ndarray) -> int:
        self.nodes.append(Node(name, parent, link, order))
        self.offsets.append(offset)
        self.rotations.append(np.broadcast_to(rotation, (len(self.points), 3, 3)))
        return len(self.nodes) - 1

    def seen(self, frame: np.ndarray, joint: int) -> np.ndarray:
        """(T, 3) direction of the bone ending at ``joint`` in the (T, 3, 3) ``frame``."""
        bone = normalize(self.points[:, joint] - self.points[:, self.skeleton.parents[joint]])
        return np.einsum("...ji,...j->...i", frame, bone)

    def joint(self, joint: int, parent: int, rest: np.ndarray) -> None:
        """Add ``joint`` (whose bone rests along ``rest``) below node ``parent`` (-1: the root), then its children."""
        parent_rotation = self.rotations[parent] if parent >= 0 else np.eye(3)
        offset = self.lengths[joint] * rest
        name = bvh_name(self.skeleton.joints[joint])
        children = self.kids[joint]
        if len(children) >= 2:
            self.girdle(joint, parent, offset)
        elif children:
            child_rest = np.array(REST_DIRECTIONS[self.skeleton.joints[children[0]]])
            rotation = parent_rotation @ shortest_arc(child_rest, self.seen(parent_rotation, children[0]))
            self.joint(children[0], self.add(name, parent, False, _order(child_rest), offset, rotation), child_rest)
        else:
            node = self.add(name, parent, False, _order(rest), offset, parent_rotation)
            self.end_sites[node] = _END_FRACTION * offset

    def girdle(self, joint: int, parent: int, offset: np.ndarray) -> None:
        """A joint with a middle, a left and a right child (Hip, Thorax): oriented by the middle child and the
        right-to-left line; each side child hangs from a zero-length link that turns it onto its direction."""
        skeleton, children = self.skeleton, self.kids[joint]
        middle = _middle_child(skeleton, children)
        left = next(k for k in children if k in skeleton.left)
        right = next(k for k in children if k in skeleton.right)
        up = np.array(_UP)
        rotation = frame_from(self.seen(np.eye(3), middle), self.points[:, left] - self.points[:, right])
        node = self.add(bvh_name(skeleton.joints[joint]), parent, False, _GIRDLE_ORDER, offset, rotation)
        self.joint(middle, node, up)
        for side in (k for k in children if k != middle):
            seen = self.seen(rotation, side)
            rest = normalize(seen.mean(axis=0))  # the sequence's mean shape of the triangle
            link_rotation = rotation @ shortest_arc(rest, seen)
            link = self.add(
                bvh_name(skeleton.joints[side]) + "Base", node, True, _order(rest), np.zeros(3), link_rotation
            )
            self.joint(side, link, rest)


def solve(skeleton: Skeleton, positions: np.ndarray, trajectory: np.ndarray | None, fps: float) -> BvhMotion:
    """The BVH motion of (T, J, 3) root-relative camera-frame ``positions`` (metres), with the root at the
    (T, 3) camera-frame ``trajectory`` or fixed at the origin; ``fps`` frames per second."""
    built = _Hierarchy(skeleton, positions.astype(np.float64) @ CAMERA_TO_BVH.T * CM_PER_METRE)
    built.joint(0, -1, np.zeros(3))
    glob = np.stack(built.rotations, axis=1)  # (T, N, 3, 3)
    parents = np.stack(
        [glob[:, n.parent] if n.parent >= 0 else np.broadcast_to(np.eye(3), glob[:, 0].shape) for n in built.nodes], 1
    )
    local = np.swapaxes(parents, -1, -2) @ glob
    root = np.zeros((len(positions), 3)) if trajectory is None else trajectory @ CAMERA_TO_BVH.T * CM_PER_METRE
    return BvhMotion(built.nodes, np.stack(built.offsets), built.end_sites, root, local, 1.0 / fps)


def bvh_text(motion: BvhMotion) -> str:
    """The motion as BVH text: HIERARCHY (root with position and rotation channels) and MOTION (degrees)."""
    lines = ["HIERARCHY"]
    children: dict[int, list[int]] = {}
    for index, node in enumerate(motion.nodes):
        children.setdefault(node.parent, []).append(index)

    def write(index: int, depth: int) -> None:
        node, pad = motion.nodes[index], "\t" * depth
        channels = " ".join(f"{axis}rotation" for axis in node.order)
        if node.parent < 0:
            lines.append(f"{pad}ROOT {node.name}")
            channels = f"6 Xposition Yposition Zposition {channels}"
        else:
            lines.append(f"{pad}JOINT {node.name}")
            channels = f"3 {channels}"
        lines.extend([f"{pad}{{", f"{pad}\tOFFSET {_numbers(motion.offsets[index])}", f"{pad}\tCHANNELS {channels}"])
        for child in children.get(index, []):
            write(child, depth + 1)
        if index in motion.end_sites:
            site = _numbers(motion.end_sites[index])
            lines.extend([f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET {site}", f"{pad}\t}}"])
        lines.append(f"{pad}}}")

    write(0, 0)
    frames = len(motion.root)
    angles = np.zeros(motion.rotations.shape[:3])
    for order in {node.order for node in motion.nodes}:  # one pass over the frames per channel order
        chosen = [n for n, node in enumerate(motion.nodes) if node.order == order]
        angles[:, chosen] = np.degrees(euler_angles(motion.rotations[:, chosen], order))
    values = np.concatenate([motion.root, angles.reshape(frames, -1)], axis=-1)
    lines += ["MOTION", f"Frames: {frames}", f"Frame Time: {motion.frame_time:.8f}"]
    lines += [_numbers(row) for row in values]
    return "\n".join(lines) + "\n"


def write_bvh(motion: BvhMotion, path: str | Path) -> Path:
    """Write ``motion`` to ``path`` atomically; returns the path."""
    with atomic_path(path, suffix=".bvh") as tmp:
        tmp.write_text(bvh_text(motion))
    return Path(path)


def _numbers(values: np.ndarray) -> str:
    return " ".join(f"{v:.6f}" for v in np.round(values, 6) + 0.0)  # + 0.0: no "-0.000000"
