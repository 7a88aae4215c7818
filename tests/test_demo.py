"""The embedded demo dataset: raw-format files, structure, determinism and plausibility (size "tiny")."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import cdflib
import numpy as np
import pytest

from pose3d.data.camera import CAMERA_IDS, extrinsics, intrinsics, normalize_screen, project, world_to_camera
from pose3d.data.h36m import ACTIONS, SUBJECTS_3D, TEST_SUBJECTS, action_of, feature_files, rename_sequence
from pose3d.data.skeleton import H36M_17_FROM_3DHP, H36M_32, H36M_32_TO_17
from pose3d.demo import SIZES, write_demo
from pose3d.demo.body import CONTACTS, ROTATING_JOINTS, forward_kinematics, make_body
from pose3d.demo.coverage import Coverage, frame_features, heading_free
from pose3d.demo.writer import subject_body

CPN = "data_2d_h36m_cpn_ft_h36m_dbb.npz"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "seed0"
    write_demo(out, size="tiny", seed=0)
    return out


@pytest.fixture(scope="module")
def detections(demo: Path) -> dict:
    return np.load(demo / CPN, allow_pickle=True)["positions_2d"].item()


def _pose(path: Path) -> np.ndarray:
    return cdflib.CDF(path).varget("Pose")


def _mocap(demo: Path, subject: str) -> dict[str, np.ndarray]:
    return {
        name: _pose(path).reshape(-1, 32, 3)
        for name, path in feature_files(demo / "h36m", subject, "D3_Positions").items()
    }


def test_sizes_and_bad_arguments(tmp_path: Path) -> None:
    assert SIZES == ("tiny", "small", "full")
    with pytest.raises(ValueError, match="size"):
        write_demo(tmp_path, size="huge")
    with pytest.raises(ValueError, match="seed"):
        write_demo(tmp_path, size="tiny", seed=-1)
    assert not any(tmp_path.iterdir())


def test_file_tree_and_real_sequence_names(demo: Path) -> None:
    assert sorted(p.name for p in (demo / "h36m").iterdir()) == sorted(SUBJECTS_3D)
    for subject in SUBJECTS_3D:
        for feature in ("D3_Positions", "D3_Angles"):
            stems = {p.stem for p in (demo / "h36m" / subject / "MyPoseFeatures" / feature).glob("*.cdf")}
            assert len(stems) == 30, (subject, feature)
            renamed = [rename_sequence(stem) for stem in stems]
            for action in ACTIONS:  # both sub-actions of every action
                assert sum(action_of(name) == action for name in renamed) == 2, (subject, action)
    s1 = {p.stem for p in (demo / "h36m/S1/MyPoseFeatures/D3_Positions").glob("*.cdf")}
    assert {
        "TakingPhoto",
        "TakingPhoto 1",
        "WalkingDog",
        "WalkingDog 1",
        "Eating 2",
        "Sitting 2",
        "SittingDown 2",
    } <= s1
    assert not any(stem.startswith(("Photo", "WalkDog")) for stem in s1)
    s11 = {p.stem for p in (demo / "h36m/S11/MyPoseFeatures/D3_Positions").glob("*.cdf")}
    assert {"Directions", "Phoning 3", "Phoning 2", "Greeting 2", "Smoking 2"} <= s11
    assert len(feature_files(demo / "h36m", "S11", "D3_Positions")) == 29  # pipelines skip Directions


def test_cdf_layout(demo: Path) -> None:
    folder = demo / "h36m/S5/MyPoseFeatures"
    for stem in ("Directions 2", "Discussion 3", "Walking"):
        pose = _pose(folder / "D3_Positions" / f"{stem}.cdf")
        angles = _pose(folder / "D3_Angles" / f"{stem}.cdf")
        assert pose.dtype == np.float64 and angles.dtype == np.float64
        assert pose.ndim == 3 and pose.shape[0] == 1 and pose.shape[2] == 96
        assert angles.shape == (1, pose.shape[1], 78)
        assert 60 <= pose.shape[1] <= 100
        np.testing.assert_allclose(pose[0, :, :3], angles[0, :, :3])  # root position, mm
    head = _pose(folder / "D3_Positions/Walking 1.cdf").reshape(-1, 32, 3)[:, 15, 2]
    assert 1500 < np.median(head) < 1900  # standing head height, world z up, millimetres


def test_angles_reproduce_positions(demo: Path) -> None:
    for subject, stem in (("S1", "TakingPhoto 1"), ("S9", "SittingDown"), ("S11", "Walking 1")):
        folder = demo / "h36m" / subject / "MyPoseFeatures"
        pose = _pose(folder / "D3_Positions" / f"{stem}.cdf")[0].reshape(-1, 32, 3)
        record = _pose(folder / "D3_Angles" / f"{stem}.cdf")[0]
        angles = np.radians(record[:, 3:].reshape(len(record), 25, 3))
        rebuilt = forward_kinematics(subject_body(subject, seed=0), record[:, :3] / 1000.0, angles)
        np.testing.assert_allclose(rebuilt * 1000.0, pose, atol=1e-6)


def test_bone_lengths_constant_and_plausible(demo: Path) -> None:
    parents = np.array(H36M_32.parents[1:])
    heights = []
    for subject in ("S1", "S8"):
        for pose in _mocap(demo, subject).values():
            bones = np.linalg.norm(pose[:, 1:] - pose[:, parents], axis=-1)
            np.testing.assert_allclose(bones, np.broadcast_to(bones[0], bones.shape), atol=1e-6)
            heights.append(bones[0])
    thigh, shin, upper_arm = (np.array(heights)[:, j - 1] for j in (2, 3, 18))
    assert thigh.min() > 380 and thigh.max() < 520
    assert shin.min() > 370 and shin.max() < 510
    assert upper_arm.min() > 230 and upper_arm.max() < 330
    assert not np.allclose(heights[0], heights[-1])  # subjects differ


def test_motion_is_action_specific(demo: Path) -> None:
    hips: dict[str, list[float]] = {"Sitting": [], "Walking": [], "Eating": []}
    travel = []
    for subject in SUBJECTS_3D:
        for name, pose in _mocap(demo, subject).items():
            action = action_of(name)
            if action in hips:
                hips[action].append(pose[:, 0, 2].mean())
            if action == "Walking":
                travel.append(np.linalg.norm(pose[-1, 0, :2] - pose[0, 0, :2]))
            feet = pose[:, list(CONTACTS), 2] - 1000.0 * np.array(list(CONTACTS.values()))
            assert feet.min() > -1e-6  # nothing through the floor
            assert np.abs(feet.min(axis=1)).max() < 1e-6  # and something on it in every frame
    assert np.mean(hips["Sitting"]) < np.mean(hips["Walking"]) - 200
    assert np.mean(hips["Eating"]) < 700
    assert np.median(travel) > 1000  # metres of walking in 1.2-2 s


def test_sub_actions_differ(demo: Path) -> None:
    mocap = _mocap(demo, "S6")
    a, b = mocap["Waiting 3"], mocap["Waiting"]
    n = min(len(a), len(b))
    assert np.abs(a[:n] - b[:n]).mean() > 50


def test_cpn_file_structure(demo: Path, detections: dict) -> None:
    meta = np.load(demo / CPN, allow_pickle=True)["metadata"].item()
    assert meta == {
        "layout_name": "h36m",
        "num_joints": 17,
        "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
    }
    assert set(detections) == {*SUBJECTS_3D, "S2", "S3", "S4"}
    assert "Directions" not in detections["S11"] and len(detections["S11"]) == 29
    assert {"Photo", "Photo 1", "WalkDog", "WalkDog 1"} <= set(detections["S1"])
    assert {"SittingDown 2", "SittingDown 3"} <= set(detections["S2"])
    longer = 0
    for subject in SUBJECTS_3D:
        mocap = _mocap(demo, subject)
        assert set(detections[subject]) == set(mocap)
        for name, pose in mocap.items():
            views = detections[subject][name]
            assert isinstance(views, list) and len(views) == len(CAMERA_IDS)
            assert all(v.dtype == np.float32 and v.shape == views[0].shape for v in views)
            assert views[0].shape[1:] == (17, 2)
            assert len(pose) <= len(views[0]) <= len(pose) + 5
            longer += len(views[0]) > len(pose)
    assert 5 <= longer <= 60  # about 10 % of the 209 sequences


def test_detections_are_noisy_projections(demo: Path, detections: dict) -> None:
    errors, inside = [], []
    for subject in ("S1", "S9", "S11"):
        for name, pose in _mocap(demo, subject).items():
            for cam, views in zip(CAMERA_IDS, detections[subject][name]):
                intr = intrinsics(cam)
                exact = project(world_to_camera(pose[:, H36M_32_TO_17], extrinsics(subject, cam)), intr.as_vector())
                errors.append(np.linalg.norm(views[: len(pose)] - exact, axis=-1).ravel())
                inside.append(((exact >= 0) & (exact < [intr.res_w, intr.res_h])).all(axis=(1, 2)))
    error = np.concatenate(errors)
    assert 1.0 < np.median(error) < 6.0
    assert error.max() > 20.0  # gross outliers and swaps exist
    assert np.mean(error > 20.0) < 0.02
    assert np.concatenate(inside).mean() > 0.97  # the person is seen by all four cameras


def test_3dhp_file(demo: Path) -> None:
    data = np.load(demo / "data_test_3dhp.npz", allow_pickle=True)["data"].item()
    assert list(data) == [f"TS{i}" for i in range(1, 7)]
    head_above_feet = []
    for name, seq in data.items():
        n = len(seq["valid"])
        assert 40 <= n <= 60
        assert seq["data_3d"].shape == (n, 17, 3) and seq["data_2d"].shape == (n, 17, 2)
        assert 0 < seq["valid"].sum() < n
        h36m = seq["data_3d"][:, H36M_17_FROM_3DHP]
        assert np.all(h36m[..., 2] > 1500)  # in front of the camera, millimetres
        head_above_feet.append(h36m[:, 3, 1] - h36m[:, 10, 1])  # image y points down
        size = (2048, 2048) if name in ("TS1", "TS2", "TS3", "TS4") else (1920, 1080)
        assert np.all((seq["data_2d"] >= 0) & (seq["data_2d"] < size))
    assert np.median(np.concatenate(head_above_feet)) > 500  # upright most of the time, lying at times


def test_3dpw_file(demo: Path) -> None:
    raw = (demo / "pw3d_test.pkl").read_bytes()
    assert raw[:2] == b"\x80\x04"  # pickle protocol 4
    data = pickle.loads(raw)
    assert "downtown_walkBridge_01_0" in data
    assert sum(key.endswith("_1") for key in data) >= 2  # videos with two persons
    for seq in data.values():
        t = len(seq["pos3d"])
        assert seq["pos3d"].shape == (t, 17, 3) and seq["pos2d"].shape == (t, 17, 2)
        assert seq["cam"].shape == (11,)
        w, h = seq["cam"][9:]
        assert (w, h) == (1080, 1920)
        assert seq["pos3d"][..., 2].min() > 1.0 and seq["pos3d"][..., 2].max() < 12.0  # metres
        pixels = project(seq["pos3d"].astype(np.float64), seq["cam"][:9].astype(np.float64))
        np.testing.assert_allclose(normalize_screen(pixels, w, h), seq["pos2d"], atol=1e-4)


def test_same_seed_same_bytes_other_seed_differs(demo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pose3d.demo.writer"):
        write_demo(tmp_path / "again", size="tiny", seed=0)
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("demo coverage, test: 4154 frames; trunk tilt >45 deg") for m in logged), logged
    files = sorted(p.relative_to(demo) for p in demo.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    for rel in files:
        assert (demo / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel
    write_demo(tmp_path / "other", size="tiny", seed=1)
    for rel in (Path(CPN), Path("h36m/S9/MyPoseFeatures/D3_Positions/Walking.cdf"), Path("pw3d_test.pkl")):
        assert (demo / rel).read_bytes() != (tmp_path / "other" / rel).read_bytes(), rel


def _coverage(demo: Path) -> Coverage:
    coverage = Coverage()
    for subject in SUBJECTS_3D:
        for name, pose in _mocap(demo, subject).items():
            coverage.add("test" if subject in TEST_SUBJECTS else "train", action_of(name), pose / 1000.0)
    return coverage


def test_coverage_features_measure_known_poses() -> None:
    body = make_body(np.random.default_rng(3))
    k = {joint: i for i, joint in enumerate(ROTATING_JOINTS)}
    angles = np.zeros((2, len(ROTATING_JOINTS), 3))
    angles[:, k[0]] = np.radians([[30.0, 0.0, 0.0], [120.0, 50.0, 0.0]])  # heading, then forward pitch
    angles[:, k[2], 0] = np.radians(90.0)  # right knee
    angles[:, k[18], 0] = np.radians(-60.0)  # left elbow
    pose = forward_kinematics(body, np.array([[0.0, 0.0, 1.0], [0.5, 0.2, 1.0]]), angles)
    features = frame_features(pose)
    np.testing.assert_allclose(features["trunk_tilt"], [0.0, 50.0], atol=1e-3)
    np.testing.assert_allclose(features["knee_flexion"], [[90.0, 0.0], [90.0, 0.0]], atol=1e-3)
    np.testing.assert_allclose(features["elbow_flexion"][:, 1], [60.0, 60.0], atol=1e-3)
    np.testing.assert_allclose(features["pelvis_height"], [1.0, 1.0])
    still = angles.copy()
    still[:, k[0]] = 0.0
    upright = forward_kinematics(body, np.zeros((2, 3)), still)
    still[:, k[0], 0] = np.radians(75.0)
    turned = forward_kinematics(body, np.ones((2, 3)), still)
    np.testing.assert_allclose(heading_free(turned), heading_free(upright), atol=1e-9)  # heading removed


def test_demo_covers_bending_kneeling_and_sitting(demo: Path) -> None:
    """Issue 13: real activity leans past 45 and 80 degrees and bends the knees past 90 degrees often."""
    coverage = _coverage(demo)
    assert coverage.share("test", "trunk_tilt", 45.0) >= 0.10
    assert coverage.share("test", "trunk_tilt", 80.0) >= 0.02
    assert coverage.share("test", "knee_flexion", 90.0, per_frame=True) >= 0.25
    for group in ("test", "train"):
        assert coverage.share(group, "pelvis_height", 0.35) >= 0.03  # on the floor: sitting, kneeling, lying
        assert coverage.share(group, "wrist_height", 0.5) >= 0.005  # hands overhead
    walking = coverage.values("train", "trunk_tilt", "Walking")
    assert np.mean(walking < 30.0) > 0.95  # walkers stay upright


def test_walking_still_walks(demo: Path) -> None:
    for subject in SUBJECTS_3D:
        for name, pose in _mocap(demo, subject).items():
            if action_of(name) != "Walking":
                continue
            metres = pose / 1000.0
            speed = np.linalg.norm(np.diff(metres[:, 0, :2], axis=0), axis=1).mean() * 50.0
            assert 0.8 < speed < 1.8, (subject, name, speed)  # m/s, steady walking
            feet = heading_free(metres)[:, [3, 6], 0]  # right and left ankle, forward of the pelvis
            lead = np.sign(feet[:, 0] - feet[:, 1])
            assert np.count_nonzero(np.diff(lead)) >= 2, (subject, name)  # the feet take turns in front
            assert metres[:, 0, 2].min() > 0.8  # upright, no crouching
            assert frame_features(metres)["knee_flexion"].max() < 90.0


def test_joint_angles_stay_anatomical(demo: Path) -> None:
    k = {joint: i for i, joint in enumerate(ROTATING_JOINTS)}
    for subject in SUBJECTS_3D:
        folder = feature_files(demo / "h36m", subject, "D3_Angles")
        for name, pose in _mocap(demo, subject).items():
            record = _pose(folder[name])[0, :, 3:].reshape(-1, 25, 3)
            knees, elbows, hips = record[:, [k[2], k[7]], 0], record[:, [k[18], k[26]], 0], record[:, [k[1], k[6]], 0]
            assert knees.min() >= 0.0 and knees.max() <= 155.0, (subject, name)  # no hyperextension
            assert elbows.max() <= 0.0 and elbows.min() >= -150.0, (subject, name)
            assert hips.min() >= -135.0 and hips.max() <= 30.0, (subject, name)  # flexion is negative
            features = frame_features(pose / 1000.0)
            assert features["knee_flexion"].max() < 156.0 and features["elbow_flexion"].max() < 151.0


def test_kneeling_and_lying_touch_the_floor(demo: Path) -> None:
    clearance = np.array(list(CONTACTS.values()))
    kneeling = lying = 0
    for subject in SUBJECTS_3D:
        for pose in _mocap(demo, subject).values():
            metres = pose / 1000.0
            heights = metres[:, list(CONTACTS), 2] - clearance
            grounded = np.array(list(CONTACTS))[heights.argmin(axis=1)]
            on_knee = np.isin(grounded, [2, 7])
            knee_flexion = frame_features(metres)["knee_flexion"].max(axis=1)
            assert np.all(knee_flexion[on_knee] > 60.0)  # a knee on the floor is a bent one
            kneeling += on_knee.sum()
            flat = (frame_features(metres)["trunk_tilt"] > 70.0) & (metres[:, 0, 2] < 0.3)
            assert np.all(metres[flat, 13, 2] < 0.35)  # lying: the back is on the floor too
            lying += flat.sum()
    assert kneeling > 50 and lying > 10
