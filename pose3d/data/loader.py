"""Pose tables -> the arrays training and evaluation need: clips of screen-normalised 2D and camera-frame 3D.

A clip is one subject/sequence/camera (Human3.6M) or one sequence (3DHP, 3DPW); clips are
concatenated along the first axis and ``clip_starts`` marks where each begins. Everything is
gathered with index arrays; loops run over clips or subject/camera pairs, never over frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pose3d.core.errors import InputError
from pose3d.core.numbers import is_whole
from pose3d.data.camera import intrinsics, normalize_screen, to_camera_frame
from pose3d.data.convert.motionbert import RELEASE_EXCLUDED
from pose3d.data.convert.pose_tables import Runs, find_runs, read_mocap, read_pose_table
from pose3d.data.parquet_io import coords_array
from pose3d.data.skeleton import H36M_16, H36M_17, H36M_32, to_layout

#: Joint count -> layout name of the loaded arrays.
_LAYOUTS = {H36M_17.num_joints: H36M_17.name, H36M_16.num_joints: H36M_16.name}
#: Layout name -> joint count.
_JOINTS = {name: joints for joints, name in _LAYOUTS.items()}


@dataclass
class Clips:
    """Frames of many clips, concatenated; clip ``c`` is rows ``clip_starts[c]:clip_starts[c+1]``."""

    keypoints: np.ndarray  # (N, J, 2) float32, screen-normalised 2D input
    scores: np.ndarray  # (N, J) float32, detector confidence per keypoint (1.0 where the source has none)
    positions: np.ndarray  # (N, J, 3) float32, camera frame, metres, absolute
    subject: np.ndarray  # (N,) str ('' where n/a)
    sequence: np.ndarray  # (N,) str
    action: np.ndarray  # (N,) str canonical action ('' where n/a)
    camera: np.ndarray  # (N,) str camera id ('' where n/a)
    frame: np.ndarray  # (N,) int32
    valid: np.ndarray  # (N,) bool (3DHP valid flags; all True elsewhere)
    clip_starts: np.ndarray  # (C+1,) int64
    intrinsics: np.ndarray  # (C, 11) float32: f(2) c(2) k(3) p(2) w h (NaN where unknown)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def num_clips(self) -> int:
        return len(self.clip_starts) - 1

    @property
    def clip_lengths(self) -> np.ndarray:
        """(C,) frames per clip."""
        return np.diff(self.clip_starts)

    def per_clip(self, column: str) -> np.ndarray:
        """(C,) value of a per-row column (e.g. ``"subject"``) at each clip's first row."""
        return getattr(self, column)[self.clip_starts[:-1]]

    def select(self, clips: np.ndarray) -> Clips:
        """The clips given by a (C,) boolean mask or an array of clip indices, in that order."""
        clips = np.asarray(clips)
        index = np.flatnonzero(clips) if clips.dtype == bool else clips.astype(np.int64)
        lengths = self.clip_lengths[index]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        rows = np.repeat(self.clip_starts[index] - starts[:-1], lengths) + np.arange(starts[-1])
        per_row = {
            f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name not in ("clip_starts", "intrinsics")
        }
        return Clips(**per_row, clip_starts=starts, intrinsics=self.intrinsics[index])

    def subjects(self, subjects: Sequence[str]) -> Clips:
        """The clips of the given subjects."""
        return self.select(np.isin(self.per_clip("subject"), list(subjects)))


