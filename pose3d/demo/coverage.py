"""Coverage statistics of a pose set: which postures it holds, per action and subject group.

Works on 32-joint Human3.6M poses in world coordinates (metres, z up), so it describes the demo data
and the real recordings alike. Per frame it measures the trunk tilt from vertical (pelvis -> thorax),
knee and elbow flexion (0 = straight), wrist height relative to the pelvis and pelvis height; per
joint it measures the spread of the root-relative position with the heading removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from pose3d.data.h36m import ACTIONS
from pose3d.data.skeleton import H36M_17, H36M_32_TO_17

_PELVIS, _THORAX, _LEFT_HIP, _RIGHT_HIP = 0, 13, 6, 1
_KNEES = ((1, 2, 3), (6, 7, 8))  # hip, knee, ankle (right, left)
_ELBOWS = ((25, 26, 27), (17, 18, 19))  # shoulder, elbow, wrist (right, left)
_WRISTS = (27, 19)

#: Per-frame features: name -> (unit, percentiles scaled by, thresholds "beyond" reported).
FEATURES: dict[str, tuple[str, tuple[float, ...]]] = {
    "trunk_tilt": ("deg", (30.0, 45.0, 60.0, 80.0)),
    "knee_flexion": ("deg", (45.0, 90.0, 120.0)),
    "elbow_flexion": ("deg", (45.0, 90.0, 130.0)),
    "wrist_height": ("m", (-0.6, -0.3, 0.3, 0.5)),
    "pelvis_height": ("m", (0.35, 0.6, 0.8)),
}
#: Features whose thresholds count frames *below* them (the rest count frames above).
_BELOW = {"pelvis_height": (0.35, 0.6, 0.8), "wrist_height": (-0.6, -0.3)}
PERCENTILES = (5, 25, 50, 75, 95)


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between vectors (..., 3)."""
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-12)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _flexion(pos: np.ndarray, chain: tuple[int, int, int]) -> np.ndarray:
    """Flexion (T,) of the middle joint of a chain: 0 when straight, 90 at a right angle."""
    a, b, c = chain
    return _angle(pos[:, b] - pos[:, a], pos[:, c] - pos[:, b])


