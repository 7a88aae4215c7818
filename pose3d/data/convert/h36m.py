"""Human3.6M mocap CDFs (D3_Positions, D3_Angles) -> one Parquet table of frames.

Rows are ordered by subject (in the order asked for), sequence (sorted renamed name), frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.progress import progress
from pose3d.data.convert.cdf import read_pose
from pose3d.data.convert.pose_tables import key_columns
from pose3d.data.h36m import FRAME_RATE, action_of, feature_files
from pose3d.data.parquet_io import build_table, file_record, write_table
from pose3d.data.skeleton import H36M_32

#: Values per frame of a D3_Angles ``Pose``: root position (3, mm) then joint angles (75, degrees).
ANGLES_WIDTH = 78


@dataclass(frozen=True)
class _Recordings:
    """Every sequence of one feature for some subjects: key values, (T, width) float32 arrays, files."""

    keys: dict[str, list[str]]
    arrays: list[np.ndarray]
    files: list[Path]

    def columns(self) -> dict[str, np.ndarray]:
        return key_columns(self.keys, np.array([len(a) for a in self.arrays]))

    def metadata(self, feature: str) -> dict[str, Any]:
        return {
            "feature": feature,
            "frame_rate": FRAME_RATE,
            "subjects": list(dict.fromkeys(self.keys["subject"])),
            "sources": [file_record(path) for path in self.files],
        }


def convert_positions(root: str | Path, subjects: Sequence[str], out: str | Path) -> None:
    """D3_Positions CDFs of ``subjects`` -> ``positions`` (32 joints x 3, world metres, float32).

    Values are exactly ``(Pose.reshape(-1, 32, 3) / 1000).astype(float32)`` (division in float64).
    """
    joints = H36M_32.num_joints
    rec = _read_feature(root, subjects, "D3_Positions", joints * 3, divisor=1000.0)
    positions = np.concatenate(rec.arrays).reshape(-1, joints, 3)
    meta = dict(
        H36M_32.metadata(), units={"positions": "metres"}, coordinate_frame="world", **rec.metadata("D3_Positions")
    )
    write_table(build_table(rec.columns(), {"positions": positions}, meta), out)


def convert_angles(root: str | Path, subjects: Sequence[str], out: str | Path) -> None:
    """D3_Angles CDFs of ``subjects`` -> ``angles`` (78 float32 per frame, raw units as recorded)."""
    rec = _read_feature(root, subjects, "D3_Angles", ANGLES_WIDTH, divisor=1.0)
    angles = np.concatenate(rec.arrays)
    meta = dict(
        layout="h36m_angles78",
        units={"angles": "values 0-2: root position in millimetres; values 3-77: joint angles in degrees"},
        coordinate_frame="world (root position); joint angles as recorded in D3_Angles",
        **rec.metadata("D3_Angles"),
    )
    write_table(build_table(rec.columns(), {"angles": angles}, meta), out)


def _read_feature(root: str | Path, subjects: Sequence[str], feature: str, width: int, divisor: float) -> _Recordings:
    """Read and validate every sequence of ``subjects`` (subject order as given, sequences sorted).

    Each (T, width) array is ``(Pose / divisor).astype(float32)``, the division done in float64.
    """
    if not subjects:
        raise InputError("--subjects", "no subjects given")
    if len(set(subjects)) != len(subjects):
        raise InputError("--subjects", f"subjects listed twice: {' '.join(subjects)}")
    rec = _Recordings(keys={"subject": [], "sequence": [], "action": []}, arrays=[], files=[])
    files = {subject: feature_files(root, subject, feature) for subject in subjects}
    with progress(total=sum(map(len, files.values())), desc=f"read {feature}", unit=" files") as bar:
        for subject in subjects:
            for sequence in sorted(files[subject]):
                rec.arrays.append((read_pose(files[subject][sequence], width) / divisor).astype(np.float32))
                rec.files.append(files[subject][sequence])
                rec.keys["subject"].append(subject)
                rec.keys["sequence"].append(sequence)
                rec.keys["action"].append(action_of(sequence))
                bar.update()
    return rec