def load_h36m(poses_3d: str | Path, poses_2d: str | Path, subjects: Sequence[str], num_joints: int = 17) -> Clips:
    """Join a Human3.6M 2D table (gt/cpn: 17 joints, sh: 16) with the mocap, for ``subjects``.

    3D is moved into each clip's camera frame (metres) and reduced to ``num_joints`` joints; 2D is
    screen-normalised with that camera's resolution. A 17-joint request on a 16-joint table is an error.
    """
    layout = _layout(num_joints)
    table, meta = read_pose_table(poses_2d, ["subject", "sequence", "camera", "frame", "keypoints"], ["scores"])
    if meta.get("layout") == H36M_16.name and layout == H36M_17.name:
        raise InputError(
            poses_2d, "has 16 joints (h36m16, no Neck/Nose) but 17 were requested; use num_joints=16 with this 2D input"
        )
    table = _only_subjects(poses_2d, table, subjects)
    table, clips = _grouped(poses_2d, table, ["subject", "sequence", "camera"])
    lengths = clips.lengths
    frame = table.column("frame").to_numpy().astype(np.int32)
    keypoints = to_layout(coords_array(table, "keypoints", meta["shapes"]["keypoints"]), meta["layout"], layout)

    mocap, world = read_mocap(poses_3d, with_positions=True)
    runs = _mocap_runs(poses_2d, poses_3d, clips, frame, mocap)
    source_row = np.repeat(mocap.starts[runs], lengths) + frame
    cams = clips.keys["camera"]
    try:
        per_camera = {c: _calibration(c) for c in dict.fromkeys(cams)}
    except KeyError as err:
        raise InputError(poses_2d, err.args[0]) from None
    calib = np.stack([per_camera[c] for c in cams])
    return Clips(
        keypoints=_normalise(keypoints, calib, lengths),
        scores=_scores(table, meta, layout),
        positions=_camera_positions(world, source_row, clips, layout),
        subject=np.repeat(clips.keys["subject"], lengths),
        sequence=np.repeat(clips.keys["sequence"], lengths),
        action=np.repeat(mocap.keys["action"][runs], lengths),
        camera=np.repeat(cams, lengths),
        frame=frame,
        valid=np.ones(len(frame), dtype=bool),
        clip_starts=clips.starts,
        intrinsics=calib.astype(np.float32),
    )


def load_3dhp(path: str | Path, num_joints: int = 17) -> Clips:
    """MPI-INF-3DHP test table -> clips (one per sequence), 2D normalised by each sequence's image size.

    The test file carries no camera calibration: the intrinsics f, c, k, p are NaN, w and h are set.
    Non-finite values of frames flagged invalid (kept by the converter, never scored) become 0 so
    that the models can run over them.
    """
    layout = _layout(num_joints)
    table, meta = read_pose_table(
        path, ["sequence", "frame", "valid", "width", "height", "keypoints", "positions"], ["scores"]
    )
    table, clips = _grouped(path, table, ["sequence"])
    size = np.stack([table.column("width").to_numpy(), table.column("height").to_numpy()], axis=1)
    calib = np.full((len(clips), 11), np.nan)
    calib[:, 9:] = size[clips.starts[:-1]]
    keypoints = to_layout(coords_array(table, "keypoints", meta["shapes"]["keypoints"]), meta["layout"], layout)
    valid = table.column("valid").to_numpy(zero_copy_only=False).astype(bool)
    if not valid.any():
        raise InputError(path, "no frame is flagged valid, so none would be scored")
    hp3d = _external_clips(table, meta, clips, layout, _normalise(keypoints, calib, clips.lengths), calib, valid)
    for array in (hp3d.keypoints, hp3d.positions):  # invalid frames, never scored, may be non-finite as in the source
        array[~valid & ~np.isfinite(array).all(axis=(1, 2))] = 0.0
    return hp3d


def load_3dpw(path: str | Path, num_joints: int = 17) -> Clips:
    """3DPW test table -> clips (one per ``<video>_<person>``); its 2D is already screen-normalised."""
    layout = _layout(num_joints)
    table, meta = read_pose_table(
        path, ["sequence", "frame", "width", "height", "keypoints", "positions", "intrinsics"], ["scores"]
    )
    table, clips = _grouped(path, table, ["sequence"])
    first = clips.starts[:-1]
    calib = np.concatenate(
        [
            coords_array(table, "intrinsics", [9])[first],
            table.column("width").to_numpy()[first, None],
            table.column("height").to_numpy()[first, None],
        ],
        axis=1,
    )
    keypoints = to_layout(coords_array(table, "keypoints", meta["shapes"]["keypoints"]), meta["layout"], layout)
    return _external_clips(
        table, meta, clips, layout, keypoints.astype(np.float32), calib, valid=np.ones(table.num_rows, dtype=bool)
    )