def frame_features(positions: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame features of poses (T, 32, 3) m, z up; limb features are (T, 2): right, left."""
    trunk = positions[:, _THORAX] - positions[:, _PELVIS]
    pelvis_z = positions[:, _PELVIS, 2]
    return {
        "trunk_tilt": _angle(trunk, np.array([0.0, 0.0, 1.0])),
        "knee_flexion": np.stack([_flexion(positions, chain) for chain in _KNEES], axis=1),
        "elbow_flexion": np.stack([_flexion(positions, chain) for chain in _ELBOWS], axis=1),
        "wrist_height": positions[:, _WRISTS, 2] - pelvis_z[:, None],
        "pelvis_height": pelvis_z,
    }


def heading_free(positions: np.ndarray) -> np.ndarray:
    """17-joint root-relative poses (T, 17, 3) turned about z so the hips face +x (left hip on +y)."""
    joints = positions[:, H36M_32_TO_17] - positions[:, None, _PELVIS]
    left = positions[:, _LEFT_HIP, :2] - positions[:, _RIGHT_HIP, :2]
    yaw = np.arctan2(-left[:, 0], left[:, 1])  # heading of the forward direction (left turned by -90 deg)
    c, s = np.cos(-yaw), np.sin(-yaw)
    x, y = joints[..., 0], joints[..., 1]
    return np.stack([c[:, None] * x - s[:, None] * y, s[:, None] * x + c[:, None] * y, joints[..., 2]], axis=-1)


@dataclass
class _Moments:
    """Running count, sum and sum of squares of heading-free joint positions."""

    count: int = 0
    total: np.ndarray = field(default_factory=lambda: np.zeros((H36M_17.num_joints, 3)))
    squares: np.ndarray = field(default_factory=lambda: np.zeros((H36M_17.num_joints, 3)))

    def add(self, joints: np.ndarray) -> None:
        self.count += len(joints)
        self.total += joints.sum(axis=0)
        self.squares += (joints**2).sum(axis=0)

    def merged(self, other: _Moments) -> _Moments:
        return _Moments(self.count + other.count, self.total + other.total, self.squares + other.squares)

    def spread_mm(self) -> np.ndarray:
        """Per joint: square root of the summed per-axis variances (mm)."""
        mean = self.total / max(self.count, 1)
        variance = np.clip(self.squares / max(self.count, 1) - mean**2, 0.0, None)
        return 1000.0 * np.sqrt(variance.sum(axis=1))


@dataclass
class Coverage:
    """Features of many sequences, grouped by (subject group, action)."""

    features: dict[tuple[str, str], dict[str, list[np.ndarray]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    moments: dict[tuple[str, str], _Moments] = field(default_factory=lambda: defaultdict(_Moments))

    def add(self, group: str, action: str, positions: np.ndarray) -> None:
        """Add one sequence (T, 32, 3) m of ``action`` to ``group`` (e.g. "test")."""
        for name, values in frame_features(positions).items():
            self.features[group, action][name].append(values.astype(np.float32))
        self.moments[group, action].add(heading_free(positions))

    def groups(self) -> list[str]:
        return list(dict.fromkeys(group for group, _ in self.features))

    def actions(self, group: str) -> list[str]:
        return [action for action in ACTIONS if (group, action) in self.features]

    def values(self, group: str, feature: str, action: str | None = None, per_frame: bool = False) -> np.ndarray:
        """All values of one feature in a group (of one action, or of all).

        Limb features give both limbs' values, or with ``per_frame`` the larger of the two per frame.
        """
        actions = [action] if action else self.actions(group)
        arrays = [v for a in actions for v in self.features[group, a][feature]]
        return np.concatenate([v.max(axis=-1) if per_frame and v.ndim == 2 else v.ravel() for v in arrays])

    def frames(self, group: str, action: str | None = None) -> int:
        actions = [action] if action else self.actions(group)
        return sum(len(v) for a in actions for v in self.features[group, a]["pelvis_height"])

    def share(
        self, group: str, feature: str, threshold: float, action: str | None = None, per_frame: bool = False
    ) -> float:
        """Share of values beyond ``threshold`` (below it for heights listed as such)."""
        values = self.values(group, feature, action, per_frame)
        below = threshold in _BELOW.get(feature, ())
        return float(np.mean(values < threshold if below else values > threshold))

    def spread(self, group: str, action: str | None = None) -> np.ndarray:
        """Per-joint position spread (17,) in mm."""
        actions = [action] if action else self.actions(group)
        total = _Moments()
        for a in actions:
            total = total.merged(self.moments[group, a])
        return total.spread_mm()

    def summary(self, group: str) -> str:
        """One line: frames and the headline shares of a group."""
        return (
            f"{group}: {self.frames(group)} frames; trunk tilt >45 deg {self.share(group, 'trunk_tilt', 45.0):.1%},"
            f" >80 deg {self.share(group, 'trunk_tilt', 80.0):.1%}; knee flexion >90 deg"
            f" {self.share(group, 'knee_flexion', 90.0, per_frame=True):.1%} of frames"
            f" ({self.share(group, 'knee_flexion', 90.0):.1%} of knees); elbow flexion >90 deg"
            f" {self.share(group, 'elbow_flexion', 90.0):.1%}; pelvis below 0.6 m"
            f" {self.share(group, 'pelvis_height', 0.6):.1%}; mean joint spread {self.spread(group)[1:].mean():.0f} mm"
        )

    def report(self) -> str:
        """Tables per group and feature (percentiles, shares beyond thresholds) and the joint spread."""
        lines = []
        for group in self.groups():
            rows = [*self.actions(group), None]
            lines.append(f"## {group} ({self.frames(group)} frames)")
            for feature, (unit, thresholds) in FEATURES.items():
                signs = ["<" if t in _BELOW.get(feature, ()) else ">" for t in thresholds]
                head = [f"p{p}" for p in PERCENTILES] + [f"{s}{t:g}" for s, t in zip(signs, thresholds)]
                lines.append(f"\n{feature} ({unit}; shares in %)")
                lines.append(f"{'action':<13}" + "".join(f"{h:>8}" for h in head))
                for action in rows:
                    pct = np.percentile(self.values(group, feature, action), PERCENTILES)
                    shares = [100.0 * self.share(group, feature, t, action) for t in thresholds]
                    cells = [f"{v:8.2f}" if unit == "m" else f"{v:8.1f}" for v in pct]
                    lines.append(f"{action or 'all':<13}" + "".join(cells) + "".join(f"{s:8.1f}" for s in shares))
            joints = "".join(f"{n[:7]:>8}" for n in H36M_17.joints[1:])
            lines.append("\njoint position spread (mm, root-relative, heading removed)")
            lines.append(f"{'action':<13}{joints}{'mean':>8}")
            for action in rows:
                spread = self.spread(group, action)[1:]
                row = "".join(f"{v:8.0f}" for v in spread)
                lines.append(f"{action or 'all':<13}{row}{spread.mean():8.0f}")
            lines.append(f"\n{self.summary(group)}\n")
        return "\n".join(lines)
