"""MotionBERT's Human3.6M pickle -> the 2D table (joined to the CDF mocap) and the release's test table and clips."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import motionbert_data, random_pose, write_cdf

from pose3d.cli import main
from pose3d.core.errors import InputError
from pose3d.data.camera import intrinsics
from pose3d.data.convert.h36m import convert_positions
from pose3d.data.convert.motionbert import RELEASE_SIZES, SEQUENCES, SUBJECT_COLUMNS, convert_motionbert, video_of
from pose3d.data.h36m import rename_sequence
from pose3d.data.loader import load_h36m, load_motionbert_test, release_clip_rows
from pose3d.data.parquet_io import coords_array, read_table

#: Mocap (file stem, frames) of the fixture's videos: S9 'Directions 1' is longer than its videos (10 frames),
#: S9 'Greeting' shorter (14 video frames, as the release's three unscored S9 videos run past their mocap).
MOCAP = {
    "S1": [("Eating 2", 9), ("TakingPhoto", 7)],
    "S9": [("Directions 1", 12), ("Greeting", 8)],
    "S11": [("Phoning 3", 11)],
}


@pytest.fixture
def pickle_file(tmp_path: Path) -> tuple[Path, dict]:
    data = motionbert_data(np.random.default_rng(31))
    path = tmp_path / "h36m_sh_conf_cam_source_final.pkl"
    path.write_bytes(pickle.dumps(data, protocol=4))
    return path, data


@pytest.fixture
def mocap(tmp_path: Path) -> Path:
    rng = np.random.default_rng(32)
    for subject, files in MOCAP.items():
        for stem, frames in files:
            write_cdf(
                tmp_path / "h36m" / subject / "MyPoseFeatures" / "D3_Positions" / f"{stem}.cdf",
                random_pose(rng, frames),
            )
    convert_positions(tmp_path / "h36m", list(MOCAP), tmp_path / "poses_3d.parquet")
    return tmp_path / "poses_3d.parquet"


def _rows(data: dict, split: str, source: str) -> np.ndarray:
    return np.flatnonzero(np.asarray(data[split]["source"]) == source)


def test_source_names_map_through_the_metadata_table() -> None:
    cases = {
        "s_01_act_04_subact_01_ca_01": ("S1", "Eating 2", "54138969"),  # sub-action 1 is not 'Eating 1'
        "s_05_act_04_subact_01_ca_02": ("S5", "Eating 1", "55011271"),
        "s_01_act_12_subact_01_ca_03": ("S1", "Photo 1", "58860488"),  # 'TakingPhoto 1', renamed
        "s_01_act_15_subact_02_ca_04": ("S1", "WalkDog", "60457274"),
        "s_05_act_02_subact_02_ca_01": ("S5", "Directions 2", "54138969"),
        "s_11_act_06_subact_01_ca_04": ("S11", "Phoning 3", "60457274"),
        "s_09_act_10_subact_02_ca_01": ("S9", "SittingDown 1", "54138969"),
        "s_09_act_13_subact_01_ca_01": ("S9", "Waiting 1", "54138969"),
    }
    for source, expected in cases.items():
        video = video_of("f", source)
        assert (video.subject, video.sequence, video.camera) == expected, source
    assert video_of("f", "s_09_act_05_subact_02_ca_02").recording == "s_09_act_05_subact_02"


def test_mapping_names_every_file_of_each_subject_once() -> None:
    """Each subject's 30 (action, sub-action) pairs name its 30 files: the same names the demo generator (written
    from the release's file lists) gives, every action id its Human3.6M action."""
    from pose3d.demo.sequences import subject_sequences

    actions = ["Directions", "Discussion", "Eating", "Greeting", "Phoning", "Posing", "Purchases", "Sitting"]
    actions += ["SittingDown", "Smoking", "Photo", "Waiting", "Walking", "WalkDog", "WalkTogether"]
    for column, subject in enumerate(SUBJECT_COLUMNS):
        names = [rename_sequence(files[column]) for files in SEQUENCES.values()]
        assert sorted(names) == sorted(seq.name for seq in subject_sequences(subject)), subject
        for (action, _), name in zip(SEQUENCES, names):
            assert name.split(" ")[0] == actions[action - 2]


@pytest.mark.parametrize(
    "source",
    [
        "s_02_act_02_subact_01_ca_01",
        "s_09_act_01_subact_01_ca_01",
        "s_09_act_02_subact_03_ca_01",
        "s_09_act_02_subact_01_ca_05",
        "S9_Directions_1",
    ],
)
def test_unmappable_source_names_are_refused(source: str) -> None:
    with pytest.raises(InputError, match=f"source '{source}'"):
        video_of("f.pkl", source)


