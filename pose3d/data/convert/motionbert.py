"""MotionBERT's preprocessed Human3.6M pickle -> a pose3d 2D table and the release's test-protocol table.

The file
--------
``h36m_sh_conf_cam_source_final.pkl`` (MotionBERT, ICCV 2023; MotionAGFormer, WACV 2024, reads the same
file) is LCN's Human3.6M preprocessing (Ci et al., from C. Wang's H36M-Toolbox): Stacked-Hourglass 2D
detections fine-tuned on Human3.6M, with the detector's confidence, and 2.5D targets. It is a pickle of
``{"train": {...}, "test": {...}}``; each split is a dictionary of per-frame values, all of length N
(1,559,752 train and 566,920 test frames in the release), ordered by video and, within a video, by frame:

====================  =====================  =====  =======================================================
key                   shape                  split  what
====================  =====================  =====  =======================================================
``joint_2d``          (N, 17, 2) float       both   Stacked-Hourglass 2D keypoints, pixels of the image
``confidence``        (N, 17) or (N, 17, 1)  both   the detector's confidence of each keypoint (optional:
                      float                         MotionBERT's reader fills 1.0 when a file has none)
``joint3d_image``     (N, 17, 3) float       both   ground truth in image space: x, y pixels, z the depth
                                                    relative to the root in the same pixel scale
``joints_2.5d_image`` (N, 17, 3) float       test   ``joint3d_image`` x ``2.5d_factor``: millimetres, the
                                                    scoring target
``2.5d_factor``       (N,) float             test   millimetres per pixel of each frame (LCN's lambda)
``camera_name``       (N,) str               both   ``"54138969"`` ...; 54138969 and 60457274 are 1000 x
                                                    1002 pixels, the others 1000 x 1000
``action``            (N,) str               test   the label the release's per-action table groups by
``source``            (N,) str               both   the video, ``"s_09_act_02_subact_01_ca_01"``
====================  =====================  =====  =======================================================

Read from MotionBERT's ``lib/data/datareader_h36m.py`` (``read_2d``, ``read_3d``, ``read_hw``,
``get_split_id``) and ``train.py::evaluate`` (``joints_2.5d_image``, ``2.5d_factor``, ``action``, ``source``),
which cast every array to float32; the train split has no ``joints_2.5d_image``, ``2.5d_factor`` or
``action``. The 17 joints are Human3.6M's in pose3d's H36M-17 order (the release's flip pairs are
``[4, 5, 6, 11, 12, 13]`` / ``[1, 2, 3, 14, 15, 16]``). Frames are every frame at 50 Hz, not
downsampled: 1,559,752 is every frame of the four cameras of S1, S5, S6, S7 and S8 (VideoPose3D counts
the same), and the released configs read the file with ``sample_stride: 1``. The file is read by
pose3d's restricted unpickler (never runs code from it); the numeric values must be NumPy arrays, as the
release's slicing (``[::stride, :, :2]``) requires, and each split's lengths and shapes are checked
before anything is built from them.

Names
-----
``s_SS_act_AA_subact_BB_ca_CC`` maps to pose3d's keys as follows.

- subject ``S<SS>``; only the seven subjects with mocap (S1, S5-S9, S11) are accepted.
- camera: Human3.6M's camera index ``CC`` (1-4) in the order 54138969, 55011271, 58860488, 60457274
  (pose3d's :data:`~pose3d.data.camera.CAMERA_IDS`); it must agree with ``camera_name``.
- sequence: ``AA`` is Human3.6M's action id (2 Directions, 3 Discussion, 4 Eating, 5 Greeting, 6 Phoning,
  7 Posing, 8 Purchases, 9 Sitting, 10 SittingDown, 11 Smoking, 12 TakingPhoto, 13 Waiting, 14 Walking,
  15 WalkingDog, 16 WalkTogether; 1 is ``_ALL``, never used) and ``BB`` (1, 2) its sub-action. The
  sub-action number is *not* the file-name suffix: which file it is depends on the subject, as the mapping
  table of the dataset's ``metadata.xml`` says (copied into :data:`SEQUENCES`; H36M-Toolbox named its videos
  through it). E.g. act 4 sub-action 1 is S1's ``Eating 2`` but S5's ``Eating 1``; act 6 sub-action 1 is
  S11's ``Phoning 3``; act 2 sub-action 2 is ``Directions`` except for S5 (``Directions 2``). S1's old
  names are renamed (``TakingPhoto`` -> ``Photo``, ``WalkingDog`` -> ``WalkDog``).
- frame: the row's position within its video, 0..T-1 (the file holds no frame numbers; H36M-Toolbox wrote
  one row per video frame from the first).

What cannot be mapped, or not exactly:

- S11 ``Directions`` (act 2, sub-action 2): its video is corrupt and pose3d's mocap skips it
  (:data:`~pose3d.data.h36m.SKIPPED_SEQUENCES`); it is left out of the 2D table (the test table keeps
  what the file has).
- Frame numbers are positions: had H36M-Toolbox missed a video frame, every later row of that video would
  be one frame off the mocap. Nothing in the file can show it.
- Three S9 videos are longer than their mocap: ``s_09_act_05_subact_02`` (``Greeting``, 1447 mocap
  frames), ``s_09_act_10_subact_02`` (``SittingDown 1``, 1554) and ``s_09_act_13_subact_01``
  (``Waiting 1``, 1612) have about twice as many video frames (H36M-Toolbox took the per-camera 3D, which
  runs the whole video); these are the three the release leaves out of its scores. ``--poses-3d`` trims
  every track to its mocap length (as the other 2D converters do), which ``load_h36m`` needs; without it
  the tracks are written whole. A track shorter than its mocap is kept (its frames are a prefix) and
  listed in the metadata.
- The 2.5D targets are image-space, not pose3d's camera-frame metres: they go to the test table only.

Outputs (in ``--out``)
----------------------
- ``poses_2d.parquet``: pose3d's Human3.6M 2D format (subject, sequence, action, camera, frame,
  ``keypoints`` 17 x 2 pixels, ``scores`` the detector's confidence), both splits, joined to the CDF mocap
  by :func:`pose3d.data.loader.load_h36m`.
- ``motionbert_test.parquet``: the test split row for row in the file's order (the release's frame
  index is the row number): ``source``, the mapped subject/sequence/action/camera/frame, the release's
  ``release_action``, ``width``/``height`` (the release's per-camera resolution), ``factor``
  (``2.5d_factor``), ``keypoints`` and ``scores`` (the input), ``target`` (``joints_2.5d_image``, mm) and
  ``image_3d`` (``joint3d_image``). :func:`pose3d.data.loader.load_motionbert_test` cuts it into the
  release's clips.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from pose3d.core.atomic import atomic_paths
from pose3d.core.errors import InputError
from pose3d.core.safe_load import load_pickle
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.checks import as_mapping, to_float32
from pose3d.data.convert.pose_tables import (
    Runs,
    check_scores,
    frame_index,
    image_sizes,
    keypoint_scores,
    read_mocap,
    scores_unit,
)
from pose3d.data.h36m import SKIPPED_SEQUENCES, SUBJECTS_3D, action_of, rename_sequence
from pose3d.data.parquet_io import build_table, file_record, write_table
from pose3d.data.skeleton import H36M_17

#: Output file names inside ``--out``.
POSES_2D = "poses_2d.parquet"
TEST_TABLE = "motionbert_test.parquet"

#: Subjects in the column order of :data:`SEQUENCES`.
SUBJECT_COLUMNS: tuple[str, ...] = ("S1", "S5", "S6", "S7", "S8", "S9", "S11")

#: (Human3.6M action id, sub-action) -> the file name of that recording for each subject of
#: :data:`SUBJECT_COLUMNS`: the mapping table of the dataset's ``metadata.xml`` (S1's old names as there).
SEQUENCES: dict[tuple[int, int], tuple[str, ...]] = {
    (2, 1): ("Directions 1",) * 7,
    (2, 2): ("Directions", "Directions 2", "Directions", "Directions", "Directions", "Directions", "Directions"),
    (3, 1): (
        "Discussion 1",
        "Discussion 2",
        "Discussion 1",
        "Discussion 1",
        "Discussion 1",
        "Discussion 1",
        "Discussion 1",
    ),
    (3, 2): ("Discussion", "Discussion 3", "Discussion", "Discussion", "Discussion", "Discussion 2", "Discussion 2"),
    (4, 1): ("Eating 2", "Eating 1", "Eating 1", "Eating 1", "Eating 1", "Eating 1", "Eating 1"),
    (4, 2): ("Eating", "Eating", "Eating 2", "Eating", "Eating", "Eating", "Eating"),
    (5, 1): ("Greeting 1", "Greeting 1", "Greeting 1", "Greeting 1", "Greeting 1", "Greeting 1", "Greeting 2"),
    (5, 2): ("Greeting", "Greeting 2", "Greeting", "Greeting", "Greeting", "Greeting", "Greeting"),
    (6, 1): ("Phoning 1", "Phoning 1", "Phoning 1", "Phoning 2", "Phoning 1", "Phoning 1", "Phoning 3"),
    (6, 2): ("Phoning", "Phoning", "Phoning", "Phoning", "Phoning", "Phoning", "Phoning 2"),
    (7, 1): ("Posing 1", "Posing 1", "Posing 2", "Posing 1", "Posing 1", "Posing 1", "Posing 1"),
    (7, 2): ("Posing",) * 7,
    (8, 1): ("Purchases 1",) * 7,
    (8, 2): ("Purchases",) * 7,
    (9, 1): ("Sitting 1",) * 7,
    (9, 2): ("Sitting 2", "Sitting", "Sitting 2", "Sitting", "Sitting", "Sitting", "Sitting"),
    (10, 1): (
        "SittingDown 2",
        "SittingDown",
        "SittingDown 1",
        "SittingDown",
        "SittingDown",
        "SittingDown",
        "SittingDown",
    ),
    (10, 2): (
        "SittingDown",
        "SittingDown 1",
        "SittingDown",
        "SittingDown 1",
        "SittingDown 1",
        "SittingDown 1",
        "SittingDown 1",
    ),
    (11, 1): ("Smoking 1", "Smoking 1", "Smoking 1", "Smoking 1", "Smoking 1", "Smoking 1", "Smoking 2"),
    (11, 2): ("Smoking",) * 7,
    (12, 1): ("TakingPhoto 1", "Photo", "Photo", "Photo", "Photo 1", "Photo 1", "Photo 1"),
    (12, 2): ("TakingPhoto", "Photo 2", "Photo 1", "Photo 1", "Photo", "Photo", "Photo"),
    (13, 1): ("Waiting 1", "Waiting 1", "Waiting 3", "Waiting 1", "Waiting 1", "Waiting 1", "Waiting 1"),
    (13, 2): ("Waiting", "Waiting 2", "Waiting", "Waiting 2", "Waiting", "Waiting", "Waiting"),
    (14, 1): ("Walking 1",) * 7,
    (14, 2): ("Walking", "Walking", "Walking", "Walking 2", "Walking", "Walking", "Walking"),
    (15, 1): ("WalkingDog 1", "WalkDog 1", "WalkDog 1", "WalkDog 1", "WalkDog 1", "WalkDog 1", "WalkDog 1"),
    (15, 2): ("WalkingDog", "WalkDog", "WalkDog", "WalkDog", "WalkDog", "WalkDog", "WalkDog"),
    (16, 1): ("WalkTogether 1",) * 7,
    (16, 2): (
        "WalkTogether",
        "WalkTogether",
        "WalkTogether",
        "WalkTogether",
        "WalkTogether 2",
        "WalkTogether",
        "WalkTogether",
    ),
}

#: Videos (``source`` without the camera) that the release's evaluation leaves out of every score.
RELEASE_EXCLUDED: tuple[str, ...] = ("s_09_act_05_subact_02", "s_09_act_10_subact_02", "s_09_act_13_subact_01")

#: Keys each split must have (``confidence`` may be missing: 1.0, as the release reads such a file).
REQUIRED: dict[str, tuple[str, ...]] = {
    "train": ("joint_2d", "camera_name", "source"),
    "test": ("joint_2d", "joint3d_image", "joints_2.5d_image", "2.5d_factor", "camera_name", "action", "source"),
}
#: Per-frame float arrays of the test split (besides ``joint_2d`` and ``confidence``) and the shape of one frame.
_FRAME_SHAPES: dict[str, tuple[int, ...]] = {
    "joint3d_image": (17, 3),
    "joints_2.5d_image": (17, 3),
    "2.5d_factor": (),
}
#: Longest text value accepted for a name or label (the release's are under 30 characters).
MAX_TEXT = 64

_SOURCE = re.compile(r"s_(\d{2})_act_(\d{2})_subact_(\d{2})_ca_(\d{2})")


@dataclass(frozen=True)
class Video:
    """One ``source`` of the file, mapped to pose3d's keys."""

    source: str
    subject: str
    sequence: str  # renamed (Photo, WalkDog)
    camera: str

    @property
    def recording(self) -> str:
        """The source without its camera (``s_09_act_05_subact_02``), as the release's exclusion list names it."""
        return self.source[: -len("_ca_01")]


