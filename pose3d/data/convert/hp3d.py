"""MPI-INF-3DHP test set (TGraphNet's ``data_test_3dhp.npz``) -> Parquet in the H36M-17 layout."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.safe_load import load_npz
from pose3d.data.convert.checks import as_mapping, as_numeric, to_float32
from pose3d.data.convert.pose_tables import key_columns, keypoint_scores, scores_unit
from pose3d.data.parquet_io import build_table, file_record, write_table
from pose3d.data.skeleton import H36M_17, H36M_17_FROM_3DHP

#: Image (width, height) in pixels of each 3DHP test sequence.
IMAGE_SIZES: dict[str, tuple[int, int]] = {
    "TS1": (2048, 2048),
    "TS2": (2048, 2048),
    "TS3": (2048, 2048),
    "TS4": (2048, 2048),
    "TS5": (1920, 1080),
    "TS6": (1920, 1080),
}


def convert_3dhp(npz: str | Path, out: str | Path) -> None:
    """3DHP test sequences -> table: keypoints (17x2 pixels), positions (17x3 metres, camera frame), valid."""
    data = _load(npz)
    names = sorted(map(str, data))
    unknown = [name for name in names if name not in IMAGE_SIZES]
    if unknown:
        raise InputError(npz, f"unknown sequences {unknown}; known: {', '.join(IMAGE_SIZES)}")
    keypoints, positions, valid = [], [], []
    for name in names:
        kp, pos, ok = _sequence(npz, name, data[name])
        keypoints.append(kp)
        positions.append(pos)
        valid.append(ok)
    lengths = np.array([len(v) for v in valid])
    columns = key_columns({"sequence": names}, lengths)
    columns["valid"] = np.concatenate(valid)
    columns["width"] = np.repeat([IMAGE_SIZES[n][0] for n in names], lengths).astype(np.int32)
    columns["height"] = np.repeat([IMAGE_SIZES[n][1] for n in names], lengths).astype(np.int32)
    all_keypoints = np.concatenate(keypoints)
    scores, scores_meta = keypoint_scores(all_keypoints, None)  # the file has no detector scores
    metadata = dict(
        H36M_17.metadata(),
        units={"keypoints": "pixels", "positions": "metres", "scores": scores_unit(scores_meta)},
        coordinate_frame="camera",
        image_sizes={n: list(IMAGE_SIZES[n]) for n in names},
        notes="joints reordered from the 3DHP order; only frames with valid=True are scored; "
        "non-finite values are rejected in valid frames only",
        sources=[file_record(npz)],
        **scores_meta,
    )
    coords = {"keypoints": all_keypoints, "scores": scores, "positions": np.concatenate(positions)}
    write_table(build_table(columns, coords, metadata), out)


def _load(npz: str | Path) -> Mapping[str, Any]:
    archive = load_npz(npz, ("data",))
    if "data" not in archive:
        raise InputError(npz, "no 'data' array (not a 3DHP test archive)")
    data = as_mapping(archive["data"], npz, "'data'")
    if not data:
        raise InputError(npz, "'data' holds no sequences")
    return data


def _sequence(npz: str | Path, name: str, entry: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keypoints pixels, positions metres, valid) of one sequence, in H36M-17 joint order."""
    entry = as_mapping(entry, npz, name)
    missing = [k for k in ("data_2d", "data_3d", "valid") if k not in entry]
    if missing:
        raise InputError(npz, f"{name}: missing {missing}")
    data_2d = as_numeric(entry["data_2d"], npz, f"{name} data_2d")
    data_3d = as_numeric(entry["data_3d"], npz, f"{name} data_3d")
    flags = as_numeric(entry["valid"], npz, f"{name} valid", booleans=True).reshape(-1)
    joints = len(H36M_17_FROM_3DHP)
    if data_2d.shape != (len(flags), joints, 2) or data_3d.shape != (len(flags), joints, 3):
        raise InputError(
            npz,
            f"{name}: expected data_2d ({len(flags)}, {joints}, 2) and data_3d "
            f"({len(flags)}, {joints}, 3), got {data_2d.shape} and {data_3d.shape}",
        )
    if not np.isin(flags, (0, 1)).all():
        raise InputError(npz, f"{name}: 'valid' flags should be 0 or 1, found {flags[~np.isin(flags, (0, 1))][0]}")
    valid = flags.astype(bool)
    if not valid.any():
        raise InputError(npz, f"{name}: no frame is flagged valid ({len(valid)} frames)")
    keypoints = to_float32(data_2d[:, H36M_17_FROM_3DHP])
    positions = to_float32(data_3d[:, H36M_17_FROM_3DHP], divisor=1000.0)
    finite = np.isfinite(keypoints).all(axis=(1, 2)) & np.isfinite(positions).all(axis=(1, 2))
    if not finite[valid].all():
        raise InputError(npz, f"{name}: non-finite values in {int((~finite & valid).sum())} valid frames")
    return keypoints, positions, valid