def _mocap_runs(poses_2d: str | Path, poses_3d: str | Path, clips: Runs, frame: np.ndarray, mocap: Runs) -> np.ndarray:
    """(C,) mocap sequence of each 2D clip; every clip's frames must lie within it."""
    run_of = {key: r for r, key in enumerate(zip(mocap.keys["subject"], mocap.keys["sequence"]))}
    runs = np.empty(len(clips), dtype=np.int64)
    for c, (subject, sequence, camera) in enumerate(zip(*clips.keys.values())):
        if (subject, sequence) not in run_of:
            raise InputError(poses_2d, f"{subject} {sequence!r} camera {camera} has no mocap in {poses_3d}")
        runs[c] = run_of[subject, sequence]
    first, last = frame[clips.starts[:-1]], frame[clips.starts[1:] - 1]
    if (first < 0).any() or (last >= mocap.lengths[runs]).any():
        raise InputError(poses_2d, f"2D frames beyond the mocap length of {poses_3d}")
    return runs


def _camera_positions(world: np.ndarray, source_row: np.ndarray, clips: Runs, layout: str) -> np.ndarray:
    """(N, J, 3) float32 camera-frame metres: row ``source_row`` of the mocap seen by each clip's camera."""
    joints = to_layout(np.arange(H36M_32.num_joints)[:, None], H36M_32.name, layout)[:, 0]  # 32-joint indices
    subjects, cams = clips.keys["subject"], clips.keys["camera"]
    positions = np.empty((len(source_row), len(joints), 3), dtype=np.float32)
    for subject, camera in dict.fromkeys(zip(subjects, cams)):
        rows = clips.rows((subjects == subject) & (cams == camera))
        positions[rows] = to_camera_frame(world[source_row[rows][:, None], joints], subject, camera)
    return positions


def _layout(num_joints: int) -> str:
    if num_joints not in _LAYOUTS:
        raise ValueError(f"num_joints must be one of {sorted(_LAYOUTS)}, got {num_joints}")
    return _LAYOUTS[num_joints]


def _calibration(camera: str) -> np.ndarray:
    """f(2) c(2) k(3) p(2) w h of a Human3.6M camera."""
    cam = intrinsics(camera)
    return np.array([*cam.as_vector(), cam.res_w, cam.res_h], dtype=np.float64)


def _only_subjects(path: str | Path, table: pa.Table, subjects: Sequence[str]) -> pa.Table:
    """Rows of ``subjects``; each of them must have rows."""
    if not subjects:
        raise ValueError("no subjects given")
    table = table.filter(pc.is_in(table.column("subject"), value_set=pa.array(list(subjects), pa.string())))
    present = set(pc.unique(table.column("subject")).to_pylist())
    missing = [s for s in subjects if s not in present]
    if missing:
        raise InputError(path, f"no rows for subjects {missing}")
    return table


def _grouped(path: str | Path, table: pa.Table, keys: list[str]) -> tuple[pa.Table, Runs]:
    """Clips of ``table`` by ``keys`` with consecutive frames; sorts the table when it is not grouped."""
    if table.num_rows == 0:
        raise InputError(path, "table has no rows")
    for attempt in range(2):
        runs = find_runs(table, keys)
        frame = table.column("frame").to_numpy()
        step = np.diff(frame) == 1
        step[runs.starts[1:-1] - 1] = True
        labels = list(zip(*runs.keys.values()))
        if step.all() and len(set(labels)) == len(labels):
            return table, runs
        if attempt == 0:
            table = table.sort_by([(k, "ascending") for k in [*keys, "frame"]])
    raise InputError(path, f"frames of each {'/'.join(keys)} clip are not consecutive")


