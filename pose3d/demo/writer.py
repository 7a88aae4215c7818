"""Write the demo dataset in the raw on-disk formats of Human3.6M, CPN and COCO detections, 3DHP and 3DPW.

Every file is written atomically and byte-for-byte reproducibly: CDFs carry no timestamps, the zip
entries of the ``.npz`` files get a fixed date, and each sequence draws from its own generator
``np.random.default_rng([seed, subject number, sequence index, stream])``.
"""

from __future__ import annotations

import logging
import pickle
import zipfile
from pathlib import Path

import numpy as np
from cdflib.cdfwrite import CDF
from tqdm import tqdm

from pose3d.core.atomic import atomic_path
from pose3d.core.numbers import is_whole
from pose3d.core.progress import progress
from pose3d.data.camera import CAMERA_IDS, extrinsics, intrinsics, project, world_to_camera
from pose3d.data.h36m import SKIPPED_SEQUENCES, SUBJECTS_3D, TEST_SUBJECTS
from pose3d.data.skeleton import COCO_17, H36M_17, H36M_32_TO_17
from pose3d.demo.body import Body, angles_record, make_body
from pose3d.demo.coverage import Coverage
from pose3d.demo.detector import COCO_ERRORS, coco_keypoints, detect
from pose3d.demo.external import mpi_inf_3dhp, pw3d
from pose3d.demo.motion import Motion, animate
from pose3d.demo.sequences import BORROWED_RIG, DETECTION_ONLY, SIZES, Sequence, frame_count, subject_sequences

log = logging.getLogger(__name__)

_MOTION, _DETECTOR, _BODY, _COCO_DETECTOR = 0, 1, 2, 3  # generator streams
_LONGER_2D = 0.1  # share of sequences whose video has a few more frames than the mocap
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CPN_FILE = "data_2d_h36m_cpn_ft_h36m_dbb.npz"
COCO_FILE = "data_2d_h36m_detectron_pt_coco.npz"
HP3D_FILE = "data_test_3dhp.npz"
PW3D_FILE = "pw3d_test.pkl"


def write_demo(out_dir: str | Path, size: str = "small", seed: int = 0) -> None:
    """Write the demo dataset of ``size`` (one of :data:`SIZES`) under ``out_dir``.

    Layout: ``h36m/S*/MyPoseFeatures/D3_Positions|D3_Angles/<Sequence>.cdf``, the CPN and the COCO
    (``detectron_pt_coco``) detection files, ``data_test_3dhp.npz`` and ``pw3d_test.pkl``. The same
    ``(size, seed)`` gives identical bytes.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
    if not (is_whole(seed) or isinstance(seed, np.integer)) or seed < 0:
        raise ValueError(f"demo seed must be a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    subjects = sorted((*SUBJECTS_3D, *DETECTION_ONLY), key=lambda s: int(s[1:]))
    coverage = Coverage()
    sequences = sum(len(subject_sequences(subject)) for subject in subjects)
    with progress(total=sequences, desc=f"demo data ({size})", unit=" sequences") as bar:
        detections = {subject: _write_subject(out / "h36m", subject, size, seed, coverage, bar) for subject in subjects}
    for group in coverage.groups():
        log.info("demo coverage, %s", coverage.summary(group))
    for file, layout, index, left, right in (
        (CPN_FILE, "h36m", 0, list(H36M_17.left), list(H36M_17.right)),
        (COCO_FILE, "coco", 1, _coco_side("left"), _coco_side("right")),
    ):
        metadata = {"layout_name": layout, "num_joints": 17, "keypoints_symmetry": [left, right]}
        positions_2d = {
            subject: {seq: kinds[index] for seq, kinds in per_seq.items()} for subject, per_seq in detections.items()
        }
        write_npz(out / file, positions_2d=positions_2d, metadata=metadata)
    write_npz(out / HP3D_FILE, data=mpi_inf_3dhp(size, seed))
    with atomic_path(out / PW3D_FILE, ".pkl") as tmp, tmp.open("wb") as handle:
        pickle.dump(pw3d(size, seed), handle, protocol=4)
    log.info(
        "wrote the %s demo dataset (seed %d) to %s: %d sequences of %d subjects, %s, %s, %s",
        size,
        seed,
        out,
        sequences,
        len(subjects),
        CPN_FILE,
        HP3D_FILE,
        PW3D_FILE,
    )


def subject_body(subject: str, seed: int) -> Body:
    """The body of one demo subject (the same for all its sequences)."""
    return make_body(np.random.default_rng([seed, int(subject[1:]), 0, _BODY]))


def _coco_side(side: str) -> list[int]:
    """COCO keypoint indices of one side, as VideoPose3D's ``keypoints_symmetry`` lists them."""
    return [j for j, name in enumerate(COCO_17.joints) if name.startswith(side)]


