"""3DPW test set (TGraphNet's ``pw3d_test.pkl``) -> Parquet in the H36M-17 layout."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.safe_load import load_pickle
from pose3d.data.convert.checks import as_mapping, as_numeric, to_float32
from pose3d.data.convert.pose_tables import key_columns, keypoint_scores, scores_unit
from pose3d.data.parquet_io import build_table, file_record, write_table
from pose3d.data.skeleton import H36M_17


def convert_3dpw(pkl: str | Path, out: str | Path) -> None:
    """3DPW test clips -> table: keypoints (17x2, screen-normalised as in the source), positions
    (17x3 metres, camera frame), per-row camera intrinsics (f, c, k, p) and image width/height."""
    data = _load(pkl)
    names = sorted(data)
    keypoints, positions, cams = zip(*(_clip(pkl, name, data[name]) for name in names))
    lengths = np.array([len(k) for k in keypoints])
    cam = np.repeat(np.stack(cams), lengths, axis=0)
    columns = key_columns({"sequence": names}, lengths)
    columns["width"] = np.rint(cam[:, 9]).astype(np.int32)
    columns["height"] = np.rint(cam[:, 10]).astype(np.int32)
    all_keypoints = np.concatenate(keypoints)
    scores, scores_meta = keypoint_scores(all_keypoints, None)  # the file has no detector scores
    metadata = dict(
        H36M_17.metadata(),
        units={
            "keypoints": "screen-normalised (x in [-1, 1], y in [-h/w, h/w]) as in the source",
            "positions": "metres",
            "intrinsics": "pixels (f, c), unitless (k, p)",
            "scores": scores_unit(scores_meta),
        },
        coordinate_frame="camera",
        keypoints_normalised=True,
        intrinsics_layout=["fx", "fy", "cx", "cy", "k1", "k2", "k3", "p1", "p2"],
        sources=[file_record(pkl)],
        **scores_meta,
    )
    coords = {
        "keypoints": all_keypoints,
        "scores": scores,
        "positions": np.concatenate(positions),
        "intrinsics": cam[:, :9],
    }
    write_table(build_table(columns, coords, metadata), out)


def _load(pkl: str | Path) -> Mapping[str, Any]:
    data = as_mapping(load_pickle(pkl), pkl, "the pickle")
    if not data or not all(isinstance(name, str) for name in data):
        raise InputError(pkl, "expected a non-empty dictionary of '<video>_<person>' clips keyed by name")
    return data


def _clip(pkl: str | Path, name: str, entry: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keypoints, positions, 11 camera values f c k p w h) of one clip, validated."""
    entry = as_mapping(entry, pkl, name)
    missing = [k for k in ("pos2d", "pos3d", "cam") if k not in entry]
    if missing:
        raise InputError(pkl, f"{name}: missing {missing}")
    pos2d = as_numeric(entry["pos2d"], pkl, f"{name} pos2d")
    pos3d = as_numeric(entry["pos3d"], pkl, f"{name} pos3d")
    cam = as_numeric(entry["cam"], pkl, f"{name} cam").astype(np.float64).reshape(-1)
    joints = H36M_17.num_joints
    if pos2d.ndim != 3 or pos2d.shape[1:] != (joints, 2) or pos3d.shape != (len(pos2d), joints, 3):
        raise InputError(
            pkl,
            f"{name}: expected pos2d (T, {joints}, 2) and pos3d (T, {joints}, 3), got {pos2d.shape} and {pos3d.shape}",
        )
    if len(pos2d) == 0:
        raise InputError(pkl, f"{name}: no frames")
    if cam.size < 11:
        raise InputError(pkl, f"{name}: 'cam' has {cam.size} values, expected f(2) c(2) k(3) p(2) ... w h")
    width, height = cam[-2:]
    if not (1 <= width < 2**31 and 1 <= height < 2**31):
        raise InputError(
            pkl, f"{name}: image size (the last two 'cam' values) should be pixels, found {width} x {height}"
        )
    pos2d, pos3d = to_float32(pos2d), to_float32(pos3d)
    if not (np.isfinite(pos2d).all() and np.isfinite(pos3d).all() and np.isfinite(cam).all()):
        raise InputError(pkl, f"{name}: non-finite values")
    return pos2d, pos3d, np.concatenate([cam[:9], cam[-2:]])
