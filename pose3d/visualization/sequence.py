"""One Human3.6M sequence seen by one camera: its 2D input, its ground truth and a model's prediction,
computed on the fly from a checkpoint and the Parquet tables (predictions are not stored)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.camera import camera_id, denormalize_screen
from pose3d.data.h36m import ACTIONS, action_of
from pose3d.data.loader import Clips, load_h36m
from pose3d.data.skeleton import Skeleton
from pose3d.evaluation.metrics import mpjpe
from pose3d.models.targets import root_relative, root_relative_prediction
from pose3d.runs import Checkpoint, Predictor
from pose3d.visualization.animation import Scene, world_view
from pose3d.visualization.palette import model_color


@dataclass
class SequencePrediction:
    """A model's view of one clip: arrays (T, J, .) in the model's joint layout, camera frame, metres."""

    run: str
    subject: str
    sequence: str
    camera: str
    skeleton: Skeleton
    frames: np.ndarray  # (T,) frame numbers
    keypoints: np.ndarray  # (T, J, 2) pixels
    image_size: tuple[float, float]
    truth: np.ndarray  # (T, J, 3) root-relative
    prediction: np.ndarray  # (T, J, 3) root-relative
    trajectory: np.ndarray | None = None  # (T, 3) camera-frame root position, for models that predict it

    def errors_mm(self) -> np.ndarray:
        """(T,) MPJPE per frame in millimetres."""
        return mpjpe(self.prediction * 1000.0, self.truth * 1000.0)


def resolve_camera(camera: str, path: str | Path) -> str:
    """A camera id from an id or an index 0..3; unknown cameras are an input error naming ``path``."""
    try:
        return camera_id(int(camera)) if camera.isdigit() and len(camera) == 1 else camera_id(camera)
    except KeyError as err:
        raise InputError(path, err.args[0]) from None


def resolve_sequence(name: str, available: list[str], path: str | Path) -> str:
    """The sequence meant by ``name``: an exact name (``_`` for spaces allowed) or an action, which picks
    that action's first sequence."""
    wanted = name.replace("_", " ")
    if wanted in available:
        return wanted
    if wanted in ACTIONS:
        matching = sorted(seq for seq in available if action_of(seq) == wanted)
        if matching:
            return matching[0]
    raise InputError(path, f"no sequence {name!r}; the subject has {', '.join(sorted(available))}")


def _clip(clips: Clips, sequence: str, camera: str, path: str | Path) -> Clips:
    sequences = clips.per_clip("sequence")
    resolved = resolve_sequence(sequence, sorted(set(sequences.tolist())), path)
    chosen = (sequences == resolved) & (clips.per_clip("camera") == camera)
    if not chosen.any():
        raise InputError(path, f"sequence {resolved!r} has no 2D for camera {camera}")
    return clips.select(chosen)


def predict_sequence(
    checkpoint: str | Path,
    poses_3d: str | Path,
    poses_2d: str | Path,
    subject: str,
    sequence: str,
    camera: str,
    device: str = "cpu",
) -> SequencePrediction:
    """Run the checkpoint over one subject/sequence/camera of the tables and keep what a figure needs."""
    saved = Checkpoint.load(checkpoint)
    spec = saved.spec
    camera = resolve_camera(camera, poses_2d)
    clip = _clip(load_h36m(poses_3d, poses_2d, [subject], num_joints=spec.num_joints), sequence, camera, poses_2d)
    saved.check_reads(checkpoint, poses_2d)  # the table is checked by now
    raw = Predictor.from_checkpoint(saved, device).clips(clip)
    width, height = (float(v) for v in clip.intrinsics[0, 9:11])
    return SequencePrediction(
        run=saved.run,
        subject=subject,
        sequence=str(clip.sequence[0]),
        camera=camera,
        skeleton=spec.skeleton,
        frames=clip.frame,
        keypoints=denormalize_screen(clip.keypoints, width, height),
        image_size=(width, height),
        truth=root_relative(clip.positions.astype(np.float64)),
        prediction=root_relative_prediction(raw.astype(np.float64), spec.predicts_root),
        trajectory=raw[:, 0].astype(np.float64) if spec.predicts_root else None,
    )


def frame_selection(total: int, start: int = 0, limit: int | None = None, downsample: int = 1) -> np.ndarray:
    """Indices of the frames to show: every ``downsample``-th from ``start``, at most ``limit`` of them."""
    if start < 0 or downsample < 1 or (limit is not None and limit < 1):
        raise ValueError("start must be >= 0, downsample >= 1 and limit >= 1")
    if start >= total:
        raise ValueError(f"start frame {start} is beyond the sequence ({total} frames)")
    return np.arange(start, total, downsample)[:limit]


def sequence_scene(seq: SequencePrediction, shown: np.ndarray, with_truth: bool = True) -> Scene:
    """The animation scene of a prediction: 2D input, ground truth (optional), prediction, seen from the camera."""
    poses = {"Ground truth": seq.truth[shown]} if with_truth else {}
    poses[seq.run] = seq.prediction[shown]
    upright = {title: world_view(pose, seq.subject, seq.camera)[0] for title, pose in poses.items()}
    input_2d = seq.run.rpartition("-")[2]
    return Scene(
        skeleton=seq.skeleton,
        keypoints=seq.keypoints[shown],
        image_size=seq.image_size,
        poses=upright,
        azimuth=world_view(seq.truth[:1], seq.subject, seq.camera)[1],
        title=f"{seq.subject} {seq.sequence}, camera {seq.camera}",
        input_title=f"2D input ({input_2d})" if input_2d != seq.run else "2D input",
        colors={seq.run: model_color(seq.run)},
        labels=[f"frame {frame}" for frame in seq.frames[shown]],
    )
