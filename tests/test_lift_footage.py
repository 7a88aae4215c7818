"""`pose3d lift` on detector output shaped like real footage: profile views, partial bystanders, the files of
several videos in one folder, values that are not finite, and failures after the work that must leave nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from keypoint_files import Person, coco_json, openpose_folder
from test_lift import _lift, _tiny_coco_checkpoint

from pose3d.data.layouts import coco_to_h36m
from pose3d.data.parquet_io import METADATA_KEY, coords_array, read_metadata
from pose3d.data.skeleton import COCO_17, H36M_17, to_layout

SIZE = ["--image-size", "1000", "1002"]
LEFT_EAR = COCO_17.joints.index("left_ear")
#: A person facing the camera, COCO-17 pixels: face, shoulders, elbows, wrists, hips, knees, ankles.
STANDING = np.array(
    [[500, 200], [490, 190], [510, 190], [480, 195], [520, 195], [460, 260], [540, 260], [450, 330], [550, 330],
     [445, 390], [555, 390], [475, 400], [525, 400], [470, 500], [530, 500], [468, 600], [532, 600]],
    dtype=np.float64,
)  # fmt: skip


def _walker(frames: int = 60, shift: float = 0.0) -> Person:
    """Someone walking across the image: every keypoint found, score 0.9."""
    t = np.arange(frames)[:, None, None]
    xy = STANDING[None] + np.concatenate([3.0 * t + shift, 5.0 * np.sin(t / 4.0)], axis=-1)
    return Person(np.arange(frames), np.concatenate([xy, np.full((frames, 17, 1), 0.9)], axis=-1))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_coco_checkpoint(tmp_path_factory.mktemp("model") / "model.pt")


def _positions(out: Path, column: str = "positions") -> np.ndarray:
    table = pq.read_table(out / "poses_3d.parquet")
    return coords_array(table, column, read_metadata(out / "poses_3d.parquet")["shapes"][column])


def _strict_json(path: Path) -> dict:
    """The Parquet metadata, parsed as JSON that refuses NaN and Infinity."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    raw = pq.read_schema(path).metadata[METADATA_KEY]
    return json.loads(raw, parse_constant=refuse)


def test_a_profile_view_without_the_far_ear_lifts(checkpoint: Path, tmp_path: Path) -> None:
    """OpenPose never finds the left ear: Head is the mean of the eyes and the right ear, the rest as usual
    (benchmarks/lift_profile_view.py measures what it costs a trained model)."""
    person = _walker()
    profile = person.keypoints.copy()
    profile[:, LEFT_EAR] = 0.0  # OpenPose writes an undetected keypoint as 0, 0, 0
    both = openpose_folder(tmp_path / "both", [person], len(person.frames))
    one_ear = openpose_folder(tmp_path / "one-ear", [Person(person.frames, profile)], len(person.frames))
    assert _lift(both, tmp_path / "out-both", checkpoint, *SIZE) == 0
    assert _lift(one_ear, tmp_path / "out-one-ear", checkpoint, *SIZE) == 0
    pixels = {name: _positions(tmp_path / f"out-{name}", "keypoints") for name in ("both", "one-ear")}
    head = read_metadata(tmp_path / "out-both/poses_3d.parquet")["joints"].index("Head")  # the model's layout
    np.testing.assert_allclose(pixels["one-ear"][:, head], person.keypoints[:, [1, 2, 4], :2].mean(axis=1), atol=0.01)
    np.testing.assert_allclose(np.delete(pixels["one-ear"], head, 1), np.delete(pixels["both"], head, 1))
    assert not np.allclose(_positions(tmp_path / "out-one-ear"), _positions(tmp_path / "out-both"))
    assert read_metadata(tmp_path / "out-one-ear/poses_3d.parquet")["people"][0]["interpolated_keypoints"] == 0


def _bystander() -> Person:
    """Someone at the edge of the frame for 30 frames whose hips the detector never finds."""
    person = _walker(30, shift=300.0)
    person.keypoints[:, [COCO_17.joints.index("left_hip"), COCO_17.joints.index("right_hip")], 2] = 0.0
    return Person(person.frames, person.keypoints, score=0.95)


