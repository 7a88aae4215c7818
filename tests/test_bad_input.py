"""Bad input: an InputError naming the file and the problem, and no output (nor temp file) left behind."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import H36mRoot, ShRoot, detections_2d, sh_file_name, write_cdf, write_detections_npz, write_sh_h5

from pose3d.core.errors import InputError
from pose3d.data.convert.detections import convert_detections
from pose3d.data.convert.h36m import convert_angles, convert_positions
from pose3d.data.convert.hp3d import convert_3dhp
from pose3d.data.convert.pw3d import convert_3dpw
from pose3d.data.convert.stacked_hourglass import convert_stacked_hourglass


def _fails(tmp_path: Path, convert: Callable[[Path], None], bad: Path, *problem: str) -> None:
    """``convert(out)`` raises an InputError naming ``bad`` and every ``problem`` text; nothing is written."""
    out_dir = tmp_path / "results"
    with pytest.raises(InputError) as caught:
        convert(out_dir / "table.parquet")
    message = str(caught.value)
    assert str(bad) in message, message
    for text in problem:
        assert text in message, message
    assert not out_dir.exists() or list(out_dir.iterdir()) == [], "output or temp file left behind"


def _cdf(h36m_root: H36mRoot, subject: str, stem: str) -> Path:
    return h36m_root.root / subject / "MyPoseFeatures" / "D3_Positions" / f"{stem}.cdf"


def test_missing_subject_folder(tmp_path: Path, h36m_root: H36mRoot) -> None:
    _fails(
        tmp_path,
        lambda out: convert_positions(h36m_root.root, ["S1", "S9"], out),
        h36m_root.root,
        "subject S9 not found",
    )


def test_truncated_cdf(tmp_path: Path, h36m_root: H36mRoot) -> None:
    path = _cdf(h36m_root, "S5", "Eating 2")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _fails(tmp_path, lambda out: convert_positions(h36m_root.root, ["S5"], out), path, "not a readable CDF")


def test_not_a_cdf(tmp_path: Path, h36m_root: H36mRoot) -> None:
    path = _cdf(h36m_root, "S1", "Walking")
    path.write_text("this is not a CDF file\n" * 20)
    _fails(tmp_path, lambda out: convert_positions(h36m_root.root, ["S1"], out), path, "not a readable CDF")


def test_cdf_without_pose(tmp_path: Path, h36m_root: H36mRoot) -> None:
    path = _cdf(h36m_root, "S1", "Walking")
    write_cdf(path, np.zeros((4, 96)), variable="Angles")
    _fails(tmp_path, lambda out: convert_positions(h36m_root.root, ["S1"], out), path, "no 'Pose' variable")


def test_pose_size_not_a_multiple_of_96(tmp_path: Path, h36m_root: H36mRoot) -> None:
    path = _cdf(h36m_root, "S11", "Walking 1")
    write_cdf(path, np.zeros((10, 95)))
    _fails(tmp_path, lambda out: convert_positions(h36m_root.root, ["S11"], out), path, "(1, 10, 95)", "(1, T, 96)")


def test_angles_size_not_a_multiple_of_78(tmp_path: Path) -> None:
    path = write_cdf(tmp_path / "h36m" / "S1" / "MyPoseFeatures" / "D3_Angles" / "Posing 1.cdf", np.zeros((3, 96)))
    _fails(tmp_path, lambda out: convert_angles(tmp_path / "h36m", ["S1"], out), path, "(1, T, 78)")


def test_nan_in_pose(tmp_path: Path, h36m_root: H36mRoot) -> None:
    path = _cdf(h36m_root, "S1", "Directions 1")
    pose = h36m_root.poses["S1", "Directions 1"].copy()
    pose[7, 5] = np.nan
    write_cdf(path, pose)
    _fails(tmp_path, lambda out: convert_positions(h36m_root.root, ["S1"], out), path, "non-finite", "frame 7")


def test_failed_conversion_keeps_previous_output(tmp_path: Path, h36m_root: H36mRoot) -> None:
    out = tmp_path / "results" / "poses_3d.parquet"
    convert_positions(h36m_root.root, ["S1"], out)
    before = out.read_bytes()
    _cdf(h36m_root, "S1", "Walking").write_bytes(b"\0" * 64)
    with pytest.raises(InputError):
        convert_positions(h36m_root.root, ["S1"], out)
    assert out.read_bytes() == before and sorted(p.name for p in out.parent.iterdir()) == ["poses_3d.parquet"]


def _npz(tmp_path: Path, edit: Callable[[dict], None]) -> Path:
    positions_2d = detections_2d(np.random.default_rng(0))
    edit(positions_2d)
    return write_detections_npz(tmp_path / "bad_cpn.npz", positions_2d)


def _shorter(p: dict) -> None:
    p["S5"]["Eating 2"][2] = p["S5"]["Eating 2"][2][:-1]


def _sixteen_joints(p: dict) -> None:
    p["S1"]["Photo"][0] = p["S1"]["Photo"][0][:, :16]


def _three_cameras(p: dict) -> None:
    p["S11"]["Walking 1"] = p["S11"]["Walking 1"][:3]


def _sequence_missing(p: dict) -> None:
    del p["S1"]["WalkDog 1"]


def _nan(p: dict) -> None:
    p["S5"]["Sitting 1"][1][4, 3, 0] = np.nan


@pytest.mark.parametrize(
    "edit, problem",
    [
        (_shorter, "15 frames of 2D but 16 mocap frames"),
        (_sixteen_joints, "expected (17 joints x 2)"),
        (_three_cameras, "3 cameras, expected 4"),
        (_sequence_missing, "no detections for S1 'WalkDog 1'"),
        (_nan, "non-finite keypoints"),
    ],
)
def test_bad_detection_archive(tmp_path: Path, poses_3d: Path, edit: Callable[[dict], None], problem: str) -> None:
    npz = _npz(tmp_path, edit)
    _fails(tmp_path, lambda out: convert_detections(npz, poses_3d, out, source="cpn"), npz, problem)


def test_truncated_detection_archive(tmp_path: Path, poses_3d: Path) -> None:
    npz = _npz(tmp_path, lambda p: None)
    data = npz.read_bytes()
    npz.write_bytes(data[: len(data) // 2])
    _fails(tmp_path, lambda out: convert_detections(npz, poses_3d, out, source="cpn"), npz, "not a readable")


def _sh_file(sh_root: ShRoot, subject: str, sequence: str, camera: str) -> Path:
    return sh_root.root / "pose" / subject / "StackedHourglassFineTuned240" / sh_file_name(sequence, camera)


def test_sh_unknown_camera_id(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    path = write_sh_h5(_sh_file(sh_root, "S5", "Eating 2", "12345678"), np.zeros((20, 16, 2), np.float32))
    _fails(
        tmp_path,
        lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out),
        path,
        "unknown camera id '12345678'",
    )


def test_sh_wrong_joint_count(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    path = write_sh_h5(_sh_file(sh_root, "S1", "Walking", "58860488"), np.zeros((20, 17, 2), np.float32))
    _fails(tmp_path, lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out), path, "16 joints")


def test_sh_fewer_frames_than_mocap(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    path = write_sh_h5(_sh_file(sh_root, "S11", "Walking 1", "60457274"), np.zeros((12, 16, 2), np.float32))
    _fails(
        tmp_path,
        lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out),
        path,
        "12 frames of 2D but 13 mocap frames",
    )


def test_sh_missing_camera_file(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    _sh_file(sh_root, "S5", "Sitting 1", "55011271").unlink()
    folder = sh_root.root / "pose" / "S5" / "StackedHourglassFineTuned240"
    _fails(
        tmp_path,
        lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out),
        folder,
        "'Sitting 1' camera 55011271",
    )


def test_sh_missing_subject_folder(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    shutil.rmtree(sh_root.root / "pose" / "S11")
    _fails(
        tmp_path,
        lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out),
        sh_root.root,
        "subject S11 not found",
    )


def test_sh_not_hdf5(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    path = _sh_file(sh_root, "S1", "Directions 1", "54138969")
    path.write_bytes(path.read_bytes()[:100])
    _fails(tmp_path, lambda out: convert_stacked_hourglass(sh_root.root, poses_3d, out), path, "not a readable HDF5")


def test_missing_poses_3d_table(tmp_path: Path, cpn_npz: tuple[Path, dict]) -> None:
    missing = tmp_path / "nowhere" / "poses_3d.parquet"
    _fails(tmp_path, lambda out: convert_detections(cpn_npz[0], missing, out, source="cpn"), missing, "not found")


def test_3dhp_wrong_joint_count(tmp_path: Path, hp3d_npz: tuple[Path, dict]) -> None:
    npz, data = hp3d_npz
    data["TS5"]["data_2d"] = data["TS5"]["data_2d"][:, :16]
    np.savez_compressed(npz, data=data)
    _fails(tmp_path, lambda out: convert_3dhp(npz, out), npz, "TS5", "expected data_2d")


def test_3dpw_not_a_pickle(tmp_path: Path, pw3d_pkl: tuple[Path, dict]) -> None:
    pkl, _ = pw3d_pkl
    pkl.write_bytes(pkl.read_bytes()[:50])
    _fails(tmp_path, lambda out: convert_3dpw(pkl, out), pkl, "not a readable pickle")
