"""`pose3d lift` on a demo test sequence written in every detector format, against `pose3d evaluate`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch
from keypoint_files import Person, alphapose_json, coco_json, openpose_folder, videopose3d_npz
from workflow_helpers import small_config

from pose3d.cli import main
from pose3d.config.settings import resolve_run
from pose3d.core.safe_load import load_npz
from pose3d.data.camera import intrinsics
from pose3d.data.layouts import coco_to_h36m
from pose3d.data.loader import load_h36m
from pose3d.data.parquet_io import coords_array, read_metadata, write_table
from pose3d.evaluation.evaluate import evaluate
from pose3d.evaluation.metrics import mpjpe
from pose3d.models import build, get
from pose3d.models.targets import root_relative
from pose3d.training.loop import train

SUBJECT, SEQUENCE, CAMERA = "S9", "Walking 1", "54138969"


@dataclass
class Scene:
    """A tiny coco model, one test clip's COCO detections and ground truth, and what `evaluate` scores."""

    checkpoint: Path
    keypoints: np.ndarray  # (T, 17, 2) COCO pixels from the demo's detectron_pt_coco file
    truth: np.ndarray  # (T, 17, 3) root-relative camera-frame millimetres
    evaluated: float  # MPJPE (mm) `pose3d evaluate` reports for the clip
    size: tuple[int, int]
    evaluated_flip: float  # the same with flip test-time augmentation


