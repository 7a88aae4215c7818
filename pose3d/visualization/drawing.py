"""Skeleton artists that a figure creates once and updates every frame (no redrawing from scratch)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from mpl_toolkits.mplot3d.art3d import Line3DCollection
from mpl_toolkits.mplot3d.axes3d import Axes3D

from pose3d.data.skeleton import Skeleton
from pose3d.visualization.palette import CENTRE_COLOR, LEFT_COLOR, RIGHT_COLOR


def bone_colors(skeleton: Skeleton) -> list[str]:
    """Colour of each bone of :meth:`Skeleton.bones`: the side of its child joint."""
    side = {**dict.fromkeys(skeleton.left, LEFT_COLOR), **dict.fromkeys(skeleton.right, RIGHT_COLOR)}
    return [side.get(child, CENTRE_COLOR) for child, _ in skeleton.bones()]


def bone_segments(pose: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """(B, 2, D) start/end points of every bone of one pose (J, D)."""
    bones = np.asarray(skeleton.bones())
    return np.stack([pose[bones[:, 0]], pose[bones[:, 1]]], axis=1)


class Skeleton2D:
    """Bones and joints of a 2D pose on an image-coordinate axes (y down)."""

    def __init__(self, ax: Axes, skeleton: Skeleton, width: float = 2.0) -> None:
        self.skeleton = skeleton
        self.bones = LineCollection([], colors=bone_colors(skeleton), linewidths=width, capstyle="round")
        ax.add_collection(self.bones)
        (self.joints,) = ax.plot([], [], "o", color=CENTRE_COLOR, markersize=2.5)

    def update(self, pose: np.ndarray) -> None:
        self.bones.set_segments(list(bone_segments(pose, self.skeleton)))
        self.joints.set_data(pose[:, 0], pose[:, 1])


class Skeleton3D:
    """Bones of a 3D pose on a 3D axes, starting at pose ``first`` (J, 3)."""

    def __init__(self, ax: Axes3D, skeleton: Skeleton, first: np.ndarray, width: float = 2.5) -> None:
        self.skeleton = skeleton
        self.bones = Line3DCollection(
            bone_segments(first, skeleton),
            colors=bone_colors(skeleton),
            linewidths=width,
            capstyle="round",
        )
        ax.add_collection3d(self.bones)
        self.bones.set_clip_box(ax.bbox)  # a wild prediction stays inside its panel

    def update(self, pose: np.ndarray) -> None:
        self.bones.set_segments(bone_segments(pose, self.skeleton))
