"""``pose3d lift``: a trained lifter on one video's 2D keypoints -> 3D poses as Parquet and ``.npz``.

Keypoints are mapped to the Human3.6M 17-joint order (:mod:`pose3d.data.layouts`), linked into
people and gap-filled (:mod:`pose3d.lifting.tracks`), screen-normalised with the video's image size
exactly as training normalises its inputs, and lifted in batches. The output is camera-frame,
root-relative (Hip at the origin), in metres; the trajectory model also gives the root's
camera-frame position.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pose3d.core.atomic import atomic_paths, check_outputs
from pose3d.core.errors import InputError
from pose3d.data.camera import normalize_screen
from pose3d.data.layouts import INPUT_KINDS, kind_of_layout, to_h36m17_present
from pose3d.data.parquet_io import build_table, file_record, write_table
from pose3d.data.skeleton import H36M_17, KEYPOINT_LAYOUTS, to_layout
from pose3d.export.onnx_runtime import OnnxPredictor
from pose3d.lifting import readers
from pose3d.lifting.detections import MAX_PIXELS, Detections, check_values
from pose3d.lifting.tracks import Track, select, tracks
from pose3d.models import get
from pose3d.models.targets import root_relative_prediction

if TYPE_CHECKING:  # torch loads only for the torch runtime: `--runtime onnx` lifts without it
    from pose3d.runs import Predictor

PARQUET = "poses_3d.parquet"
NPZ = "poses_3d.npz"


@dataclass
class Lifted:
    """The 3D poses of the chosen people, rows ordered by person then frame."""

    model: str
    layout_2d: str
    format: str
    image_size: tuple[int, int]
    people: list[Track]
    keypoints: np.ndarray  # (N, J, 2) pixels fed to the model (after gap filling)
    positions: np.ndarray  # (N, J, 3) metres, camera frame, root-relative
    trajectory: np.ndarray | None  # (N, 3) metres, camera-frame root position (models that predict the root)
    seconds: float  # time spent in the model

    @property
    def person(self) -> np.ndarray:
        return np.concatenate([np.full(len(t.frames), t.id) for t in self.people])

    @property
    def frame(self) -> np.ndarray:
        return np.concatenate([t.frames for t in self.people]).astype(np.int32)

    @property
    def detected(self) -> np.ndarray:
        return np.concatenate([t.detected for t in self.people])


def _check_keypoints(detections: Detections) -> None:
    joints = {name: layout.joints for name, layout in KEYPOINT_LAYOUTS.items()} | {H36M_17.name: H36M_17.joints}
    expected = len(joints[detections.layout])
    if detections.keypoints.shape[1] != expected:
        found = detections.keypoints.shape[1]
        raise InputError(
            detections.path, f"{found} keypoints per person; the {detections.layout} layout has {expected}"
        )
    check_values(detections.path, detections.keypoints)


def lift_keypoints(
    checkpoint: str | Path,
    keypoints: str | Path,
    image_size: tuple[int, int] | None = None,
    format: str | None = None,
    person: str = "0",
    min_score: float = 0.0,
    device: str = "cpu",
    layout_2d: str | None = None,
    video: str | None = None,
    flip: bool = False,
    runtime: str = "torch",
    threads: int | None = None,
) -> Lifted:
    """Read, check, track and lift; nothing is written. Bad input raises :class:`InputError`.

    ``layout_2d`` says what keypoints already in H36M-17 order (``.npy``) are: Human3.6M joints (the
    default) or COCO keypoints mapped to that order. ``video`` picks one video of a VideoPose3D archive.
    ``flip`` averages each pose with the mirrored pose of the mirrored input (flip test-time augmentation).
    ``runtime`` ``onnx``: ``checkpoint`` is a file written by ``pose3d export onnx``, run by onnxruntime on
    ``threads`` threads (its default when None), without importing torch.
    """
    predictor: Predictor | OnnxPredictor
    if runtime == "onnx":
        if device != "cpu":
            raise InputError("--device", f"the onnx runtime runs on the CPU, not {device}")
        predictor = OnnxPredictor.load(checkpoint, flip, threads)
        trained = predictor.layout_2d
    else:
        from pose3d.runs import Checkpoint, Predictor

        saved = Checkpoint.load(checkpoint)
        predictor, trained = Predictor.from_checkpoint(saved, device, flip), saved.layout_2d
    name, spec = predictor.spec.name, predictor.spec
    detections = readers.read(keypoints, format, video)
    _check_keypoints(detections)
    given = kind_of_layout(detections.layout)
    if layout_2d is not None:
        if detections.layout != H36M_17.name:
            raise InputError(
                keypoints, f"holds {detections.layout} keypoints; --layout-2d is for Human3.6M-ordered files"
            )
        given = layout_2d
    if given != trained:
        inputs = " or ".join(source for source, kind in INPUT_KINDS.items() if kind == given)
        raise InputError(
            checkpoint,
            f"trained on {trained} 2D keypoints, but {keypoints} holds {given} keypoints ({detections.layout}); "
            f"lift them with a model trained on the {inputs} input",
        )
    size = image_size or detections.image_size
    if size is None:
        raise InputError(keypoints, f"{detections.format} files do not record the image size; pass --image-size W H")
    width, height = size
    if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
        raise InputError(keypoints, f"image size {width}x{height} must be 1 to {MAX_PIXELS} pixels a side")
    h36m = to_h36m17_present(detections.keypoints, detections.layout, min_score)
    people = select(tracks(detections, h36m, min_score), person, keypoints)

    pixels = to_layout(np.concatenate([t.keypoints for t in people]), H36M_17.name, spec.layout)
    clip_starts = np.cumsum([0] + [len(t.frames) for t in people])
    rows = len(pixels)
    normalised = normalize_screen(
        pixels.astype(np.float32), np.full((rows, 1), float(width)), np.full((rows, 1), float(height))
    )
    started = time.perf_counter()
    scores = to_layout(np.concatenate([t.scores for t in people])[..., None], H36M_17.name, spec.layout)[..., 0]
    pred = predictor.keypoints(normalised, clip_starts, scores.astype(np.float32))
    seconds = time.perf_counter() - started
    return Lifted(
        model=name,
        layout_2d=trained,
        format=detections.format,
        image_size=(int(width), int(height)),
        people=people,
        keypoints=pixels,
        positions=root_relative_prediction(pred, spec.predicts_root),
        trajectory=pred[:, 0].copy() if spec.predicts_root else None,
        seconds=seconds,
    )


def write_lifted(
    lifted: Lifted, parquet: Path, npz: Path, checkpoint: str | Path, keypoints: str | Path, min_score: float
) -> None:
    """``parquet`` (one row per frame and person) and ``npz`` (the same arrays); :func:`lift` makes them a set."""
    skeleton = get(lifted.model).skeleton
    coords = {"keypoints": lifted.keypoints, "positions": lifted.positions}
    units = {"keypoints": "pixels", "positions": "metres"}
    if lifted.trajectory is not None:
        coords["trajectory"] = lifted.trajectory
        units["trajectory"] = "metres"
    meta = dict(
        skeleton.metadata(),
        units=units,
        coordinate_frame="camera, root-relative (Hip at the origin); trajectory: camera-frame root position",
        model=lifted.model,
        layout_2d=lifted.layout_2d,
        format=lifted.format,
        image_size=list(lifted.image_size),
        min_score=min_score,
        people=[
            {
                "person": t.id,
                "frames": [int(t.frames[0]), int(t.frames[-1])],
                "undetected_frames": int((~t.detected).sum()),
                "interpolated_keypoints": t.filled,
                "confidence": t.confidence,
            }
            for t in lifted.people
        ],
        sources=[file_record(keypoints), file_record(checkpoint)],
    )
    columns = {"person": lifted.person, "frame": lifted.frame, "detected": lifted.detected}
    write_table(build_table(columns, coords, meta), parquet)
    arrays = {name: np.asarray(values) for name, values in columns.items()}
    arrays |= {name: values.astype(np.float32) for name, values in coords.items()}
    arrays |= {"joints": np.array(skeleton.joints), "parents": np.array(skeleton.parents)}
    with open(npz, "wb") as handle:  # a handle: np.savez would append .npz to a name without it
        np.savez_compressed(handle, allow_pickle=False, **arrays)


def summary(lifted: Lifted, detections_path: str | Path, written: list[Path], device: str) -> str:
    """A few lines for the terminal: who was lifted, how much was filled, how fast, where it went."""
    frames = len(lifted.positions)
    lines = [f"lifted {len(lifted.people)} {'person' if len(lifted.people) == 1 else 'people'} from {detections_path}"]
    for t in lifted.people:
        lines.append(
            f"  person {t.id}: frames {t.frames[0]}-{t.frames[-1]}, {int((~t.detected).sum())} without a detection,"
            f" {t.filled} keypoints interpolated"
        )
    speed = frames / lifted.seconds if lifted.seconds > 0 else float("inf")
    lines.append(f"model {lifted.model} ({lifted.layout_2d} 2D): {frames} frames in {lifted.seconds:.2f} s")
    lines[-1] += f" ({speed:.0f} frames/s, {device})"
    lines.append("wrote " + ", ".join(map(str, written)))
    return "\n".join(lines)


def lift(
    checkpoint: str | Path,
    keypoints: str | Path,
    out_dir: str | Path,
    image_size: tuple[int, int] | None = None,
    format: str | None = None,
    person: str = "0",
    min_score: float = 0.0,
    device: str = "cpu",
    layout_2d: str | None = None,
    video: str | None = None,
    render: str | Path | None = None,
    flip: bool = False,
    runtime: str = "torch",
    bvh: str | Path | None = None,
    fps: float = 50.0,
    threads: int | None = None,
) -> str:
    """Lift ``keypoints`` with ``checkpoint`` into ``out_dir``; returns the summary.

    With ``render`` (a ``.gif`` or ``.mp4`` path) also animate the first lifted person; with ``bvh`` (a ``.bvh``
    path) also write that person's motion at ``fps`` frames per second, as ``pose3d export bvh`` does. The
    outputs are one set (:func:`pose3d.core.atomic.atomic_paths`): checked before any work, all written or none.
    """
    outputs = {"--out (Parquet)": Path(out_dir) / PARQUET, "--out (npz)": Path(out_dir) / NPZ}
    if render:
        outputs["--render"] = Path(render)
    if bvh:
        outputs["--bvh"] = Path(bvh)
    check_outputs(list(outputs.values()), list(outputs))
    lifted = lift_keypoints(
        checkpoint, keypoints, image_size, format, person, min_score, device, layout_2d, video, flip, runtime, threads
    )
    exported = ""
    with atomic_paths(list(outputs.values()), list(outputs)) as temporaries:
        files = dict(zip(outputs, temporaries))
        write_lifted(lifted, files["--out (Parquet)"], files["--out (npz)"], checkpoint, keypoints, min_score)
        if render:
            render_lifted(lifted, files["--render"])
        if bvh:
            exported = _export_bvh(files["--out (Parquet)"], files["--bvh"], fps).replace(str(files["--bvh"]), str(bvh))
    if runtime == "onnx":
        where = "onnxruntime, cpu"
    else:
        from pose3d.core.device import select_device

        where = str(select_device(device))
    return "\n".join(filter(None, [summary(lifted, keypoints, list(outputs.values()), where), exported]))


def _export_bvh(parquet: Path, out: Path, fps: float) -> str:
    """The first person of a lift output as BVH (:mod:`pose3d.export`); returns its summary line."""
    from pose3d.export.sources import lift_people
    from pose3d.export.write import export_bvh

    return export_bvh(lift_people(parquet)[:1], out, fps)


def render_lifted(lifted: Lifted, out: str | Path) -> int:
    """Animate the first lifted person: the 2D input beside the 3D pose seen from the camera; returns frames."""
    from pose3d.visualization.animation import lifted_scene, render_animation

    track = lifted.people[0]
    rows = slice(0, len(track.frames))
    scene = lifted_scene(
        get(lifted.model).skeleton,
        lifted.keypoints[rows],
        lifted.image_size,
        lifted.positions[rows],
        title=f"{lifted.model}, person {track.id}",
        name=lifted.model,
    )
    return render_animation(scene, out)