@pytest.fixture(scope="module")
def scene(tiny_tables: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Scene:
    root = tmp_path_factory.mktemp("lift")
    settings = resolve_run(small_config(), "tgraphnet", "coco").replace(
        device="cpu", epochs=1, samples_per_epoch=16, batch_size=8, test_subjects=[SUBJECT]
    )
    settings = settings.replace(model_options={"channels": 8, "kernel_size": 3})
    paths = {"poses_3d": tiny_tables["poses_3d"], "poses_2d": tiny_tables["poses_2d_coco"]}
    train(settings, out=root / "model.pt", **paths)

    table = pq.read_table(paths["poses_2d"])
    mask = pc.and_(
        pc.and_(pc.equal(table["subject"], SUBJECT), pc.equal(table["sequence"], SEQUENCE)),
        pc.equal(table["camera"], CAMERA),
    )
    write_table(table.filter(mask).replace_schema_metadata(table.schema.metadata), root / "clip.parquet")
    metrics = evaluate(settings, root / "model.pt", paths["poses_3d"], root / "clip.parquet", root / "metrics.parquet")
    evaluated = metrics.query("metric == 'mpjpe' and action == 'Walking'")["value"].item()
    flipped = evaluate(
        settings.replace(flip_test=True),
        root / "model.pt",
        paths["poses_3d"],
        root / "clip.parquet",
        root / "flip.parquet",
    )
    evaluated_flip = flipped.query("metric == 'mpjpe' and action == 'Walking'")["value"].item()

    clip = load_h36m(paths["poses_3d"], root / "clip.parquet", [SUBJECT])
    raw = load_npz(tiny_tables["poses_3d"].parent / "raw/data_2d_h36m_detectron_pt_coco.npz")
    track = raw["positions_2d"].item()[SUBJECT][SEQUENCE][0][: len(clip)]
    cam = intrinsics(CAMERA)
    truth = root_relative(clip.positions) * 1000.0
    return Scene(root / "model.pt", track, truth, evaluated, (cam.res_w, cam.res_h), evaluated_flip)


def _person(scene: Scene) -> Person:
    frames = np.arange(len(scene.keypoints))
    return Person(frames, np.concatenate([scene.keypoints, np.ones((len(frames), 17, 1))], axis=-1))


def _write_npy(folder: Path, scene: Scene) -> Path:
    np.save(folder / "keypoints.npy", coco_to_h36m(scene.keypoints))  # COCO keypoints the user mapped to H36M order
    return folder / "keypoints.npy"


#: Format -> (writer of the scene's detections, extra lift options).
FORMATS: dict[str, tuple[Callable[[Path, Scene], Path], list[str]]] = {
    "coco-json": (lambda d, s: coco_json(d / "results.json", [_person(s)]), []),
    "openpose-body25": (lambda d, s: openpose_folder(d / "openpose", [_person(s)], len(s.keypoints)), []),
    "openpose-coco18": (lambda d, s: openpose_folder(d / "openpose", [_person(s)], len(s.keypoints), "coco18"), []),
    "alphapose": (lambda d, s: alphapose_json(d / "alphapose-results.json", [_person(s)]), []),
    "videopose3d": (lambda d, s: videopose3d_npz(d / "data_2d_custom_video.npz", s.keypoints, *s.size), []),
    "npy": (_write_npy, ["--layout-2d", "coco"]),
}


def _lift(keypoints: Path, out: Path, checkpoint: Path, *options: str) -> int:
    return main(["lift", "--checkpoint", str(checkpoint), "--keypoints", str(keypoints), "--out", str(out), *options])


@pytest.mark.parametrize("name", FORMATS)
def test_lifted_formats_match_evaluate(scene: Scene, tmp_path: Path, name: str) -> None:
    write, options = FORMATS[name]
    keypoints = write(tmp_path, scene)
    size = [] if name == "videopose3d" else ["--image-size", *map(str, scene.size)]  # the archive records it
    assert _lift(keypoints, tmp_path / "out", scene.checkpoint, *size, *options) == 0
    table = pq.read_table(tmp_path / "out/poses_3d.parquet")
    meta = read_metadata(tmp_path / "out/poses_3d.parquet")
    assert table.column("frame").to_pylist() == list(range(len(scene.truth)))
    assert meta["layout"] == "h36m17" and meta["units"]["positions"] == "metres" and meta["image_size"] == [1000, 1002]
    pred = coords_array(table, "positions", meta["shapes"]["positions"]) * 1000.0
    error = float(mpjpe(pred, scene.truth).mean())
    assert abs(error - scene.evaluated) <= 0.05 * scene.evaluated, (error, scene.evaluated)
    with np.load(tmp_path / "out/poses_3d.npz", allow_pickle=False) as npz:
        np.testing.assert_allclose(npz["positions"] * 1000.0, pred, atol=1e-3)
        assert list(npz["joints"]) == meta["joints"]


def _malformed_npz(folder: Path) -> Path:
    np.savez_compressed(folder / "video.npz", keypoints=np.zeros((3, 17, 2)))
    return folder / "video.npz"


def _hostile_npz(folder: Path) -> Path:
    """A VideoPose3D-looking archive whose pickle would run a command when loaded with allow_pickle=True."""

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {folder / 'pwned'}",))

    np.savez(folder / "hostile.npz", positions_2d=np.array(Payload(), dtype=object), metadata=np.array({}))
    return folder / "hostile.npz"


def _malformed_openpose(folder: Path) -> Path:
    (folder / "op").mkdir()
    for frame in range(3):
        values = [1.0] * (75 if frame != 1 else 50)
        (folder / f"op/v_{frame:012d}_keypoints.json").write_text(f'{{"people": [{{"pose_keypoints_2d": {values}}}]}}')
    return folder / "op/v_000000000001_keypoints.json"


#: Format -> (writer of a broken file returning (path to lift, file the error names), text the error holds).
BROKEN: dict[str, tuple[Callable[[Path], tuple[Path, Path]], str]] = {
    "coco-json": (lambda d: (d / "r.json", d / "r.json"), "not valid JSON"),
    "openpose": (lambda d: (d / "op", _malformed_openpose(d)), "50 pose_keypoints_2d values"),
    "alphapose": (lambda d: (d / "a.json", d / "a.json"), "'keypoints' is not a list of numbers"),
    "videopose3d": (lambda d: (_malformed_npz(d),) * 2, "no 'positions_2d'"),
    "videopose3d-hostile": (lambda d: (_hostile_npz(d),) * 2, "not a readable .npz archive"),
    "npy": (lambda d: (d / "k.npy", d / "k.npy"), "16 keypoints per person"),
    "npy-pickle": (lambda d: (d / "p.npy", d / "p.npy"), "not a readable .npy"),
}


def test_flip_lifts_as_evaluate_scores_with_flip_test(scene: Scene, tmp_path: Path) -> None:
    keypoints = FORMATS["coco-json"][0](tmp_path, scene)
    size = ["--image-size", *map(str, scene.size)]
    assert _lift(keypoints, tmp_path / "flip", scene.checkpoint, *size, "--flip") == 0
    table = pq.read_table(tmp_path / "flip/poses_3d.parquet")
    pred = coords_array(table, "positions", read_metadata(tmp_path / "flip/poses_3d.parquet")["shapes"]["positions"])
    error = float(mpjpe(pred * 1000.0, scene.truth).mean())
    assert scene.evaluated_flip != scene.evaluated  # the augmentation changes the poses
    assert abs(error - scene.evaluated_flip) <= 0.05 * scene.evaluated_flip, (error, scene.evaluated_flip)


@pytest.mark.parametrize("name", BROKEN)
def test_malformed_files_exit_2_naming_the_file(
    scene: Scene, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.json").write_text('[{"image_id": 0, "keypoints": [1.0, 2.0')
    (tmp_path / "a.json").write_text('[{"image_id": "0.jpg", "keypoints": "x, y, score", "score": 1.0}]')
    np.save(tmp_path / "k.npy", np.zeros((5, 16, 2)))
    np.save(tmp_path / "p.npy", np.array([{"positions": 1}], dtype=object), allow_pickle=True)
    write, problem = BROKEN[name]
    keypoints, named = write(tmp_path)
    capsys.readouterr()
    assert _lift(keypoints, tmp_path / "out", scene.checkpoint, "--image-size", "1000", "1002") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pose3d: error: {named}: "), err
    assert problem in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "pwned").exists()


def test_layout_mismatch_is_refused(scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keypoints = _write_npy(tmp_path, scene)  # without --layout-2d coco: taken as Human3.6M joints
    assert _lift(keypoints, tmp_path / "out", scene.checkpoint, "--image-size", "1000", "1002") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "trained on coco 2D keypoints" in err and "holds h36m keypoints" in err
    assert not (tmp_path / "out").exists()


def test_people_gaps_and_missing_joints(scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two untracked people; the main one is undetected for 5 frames and loses a wrist for 6 more."""
    full = _person(scene)
    other = Person(full.frames[:41], full.keypoints[:41] + [300.0, 20.0, 0.0], score=0.5)
    keep = (full.frames < 20) | (full.frames >= 25)
    main_person = Person(full.frames[keep], full.keypoints[keep].copy())
    wrist = 9  # COCO left_wrist
    main_person.keypoints[(main_person.frames >= 30) & (main_person.frames < 36), wrist, 2] = 0.0
    keypoints = coco_json(tmp_path / "results.json", [other, main_person])
    size = ["--image-size", "1000", "1002"]

    assert _lift(keypoints, tmp_path / "main", scene.checkpoint, *size) == 0
    assert "0-71, 5 without a detection, 91 keypoints interpolated" in capsys.readouterr().out  # 5x17 + 6 wrists
    table = pq.read_table(tmp_path / "main/poses_3d.parquet")
    assert table.column("frame").to_pylist() == list(range(72))
    assert np.flatnonzero(~table.column("detected").to_numpy()).tolist() == [20, 21, 22, 23, 24]
    meta = read_metadata(tmp_path / "main/poses_3d.parquet")
    error = float(mpjpe(coords_array(table, "positions", meta["shapes"]["positions"]) * 1000.0, scene.truth).mean())
    assert abs(error - scene.evaluated) <= 0.1 * scene.evaluated, (error, scene.evaluated)

    assert _lift(keypoints, tmp_path / "other", scene.checkpoint, *size, "--person", "1") == 0
    table = pq.read_table(tmp_path / "other/poses_3d.parquet")
    pixels = coords_array(table, "keypoints", [17, 2])
    np.testing.assert_allclose(pixels, coco_to_h36m(other.keypoints)[..., :2], atol=1e-2)

    assert _lift(keypoints, tmp_path / "all", scene.checkpoint, *size, "--person", "all") == 0
    people = pq.read_table(tmp_path / "all/poses_3d.parquet").column("person").to_numpy()
    assert np.bincount(people).tolist() == [41, 72] or np.bincount(people).tolist() == [72, 41]


def test_tgraphnet_windows_cover_any_length_once() -> None:
    from pose3d.models import build, get
    from pose3d.models.predict import predict_keypoints
    from pose3d.models.windows import test_windows

    lengths = [1, 2, 30, 31, 32, 80, 81, 82, 140]
    starts = np.cumsum([0, *lengths])
    spec = get("tgraphnet")
    windows, scored = test_windows(starts, *spec.test_window())
    assert np.bincount(windows[scored], minlength=starts[-1]).tolist() == [1] * starts[-1]
    torch.manual_seed(0)
    model = build("tgraphnet", channels=8)
    keypoints = np.random.default_rng(0).uniform(-1, 1, (starts[-1], 17, 2)).astype(np.float32)
    cpu = torch.device("cpu")
    together = predict_keypoints(model, spec, keypoints, starts, cpu, *spec.test_window())
    for first, last in zip(starts[:-1], starts[1:]):
        alone = predict_keypoints(
            model, spec, keypoints[first:last], np.array([0, last - first]), cpu, *spec.test_window()
        )
        np.testing.assert_allclose(alone, together[first:last], atol=1e-5)


@pytest.mark.parametrize("name", ["semgcn", "tgraphnet_traj"])
def test_sixteen_joint_and_trajectory_models(scene: Scene, tmp_path: Path, name: str) -> None:
    """A SemGCN writes the 16-joint layout; the trajectory model adds the camera-frame root position."""
    from pose3d.models import MODELS, build

    torch.manual_seed(0)
    options = {"channels": 8} if name.startswith("tgraphnet") else {}
    model = build(name, **options)
    checkpoint = tmp_path / f"{name}.pt"
    torch.save({"model": name, "options": options, "state_dict": model.state_dict(), "layout_2d": "coco"}, checkpoint)
    keypoints = coco_json(tmp_path / "results.json", [_person(scene)])
    assert _lift(keypoints, tmp_path / "out", checkpoint, "--image-size", "1000", "1002") == 0
    table = pq.read_table(tmp_path / "out/poses_3d.parquet")
    meta = read_metadata(tmp_path / "out/poses_3d.parquet")
    joints = MODELS[name].num_joints
    positions = coords_array(table, "positions", meta["shapes"]["positions"])
    assert positions.shape == (len(scene.truth), joints, 3) and meta["layout"] == f"h36m{joints}"
    np.testing.assert_array_equal(positions[:, 0], 0.0)
    assert ("trajectory" in table.column_names) == (name == "tgraphnet_traj")
    if name == "tgraphnet_traj":
        trajectory = coords_array(table, "trajectory", meta["shapes"]["trajectory"])
        assert trajectory.shape == (len(scene.truth), 3) and np.isfinite(trajectory).all()
        assert meta["units"]["trajectory"] == "metres"
    with np.load(tmp_path / "out/poses_3d.npz", allow_pickle=False) as npz:
        assert ("trajectory" in npz.files) == (name == "tgraphnet_traj")


def _tiny_coco_checkpoint(path: Path) -> Path:
    from pose3d.models import build

    torch.manual_seed(0)
    model = build("linear", linear_size=8)
    torch.save(
        {"model": "linear", "options": {"linear_size": 8}, "state_dict": model.state_dict(), "layout_2d": "coco"}, path
    )
    return path


def test_a_long_gap_in_a_detector_track_starts_a_new_track(tmp_path: Path) -> None:
    """Back after 10**9 frames under the same AlphaPose idx: two tracks, nothing interpolated (or allocated) between."""
    rng = np.random.default_rng(0)
    keypoints = np.concatenate([rng.uniform(100, 900, (20, 17, 2)), np.full((20, 17, 1), 0.9)], axis=-1)
    frames = np.r_[0:10, 10**9 : 10**9 + 10]
    path = alphapose_json(tmp_path / "alphapose-results.json", [Person(frames, keypoints)])
    checkpoint = _tiny_coco_checkpoint(tmp_path / "model.pt")
    assert _lift(path, tmp_path / "out", checkpoint, "--image-size", "1000", "1000", "--person", "all") == 0
    table = pq.read_table(tmp_path / "out/poses_3d.parquet")
    assert sorted(table.column("frame").to_pylist()) == frames.tolist()
    assert set(table.column("person").to_pylist()) == {0} and all(table.column("detected").to_pylist())
    assert [p["frames"] for p in read_metadata(tmp_path / "out/poses_3d.parquet")["people"]] in (
        [[0, 9], [10**9, 10**9 + 9]],
        [[10**9, 10**9 + 9], [0, 9]],
    )


def test_an_unwritable_output_fails_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """poses_3d.npz is a folder: refused up front, so no poses_3d.parquet is left without its .npz."""
    path = coco_json(tmp_path / "results.json", [Person(np.arange(3), np.full((3, 17, 3), 500.0))])
    (tmp_path / "out/poses_3d.npz").mkdir(parents=True)
    capsys.readouterr()
    assert (
        _lift(path, tmp_path / "out", _tiny_coco_checkpoint(tmp_path / "model.pt"), "--image-size", "1000", "1000") == 2
    )
    err = capsys.readouterr().err
    assert err == f"pose3d: error: {tmp_path / 'out/poses_3d.npz'}: is a folder; cannot write the output file there\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["poses_3d.npz"]


def test_motionagformer_lifts_with_the_detectors_confidences(scene: Scene, tmp_path: Path) -> None:
    """A model that reads confidences gets the detector's scores: lifting the same keypoints with other
    scores gives other poses, and the tracks carry the scores (0 where a keypoint was filled in)."""
    from pose3d.lifting.lift import lift_keypoints
    from pose3d.runs import Checkpoint

    torch.manual_seed(0)
    options = {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 16}
    network = build("motionagformer", **options)
    checkpoint = tmp_path / "mag.pt"
    spec = get("motionagformer")
    Checkpoint("motionagformer", spec.options(options), network.state_dict(), "coco", (27, 0)).save(checkpoint)
    person = _person(scene)
    sure = coco_json(tmp_path / "sure.json", [person])
    unsure_scores = person.keypoints.copy()
    unsure_scores[:, :, 2] = 0.3
    unsure_scores[5, 0, 2] = 0.0  # the nose missed once (no score above --min-score 0): filled in, confidence 0
    unsure = coco_json(tmp_path / "unsure.json", [Person(person.frames, unsure_scores)])
    lifted = {
        name: lift_keypoints(checkpoint, path, image_size=scene.size)
        for name, path in (("sure", sure), ("unsure", unsure))
    }
    assert lifted["sure"].people[0].scores.min() == 1.0
    scores = lifted["unsure"].people[0].scores
    assert scores[5, 9] == 0.0 and np.allclose(np.delete(scores.ravel(), 5 * 17 + 9), 0.3)  # nose = Neck/Nose (9)
    assert not np.allclose(lifted["sure"].positions, lifted["unsure"].positions, atol=1e-4)
