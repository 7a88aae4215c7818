"""Human3.6M mocap CDF -> Parquet: exact values, naming, layouts, subsets, metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from conftest import H36M_FILES, H36mRoot, random_pose, write_cdf

from pose3d.data.convert.h36m import convert_angles, convert_positions
from pose3d.data.parquet_io import coords_array, read_table


def _positions(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, dict]:
    table, meta = read_table(path)
    columns = {
        name: table.column(name).to_numpy(zero_copy_only=False) for name in ("subject", "sequence", "action", "frame")
    }
    return columns, coords_array(table, "positions", meta["shapes"]["positions"]), meta


def test_positions_equal_reference_conversion_exactly(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S1", "S5", "S11"], out)
    columns, positions, _ = _positions(out)
    assert positions.dtype == np.float32 and positions.shape[1:] == (32, 3)
    for (subject, stem), pose in h36m_root.poses.items():
        sequence = stem.replace("TakingPhoto", "Photo").replace("WalkingDog", "WalkDog")
        rows = (columns["subject"] == subject) & (columns["sequence"] == sequence)
        if (subject, stem) == ("S11", "Directions"):
            assert not rows.any()
            continue
        expected = (pose.reshape(-1, 32, 3) / 1000).astype(np.float32)
        np.testing.assert_array_equal(positions[rows], expected)
        np.testing.assert_array_equal(columns["frame"][rows], np.arange(len(pose)))
    assert pq.read_schema(out).field("frame").type == "int32"


def test_rows_ordered_by_subject_as_given_then_sorted_sequence_then_frame(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S11", "S1"], out)
    columns, _, meta = _positions(out)
    blocks = list(dict.fromkeys(zip(columns["subject"], columns["sequence"])))
    assert blocks == [
        ("S11", "Directions 1"),
        ("S11", "Walking 1"),
        ("S1", "Directions 1"),
        ("S1", "Photo"),
        ("S1", "WalkDog 1"),
        ("S1", "Walking"),
    ]
    assert meta["subjects"] == ["S11", "S1"]


def test_old_s1_names_are_renamed_and_actions_canonical(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S1"], out)
    columns, _, _ = _positions(out)
    pairs = set(zip(columns["sequence"], columns["action"]))
    assert pairs == {
        ("Directions 1", "Directions"),
        ("Photo", "Photo"),
        ("WalkDog 1", "WalkDog"),
        ("Walking", "Walking"),
    }


def test_s11_directions_is_skipped(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S11"], out)
    columns, _, meta = _positions(out)
    assert set(columns["sequence"]) == {"Directions 1", "Walking 1"}
    assert not any(Path(s["path"]).name == "Directions.cdf" for s in meta["sources"])


def test_subject_subset_only(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S5"], out)
    columns, positions, _ = _positions(out)
    assert set(columns["subject"]) == {"S5"}
    assert len(positions) == sum(frames for _, frames in H36M_FILES["S5"])


def test_pose_level_layout_and_spaces_in_names(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    folder = tmp_path / "data root" / "pose" / "S7" / "MyPoseFeatures" / "D3_Positions"
    poses = {"SittingDown 2": random_pose(rng, 9), "Eating 1": random_pose(rng, 6)}
    for stem, pose in poses.items():
        write_cdf(folder / f"{stem}.cdf", pose)
    out = tmp_path / "out dir" / "poses_3d.parquet"
    convert_positions(tmp_path / "data root", ["S7"], out)
    columns, positions, _ = _positions(out)
    assert list(dict.fromkeys(columns["sequence"])) == ["Eating 1", "SittingDown 2"]
    np.testing.assert_array_equal(positions[:6], (poses["Eating 1"].reshape(-1, 32, 3) / 1000).astype(np.float32))


def test_metadata_describes_the_table(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S1", "S5"], out)
    _, _, meta = _positions(out)
    assert meta["layout"] == "h36m32" and len(meta["joints"]) == 32
    assert meta["parents"][:4] == [-1, 0, 1, 2]
    assert meta["units"] == {"positions": "metres"} and meta["coordinate_frame"] == "world"
    assert meta["shapes"] == {"positions": [32, 3]} and meta["frame_rate"] == 50
    assert len(meta["sources"]) == 8
    for source in meta["sources"]:
        assert Path(source["path"]).stat().st_size == source["bytes"]


def test_angles_keep_raw_units(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    root = tmp_path / "h36m"
    angles = {"Greeting 1": rng.normal(0, 90, size=(8, 78)), "Posing": rng.normal(0, 90, size=(5, 78))}
    for stem, values in angles.items():
        write_cdf(root / "S9" / "MyPoseFeatures" / "D3_Angles" / f"{stem}.cdf", values)
    out = tmp_path / "angles_3d.parquet"
    convert_angles(root, ["S9"], out)
    table, meta = read_table(out)
    got = coords_array(table, "angles", meta["shapes"]["angles"])
    np.testing.assert_array_equal(got, np.concatenate([angles["Greeting 1"], angles["Posing"]]).astype(np.float32))
    assert "millimetres" in meta["units"]["angles"] and "degrees" in meta["units"]["angles"]
    assert table.column("action").to_pylist()[-1] == "Posing"


def test_videos_in_subject_folder_poses_under_pose_and_hidden_files_ignored(tmp_path: Path) -> None:
    """``S1/`` may hold only videos while the poses sit in ``pose/S1/``; macOS ``._*`` copies are not sequences."""
    root = tmp_path / "h36m"
    (root / "S1" / "Videos").mkdir(parents=True)
    folder = root / "pose" / "S1" / "MyPoseFeatures" / "D3_Positions"
    pose = random_pose(np.random.default_rng(2), 8)
    write_cdf(folder / "TakingPhoto 1.cdf", pose)
    (folder / "._TakingPhoto 1.cdf").write_bytes(b"\x00\x05\x16\x07" + bytes(60))  # AppleDouble resource fork
    out = tmp_path / "poses_3d.parquet"
    convert_positions(root, ["S1"], out)
    columns, positions, meta = _positions(out)
    assert set(columns["sequence"]) == {"Photo 1"} and len(meta["sources"]) == 1
    np.testing.assert_array_equal(positions, (pose.reshape(-1, 32, 3) / 1000).astype(np.float32))