def video_of(path: str | Path, source: str) -> Video:
    """Map one ``source`` name (``s_09_act_02_subact_01_ca_01``) to pose3d's subject, sequence and camera."""
    match = _SOURCE.fullmatch(source)
    if match is None:
        raise InputError(path, f"source {source!r} is not 's_<subject>_act_<action>_subact_<n>_ca_<camera>'")
    number, action, subaction, camera = (int(group) for group in match.groups())
    subject = f"S{number}"
    if subject not in SUBJECT_COLUMNS:
        raise InputError(path, f"source {source!r}: subject {subject} has no mocap ({', '.join(SUBJECTS_3D)} have)")
    if (action, subaction) not in SEQUENCES:
        raise InputError(path, f"source {source!r}: no Human3.6M recording is action {action} sub-action {subaction}")
    if not 1 <= camera <= len(CAMERA_IDS):
        raise InputError(path, f"source {source!r}: camera {camera} is not 1-{len(CAMERA_IDS)}")
    sequence = rename_sequence(SEQUENCES[action, subaction][SUBJECT_COLUMNS.index(subject)])
    return Video(source, subject, sequence, CAMERA_IDS[camera - 1])


@dataclass
class Split:
    """One split of the file, checked: per-frame arrays and its videos (runs of equal ``source``)."""

    name: str
    keypoints: np.ndarray  # (N, 17, 2) float32 pixels
    scores: np.ndarray | None  # (N, 17) float32, None when the file has no confidence
    values: dict[str, np.ndarray]  # float32 arrays of _FRAME_SHAPES that the split requires
    labels: np.ndarray | None  # (N,) object str: the release's action labels (test split)
    runs: Runs  # keys["video"]: the Video of each run

    @property
    def videos(self) -> list[Video]:
        return list(self.runs.keys["video"])


