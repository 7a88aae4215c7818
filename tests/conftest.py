"""Fixtures that write small raw input files in the real formats (CDF, npz, h5, pickle)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest
from cdflib.cdfwrite import CDF

from pose3d.data.camera import CAMERA_IDS

#: Mocap files written by :func:`h36m_root`: subject -> (file stem, frames). S1 uses the old names;
#: S11's un-numbered ``Directions`` is written but every pipeline skips it.
H36M_FILES: dict[str, list[tuple[str, int]]] = {
    "S1": [("Directions 1", 23), ("TakingPhoto", 17), ("WalkingDog 1", 19), ("Walking", 15)],
    "S5": [("Directions", 21), ("Eating 2", 16), ("Sitting 1", 18), ("SittingDown 2", 14)],
    "S11": [("Directions", 12), ("Directions 1", 20), ("Walking 1", 13)],
}


def write_cdf(path: Path, pose: np.ndarray, variable: str = "Pose") -> Path:
    """Write a (T, W) float64 array as a CDF zVariable with one record of shape (1, T, W)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cdf = CDF(path, delete=True)
    cdf.write_var(
        {
            "Variable": variable,
            "Data_Type": CDF.CDF_DOUBLE,
            "Num_Elements": 1,
            "Rec_Vary": True,
            "Dim_Sizes": list(pose.shape),
        },
        var_data=pose[None],
    )
    cdf.close()
    return path


def random_pose(rng: np.random.Generator, frames: int) -> np.ndarray:
    """(T, 96) world millimetres: a person-sized point cloud near the origin, drifting smoothly."""
    body = rng.uniform([-300, -300, 0], [300, 300, 1800], size=(32, 3))
    drift = np.cumsum(rng.normal(0.0, 8.0, size=(frames, 1, 3)), axis=0)
    return (body + drift + rng.normal(0.0, 5.0, size=(frames, 32, 3))).reshape(frames, 96)


@dataclass
class H36mRoot:
    """A written Human3.6M folder and the exact arrays in its CDFs."""

    root: Path
    poses: dict[tuple[str, str], np.ndarray]  # (subject, file stem) -> (T, 96) mm


@pytest.fixture
def h36m_root(tmp_path: Path) -> H36mRoot:
    rng = np.random.default_rng(7)
    root = tmp_path / "h36m"
    poses = {}
    for subject, files in H36M_FILES.items():
        for stem, frames in files:
            poses[subject, stem] = random_pose(rng, frames)
            write_cdf(root / subject / "MyPoseFeatures" / "D3_Positions" / f"{stem}.cdf", poses[subject, stem])
    return H36mRoot(root=root, poses=poses)


@pytest.fixture
def poses_3d(tmp_path: Path, h36m_root: H36mRoot) -> Path:
    """The converted mocap of every fixture subject."""
    from pose3d.data.convert.h36m import convert_positions

    out = tmp_path / "out" / "poses_3d.parquet"
    convert_positions(h36m_root.root, list(H36M_FILES), out)
    return out


def renamed_sequences() -> dict[str, dict[str, int]]:
    """Subject -> renamed sequence -> frames, as the converted mocap has them (S11 Directions dropped)."""
    from pose3d.data.h36m import SKIPPED_SEQUENCES, rename_sequence

    return {
        subject: {
            rename_sequence(stem): frames
            for stem, frames in files
            if (subject, rename_sequence(stem)) not in SKIPPED_SEQUENCES
        }
        for subject, files in H36M_FILES.items()
    }


def write_detections_npz(path: Path, positions_2d: dict, metadata: dict | None = None) -> Path:
    """A VideoPose3D 2D archive."""
    meta = (
        metadata
        if metadata is not None
        else {
            "layout_name": "h36m",
            "num_joints": 17,
            "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
        }
    )
    np.savez_compressed(path, positions_2d=positions_2d, metadata=meta)
    return path