def test_a_partial_bystander_is_skipped_unless_asked_for(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = coco_json(tmp_path / "results.json", [_walker(), _bystander()])
    alone = coco_json(tmp_path / "alone.json", [_walker()])
    capsys.readouterr()
    assert _lift(alone, tmp_path / "alone", checkpoint, *SIZE) == 0
    assert _lift(path, tmp_path / "main", checkpoint, *SIZE) == 0
    np.testing.assert_array_equal(_positions(tmp_path / "main"), _positions(tmp_path / "alone"))
    assert _lift(path, tmp_path / "all", checkpoint, *SIZE, "--person", "all") == 0
    err = capsys.readouterr().err
    assert "skipped person 1 (frames 0-29): Hip, RHip, LHip, Spine never detected" in err, err
    np.testing.assert_array_equal(_positions(tmp_path / "all"), _positions(tmp_path / "alone"))

    assert _lift(path, tmp_path / "bystander", checkpoint, *SIZE, "--person", "1") == 2
    assert capsys.readouterr().err == (
        f"pose3d: error: {path}: --person 1 (track 1, frames 0-29): Hip, RHip, LHip, Spine never detected"
        " (nothing to interpolate)\n"
    )
    assert not (tmp_path / "bystander").exists()


def test_nobody_liftable_fails_all(checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = coco_json(tmp_path / "results.json", [_bystander()])
    capsys.readouterr()
    assert _lift(path, tmp_path / "out", checkpoint, *SIZE, "--person", "all") == 2
    assert "nobody can be lifted; the most confident person (track 0, frames 0-29)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_one_folder_of_two_videos_is_refused_or_lifted_by_name(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person = _walker()
    folder = openpose_folder(tmp_path / "openpose", [person], len(person.frames))
    for file in sorted(folder.glob("video_*"))[:40]:  # a second, shorter video: the first 40 frames again
        file.with_name(file.name.replace("video_", "other_")).write_text(file.read_text())
    capsys.readouterr()
    assert _lift(folder, tmp_path / "out", checkpoint, *SIZE) == 2
    assert capsys.readouterr().err == (
        f"pose3d: error: {folder}: holds the frames of 2 videos ('other', 'video'); choose one with --video\n"
    )
    assert not (tmp_path / "out").exists()
    assert _lift(folder, tmp_path / "other", checkpoint, *SIZE, "--video", "other") == 0
    assert pq.read_table(tmp_path / "other/poses_3d.parquet").column("frame").to_pylist() == list(range(40))
    assert _lift(folder, tmp_path / "video", checkpoint, *SIZE, "--video", "video") == 0
    assert pq.read_table(tmp_path / "video/poses_3d.parquet").column("frame").to_pylist() == list(range(60))
    np.testing.assert_array_equal(_positions(tmp_path / "video")[:40], _positions(tmp_path / "other"))
    assert _lift(folder, tmp_path / "x", checkpoint, *SIZE, "--video", "third") == 2
    err = capsys.readouterr().err
    assert "--video 'third': no third_<frame>_keypoints.json files; it holds 'other', 'video'" in err
    results = coco_json(tmp_path / "results.json", [person])
    assert _lift(results, tmp_path / "x", checkpoint, *SIZE, "--video", "other") == 2
    assert "--video picks a video of a VideoPose3D .npz or an OpenPose folder, not of coco-json" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()


def test_values_that_are_not_finite_are_missing_keypoints(checkpoint: Path, tmp_path: Path) -> None:
    """NaN and infinite coordinates and scores (Python's JSON writes them) are keypoints not found: filled in
    time like any other, and nothing that is not JSON reaches the metadata."""
    person = _walker()
    keypoints = person.keypoints.copy()
    keypoints[3, 0, 0] = math.nan  # nose, left elbow, wrist and knee: joints of one keypoint each
    keypoints[4, 7, 2] = math.inf
    keypoints[5, 9, 1] = -math.inf
    keypoints[6, 13, 2] = math.nan
    path = tmp_path / "results.json"
    records = [
        {"image_id": int(f), "category_id": 1, "keypoints": k.ravel().tolist(), "score": 0.9}
        for f, k in zip(person.frames, keypoints)
    ]
    path.write_text(json.dumps(records))  # allow_nan: NaN, Infinity, -Infinity as Python writes them
    assert _lift(path, tmp_path / "out", checkpoint, *SIZE) == 0
    meta = _strict_json(tmp_path / "out/poses_3d.parquet")
    assert meta["people"][0]["interpolated_keypoints"] == 4 and meta["people"][0]["confidence"] == pytest.approx(54)
    expected = to_layout(coco_to_h36m(person.keypoints[..., :2]), H36M_17.name, "h36m16")  # filled: nearly a line
    np.testing.assert_allclose(_positions(tmp_path / "out", "keypoints"), expected, atol=0.2)


def test_a_detection_score_that_is_not_finite_is_refused(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps([{"image_id": 0, "keypoints": [500.0] * 51, "score": math.inf}]))
    assert _lift(path, tmp_path / "out", checkpoint, *SIZE) == 2
    assert capsys.readouterr().err == f"pose3d: error: {path}: detection 0: 'score' inf is not a finite number\n"


def test_a_render_that_cannot_be_written_leaves_no_output(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """/proc is a folder no one may create files in: the check before work passes, the write after the lift
    fails, and neither poses_3d.parquet nor poses_3d.npz (nor their folder) is left."""
    path = coco_json(tmp_path / "results.json", [_walker()])
    render = Path("/proc/pose3d-lift-test.gif")
    capsys.readouterr()
    assert _lift(path, tmp_path / "out", checkpoint, *SIZE, "--render", str(render)) == 2
    assert capsys.readouterr().err.startswith(f"pose3d: error: {render}: cannot write here")
    assert not (tmp_path / "out").exists() and not render.exists()


def test_a_bvh_that_cannot_be_written_leaves_no_output(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last output of the set cannot be written: the temporary files of the Parquet, npz and animation made
    before it are removed, and the folders made for them."""
    path = coco_json(tmp_path / "results.json", [_walker(8)])
    bvh = Path("/proc/pose3d-lift-test.bvh")
    capsys.readouterr()
    options = ["--render", str(tmp_path / "anim/a.gif"), "--bvh", str(bvh)]
    assert _lift(path, tmp_path / "out", checkpoint, *SIZE, *options) == 2
    assert capsys.readouterr().err.startswith(f"pose3d: error: {bvh}: cannot write here")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