def convert_motionbert(pkl: str | Path, out: str | Path, poses_3d: str | Path | None = None) -> None:
    """``h36m_sh_conf_cam_source_final.pkl`` -> ``out``/:data:`POSES_2D` and ``out``/:data:`TEST_TABLE`.

    With ``poses_3d`` (a ``pose3d convert h36m`` table) the 2D table's tracks are trimmed to the mocap, and
    every video must have mocap there.
    """
    data = as_mapping(load_pickle(pkl), pkl, "the pickle")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise InputError(pkl, f"missing split {missing[0]!r} (has: {', '.join(map(str, data)) or 'nothing'})")
    splits = [_split(pkl, name, as_mapping(data[name], pkl, f"split {name!r}")) for name in REQUIRED]
    _check_videos_once(pkl, splits)
    mocap = read_mocap(poses_3d)[0] if poses_3d is not None else None
    poses_2d = _poses_2d_table(pkl, splits, mocap, poses_3d)
    test = _test_table(pkl, splits[-1])
    targets = [Path(out) / POSES_2D, Path(out) / TEST_TABLE]
    with atomic_paths(targets) as (poses_2d_file, test_file):  # both tables, or neither
        write_table(poses_2d, poses_2d_file)
        write_table(test, test_file)


def _split(pkl: str | Path, name: str, split: Mapping[Any, Any]) -> Split:
    """Check one split's keys, lengths and shapes before building anything from them."""
    for key in REQUIRED[name]:
        if key not in split:
            raise InputError(pkl, f"split {name!r}: missing key {key!r} (has: {', '.join(map(str, split))})")
    joint_2d = _array(pkl, name, split, "joint_2d")
    n = len(joint_2d) if joint_2d.ndim else 0
    if joint_2d.ndim != 3 or joint_2d.shape[1] != H36M_17.num_joints or joint_2d.shape[2] < 2:
        raise InputError(pkl, f"split {name!r}: 'joint_2d' should be (frames, 17, 2), found {joint_2d.shape}")
    if n == 0:
        raise InputError(pkl, f"split {name!r}: no frames")
    sizes = {key: len(split[key]) for key in (*REQUIRED[name], "confidence") if key in split and _sized(split[key])}
    for key in (*REQUIRED[name], "confidence"):
        if key in split and sizes.get(key) != n:
            found = sizes.get(key, f"a {type(split[key]).__name__}")
            raise InputError(pkl, f"split {name!r}: {key!r} has {found} frames, 'joint_2d' has {n}")
    values = {}
    for key, frame_shape in _FRAME_SHAPES.items():
        if key in REQUIRED[name]:
            values[key] = _array(pkl, name, split, key)
            if values[key].shape[1:] != frame_shape:
                expected = ", ".join(map(str, (n, *frame_shape)))
                raise InputError(pkl, f"split {name!r}: {key!r} should be ({expected}), found {values[key].shape}")
            values[key] = to_float32(values[key])
            if not np.isfinite(values[key]).all():
                raise InputError(pkl, f"split {name!r}: {key!r} has non-finite values")
    if "2.5d_factor" in values and not (values["2.5d_factor"] > 0).all():
        raise InputError(pkl, f"split {name!r}: '2.5d_factor' has values that are not positive")
    keypoints = to_float32(joint_2d[..., :2])
    bad = ~np.isfinite(keypoints).all(axis=(1, 2))
    if bad.any():
        raise InputError(pkl, f"split {name!r}: non-finite 'joint_2d' in {int(bad.sum())} frames")
    scores = None
    if "confidence" in split:
        confidence = _array(pkl, name, split, "confidence")
        if confidence.shape not in ((n, 17), (n, 17, 1)):
            raise InputError(
                pkl, f"split {name!r}: 'confidence' should be ({n}, 17) or ({n}, 17, 1), found {confidence.shape}"
            )
        scores = check_scores(confidence.reshape(n, 17), pkl, f"split {name!r} 'confidence'")
    sources = _texts(pkl, name, split, "source")
    cameras = _texts(pkl, name, split, "camera_name")
    labels = _texts(pkl, name, split, "action") if "action" in REQUIRED[name] else None
    return Split(name, keypoints, scores, values, labels, _videos(pkl, name, sources, cameras))