def test_2d_table_joins_the_mocap(tmp_path: Path, pickle_file: tuple[Path, dict], mocap: Path) -> None:
    pkl, data = pickle_file
    convert_motionbert(pkl, tmp_path / "out", poses_3d=mocap)
    table, meta = read_table(tmp_path / "out" / "poses_2d.parquet")
    keypoints = coords_array(table, "keypoints", meta["shapes"]["keypoints"])
    scores = coords_array(table, "scores", meta["shapes"]["scores"])
    column = {
        name: table.column(name).to_numpy(zero_copy_only=False)
        for name in ("subject", "sequence", "action", "camera", "frame")
    }
    expected = {  # source -> (subject, sequence, action, camera, frames kept)
        "s_01_act_04_subact_01_ca_01": ("S1", "Eating 2", "Eating", "54138969", 9),
        "s_01_act_04_subact_01_ca_04": ("S1", "Eating 2", "Eating", "60457274", 9),
        "s_01_act_12_subact_02_ca_02": ("S1", "Photo", "Photo", "55011271", 7),
        "s_09_act_02_subact_01_ca_01": ("S9", "Directions 1", "Directions", "54138969", 10),  # mocap has 12
        "s_09_act_02_subact_01_ca_03": ("S9", "Directions 1", "Directions", "58860488", 10),
        "s_09_act_05_subact_02_ca_01": ("S9", "Greeting", "Greeting", "54138969", 8),  # 14 frames, trimmed to the mocap
        "s_11_act_06_subact_01_ca_04": ("S11", "Phoning 3", "Phoning", "60457274", 11),
    }
    assert table.num_rows == sum(kept for *_, kept in expected.values())
    for source, (subject, sequence, action, camera, kept) in expected.items():
        split = "train" if subject == "S1" else "test"
        source_rows = _rows(data, split, source)[:kept]
        rows = (column["subject"] == subject) & (column["sequence"] == sequence) & (column["camera"] == camera)
        assert set(column["action"][rows]) == {action}
        np.testing.assert_array_equal(column["frame"][rows], np.arange(kept))
        np.testing.assert_array_equal(keypoints[rows], data[split]["joint_2d"][source_rows])
        np.testing.assert_array_equal(scores[rows], data[split]["confidence"][source_rows])
    assert "Directions" not in set(column["sequence"][column["subject"] == "S11"])  # corrupt video, no mocap
    assert meta["layout"] == "h36m17" and meta["scores_source"] == "detector" and meta["layout_2d"] == "h36m"
    assert meta["skipped_without_mocap"] == ["s_11_act_02_subact_02_ca_02"]
    assert meta["trimmed_to_mocap"] == [{"source": "s_09_act_05_subact_02_ca_01", "frames": 14, "mocap_frames": 8}]
    assert [r["source"] for r in meta["shorter_than_mocap"]] == [
        "s_09_act_02_subact_01_ca_01",
        "s_09_act_02_subact_01_ca_03",
    ]
    assert meta["splits"] == {"train": ["S1"], "test": ["S9", "S11"]}

    clips = load_h36m(mocap, tmp_path / "out" / "poses_2d.parquet", ["S9", "S11"])
    rows = (clips.sequence == "Greeting") & (clips.camera == "54138969")
    source_rows = _rows(data, "test", "s_09_act_05_subact_02_ca_01")[:8]
    np.testing.assert_array_equal(clips.scores[rows], data["test"]["confidence"][source_rows])
    np.testing.assert_allclose(
        clips.keypoints[rows], data["test"]["joint_2d"][source_rows] / 1000 * 2 - [1, 1.002], atol=1e-6
    )
    assert load_h36m(mocap, tmp_path / "out" / "poses_2d.parquet", ["S1"], num_joints=16).scores.shape[1:] == (16,)


def test_without_poses_3d_tracks_are_whole(tmp_path: Path, pickle_file: tuple[Path, dict], mocap: Path) -> None:
    pkl, data = pickle_file
    convert_motionbert(pkl, tmp_path / "out")
    table, meta = read_table(tmp_path / "out" / "poses_2d.parquet")
    assert table.num_rows == sum(len(data[split]["source"]) for split in ("train", "test")) - 6  # S11 Directions
    assert "not trimmed" in meta["trimmed_to_mocap"]
    load_h36m(mocap, tmp_path / "out" / "poses_2d.parquet", ["S1"])
    with pytest.raises(InputError, match="2D frames beyond the mocap length"):
        load_h36m(mocap, tmp_path / "out" / "poses_2d.parquet", ["S9"])


