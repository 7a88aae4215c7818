"""Stacked-Hourglass fine-tuned detections (h5 files) -> Parquet in the 16-joint layout.

Files: ``<root>/S1/StackedHourglassFineTuned240/<Sequence>.<camera id>.h5`` with dataset ``poses``
(T', 16, 2) pixels in the detector's joint order. In the release, spaces of sequence names are
underscores and un-numbered sequences have no suffix (``Directions_1.54138969.h5`` is sequence
``Directions 1``, ``Directions.54138969.h5`` is ``Directions``); S1 may use the old names
(``TakingPhoto``, ``WalkingDog``). Files of sequences without mocap (S11 ``Directions``) are ignored.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import progress
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.pose_tables import check_keypoints, read_mocap, write_h36m_2d
from pose3d.data.h36m import sequence_name, subject_folder, visible_files
from pose3d.data.skeleton import H36M_16, SH_TO_H36M_16

#: Folder of the fine-tuned detections inside a subject folder.
FOLDER = "StackedHourglassFineTuned240"


def convert_stacked_hourglass(root: str | Path, poses_3d: str | Path, out: str | Path) -> None:
    """Detections of the ``poses_3d`` sequences -> 2D table (16 joints, pixels), trimmed to the mocap."""
    mocap, _ = read_mocap(poses_3d)
    folders: dict[str, Path] = {}
    files: dict[str, dict[tuple[str, str], Path]] = {}
    tracks, sources = [], []
    sequences = zip(mocap.keys["subject"], mocap.keys["sequence"], mocap.lengths)
    with progress(sequences, total=len(mocap), desc="sh 2D", unit=" sequences") as bar:
        for subject, sequence, length in bar:
            if subject not in files:
                folders[subject] = subject_folder(root, subject, FOLDER)
                files[subject] = _detection_files(folders[subject])
            for camera in CAMERA_IDS:
                path = files[subject].get((sequence, camera))
                if path is None:
                    raise InputError(
                        folders[subject],
                        f"no detections for {subject} {sequence!r} camera {camera}, which the mocap has",
                    )
                tracks.append(
                    check_keypoints(
                        _read_poses(path, int(length)), path, "dataset 'poses'", H36M_16.num_joints, int(length)
                    )[:, SH_TO_H36M_16]
                )
                sources.append(path)
    write_h36m_2d(
        mocap,
        np.concatenate(tracks),
        H36M_16,
        [*sources, Path(poses_3d)],
        out,
        source="stacked hourglass, fine-tuned on Human3.6M (sh_ft_h36m)",
    )


def _detection_files(folder: Path) -> dict[tuple[str, str], Path]:
    """(renamed sequence, camera id) -> h5 file, for one subject's folder."""
    files: dict[tuple[str, str], Path] = {}
    for path in visible_files(folder, ".h5"):
        stem, _, camera = path.name[: -len(".h5")].rpartition(".")
        if camera not in CAMERA_IDS:
            raise InputError(path, f"unknown camera id {camera!r} in file name; known: {', '.join(CAMERA_IDS)}")
        try:
            sequence = sequence_name(stem.replace("_", " "))
        except ValueError as err:
            raise InputError(path, str(err)) from None
        if (sequence, camera) in files:
            raise InputError(path, f"{sequence!r} camera {camera} also given by {files[sequence, camera].name}")
        files[sequence, camera] = path
    return files


def _read_poses(path: Path, frames: int) -> np.ndarray:
    """The first ``frames`` rows of the ``poses`` dataset of one h5 file (the rest is trimmed anyway, and
    a small compressed file can claim billions of rows); its type is checked by :func:`check_keypoints`."""
    try:
        with h5py.File(path, "r") as h5:
            if "poses" not in h5:
                raise InputError(path, f"no 'poses' dataset (has: {', '.join(h5.keys()) or 'none'})")
            poses = h5["poses"]
            if not isinstance(poses, h5py.Dataset):
                raise InputError(path, f"'poses' should be a dataset, found an HDF5 {type(poses).__name__.lower()}")
            if poses.external or poses.is_virtual:  # values read from other files (any file, a FIFO that blocks)
                raise InputError(path, "'poses' keeps its values in other files (external or virtual dataset)")
            return poses[()] if poses.ndim == 0 else poses[:frames]
    except InputError:
        raise
    except Exception as err:  # h5py raises OSError, KeyError, TypeError... for damaged files
        raise InputError(path, f"not a readable HDF5 file ({type(err).__name__}: {one_line(err)})") from err
