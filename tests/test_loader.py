"""pose3d.data.loader: joins, camera-frame 3D, normalised 2D, clip structure, 16-joint variant, speed."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from conftest import H36mRoot, ShRoot

from pose3d.core.errors import InputError
from pose3d.data.camera import normalize_screen, project
from pose3d.data.convert.detections import convert_detections
from pose3d.data.convert.ground_truth_2d import project_ground_truth
from pose3d.data.convert.h36m import convert_positions
from pose3d.data.convert.hp3d import convert_3dhp
from pose3d.data.convert.pw3d import convert_3dpw
from pose3d.data.convert.stacked_hourglass import convert_stacked_hourglass
from pose3d.data.loader import load_3dhp, load_3dpw, load_h36m
from pose3d.data.parquet_io import build_table, coords_array, read_table, write_table

#: 32-joint indices of the 17-joint layout, written out independently of pose3d.data.skeleton.
KEEP_17 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
DROP_NECK = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]


@pytest.fixture
def gt_2d(tmp_path: Path, poses_3d: Path) -> Path:
    out = tmp_path / "gt.parquet"
    project_ground_truth(poses_3d, out)
    return out


def _calibration() -> dict:
    return json.loads(resources.files("pose3d.data").joinpath("h36m_cameras.json").read_text())


def test_loader_matches_direct_computation(h36m_root: H36mRoot, poses_3d: Path, gt_2d: Path) -> None:
    clips = load_h36m(poses_3d, gt_2d, ["S5", "S11"])
    calibration = _calibration()
    cam_index, camera = 1, "55011271"
    ext = calibration["extrinsics"]["S5"][cam_index]
    w, x, y, z = ext["orientation"]
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
    world_m = (h36m_root.poses["S5", "Eating 2"].reshape(-1, 32, 3) / 1000).astype(np.float32)[:, KEEP_17]
    expected = (world_m.astype(np.float64) - np.array(ext["translation"]) / 1000) @ rotation
    rows = (clips.subject == "S5") & (clips.sequence == "Eating 2") & (clips.camera == camera)
    np.testing.assert_array_equal(clips.frame[rows], np.arange(16))
    np.testing.assert_allclose(clips.positions[rows], expected, atol=2e-6)
    assert set(clips.action[rows]) == {"Eating"}

    table, meta = read_table(gt_2d)
    pixels = coords_array(table, "keypoints", meta["shapes"]["keypoints"])
    gt_rows = (
        (table.column("subject").to_numpy(zero_copy_only=False) == "S5")
        & (table.column("sequence").to_numpy(zero_copy_only=False) == "Eating 2")
        & (table.column("camera").to_numpy(zero_copy_only=False) == camera)
    )
    np.testing.assert_allclose(clips.keypoints[rows], pixels[gt_rows] / 1000 * 2 - 1, atol=1e-6)  # 1000x1000


def test_ground_truth_round_trip(poses_3d: Path, gt_2d: Path) -> None:
    clips = load_h36m(poses_3d, gt_2d, ["S1", "S5", "S11"])
    per_row = np.repeat(clips.intrinsics.astype(np.float64), clips.clip_lengths, axis=0)
    pixels = project(clips.positions.astype(np.float64), per_row[:, None, :9])
    again = normalize_screen(pixels, per_row[:, 9:10], per_row[:, 10:11])
    np.testing.assert_allclose(clips.keypoints, again, atol=2e-5)


def test_clip_structure_subjects_and_select(poses_3d: Path, gt_2d: Path) -> None:
    clips = load_h36m(poses_3d, gt_2d, ["S11"])
    assert clips.num_clips == 2 * 4 and set(clips.subject) == {"S11"}
    assert clips.clip_starts[0] == 0 and clips.clip_starts[-1] == len(clips) == 4 * (20 + 13)
    for c in range(clips.num_clips):
        rows = slice(clips.clip_starts[c], clips.clip_starts[c + 1])
        assert len(set(zip(clips.subject[rows], clips.sequence[rows], clips.camera[rows]))) == 1
        np.testing.assert_array_equal(clips.frame[rows], np.arange(clips.clip_lengths[c]))
    assert clips.intrinsics.shape == (8, 11) and clips.intrinsics.dtype == np.float32
    assert list(clips.intrinsics[:4, 9:].tolist()) == [[1000, 1002], [1000, 1000], [1000, 1000], [1000, 1002]]
    assert clips.valid.all() and clips.keypoints.dtype == np.float32

    picked = clips.select(np.array([5, 2]))
    mask = np.zeros(clips.num_clips, dtype=bool)
    mask[[2, 5]] = True
    np.testing.assert_array_equal(clips.select(mask).frame, clips.select(np.array([2, 5])).frame)
    expected = np.concatenate(
        [
            clips.positions[clips.clip_starts[5] : clips.clip_starts[6]],
            clips.positions[clips.clip_starts[2] : clips.clip_starts[3]],
        ]
    )
    np.testing.assert_array_equal(picked.positions, expected)
    np.testing.assert_array_equal(picked.intrinsics, clips.intrinsics[[5, 2]])
    assert picked.clip_starts.tolist() == [0, clips.clip_lengths[5], clips.clip_lengths[5] + clips.clip_lengths[2]]

    both = load_h36m(poses_3d, gt_2d, ["S1", "S11"])
    only = both.subjects(["S11"])
    np.testing.assert_array_equal(only.positions, clips.positions)
    np.testing.assert_array_equal(only.keypoints, clips.keypoints)


def test_sixteen_joint_variant(
    tmp_path: Path, poses_3d: Path, gt_2d: Path, sh_root: ShRoot, cpn_npz: tuple[Path, dict]
) -> None:
    sh = tmp_path / "sh.parquet"
    convert_stacked_hourglass(sh_root.root, poses_3d, sh)
    seventeen = load_h36m(poses_3d, gt_2d, ["S1", "S5"])
    sixteen = load_h36m(poses_3d, sh, ["S1", "S5"], num_joints=16)
    assert sixteen.keypoints.shape[1:] == (16, 2) and sixteen.positions.shape[1:] == (16, 3)
    np.testing.assert_array_equal(sixteen.positions, seventeen.positions[:, DROP_NECK])
    with pytest.raises(InputError, match="16 joints"):
        load_h36m(poses_3d, sh, ["S1"], num_joints=17)

    cpn = tmp_path / "cpn.parquet"
    convert_detections(cpn_npz[0], poses_3d, cpn, source="cpn")
    np.testing.assert_array_equal(
        load_h36m(poses_3d, cpn, ["S5"], num_joints=16).keypoints,
        load_h36m(poses_3d, cpn, ["S5"]).keypoints[:, DROP_NECK],
    )


def test_load_3dhp(tmp_path: Path, hp3d_npz: tuple[Path, dict]) -> None:
    npz, data = hp3d_npz
    convert_3dhp(npz, tmp_path / "3dhp.parquet")
    clips = load_3dhp(tmp_path / "3dhp.parquet")
    assert clips.num_clips == 2 and list(clips.per_clip("sequence")) == ["TS1", "TS5"]
    rows = clips.sequence == "TS5"
    source_2d = data["TS5"]["data_2d"][:, [14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4]]
    np.testing.assert_allclose(clips.keypoints[rows], source_2d / 1920 * 2 - [1, 1080 / 1920], atol=1e-6)
    np.testing.assert_array_equal(clips.valid[rows], data["TS5"]["valid"] == 1)
    assert np.isnan(clips.intrinsics[:, :9]).all() and clips.intrinsics[1, 9:].tolist() == [1920, 1080]
    assert load_3dhp(tmp_path / "3dhp.parquet", num_joints=16).positions.shape[1:] == (16, 3)


def test_load_3dpw(tmp_path: Path, pw3d_pkl: tuple[Path, dict]) -> None:
    pkl, data = pw3d_pkl
    convert_3dpw(pkl, tmp_path / "3dpw.parquet")
    clips = load_3dpw(tmp_path / "3dpw.parquet")
    name = "downtown_walkBridge_01_0"
    rows = clips.sequence == name
    np.testing.assert_array_equal(clips.keypoints[rows], data[name]["pos2d"])
    np.testing.assert_array_equal(clips.positions[rows], data[name]["pos3d"].astype(np.float32))
    c = list(clips.per_clip("sequence")).index(name)
    np.testing.assert_array_equal(clips.intrinsics[c], data[name]["cam"].astype(np.float32))
    assert set(clips.action) == {""} and set(clips.camera) == {""}


def test_loader_speed(tmp_path: Path) -> None:
    """100 k mocap frames (400 k 2D rows): project and load within a few seconds."""
    rng = np.random.default_rng(0)
    sequences, frames = 20, 5000
    world = (rng.normal(0, 0.3, size=(sequences * frames, 32, 3)) + [0, 0, 1]).astype(np.float32)
    keys = {
        "subject": np.repeat(["S9", "S11"], sequences // 2 * frames),
        "sequence": np.repeat([f"Walking {i}" for i in range(sequences)], frames),
        "action": np.repeat(["Walking"], sequences * frames),
        "frame": np.tile(np.arange(frames, dtype=np.int32), sequences),
    }
    write_table(build_table(keys, {"positions": world}, {"layout": "h36m32"}), tmp_path / "p3.parquet")
    start = time.perf_counter()
    project_ground_truth(tmp_path / "p3.parquet", tmp_path / "gt.parquet")
    projected = time.perf_counter()
    clips = load_h36m(tmp_path / "p3.parquet", tmp_path / "gt.parquet", ["S9", "S11"])
    loaded = time.perf_counter()
    assert len(clips) == 4 * sequences * frames and clips.num_clips == 4 * sequences
    print(f"project {projected - start:.2f} s, load {loaded - projected:.2f} s")
    assert projected - start < 15 and loaded - projected < 15


def test_ungrouped_2d_rows_are_sorted_into_clips(tmp_path: Path, poses_3d: Path, gt_2d: Path) -> None:
    table, _ = read_table(gt_2d)
    shuffled = table.take(np.random.default_rng(0).permutation(table.num_rows))
    write_table(shuffled, tmp_path / "shuffled.parquet")  # keeps the schema metadata
    expected = load_h36m(poses_3d, gt_2d, ["S5"])
    got = load_h36m(poses_3d, tmp_path / "shuffled.parquet", ["S5"])
    np.testing.assert_array_equal(got.clip_starts, expected.clip_starts)
    np.testing.assert_array_equal(got.positions, expected.positions)
    np.testing.assert_array_equal(got.keypoints, expected.keypoints)


def test_2d_without_mocap_is_an_input_error(tmp_path: Path, h36m_root: H36mRoot, gt_2d: Path) -> None:
    only_s5 = tmp_path / "s5.parquet"
    convert_positions(h36m_root.root, ["S5"], only_s5)
    with pytest.raises(InputError, match="S1 'Directions 1' camera 54138969 has no mocap"):
        load_h36m(only_s5, gt_2d, ["S1"])
    with pytest.raises(InputError, match=r"no rows for subjects \['S9'\]"):
        load_h36m(only_s5, gt_2d, ["S5", "S9"])


def _scored_cpn(tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]) -> tuple[Path, dict]:
    """The fixture's CPN archive with a third channel, the detector's score, converted."""
    from conftest import write_detections_npz

    rng = np.random.default_rng(21)
    archive = {
        subject: {
            sequence: [np.concatenate([t, rng.uniform(0, 1, (*t.shape[:-1], 1)).astype(np.float32)], -1) for t in cams]
            for sequence, cams in sequences.items()
        }
        for subject, sequences in cpn_npz[1].items()
    }
    write_detections_npz(tmp_path / "scored.npz", archive)
    convert_detections(tmp_path / "scored.npz", poses_3d, tmp_path / "scored.parquet", source="cpn")
    return tmp_path / "scored.parquet", archive


def test_scores_are_loaded_with_their_rows(tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]) -> None:
    scored, archive = _scored_cpn(tmp_path, poses_3d, cpn_npz)
    clips = load_h36m(poses_3d, scored, ["S1", "S5"])
    assert clips.scores.shape == (len(clips), 17) and clips.scores.dtype == np.float32
    for camera_index, camera in enumerate(("54138969", "55011271", "58860488", "60457274")):
        rows = (clips.subject == "S1") & (clips.sequence == "Walking") & (clips.camera == camera)
        np.testing.assert_array_equal(clips.scores[rows], archive["S1"]["Walking"][camera_index][:15, :, 2])
    np.testing.assert_array_equal(
        load_h36m(poses_3d, scored, ["S5"], num_joints=16).scores, clips.subjects(["S5"]).scores[:, DROP_NECK]
    )
    picked = clips.select(np.array([3, 0]))
    expected = np.concatenate(
        [clips.scores[clips.clip_starts[3] : clips.clip_starts[4]], clips.scores[: clips.clip_starts[1]]]
    )
    np.testing.assert_array_equal(picked.scores, expected)

    table, _ = read_table(scored)
    write_table(table.take(np.random.default_rng(1).permutation(table.num_rows)), tmp_path / "shuffled.parquet")
    np.testing.assert_array_equal(load_h36m(poses_3d, tmp_path / "shuffled.parquet", ["S1", "S5"]).scores, clips.scores)


def test_sources_without_scores_load_ones(
    tmp_path: Path, poses_3d: Path, gt_2d: Path, hp3d_npz: tuple[Path, dict], pw3d_pkl: tuple[Path, dict]
) -> None:
    assert (load_h36m(poses_3d, gt_2d, ["S1"]).scores == 1.0).all()
    convert_3dhp(hp3d_npz[0], tmp_path / "3dhp.parquet")
    convert_3dpw(pw3d_pkl[0], tmp_path / "3dpw.parquet")
    for clips in (load_3dhp(tmp_path / "3dhp.parquet"), load_3dpw(tmp_path / "3dpw.parquet")):
        assert clips.scores.shape == (len(clips), 17) and (clips.scores == 1.0).all()
    assert load_3dhp(tmp_path / "3dhp.parquet", num_joints=16).scores.shape[1:] == (16,)


def test_table_from_before_scores_loads_with_ones(tmp_path: Path, poses_3d: Path, cpn_npz: tuple[Path, dict]) -> None:
    """A 2D table written before pose3d stored scores (no column, no shape in the metadata) still loads."""
    scored, _ = _scored_cpn(tmp_path, poses_3d, cpn_npz)
    table, meta = read_table(scored)
    old_meta = {k: v for k, v in meta.items() if k not in ("scores_source",)}
    old_meta["shapes"] = {"keypoints": meta["shapes"]["keypoints"]}
    old_meta["units"] = {"keypoints": "pixels"}
    old = table.drop_columns(["scores"]).replace_schema_metadata({b"pose3d": json.dumps(old_meta).encode()})
    write_table(old, tmp_path / "old.parquet")
    clips = load_h36m(poses_3d, tmp_path / "old.parquet", ["S5", "S11"])
    assert clips.scores.shape == (len(clips), 17) and (clips.scores == 1.0).all()
    np.testing.assert_array_equal(clips.keypoints, load_h36m(poses_3d, scored, ["S5", "S11"]).keypoints)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda s: np.where(np.arange(s.size).reshape(s.shape) == 40, -0.25, s),
            "column 'scores' has negative values in 1 rows",
        ),
        (
            lambda s: np.where(np.arange(s.size).reshape(s.shape) == 40, np.inf, s),
            "column 'scores' has non-finite values in 1 rows",
        ),
    ],
)
def test_table_check_refuses_bad_scores(
    tmp_path: Path, poses_3d: Path, gt_2d: Path, edit: object, problem: str
) -> None:
    import pyarrow as pa

    table, meta = read_table(gt_2d)
    scores = edit(coords_array(table, "scores", meta["shapes"]["scores"]))  # type: ignore[operator]
    column = pa.FixedSizeListArray.from_arrays(pa.array(scores.reshape(-1).astype(np.float32)), 17)
    write_table(table.set_column(table.column_names.index("scores"), "scores", column), tmp_path / "bad.parquet")
    with pytest.raises(InputError, match=problem):
        load_h36m(poses_3d, tmp_path / "bad.parquet", ["S1"])
    meta["shapes"]["scores"] = [17, 1]
    wrong = table.replace_schema_metadata({b"pose3d": json.dumps(meta).encode()})
    write_table(wrong, tmp_path / "wrong.parquet")
    with pytest.raises(
        InputError, match=r"metadata shape of 'scores' should be \[17\] \(one per joint\), found \[17, 1\]"
    ):
        load_h36m(poses_3d, tmp_path / "wrong.parquet", ["S1"])