def test_test_table_keeps_the_test_split_row_for_row(tmp_path: Path, pickle_file: tuple[Path, dict]) -> None:
    pkl, data = pickle_file
    convert_motionbert(pkl, tmp_path / "out")
    table, meta = read_table(tmp_path / "out" / "motionbert_test.parquet")
    test = data["test"]
    assert table.num_rows == len(test["source"])
    assert table.column("source").to_pylist() == test["source"]
    assert table.column("release_action").to_pylist() == test["action"]
    np.testing.assert_array_equal(table.column("factor").to_numpy(), test["2.5d_factor"])
    np.testing.assert_array_equal(coords_array(table, "keypoints", [17, 2]), test["joint_2d"])
    np.testing.assert_array_equal(coords_array(table, "scores", [17]), test["confidence"])
    np.testing.assert_array_equal(coords_array(table, "target", [17, 3]), test["joints_2.5d_image"])
    np.testing.assert_array_equal(coords_array(table, "image_3d", [17, 3]), test["joint3d_image"])
    width, height = table.column("width").to_numpy(), table.column("height").to_numpy()
    for row, camera in enumerate(test["camera_name"]):
        assert (
            (width[row], height[row])
            == RELEASE_SIZES[str(camera)]
            == (intrinsics(camera).res_w, intrinsics(camera).res_h)
        )
    sequence = table.column("sequence").to_numpy(zero_copy_only=False)
    assert set(sequence[table.column("subject").to_numpy(zero_copy_only=False) == "S11"]) == {"Directions", "Phoning 3"}
    assert meta["release_excluded"] == ["s_09_act_05_subact_02", "s_09_act_10_subact_02", "s_09_act_13_subact_01"]
    assert meta["units"]["target"].startswith("millimetres") and meta["target_vs_scaled_image_3d_max_mm"] < 1e-3


def _release_split_clips(sources: list[str], frames: int) -> tuple[list[list[int]], list[bool]]:
    """The release's ``split_clips`` with stride = frames, walked row by row as it is written, with the
    deterministic spread (floor of linspace) in place of its random resampling."""
    clips, resampled, saved, start, i = [], [], set(), 0, 0
    while i < len(sources):
        i += 1
        if i - start == frames:
            clips.append(list(range(start, i)))
            resampled.append(False)
            saved.add(sources[i - 1])
            start += frames
        if i == len(sources):
            break
        if sources[i] != sources[i - 1]:
            if sources[i - 1] not in saved:
                spread = np.linspace(0, i - start, num=frames, endpoint=False, dtype=int) + start
                clips.append(spread.tolist())
                resampled.append(True)
                saved.add(sources[i - 1])
            start = i
    return clips, resampled


def test_release_clip_rows_follow_split_clips() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        names = rng.choice(list("abcde"), size=rng.integers(1, 9))
        lengths = rng.integers(1, 12, size=len(names))
        sources = [str(n) for n, length in zip(names, lengths) for _ in range(length)]
        frames = int(rng.integers(1, 8))
        expected, flags = _release_split_clips(sources, frames)
        rows, resampled = release_clip_rows(np.array(sources, dtype=object), frames)
        assert rows.tolist() == expected and resampled.tolist() == flags, (sources, frames)


