"""VideoPose3D-style 2D detection archives (e.g. CPN fine-tuned on Human3.6M) -> Parquet.

The archive holds ``positions_2d[subject][sequence]``: a list of 4 (T', 17, 2) pixel arrays in
camera order. Only the mocap's subjects and sequences are kept (S2-S4 have no mocap), each track
trimmed to the mocap length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.pose_tables import check_keypoints, read_mocap, write_h36m_2d
from pose3d.data.skeleton import H36M_17


def convert_detections(npz: str | Path, poses_3d: str | Path, out: str | Path, source: str) -> None:
    """Detections of the ``poses_3d`` sequences -> 2D table (17 joints, pixels); ``source`` names the detector."""
    positions_2d, archive_meta = _load_archive(npz)
    mocap, _ = read_mocap(poses_3d)
    tracks = []
    for subject, sequence, length in zip(mocap.keys["subject"], mocap.keys["sequence"], mocap.lengths):
        if subject not in positions_2d:
            raise InputError(npz, f"no detections for subject {subject} (has: {', '.join(sorted(positions_2d))})")
        if sequence not in positions_2d[subject]:
            raise InputError(npz, f"no detections for {subject} {sequence!r}, which the mocap has")
        cameras = positions_2d[subject][sequence]
        if len(cameras) != len(CAMERA_IDS):
            raise InputError(npz, f"{subject} {sequence!r}: {len(cameras)} cameras, expected {len(CAMERA_IDS)}")
        for camera, track in zip(CAMERA_IDS, cameras):
            tracks.append(
                check_keypoints(track, npz, f"{subject} {sequence!r} camera {camera}", H36M_17.num_joints, int(length))
            )
    write_h36m_2d(
        mocap,
        np.concatenate(tracks),
        H36M_17,
        [Path(npz), Path(poses_3d)],
        out,
        source=source,
        archive_metadata=archive_meta,
    )


def _load_archive(npz: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``positions_2d`` and ``metadata`` dictionaries of a VideoPose3D 2D archive."""
    if not Path(npz).is_file():
        raise InputError(npz, "file not found")
    try:
        with np.load(npz, allow_pickle=True) as archive:
            positions_2d = archive["positions_2d"].item()
            metadata = archive["metadata"].item() if "metadata" in archive.files else {}
    except KeyError:
        raise InputError(npz, "no 'positions_2d' array (not a VideoPose3D 2D archive)") from None
    except Exception as err:  # zipfile / pickle / numpy raise many types for damaged archives
        raise InputError(npz, f"not a readable .npz archive ({type(err).__name__}: {err})") from err
    if not isinstance(positions_2d, dict):
        raise InputError(npz, "'positions_2d' is not a dictionary of subjects")
    return positions_2d, _json_safe(metadata)


def _json_safe(value: Any) -> Any:
    """Archive metadata as plain JSON types (numpy arrays and scalars converted)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value