def detections_2d(rng: np.random.Generator, extra_frames: int = 0, joints: int = 17) -> dict:
    """CPN-like positions_2d for the fixture mocap plus S2 (no mocap); S1 'Walking' runs ``extra_frames`` long."""
    out: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject, sequences in {**renamed_sequences(), "S2": {"Directions 1": 30}}.items():
        out[subject] = {}
        for sequence, frames in sequences.items():
            length = frames + (extra_frames if (subject, sequence) == ("S1", "Walking") else 0)
            out[subject][sequence] = [
                rng.uniform(0, 1000, size=(length, joints, 2)).astype(np.float32) for _ in CAMERA_IDS
            ]
    return out


@pytest.fixture
def cpn_npz(tmp_path: Path) -> tuple[Path, dict]:
    """A CPN archive whose S1 'Walking' tracks are 3 frames longer than the mocap; includes S2."""
    positions_2d = detections_2d(np.random.default_rng(3), extra_frames=3)
    return write_detections_npz(tmp_path / "data_2d_h36m_cpn_ft_h36m_dbb.npz", positions_2d), positions_2d


def write_sh_h5(path: Path, poses: np.ndarray) -> Path:
    """A Stacked-Hourglass detection file with dataset ``poses`` (T, 16, 2)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("poses", data=poses)
    return path


def sh_file_name(sequence: str, camera: str) -> str:
    """Release naming: spaces become underscores, ``<Sequence>.<camera id>.h5``."""
    return f"{sequence.replace(' ', '_')}.{camera}.h5"


@dataclass
class ShRoot:
    root: Path
    poses: dict[tuple[str, str, str], np.ndarray]  # (subject, renamed sequence, camera) -> (T', 16, 2) file order


@pytest.fixture
def sh_root(tmp_path: Path) -> ShRoot:
    """SH files under <root>/pose/S*/...; S1 keeps old names; S11 Directions present for 3 cameras only."""
    from pose3d.data.h36m import rename_sequence

    rng = np.random.default_rng(5)
    root = tmp_path / "sh"
    poses = {}
    for subject, files in H36M_FILES.items():
        for stem, frames in files:
            cameras = CAMERA_IDS[1:] if (subject, stem) == ("S11", "Directions") else CAMERA_IDS
            for camera in cameras:
                array = rng.uniform(0, 1000, size=(frames + 2, 16, 2)).astype(np.float32)
                poses[subject, rename_sequence(stem), camera] = array
                write_sh_h5(
                    root / "pose" / subject / "StackedHourglassFineTuned240" / sh_file_name(stem, camera), array
                )
    return ShRoot(root=root, poses=poses)


def hp3d_data(rng: np.random.Generator) -> dict:
    """3DHP test dictionary (3DHP joint order, mm and pixels) for TS1 and TS5."""
    data = {}
    for name, frames in (("TS1", 12), ("TS5", 9)):
        data[name] = {
            "data_3d": rng.uniform(-800, 800, size=(frames, 17, 3)) + [0, 0, 4000],
            "data_2d": rng.uniform(0, 1000, size=(frames, 17, 2)),
            "valid": (np.arange(frames) % 4 != 0).astype(np.float64),
        }
    return data


@pytest.fixture
def hp3d_npz(tmp_path: Path) -> tuple[Path, dict]:
    data = hp3d_data(np.random.default_rng(11))
    path = tmp_path / "data_test_3dhp.npz"
    np.savez_compressed(path, data=data)
    return path, data


def pw3d_data(rng: np.random.Generator) -> dict:
    """3DPW test dictionary: two clips with their own cameras."""
    data = {}
    for name, frames in (("downtown_walkBridge_01_0", 10), ("downtown_arguing_00_1", 7)):
        cam = np.array([1960.0, 1965.0, 540.0, 960.0, 0.01, -0.02, 0.0, 0.001, 0.002, 1080.0, 1920.0])
        data[name] = {
            "pos2d": rng.uniform(-1, 1, size=(frames, 17, 2)).astype(np.float32),
            "pos3d": rng.uniform(-1, 1, size=(frames, 17, 3)) + [0, 0, 5],
            "cam": cam + rng.uniform(0, 1, size=11) * [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        }
    return data


@pytest.fixture
def pw3d_pkl(tmp_path: Path) -> tuple[Path, dict]:
    data = pw3d_data(np.random.default_rng(13))
    path = tmp_path / "pw3d_test.pkl"
    path.write_bytes(pickle.dumps(data, protocol=4))
    return path, data


#: Videos of :func:`motionbert_data`: split -> (source, frames, release action label). S1's act 12 is its old
#: 'TakingPhoto' names; S9 act 5 sub-action 2 is one of the three videos the release never scores; S11 act 2
#: sub-action 2 is the corrupt 'Directions' that no mocap has.
MOTIONBERT_VIDEOS: dict[str, list[tuple[str, int, str]]] = {
    "train": [
        ("s_01_act_04_subact_01_ca_01", 9, "Eating"),
        ("s_01_act_04_subact_01_ca_04", 9, "Eating"),
        ("s_01_act_12_subact_02_ca_02", 7, "Photo"),
    ],
    "test": [
        ("s_09_act_02_subact_01_ca_01", 10, "Directions"),
        ("s_09_act_02_subact_01_ca_03", 10, "Directions"),
        ("s_09_act_05_subact_02_ca_01", 14, "Greeting"),
        ("s_11_act_02_subact_02_ca_02", 6, "Directions"),
        ("s_11_act_06_subact_01_ca_04", 11, "Phoning"),
    ],
}


def motionbert_data(rng: np.random.Generator) -> dict:
    """MotionBERT's ``h36m_sh_conf_cam_source_final.pkl`` layout in small: per-frame float32 arrays, names as
    lists (``camera_name`` of the test split as a NumPy string array); the test split has the 2.5D targets."""
    data = {}
    for split, videos in MOTIONBERT_VIDEOS.items():
        n = sum(frames for _, frames, _ in videos)
        joint3d = np.concatenate(
            [rng.uniform(0, 1000, (n, 17, 2)), rng.uniform(-150, 150, (n, 17, 1))], axis=-1
        ).astype(np.float32)
        cameras = [CAMERA_IDS[int(source[-2:]) - 1] for source, frames, _ in videos for _ in range(frames)]
        data[split] = {
            "joint_2d": rng.uniform(0, 1000, (n, 17, 2)).astype(np.float32),
            "confidence": rng.uniform(0, 1, (n, 17)).astype(np.float32),
            "joint3d_image": joint3d,
            "camera_name": cameras,
            "source": [source for source, frames, _ in videos for _ in range(frames)],
        }
        if split == "test":
            factor = rng.uniform(3.5, 5.5, n).astype(np.float32)
            data[split]["2.5d_factor"] = factor
            data[split]["joints_2.5d_image"] = joint3d * factor[:, None, None]
            data[split]["action"] = [label for _, frames, label in videos for _ in range(frames)]
            data[split]["camera_name"] = np.array(cameras)
    return data


@pytest.fixture(scope="session")
def tiny_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny demo dataset converted to every Parquet table (built once per test session); raw files in ``raw/``."""
    from pose3d.data.convert.detections import convert_detections
    from pose3d.data.convert.ground_truth_2d import project_ground_truth
    from pose3d.data.convert.h36m import convert_positions
    from pose3d.data.convert.hp3d import convert_3dhp
    from pose3d.data.convert.pw3d import convert_3dpw
    from pose3d.data.h36m import SUBJECTS_3D
    from pose3d.demo import write_demo

    root = tmp_path_factory.mktemp("tiny-demo")
    write_demo(root / "raw", size="tiny", seed=0)
    names = ("poses_3d", "poses_2d_gt", "poses_2d_cpn", "poses_2d_coco", "3dhp", "3dpw")
    tables = {name: root / f"{name}.parquet" for name in names}
    convert_positions(root / "raw/h36m", SUBJECTS_3D, tables["poses_3d"])
    project_ground_truth(tables["poses_3d"], tables["poses_2d_gt"])
    convert_detections(root / "raw/data_2d_h36m_cpn_ft_h36m_dbb.npz", tables["poses_3d"], tables["poses_2d_cpn"], "cpn")
    coco = root / "raw/data_2d_h36m_detectron_pt_coco.npz"
    convert_detections(coco, tables["poses_3d"], tables["poses_2d_coco"], "coco")
    convert_3dhp(root / "raw/data_test_3dhp.npz", tables["3dhp"])
    convert_3dpw(root / "raw/pw3d_test.pkl", tables["3dpw"])
    return tables