def _sized(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 1)


def _array(pkl: str | Path, split: str, values: Mapping[Any, Any], key: str) -> np.ndarray:
    """A real-valued NumPy array (the release slices these, so lists are not what the file holds)."""
    value = values[key]
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        found = f"an array of {value.dtype}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
        raise InputError(pkl, f"split {split!r}: {key!r} should be a numeric array, found {found}")
    return value


def _texts(pkl: str | Path, split: str, values: Mapping[Any, Any], key: str) -> np.ndarray:
    """(N,) object array of the per-frame names or labels of ``key`` as text (a camera name may be a number).

    Only the distinct values are examined: a pickle can repeat one huge string a million times in a few
    bytes, so nothing is copied per frame before each distinct value is known to be a short name.
    """
    value = values[key]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "USO":
        items = value.astype(object)
    elif isinstance(value, (list, tuple)):
        items = np.fromiter(value, dtype=object, count=len(value))
    else:
        found = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
        raise InputError(pkl, f"split {split!r}: {key!r} should be a list of names, found {found}")
    try:
        distinct = set(items.tolist())
    except TypeError:  # unhashable: lists, dictionaries
        distinct = {None}
    text: dict[Any, str] = {}
    for item in distinct:
        if isinstance(item, bytes):
            text[item] = item.decode("latin1")
        elif isinstance(item, (str, int, np.integer)) and not isinstance(item, bool):
            text[item] = str(item)
        else:
            kinds = sorted({type(v).__name__ for v in items[:1000] if not isinstance(v, (str, bytes, int))})
            raise InputError(pkl, f"split {split!r}: {key!r} should hold names, found {', '.join(kinds) or 'other'}")
        if len(text[item]) > MAX_TEXT:
            raise InputError(pkl, f"split {split!r}: {key!r} holds a value of {len(text[item])} characters")
    if all(type(item) is str for item in distinct):
        return items
    return np.fromiter((text[item] for item in items.tolist()), dtype=object, count=len(items))