def sequence_motion(subject: str, seq: Sequence, body: Body, size: str, seed: int) -> tuple[Motion, int]:
    """The motion of one demo sequence and its mocap frame count (the motion may run a few frames longer,
    as the video of some real sequences does)."""
    rng = np.random.default_rng([seed, int(subject[1:]), seq.index, _MOTION])
    frames = frame_count(subject, seq.name, size)
    extra = int(rng.integers(1, 6)) if rng.random() < _LONGER_2D else 0
    return animate(seq.action, body, rng, frames + extra), frames


def _write_subject(
    root: Path, subject: str, size: str, seed: int, coverage: Coverage, bar: tqdm
) -> dict[str, tuple[list[np.ndarray], list[np.ndarray]]]:
    """Write the CDFs of one subject (if it has mocap) and add them to ``coverage``; return its CPN and COCO
    detections per sequence. Advances ``bar`` by one per sequence."""
    number = int(subject[1:])
    body = subject_body(subject, seed)
    rig = BORROWED_RIG.get(subject, subject)
    cameras = [(extrinsics(rig, cam), intrinsics(cam).as_vector()) for cam in CAMERA_IDS]
    features = root / subject / "MyPoseFeatures"
    detections = {}
    for seq in subject_sequences(subject):
        motion, frames = sequence_motion(subject, seq, body, size, seed)
        world_mm = motion.positions * 1000.0
        skipped = (subject, seq.name) in SKIPPED_SEQUENCES  # written, but no pipeline reads it
        if subject in SUBJECTS_3D and not skipped:
            coverage.add("test" if subject in TEST_SUBJECTS else "train", seq.action, motion.positions[:frames])
        if subject in SUBJECTS_3D:
            write_cdf(features / "D3_Positions" / f"{seq.stem}.cdf", world_mm[:frames].reshape(frames, -1))
            write_cdf(
                features / "D3_Angles" / f"{seq.stem}.cdf",
                angles_record(motion.root[:frames] * 1000.0, motion.angles[:frames]),
            )
        bar.update()
        if skipped:
            continue
        streams = {}
        for stream, joints, errors in (
            (_DETECTOR, world_mm[:, H36M_32_TO_17], None),
            (_COCO_DETECTOR, coco_keypoints(world_mm / 1000.0) * 1000.0, COCO_ERRORS),
        ):
            exact = np.stack([project(world_to_camera(joints, ext), params) for ext, params in cameras])
            rng = np.random.default_rng([seed, number, seq.index, stream])
            streams[stream] = list(detect(exact, rng) if errors is None else detect(exact, rng, errors=errors))
        detections[seq.name] = (streams[_DETECTOR], streams[_COCO_DETECTOR])
    return detections


def write_cdf(path: Path, values: np.ndarray) -> None:
    """Write ``values`` (T, D) as zVariable ``Pose``: float64, one record of shape (1, T, D)."""
    spec = {
        "Variable": "Pose",
        "Data_Type": CDF.CDF_DOUBLE,
        "Num_Elements": 1,
        "Rec_Vary": True,
        "Dim_Sizes": list(values.shape),
        "Compress": 0,
    }
    with atomic_path(path, ".cdf") as tmp, CDF(tmp, delete=True) as cdf:
        cdf.write_var(spec, var_data=np.ascontiguousarray(values, dtype=np.float64)[None])


def write_npz(path: Path, **arrays: object) -> None:
    """``np.savez_compressed`` with fixed zip timestamps; objects (dicts) are pickled, as numpy does."""
    with atomic_path(path, ".npz") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(value), allow_pickle=True)
