"""MPI-INF-3DHP and 3DPW test files -> Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from pose3d.data.convert.hp3d import convert_3dhp
from pose3d.data.convert.pw3d import convert_3dpw
from pose3d.data.loader import load_3dhp
from pose3d.data.parquet_io import coords_array, read_table

#: For each H36M-17 joint, its 3DHP index (written out here, independent of pose3d.data.skeleton).
FROM_3DHP = [14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4]


def test_3dhp_reordered_metres_valid_and_sizes(tmp_path: Path, hp3d_npz: tuple[Path, dict]) -> None:
    npz, data = hp3d_npz
    out = tmp_path / "3dhp" / "test.parquet"
    convert_3dhp(npz, out)
    table, meta = read_table(out)
    keypoints = coords_array(table, "keypoints", meta["shapes"]["keypoints"])
    positions = coords_array(table, "positions", meta["shapes"]["positions"])
    sequence = table.column("sequence").to_numpy(zero_copy_only=False)
    assert list(dict.fromkeys(sequence)) == ["TS1", "TS5"]
    for name, (width, height) in (("TS1", (2048, 2048)), ("TS5", (1920, 1080))):
        rows = sequence == name
        np.testing.assert_array_equal(keypoints[rows], data[name]["data_2d"][:, FROM_3DHP].astype(np.float32))
        np.testing.assert_allclose(positions[rows], data[name]["data_3d"][:, FROM_3DHP] / 1000, rtol=1e-6)
        np.testing.assert_array_equal(
            table.column("valid").to_numpy(zero_copy_only=False)[rows], data[name]["valid"] == 1
        )
        assert set(table.column("width").to_numpy()[rows]) == {width}
        assert set(table.column("height").to_numpy()[rows]) == {height}
        np.testing.assert_array_equal(table.column("frame").to_numpy()[rows], np.arange(rows.sum()))
    assert meta["layout"] == "h36m17" and meta["coordinate_frame"] == "camera"
    assert meta["units"]["positions"] == "metres" and meta["image_sizes"]["TS5"] == [1920, 1080]
    _assert_no_scores(table, meta)


def _assert_no_scores(table: pa.Table, meta: dict) -> None:
    """The test files carry no detector scores: a ``scores`` column of ones, and the metadata says so."""
    scores = coords_array(table, "scores", meta["shapes"]["scores"])
    assert scores.shape == (table.num_rows, 17) and (scores == 1.0).all()
    assert meta["scores_source"] == "none (1.0)"


def test_3dpw_keeps_normalised_keypoints_and_camera_columns(tmp_path: Path, pw3d_pkl: tuple[Path, dict]) -> None:
    pkl, data = pw3d_pkl
    out = tmp_path / "3dpw" / "test.parquet"
    convert_3dpw(pkl, out)
    table, meta = read_table(out)
    keypoints = coords_array(table, "keypoints", meta["shapes"]["keypoints"])
    positions = coords_array(table, "positions", meta["shapes"]["positions"])
    intrinsics = coords_array(table, "intrinsics", meta["shapes"]["intrinsics"])
    sequence = table.column("sequence").to_numpy(zero_copy_only=False)
    assert list(dict.fromkeys(sequence)) == ["downtown_arguing_00_1", "downtown_walkBridge_01_0"]
    for name, clip in data.items():
        rows = sequence == name
        np.testing.assert_array_equal(keypoints[rows], clip["pos2d"])
        np.testing.assert_array_equal(positions[rows], clip["pos3d"].astype(np.float32))
        np.testing.assert_array_equal(intrinsics[rows], np.tile(clip["cam"][:9].astype(np.float32), (rows.sum(), 1)))
        assert set(table.column("width").to_numpy()[rows]) == {1080}
        assert set(table.column("height").to_numpy()[rows]) == {1920}
    assert meta["keypoints_normalised"] is True and "normalised" in meta["units"]["keypoints"]
    assert meta["units"]["positions"] == "metres" and meta["layout"] == "h36m17"
    _assert_no_scores(table, meta)


def test_3dhp_non_finite_values_of_invalid_frames_load_as_zeros(tmp_path: Path, hp3d_npz: tuple[Path, dict]) -> None:
    """Frames flagged invalid may hold NaN in the source: converted as they are, loaded as 0 (never scored)."""
    _, data = hp3d_npz
    invalid = data["TS1"]["valid"] == 0
    data["TS1"]["data_2d"][invalid] = np.nan
    data["TS1"]["data_3d"][invalid] = np.nan
    npz = tmp_path / "with_nan.npz"
    np.savez_compressed(npz, data=data)
    convert_3dhp(npz, tmp_path / "3dhp.parquet")
    clips = load_3dhp(tmp_path / "3dhp.parquet")
    ts1 = clips.sequence == "TS1"
    assert np.isfinite(clips.keypoints).all() and np.isfinite(clips.positions).all()
    assert (clips.keypoints[ts1 & ~clips.valid] == 0).all() and (clips.positions[ts1 & ~clips.valid] == 0).all()
    expected = data["TS1"]["data_3d"][~invalid][:, FROM_3DHP] / 1000
    np.testing.assert_allclose(clips.positions[ts1 & clips.valid], expected, rtol=1e-6)