def _scores(table: pa.Table, meta: dict, layout: str) -> np.ndarray:
    """(N, J) float32 per-keypoint confidences of the rows in ``layout``; 1.0 for a table without a ``scores``
    column (written before pose3d stored them)."""
    if "scores" not in table.column_names:
        return np.ones((table.num_rows, _JOINTS[layout]), dtype=np.float32)
    scores = coords_array(table, "scores", meta["shapes"]["scores"])[..., None]
    return to_layout(scores, meta["layout"], layout)[..., 0].astype(np.float32)


def _normalise(keypoints: np.ndarray, calib: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Pixels -> screen-normalised coordinates with each clip's width/height (``calib[:, 9:11]``)."""
    width = np.repeat(calib[:, 9], lengths)[:, None]
    height = np.repeat(calib[:, 10], lengths)[:, None]
    return normalize_screen(keypoints.astype(np.float32), width, height)


def _external_clips(
    table: pa.Table, meta: dict, clips: Runs, layout: str, keypoints: np.ndarray, calib: np.ndarray, valid: np.ndarray
) -> Clips:
    """Clips of a 3DHP/3DPW table (no subject, action or camera)."""
    blank = np.full(table.num_rows, "", dtype=object)
    positions = to_layout(coords_array(table, "positions", meta["shapes"]["positions"]), meta["layout"], layout)
    return Clips(
        keypoints=keypoints,
        scores=_scores(table, meta, layout),
        positions=positions.astype(np.float32),
        subject=blank,
        sequence=np.repeat(clips.keys["sequence"], clips.lengths),
        action=blank,
        camera=blank,
        frame=table.column("frame").to_numpy().astype(np.int32),
        valid=valid,
        clip_starts=clips.starts,
        intrinsics=calib.astype(np.float32),
    )


@dataclass
class ReleaseClips:
    """Human3.6M test clips as MotionBERT's and MotionAGFormer's evaluation cuts them (:func:`load_motionbert_test`)."""

    inputs: np.ndarray  # (C, F, 17, 3) float32: x, y screen-normalised by the frame's camera, then the confidence
    labels: np.ndarray  # (C, F, 17, 3) float32: joint3d_image normalised as the release loads it (z / width * 2)
    targets: np.ndarray  # (C, F, 17, 3) float32: joints_2.5d_image, millimetres (what the release scores against)
    factors: np.ndarray  # (C, F) float32: 2.5D factor of each frame, millimetres per pixel
    rows: np.ndarray  # (C, F) int64: table row of each clip frame (= the release's index into its test arrays)
    image_size: np.ndarray  # (C, 2) float32: width, height at the clip's first frame (the release denormalises by it)
    source: np.ndarray  # (C,) str: the clip's video, e.g. 's_09_act_02_subact_01_ca_01'
    scored: np.ndarray  # (C,) bool: False for the videos of the three recordings the release never scores
    resampled: np.ndarray  # (C,) bool: clip of a video shorter than F frames, its frames spread over F (see below)
    frame_action: np.ndarray  # (N,) str: release action label of every table row (the release averages per label)

    def __len__(self) -> int:
        return len(self.rows)


def load_motionbert_test(path: str | Path, frames: int) -> ReleaseClips:
    """The test table of ``pose3d convert motionbert`` cut into the release's evaluation clips of ``frames`` frames.

    The release (MotionBERT ``lib/utils/utils_data.py::split_clips(vid_list, n_frames, data_stride)``, called
    with the per-frame ``source`` list and ``data_stride = n_frames`` for the test set; MotionAGFormer the same)
    walks the rows in file order; a *video* is a maximal run of rows with the same ``source``. For a video of
    rows ``[b, e)``:

    - it yields the clips ``[b + k * n, b + k * n + n)`` for k = 0, 1, ... while ``b + k * n + n <= e``:
      non-overlapping, from the video's first frame; the tail of fewer than n frames after the last full
      clip is dropped (never scored);
    - a video with no full clip (``e - b < n``) yields one clip of n indices spread over its frames, but
      only when another video follows it (the release checks at the boundary to the next row; the last
      video of the table gets no clip) and only when no earlier video of the same name has yielded a clip.
      The release draws those indices at random (``resample(..., randomness=True)``); here they are
      ``floor(linspace(b, e, n, endpoint=False))`` and the clip is flagged in ``resampled``. On Human3.6M's
      test set with n = 243 or less no video is that short, so no clip is resampled.

    Clips never cross videos. Each frame lies in at most one clip. ``inputs`` are what the release feeds
    the model (x, y divided by the release's width, minus [1, height / width], and the confidence);
    ``labels`` what its test loader returns. Scoring (``train.py::evaluate``), for a later step: undo the
    normalisation of a prediction with ``image_size`` (x, y: ``(p + [1, h / w]) * w / 2``; z: ``p * w /
    2``), multiply by ``factors``, subtract the root joint (0) from prediction and ``targets`` alike,
    compute MPJPE (and P-MPJPE) per frame; skip clips with ``scored`` False; average each frame over the
    clips holding it, group the frames by ``frame_action`` (frames whose error is exactly 0 are dropped
    by the release), take each action's mean and then the mean over actions.
    """
    if not is_whole(frames) or frames < 1:
        raise ValueError(f"frames must be a positive whole number, got {frames!r}")
    columns = ["source", "release_action", "width", "height", "factor", "keypoints", "scores", "target", "image_3d"]
    table, meta = read_pose_table(path, columns)
    if meta.get("layout") != H36M_17.name:
        raise InputError(path, f"expected the {H36M_17.name} joint layout, table has {meta.get('layout')!r}")
    if table.num_rows == 0:
        raise InputError(path, "table has no rows")
    sources = table.column("source").to_numpy(zero_copy_only=False)
    rows, resampled = release_clip_rows(sources, frames)
    if len(rows) == 0:
        raise InputError(path, f"no clip of {frames} frames: the table's only video is shorter")
    size = np.stack([table.column(name).to_numpy() for name in ("width", "height")], axis=1).astype(np.float32)
    width, height = size[:, :1], size[:, 1:]
    scores = coords_array(table, "scores", meta["shapes"]["scores"])
    inputs = np.concatenate(
        [
            normalize_screen(coords_array(table, "keypoints", meta["shapes"]["keypoints"]), width, height),
            scores[..., None],
        ],
        axis=-1,
    )
    image_3d = coords_array(table, "image_3d", meta["shapes"]["image_3d"])
    labels = np.concatenate(
        [normalize_screen(image_3d[..., :2], width, height), image_3d[..., 2:] / width[..., None] * 2], axis=-1
    )
    source = sources[rows[:, 0]]
    return ReleaseClips(
        inputs=inputs[rows],
        labels=labels[rows],
        targets=coords_array(table, "target", meta["shapes"]["target"])[rows],
        factors=table.column("factor").to_numpy().astype(np.float32)[rows],
        rows=rows,
        image_size=size[rows[:, 0]],
        source=source,
        scored=np.array([name[: -len("_ca_01")] not in RELEASE_EXCLUDED for name in source], dtype=bool),
        resampled=resampled,
        frame_action=table.column("release_action").to_numpy(zero_copy_only=False),
    )


def release_clip_rows(sources: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, frames) row indices of the clips the release's ``split_clips(sources, frames, frames)`` cuts, and (C,)
    whether each was resampled (see :func:`load_motionbert_test` for the rule)."""
    n = len(sources)
    change = np.flatnonzero(sources[1:] != sources[:-1]) + 1
    begins, ends = np.concatenate([[0], change]), np.concatenate([change, [n]])
    clips, resampled, saved = [], [], set()
    for begin, end in zip(begins.tolist(), ends.tolist()):
        name = sources[begin]
        starts = np.arange(begin, end - frames + 1, frames)
        if len(starts):
            clips.append(starts[:, None] + np.arange(frames))
            resampled.append(np.zeros(len(starts), dtype=bool))
            saved.add(name)
        elif end < n and name not in saved:
            clips.append(begin + np.linspace(0, end - begin, frames, endpoint=False).astype(np.int64)[None])
            resampled.append(np.ones(1, dtype=bool))
            saved.add(name)
    if not clips:
        return np.zeros((0, frames), dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(clips).astype(np.int64), np.concatenate(resampled)