def _videos(pkl: str | Path, split: str, sources: np.ndarray, cameras: np.ndarray) -> Runs:
    """Runs of equal ``source`` (one video each), mapped; each video's ``camera_name`` must be its camera."""
    change = np.flatnonzero(sources[1:] != sources[:-1]) + 1
    starts = np.concatenate([[0], change, [len(sources)]]).astype(np.int64)
    videos, seen = [], set()
    for start, end in zip(starts[:-1], starts[1:]):
        video = video_of(pkl, sources[start])
        if video.source in seen:
            raise InputError(pkl, f"split {split!r}: source {video.source!r} occurs in more than one block of rows")
        seen.add(video.source)
        named = cameras[start:end]
        if (named != video.camera).any():
            other = named[np.argmax(named != video.camera)]
            raise InputError(
                pkl, f"split {split!r}: source {video.source!r} is camera {video.camera} but camera_name says {other!r}"
            )
        videos.append(video)
    keys = np.empty(len(videos), dtype=object)
    keys[:] = videos
    return Runs(starts=starts, keys={"video": keys})


def _check_videos_once(pkl: str | Path, splits: Sequence[Split]) -> None:
    """No video is in two splits (the release trains on S1, S5-S8 and tests on S9, S11)."""
    first: dict[str, str] = {}
    for split in splits:
        for video in split.videos:
            if video.source in first:
                raise InputError(pkl, f"source {video.source!r} is in split {first[video.source]!r} and {split.name!r}")
            first[video.source] = split.name
    scored = [split.name for split in splits if split.scores is not None]
    unscored = [split.name for split in splits if split.scores is None]
    if scored and unscored:
        raise InputError(pkl, f"split {scored[0]!r} has 'confidence' but split {unscored[0]!r} has not")


