"""2D tables: ground-truth projection, CPN-style archives, Stacked-Hourglass h5 files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import ShRoot, renamed_sequences, write_cdf, write_detections_npz

from pose3d.core.errors import InputError
from pose3d.data.convert.detections import convert_detections
from pose3d.data.convert.ground_truth_2d import project_ground_truth
from pose3d.data.convert.h36m import convert_positions
from pose3d.data.convert.stacked_hourglass import convert_stacked_hourglass
from pose3d.data.parquet_io import coords_array, read_table

CAMERAS = ["54138969", "55011271", "58860488", "60457274"]


def _keypoints(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, dict]:
    table, meta = read_table(path)
    columns = {
        name: table.column(name).to_numpy(zero_copy_only=False)
        for name in ("subject", "sequence", "action", "camera", "frame")
    }
    return columns, coords_array(table, "keypoints", meta["shapes"]["keypoints"]), meta


def _scores(path: Path) -> np.ndarray:
    table, meta = read_table(path, ["scores"])
    assert meta["shapes"]["scores"] == [meta["shapes"]["keypoints"][0]]
    return coords_array(table, "scores", meta["shapes"]["scores"])


def _assert_no_scores(path: Path) -> None:
    """A table from a source without detector scores: 1.0 everywhere, and the metadata says so."""
    meta = read_table(path, ["scores"])[1]
    scores = _scores(path)
    assert scores.dtype == np.float32 and (scores == 1.0).all()
    assert meta["scores_source"] == "none (1.0)" and "no scores" in meta["units"]["scores"]


def test_ground_truth_projection_matches_hand_computation(tmp_path: Path) -> None:
    # S1, one frame, every joint at world (100, 200, 900) mm = (0.1, 0.2, 0.9) m.
    write_cdf(
        tmp_path / "h36m" / "S1" / "MyPoseFeatures" / "D3_Positions" / "Walking 1.cdf",
        np.tile([100.0, 200.0, 900.0], (1, 32)),
    )
    convert_positions(tmp_path / "h36m", ["S1"], tmp_path / "poses_3d.parquet")
    project_ground_truth(tmp_path / "poses_3d.parquet", tmp_path / "gt.parquet")
    columns, keypoints, _ = _keypoints(tmp_path / "gt.parquet")

    # Camera 54138969 for S1: q = (w, x, y, z) rotates camera -> world; t = centre in mm.
    w, x, y, z = 0.1407056450843811, -0.1500701755285263, -0.755240797996521, 0.6223280429840088
    t = np.array([1841.1070556640625, 4955.28466796875, 1563.4454345703125]) / 1000
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
    cam = rotation.T @ (np.float32([0.1, 0.2, 0.9]).astype(np.float64) - t)
    np.testing.assert_allclose(cam, [-0.33405255, -0.29581114, 5.08775492], atol=1e-6)
    px, py = cam[0] / cam[2], cam[1] / cam[2]  # (-0.0656581, -0.0581418)
    r2 = px * px + py * py  # 0.00769146
    k1, k2, k3 = -0.20709891617298126, 0.24777518212795258, -0.0030751503072679043
    p1, p2 = -0.0009756988729350269, -0.00142447161488235
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3  # 0.99842176
    tangential = p1 * px + p2 * py  # 0.00014688
    u = px * (radial + tangential) + p1 * r2
    v = py * (radial + tangential) + p2 * r2
    pixel = [1145.0494384765625 * u + 512.54150390625, 1143.7811279296875 * v + 515.4514770507812]
    np.testing.assert_allclose(pixel, [437.4587, 449.0327], atol=1e-3)

    first = np.flatnonzero(columns["camera"] == "54138969")[0]
    np.testing.assert_allclose(keypoints[first], np.tile(pixel, (17, 1)), atol=1e-3)


def test_ground_truth_rows_and_metadata(tmp_path: Path, poses_3d: Path) -> None:
    out = tmp_path / "gt.parquet"
    project_ground_truth(poses_3d, out)
    columns, keypoints, meta = _keypoints(out)
    sequences = renamed_sequences()
    assert len(keypoints) == 4 * sum(sum(s.values()) for s in sequences.values())
    assert keypoints.shape[1:] == (17, 2) and keypoints.dtype == np.float32
    blocks = list(dict.fromkeys(zip(columns["subject"], columns["sequence"], columns["camera"])))
    assert blocks[:4] == [("S1", "Directions 1", cam) for cam in CAMERAS]
    rows = (columns["subject"] == "S5") & (columns["sequence"] == "Eating 2") & (columns["camera"] == CAMERAS[2])
    np.testing.assert_array_equal(columns["frame"][rows], np.arange(16))
    assert set(columns["action"][columns["sequence"] == "WalkDog 1"]) == {"WalkDog"}
    assert meta["layout"] == "h36m17" and meta["units"]["keypoints"] == "pixels"
    assert meta["image_sizes"]["54138969"] == [1000, 1002] and meta["image_sizes"]["55011271"] == [1000, 1000]
    assert meta["sources"][0]["path"] == str(poses_3d)
    assert _scores(out).shape == (len(keypoints), 17)
    _assert_no_scores(out)


def test_cpn_trimmed_to_mocap_and_subjects_without_mocap_dropped(
    tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]
) -> None:
    npz, positions_2d = cpn_npz
    out = tmp_path / "cpn.parquet"
    convert_detections(npz, poses_3d, out, source="cpn")
    columns, keypoints, meta = _keypoints(out)
    assert "S2" not in set(columns["subject"])
    for camera_index, camera in enumerate(CAMERAS):
        rows = (columns["subject"] == "S1") & (columns["sequence"] == "Walking") & (columns["camera"] == camera)
        assert rows.sum() == 15  # mocap length; the archive has 18 frames
        np.testing.assert_array_equal(keypoints[rows], positions_2d["S1"]["Walking"][camera_index][:15])
    rows = (columns["subject"] == "S11") & (columns["sequence"] == "Walking 1") & (columns["camera"] == CAMERAS[3])
    np.testing.assert_array_equal(keypoints[rows], positions_2d["S11"]["Walking 1"][3])
    assert meta["source"] == "cpn" and meta["archive_metadata"]["num_joints"] == 17
    assert [Path(s["path"]).name for s in meta["sources"]] == [npz.name, poses_3d.name]
    _assert_no_scores(out)  # the CPN release has (x, y) only


def _with_scores(positions_2d: dict, rng: np.random.Generator) -> dict:
    """The archive's tracks with a third channel, the detector's score."""
    return {
        subject: {
            sequence: [np.concatenate([t, rng.uniform(0, 1, (*t.shape[:-1], 1)).astype(np.float32)], -1) for t in cams]
            for sequence, cams in sequences.items()
        }
        for subject, sequences in positions_2d.items()
    }


def test_detector_scores_are_kept_trimmed_like_the_keypoints(
    tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]
) -> None:
    archive = _with_scores(cpn_npz[1], np.random.default_rng(4))
    write_detections_npz(tmp_path / "scored.npz", archive)
    out = tmp_path / "scored.parquet"
    convert_detections(tmp_path / "scored.npz", poses_3d, out, source="cpn")
    columns, keypoints, meta = _keypoints(out)
    scores = _scores(out)
    assert meta["scores_source"] == "detector" and meta["units"]["scores"] == "detector confidence per keypoint"
    for subject, sequence in (("S1", "Walking"), ("S11", "Walking 1"), ("S5", "Eating 2")):
        for camera_index, camera in enumerate(CAMERAS):
            rows = (columns["subject"] == subject) & (columns["sequence"] == sequence) & (columns["camera"] == camera)
            track = archive[subject][sequence][camera_index][: rows.sum()]  # S1 'Walking': 18 frames, 15 kept
            np.testing.assert_array_equal(keypoints[rows], track[..., :2])
            np.testing.assert_array_equal(scores[rows], track[..., 2])
    plain = tmp_path / "plain.parquet"
    convert_detections(cpn_npz[0], poses_3d, plain, source="cpn")
    np.testing.assert_array_equal(_keypoints(plain)[1], keypoints)  # the score channel never changes x, y


def test_coco_scores_of_synthesised_joints_are_the_lowest_of_their_keypoints(tmp_path: Path, poses_3d: Path) -> None:
    from conftest import detections_2d

    archive = _with_scores(detections_2d(np.random.default_rng(6)), np.random.default_rng(7))
    coco_meta = {"layout_name": "coco", "num_joints": 17, "keypoints_symmetry": [[1, 3], [2, 4]]}
    write_detections_npz(tmp_path / "coco.npz", archive, coco_meta)
    out = tmp_path / "coco.parquet"
    convert_detections(tmp_path / "coco.npz", poses_3d, out, source="coco")
    columns, keypoints, meta = _keypoints(out)
    scores = _scores(out)
    rows = (columns["subject"] == "S5") & (columns["sequence"] == "Sitting 1") & (columns["camera"] == CAMERAS[1])
    coco = archive["S5"]["Sitting 1"][1]
    np.testing.assert_array_equal(scores[rows][:, 0], coco[:, [11, 12], 2].min(axis=1))  # Hip: both hips
    np.testing.assert_array_equal(scores[rows][:, 9], coco[:, 0, 2])  # Neck/Nose: the nose
    np.testing.assert_array_equal(scores[rows][:, 16], coco[:, 10, 2])  # RWrist: right wrist
    np.testing.assert_allclose(keypoints[rows][:, 0], coco[:, [11, 12], :2].mean(axis=1))
    assert meta["scores_source"] == "detector" and meta["layout_2d"] == "coco"


def test_bad_detector_scores_are_refused(tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]) -> None:
    archive = _with_scores(cpn_npz[1], np.random.default_rng(8))
    archive["S5"]["Eating 2"][2][4, 3, 2] = -0.5
    write_detections_npz(tmp_path / "negative.npz", archive)
    with pytest.raises(
        InputError,
        match=r"S5 'Eating 2' camera 58860488: scores that are negative or not finite in 1 frames \(first: frame 4\)",
    ):
        convert_detections(tmp_path / "negative.npz", poses_3d, tmp_path / "out.parquet", source="cpn")
    archive["S5"]["Eating 2"][2] = archive["S5"]["Eating 2"][2][..., :2]
    write_detections_npz(tmp_path / "mixed.npz", archive)
    with pytest.raises(
        InputError, match="tracks disagree on scores: .* has \\(x, y, score\\), S5 'Eating 2' camera 58860488 only"
    ):
        convert_detections(tmp_path / "mixed.npz", poses_3d, tmp_path / "out.parquet", source="cpn")
    assert not (tmp_path / "out.parquet").exists()


def test_stacked_hourglass_names_permutation_and_trimming(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    out = tmp_path / "sh.parquet"
    convert_stacked_hourglass(sh_root.root, poses_3d, out)
    columns, keypoints, meta = _keypoints(out)
    assert meta["layout"] == "h36m16" and keypoints.shape[1:] == (16, 2)
    order = [6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10]
    sequences = renamed_sequences()
    for (subject, sequence, camera), poses in sh_root.poses.items():
        rows = (columns["subject"] == subject) & (columns["sequence"] == sequence) & (columns["camera"] == camera)
        if sequence not in sequences[subject]:  # S11 Directions: no mocap, not converted
            assert not rows.any()
            continue
        length = sequences[subject][sequence]
        np.testing.assert_array_equal(keypoints[rows], poses[:length][:, order])
    # old S1 names and un-numbered sequences are found
    assert {"Photo", "WalkDog 1", "Walking"} <= set(columns["sequence"][columns["subject"] == "S1"])
    assert "Directions" in set(columns["sequence"][columns["subject"] == "S5"])
    assert _scores(out).shape == (len(keypoints), 16)
    _assert_no_scores(out)  # the h5 files hold only 'poses'


def test_archive_with_old_s1_names_and_hidden_sh_files(
    tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict], sh_root: ShRoot
) -> None:
    """An archive keyed by S1's old file names (TakingPhoto, WalkingDog) converts as the renamed one;
    macOS ``._*`` copies among the h5 files are ignored."""
    _, positions_2d = cpn_npz
    old = {"Photo": "TakingPhoto", "WalkDog 1": "WalkingDog 1"}
    archive = {**positions_2d, "S1": {old.get(name, name): cams for name, cams in positions_2d["S1"].items()}}
    write_detections_npz(tmp_path / "old_names.npz", archive)
    convert_detections(tmp_path / "old_names.npz", poses_3d, tmp_path / "old.parquet", source="cpn")
    convert_detections(cpn_npz[0], poses_3d, tmp_path / "new.parquet", source="cpn")
    (old_columns, old_keypoints, _), (new_columns, new_keypoints, _) = (
        _keypoints(tmp_path / "old.parquet"),
        _keypoints(tmp_path / "new.parquet"),
    )
    assert all(np.array_equal(old_columns[k], new_columns[k]) for k in new_columns)
    np.testing.assert_array_equal(old_keypoints, new_keypoints)

    folder = sh_root.root / "pose" / "S1" / "StackedHourglassFineTuned240"
    (folder / "._TakingPhoto.54138969.h5").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    convert_stacked_hourglass(sh_root.root, poses_3d, tmp_path / "sh.parquet")
    assert "Photo" in set(_keypoints(tmp_path / "sh.parquet")[0]["sequence"])


def test_stacked_hourglass_reads_only_the_mocap_frames(tmp_path: Path, poses_3d: Path, sh_root: ShRoot) -> None:
    """A small compressed h5 file may claim a billion rows (16 GB): only the mocap's frames are read."""
    poses = sh_root.poses["S5", "Eating 2", CAMERAS[0]]
    path = sh_root.root / "pose" / "S5" / "StackedHourglassFineTuned240" / f"Eating_2.{CAMERAS[0]}.h5"
    with h5py.File(path, "w") as h5:
        dataset = h5.create_dataset("poses", shape=(10**9, 16, 2), dtype="f4", chunks=(64, 16, 2), compression="gzip")
        dataset[: len(poses)] = poses
    convert_stacked_hourglass(sh_root.root, poses_3d, tmp_path / "sh.parquet")
    columns, keypoints, _ = _keypoints(tmp_path / "sh.parquet")
    rows = (columns["subject"] == "S5") & (columns["sequence"] == "Eating 2") & (columns["camera"] == CAMERAS[0])
    order = [6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10]
    np.testing.assert_array_equal(keypoints[rows], poses[: rows.sum()][:, order])


def test_archive_members_other_than_positions_and_metadata_are_not_read(
    tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]
) -> None:
    """Extra members (notes, another tool's data) are never unpacked, whatever they hold."""
    npz = tmp_path / "with_notes.npz"
    shutil.copy(cpn_npz[0], npz)
    with zipfile.ZipFile(npz, "a") as archive:
        archive.writestr("notes.npy", b"written by another tool, not an array")
    convert_detections(npz, poses_3d, tmp_path / "notes.parquet", source="cpn")
    convert_detections(cpn_npz[0], poses_3d, tmp_path / "plain.parquet", source="cpn")
    np.testing.assert_array_equal(_keypoints(tmp_path / "notes.parquet")[1], _keypoints(tmp_path / "plain.parquet")[1])