def test_load_motionbert_test_cuts_the_release_clips(tmp_path: Path, pickle_file: tuple[Path, dict]) -> None:
    pkl, data = pickle_file
    convert_motionbert(pkl, tmp_path / "out")
    test = data["test"]
    clips = load_motionbert_test(tmp_path / "out" / "motionbert_test.parquet", frames=4)
    # videos of 10, 10, 14, 6, 11 frames: 2 + 2 + 3 + 1 + 2 clips; tails dropped
    starts = [0, 4, 10, 14, 20, 24, 28, 34, 40, 44]
    assert clips.rows[:, 0].tolist() == starts and (np.diff(clips.rows, axis=1) == 1).all()
    assert not clips.resampled.any() and len(clips) == 10
    assert clips.scored.tolist() == [True] * 4 + [False] * 3 + [True] * 3  # s_09_act_05_subact_02 is not scored
    assert clips.source[4] == "s_09_act_05_subact_02_ca_01" and clips.frame_action.tolist() == test["action"]
    rows = clips.rows[9]  # S11, camera 60457274: 1000 x 1002
    xy = test["joint_2d"][rows] / 1000 * 2 - [1, 1.002]
    np.testing.assert_allclose(clips.inputs[9, ..., :2], xy, atol=1e-6)
    np.testing.assert_array_equal(clips.inputs[9, ..., 2], test["confidence"][rows])
    np.testing.assert_allclose(
        clips.labels[9, ..., :2], test["joint3d_image"][rows, :, :2] / 1000 * 2 - [1, 1.002], atol=1e-6
    )
    np.testing.assert_allclose(clips.labels[9, ..., 2], test["joint3d_image"][rows, :, 2] / 1000 * 2, atol=1e-6)
    np.testing.assert_array_equal(clips.targets[9], test["joints_2.5d_image"][rows])
    np.testing.assert_array_equal(clips.factors[9], test["2.5d_factor"][rows])
    assert clips.image_size[9].tolist() == [1000, 1002] and clips.image_size[2].tolist() == [1000, 1000]
    # undoing the normalisation and scaling by the factor gives the target (the release's scoring path)
    pixels = np.concatenate([(clips.labels[..., :2] + [1, 1.002]) * 500, clips.labels[..., 2:] * 500], axis=-1)
    np.testing.assert_allclose(pixels[9] * clips.factors[9][:, None, None], clips.targets[9], rtol=1e-5, atol=1e-2)

    # 12 frames: the 10- and 6-frame videos are spread over one clip each, the last (11 frames) gets none
    short = load_motionbert_test(tmp_path / "out" / "motionbert_test.parquet", frames=12)
    assert short.resampled.tolist() == [True, True, False, True]
    np.testing.assert_array_equal(short.rows[0], np.floor(np.linspace(0, 10, 12, endpoint=False)))
    with pytest.raises(ValueError, match="positive whole number"):
        load_motionbert_test(tmp_path / "out" / "motionbert_test.parquet", frames=0)


def test_a_table_of_one_short_video_has_no_release_clip(tmp_path: Path) -> None:
    data = motionbert_data(np.random.default_rng(2))
    keep = np.flatnonzero(np.asarray(data["test"]["source"]) == "s_11_act_02_subact_02_ca_02")  # 6 frames
    data["test"] = {k: [v[i] for i in keep] if isinstance(v, list) else v[keep] for k, v in data["test"].items()}
    (tmp_path / "short.pkl").write_bytes(pickle.dumps(data))
    convert_motionbert(tmp_path / "short.pkl", tmp_path / "short")
    assert len(load_motionbert_test(tmp_path / "short" / "motionbert_test.parquet", 6)) == 1
    with pytest.raises(InputError, match="no clip of 7 frames: the table's only video is shorter"):
        load_motionbert_test(tmp_path / "short" / "motionbert_test.parquet", 7)


def test_command_line(tmp_path: Path, pickle_file: tuple[Path, dict], mocap: Path) -> None:
    out = tmp_path / "motionbert"
    assert (
        main(["convert", "motionbert", "--source", str(pickle_file[0]), "--poses-3d", str(mocap), "--out", str(out)])
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["motionbert_test.parquet", "poses_2d.parquet"]


def test_confidence_as_a_column_or_missing(tmp_path: Path) -> None:
    """(N, 17, 1) confidences read as (N, 17); a file without them gives 1.0 and says so."""
    data = motionbert_data(np.random.default_rng(3))
    for split in data.values():
        split["confidence"] = split["confidence"][..., None]
    (tmp_path / "a.pkl").write_bytes(pickle.dumps(data))
    convert_motionbert(tmp_path / "a.pkl", tmp_path / "a")
    table, _ = read_table(tmp_path / "a" / "motionbert_test.parquet")
    np.testing.assert_array_equal(coords_array(table, "scores", [17]), data["test"]["confidence"][..., 0])
    for split in data.values():
        del split["confidence"]
    (tmp_path / "b.pkl").write_bytes(pickle.dumps(data))
    convert_motionbert(tmp_path / "b.pkl", tmp_path / "b")
    table, meta = read_table(tmp_path / "b" / "poses_2d.parquet")
    assert (coords_array(table, "scores", [17]) == 1.0).all() and meta["scores_source"] == "none (1.0)"


def test_test_table_check_refuses_a_bad_factor(tmp_path: Path, pickle_file: tuple[Path, dict]) -> None:
    import pyarrow as pa

    from pose3d.data.parquet_io import write_table

    convert_motionbert(pickle_file[0], tmp_path / "out")
    table, _ = read_table(tmp_path / "out" / "motionbert_test.parquet")
    factor = table.column("factor").to_numpy().copy()
    for bad in (0.0, np.nan, np.inf):
        factor[7] = bad
        edited = table.set_column(table.column_names.index("factor"), "factor", pa.array(factor))
        write_table(edited, tmp_path / "bad.parquet")
        with pytest.raises(InputError, match="column 'factor' holds values that are not finite positive numbers"):
            load_motionbert_test(tmp_path / "bad.parquet", 4)