def _poses_2d_table(
    pkl: str | Path, splits: Sequence[Split], mocap: Runs | None, poses_3d: str | Path | None
) -> pa.Table:
    """Both splits as a Human3.6M 2D table; S11 'Directions' left out; trimmed to the mocap when given."""
    lengths = {} if mocap is None else dict(zip(zip(mocap.keys["subject"], mocap.keys["sequence"]), mocap.lengths))
    keypoints, scores, kept, videos = [], [], [], []
    skipped, trimmed, shorter = [], [], []
    for split in splits:
        for video, start, end in zip(split.videos, split.runs.starts[:-1], split.runs.starts[1:]):
            if (video.subject, video.sequence) in SKIPPED_SEQUENCES:
                skipped.append(video.source)
                continue
            frames = keep = int(end - start)
            if mocap is not None:
                if (video.subject, video.sequence) not in lengths:
                    raise InputError(
                        pkl, f"{video.source} ({video.subject} {video.sequence!r}) has no mocap in {poses_3d}"
                    )
                length = int(lengths[video.subject, video.sequence])
                keep = min(frames, length)
                record = {"source": video.source, "frames": frames, "mocap_frames": length}
                if frames > length:
                    trimmed.append(record)
                elif frames < length:
                    shorter.append(record)
            keypoints.append(split.keypoints[start : start + keep])
            if split.scores is not None:
                scores.append(split.scores[start : start + keep])
            kept.append(keep)
            videos.append(video)
    if not videos:
        raise InputError(pkl, "no video with mocap (only S11 'Directions', which has none)")
    all_keypoints = np.concatenate(keypoints)
    all_scores, scores_meta = keypoint_scores(all_keypoints, np.concatenate(scores) if scores else None)
    metadata = dict(
        H36M_17.metadata(),
        units={"keypoints": "pixels", "scores": scores_unit(scores_meta)},
        coordinate_frame="image (distorted pixel coordinates)",
        image_sizes=image_sizes(),
        sources=[file_record(pkl)] + ([file_record(poses_3d)] if poses_3d is not None else []),
        source="stacked hourglass fine-tuned on Human3.6M, with confidences (MotionBERT's LCN pickle)",
        layout_2d="h36m",
        splits={split.name: sorted({v.subject for v in split.videos}, key=lambda s: int(s[1:])) for split in splits},
        skipped_without_mocap=skipped,
        trimmed_to_mocap=trimmed if mocap is not None else "not trimmed (converted without poses_3d)",
        shorter_than_mocap=shorter,
        **scores_meta,
    )
    columns = key_columns_of(videos, np.array(kept))
    return build_table(columns, {"keypoints": all_keypoints, "scores": all_scores}, metadata)


