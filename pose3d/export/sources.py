"""The 3D sequences pose3d produces, as one person's motion: a lift output's people, or a model's prediction
of a Human3.6M test sequence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.convert.pose_tables import read_pose_table
from pose3d.data.parquet_io import column_names, coords_array
from pose3d.data.skeleton import LAYOUTS, Skeleton
from pose3d.export.bvh import REST_DIRECTIONS

#: Columns every ``pose3d lift`` output has.
LIFT_COLUMNS = ["person", "frame", "detected", "positions"]


@dataclass
class PersonMotion:
    """One person's 3D poses on consecutive frames: camera frame, root-relative, metres."""

    label: str  # "person 3", "S9 Walking 1, camera 54138969"
    skeleton: Skeleton
    frames: np.ndarray  # (T,) frame numbers, consecutive
    positions: np.ndarray  # (T, J, 3)
    trajectory: np.ndarray | None  # (T, 3) camera-frame root position, for models that predict it
    undetected: int  # frames the lift interpolated (the person was not detected there)
    held: int  # frames with no pose at all (a gap longer than the lift interpolates): the last pose is held


def supported(skeleton_name: object, path: str | Path) -> Skeleton:
    """The joint layout of a file, refused unless the BVH hierarchy knows its bones."""
    skeleton = LAYOUTS.get(str(skeleton_name))
    only_children = [kids[0] for kids in skeleton.children() if len(kids) == 1] if skeleton else []
    if skeleton is None or any(skeleton.joints[j] not in REST_DIRECTIONS for j in only_children):
        raise InputError(path, f"joint layout {skeleton_name!r} has no BVH hierarchy (h36m17 and h36m16 have)")
    return skeleton


def lift_people(path: str | Path) -> list[PersonMotion]:
    """Every person of a ``pose3d lift`` output (``poses_3d.parquet``), in the file's order (most confident first)."""
    if Path(path).is_file():
        try:
            present = set(column_names(path))
        except Exception as err:  # pyarrow raises several types for files that are not Parquet
            raise InputError(path, f"not a Parquet file ({type(err).__name__})") from None
        missing = [name for name in LIFT_COLUMNS if name not in present]
        if missing:
            raise InputError(path, f"not a `pose3d lift` output (no {', '.join(map(repr, missing))} column)")
    table, meta = read_pose_table(path, LIFT_COLUMNS, optional=["trajectory"])
    if table.num_rows == 0:
        raise InputError(path, "has no rows: nobody was lifted")
    skeleton = supported(meta.get("layout"), path)
    positions = coords_array(table, "positions", [skeleton.num_joints, 3]).astype(np.float64)
    trajectory = (
        coords_array(table, "trajectory", [3]).astype(np.float64) if "trajectory" in table.column_names else None
    )
    person = table.column("person").to_numpy()
    frame = table.column("frame").to_numpy().astype(np.int64)
    detected = table.column("detected").to_numpy(zero_copy_only=False).astype(bool)
    people = []
    for pid in dict.fromkeys(person.tolist()):
        rows = np.flatnonzero(person == pid)
        rows = rows[np.argsort(frame[rows], kind="stable")]
        if len(np.unique(frame[rows])) != len(rows):
            raise InputError(path, f"person {pid} has two rows for one frame (not a `pose3d lift` output)")
        span = np.arange(frame[rows[0]], frame[rows[-1]] + 1)
        last_row = rows[np.searchsorted(frame[rows], span, side="right") - 1]  # each frame's row, or the one before
        people.append(
            PersonMotion(
                label=f"person {pid}",
                skeleton=skeleton,
                frames=span,
                positions=positions[last_row],
                trajectory=None if trajectory is None else trajectory[last_row],
                undetected=int((~detected[rows]).sum()),
                held=len(span) - len(rows),
            )
        )
    return people


def choose(people: list[PersonMotion], person: str | None, path: str | Path) -> list[PersonMotion]:
    """``person``: a person id of the file, ``all``, or None for the first (most confident) person."""
    if person == "all":
        return people
    if person is None:
        return people[:1]
    chosen = [p for p in people if p.label == f"person {person}"]
    if not chosen:
        found = ", ".join(p.label.removeprefix("person ") for p in people)
        raise InputError(path, f"no person {person}; the file has person {found}")
    return chosen


def predicted_motion(
    checkpoint: str | Path,
    poses_3d: str | Path,
    poses_2d: str | Path,
    subject: str,
    sequence: str,
    camera: str,
    device: str = "cpu",
) -> PersonMotion:
    """A checkpoint's prediction of one Human3.6M sequence seen by one camera (the trajectory model's root path
    included)."""
    from pose3d.visualization.sequence import predict_sequence

    seq = predict_sequence(checkpoint, poses_3d, poses_2d, subject, sequence, camera, device)
    supported(seq.skeleton.name, checkpoint)
    return PersonMotion(
        label=f"{seq.run} on {seq.subject} {seq.sequence}, camera {seq.camera}",
        skeleton=seq.skeleton,
        frames=np.asarray(seq.frames),
        positions=seq.prediction,
        trajectory=seq.trajectory,
        undetected=0,
        held=0,
    )