def key_columns_of(videos: Sequence[Video], lengths: np.ndarray) -> dict[str, np.ndarray]:
    """subject, sequence, action, camera and frame (0..T-1) columns of consecutive videos of ``lengths`` frames."""
    keys = {
        "subject": [v.subject for v in videos],
        "sequence": [v.sequence for v in videos],
        "action": [action_of(v.sequence) for v in videos],
        "camera": [v.camera for v in videos],
    }
    columns = {name: np.repeat(np.asarray(values, dtype=object), lengths) for name, values in keys.items()}
    columns["frame"] = frame_index(lengths)
    return columns


#: Image (width, height) the release divides by, by camera name (``datareader_h36m.read_hw``).
RELEASE_SIZES: dict[str, tuple[int, int]] = {
    "54138969": (1000, 1002),
    "55011271": (1000, 1000),
    "58860488": (1000, 1000),
    "60457274": (1000, 1002),
}

#: How the release scores (``train.py::evaluate``), for the metadata of the test table.
PROTOCOL = (
    "inputs: keypoints / width * 2 - [1, height / width] with the confidence as a third channel; clips: "
    "pose3d.data.loader.load_motionbert_test (the release's split_clips, stride = clip length); a prediction "
    "(x, y, z normalised like the inputs, z / width * 2) is undone to pixels, multiplied by each frame's "
    "factor, made root-relative like the target (Hip), and MPJPE / P-MPJPE per frame are averaged per "
    "release_action over the frames of all scored clips (each action's mean, then the mean over actions); "
    "videos in release_excluded are not scored"
)


def _test_table(pkl: str | Path, split: Split) -> pa.Table:
    """The test split row for row (the release's frame index = row number), with everything its scoring needs."""
    videos, lengths = split.videos, split.runs.lengths
    assert split.labels is not None  # 'action' is required in the test split
    columns = key_columns_of(videos, lengths)
    columns = {"source": np.repeat(np.asarray([v.source for v in videos], dtype=object), lengths), **columns}
    columns["release_action"] = split.labels
    size = np.array([RELEASE_SIZES[v.camera] for v in videos], dtype=np.int32)
    columns["width"] = np.repeat(size[:, 0], lengths)
    columns["height"] = np.repeat(size[:, 1], lengths)
    factor = split.values["2.5d_factor"]
    columns["factor"] = factor
    target, image_3d = split.values["joints_2.5d_image"], split.values["joint3d_image"]
    scores, scores_meta = keypoint_scores(split.keypoints, split.scores)
    relative = (target - target[:, :1]) - factor[:, None, None] * (image_3d - image_3d[:, :1])
    metadata = dict(
        H36M_17.metadata(),
        units={
            "keypoints": "pixels",
            "scores": scores_unit(scores_meta),
            "target": "millimetres: joints_2.5d_image, the scoring target (image-aligned 2.5D)",
            "image_3d": "joint3d_image: x, y pixels, z root-relative depth in the same pixel scale",
            "factor": "millimetres per pixel (2.5d_factor)",
        },
        coordinate_frame="image",
        release_sizes={camera: list(size) for camera, size in RELEASE_SIZES.items()},
        release_excluded=list(RELEASE_EXCLUDED),
        protocol=PROTOCOL,
        target_vs_scaled_image_3d_max_mm=float(np.abs(relative).max()),
        sources=[file_record(pkl)],
        **scores_meta,
    )
    coords = {"keypoints": split.keypoints, "scores": scores, "target": target, "image_3d": image_3d}
    return build_table(columns, coords, metadata)
