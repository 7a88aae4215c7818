"""What a profile view costs ``pose3d lift``: MPJPE with both ears beside one ear never detected.

    python benchmarks/lift_profile_view.py [--model linear] [--epochs 5] [--work /tmp/profile-view]

Trains a ``coco`` model on the tiny demo (seed 0; S9 held out; once per ``--work`` folder), writes
the demo's S9 "Walking 1" camera-54138969 COCO detections as OpenPose COCO-18 folders, once as they are
and once with the left ear written as OpenPose writes a keypoint it did not find (0, 0, 0), lifts both
with ``pose3d lift`` and prints each MPJPE (mm) against the ground truth. With one ear missing, Head is
the mean of the eyes and the other ear (:func:`pose3d.data.layouts.coco_to_h36m_present`) instead of
all four, as in training.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from pose3d.cli import main as pose3d
from pose3d.config.settings import resolve_run
from pose3d.core.safe_load import load_npz
from pose3d.data.camera import intrinsics
from pose3d.data.convert.detections import convert_detections
from pose3d.data.convert.h36m import convert_positions
from pose3d.data.h36m import SUBJECTS_3D
from pose3d.data.loader import load_h36m
from pose3d.data.parquet_io import coords_array, read_metadata, write_table
from pose3d.data.skeleton import COCO_17, H36M_17, OPENPOSE_COCO_18, to_layout
from pose3d.demo import write_demo
from pose3d.evaluation.metrics import mpjpe
from pose3d.models.targets import root_relative
from pose3d.training.loop import train

SUBJECT, SEQUENCE, CAMERA = "S9", "Walking 1", "54138969"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="linear", help="model family (default linear: seconds per epoch)")
    parser.add_argument("--epochs", type=int, default=5, help="default 5: the demo recipe")
    parser.add_argument("--work", type=Path, default=Path("/tmp/profile-view"), help="scratch folder")
    args = parser.parse_args(argv)
    work = args.work
    poses_3d, poses_2d = work / "poses_3d.parquet", work / "poses_2d_coco.parquet"
    coco = work / "raw/data_2d_h36m_detectron_pt_coco.npz"
    checkpoint = work / "model.pt"
    if not checkpoint.exists():  # trained once per --work folder; later runs only lift
        write_demo(work / "raw", size="tiny", seed=0)
        convert_positions(work / "raw/h36m", SUBJECTS_3D, poses_3d)
        convert_detections(coco, poses_3d, poses_2d, "coco")
        config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
        settings = resolve_run(config, args.model, "coco").replace(
            device="cpu", epochs=args.epochs, test_subjects=[SUBJECT]
        )
        train(settings, out=checkpoint, poses_3d=poses_3d, poses_2d=poses_2d)

    track = load_npz(coco)["positions_2d"].item()[SUBJECT][SEQUENCE][0]
    sequence = _sequence_truth(poses_3d, poses_2d, work, len(track))
    frames = np.arange(len(sequence))
    keypoints = np.concatenate([track[: len(frames), :, :2], np.ones((len(frames), 17, 1))], axis=-1)
    profile = keypoints.copy()
    profile[:, COCO_17.joints.index("left_ear")] = 0.0
    cam = intrinsics(CAMERA)
    for name, values in (("both ears", keypoints), ("left ear never detected", profile)):
        folder = _openpose_folder(work / name.replace(" ", "-"), values)
        out = work / f"out-{name.replace(' ', '-')}"
        size = [str(cam.res_w), str(cam.res_h)]
        command = ["lift", "--checkpoint", str(checkpoint), "--keypoints", str(folder), "--out", str(out)]
        assert pose3d([*command, "--image-size", *size]) == 0
        table = pq.read_table(out / "poses_3d.parquet")
        meta = read_metadata(out / "poses_3d.parquet")
        positions = coords_array(table, "positions", meta["shapes"]["positions"]) * 1000.0
        error = float(mpjpe(positions, to_layout(sequence, H36M_17.name, meta["layout"])).mean())
        print(f"{args.model} ({args.epochs} epochs), {name}: MPJPE {error:.1f} mm over {len(frames)} frames")
    return 0


def _openpose_folder(folder: Path, keypoints: np.ndarray) -> Path:
    """COCO-17 keypoints (T, 17, 3) as OpenPose writes COCO-18: one file per frame, the neck between the
    shoulders, a keypoint not found as 0, 0, 0."""
    folder.mkdir(parents=True, exist_ok=True)
    shoulders = [COCO_17.joints.index(side) for side in ("left_shoulder", "right_shoulder")]
    for frame, values in enumerate(keypoints):
        neck = np.r_[values[shoulders, :2].mean(axis=0), values[shoulders, 2].min()]
        rows = [neck if name == "neck" else values[COCO_17.joints.index(name)] for name in OPENPOSE_COCO_18.joints]
        person = {"person_id": [-1], "pose_keypoints_2d": [round(float(v), 3) for v in np.ravel(rows)]}
        (folder / f"video_{frame:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [person]}))
    return folder


def _sequence_truth(poses_3d: Path, poses_2d: Path, work: Path, frames: int) -> np.ndarray:
    """Root-relative camera-frame ground truth (mm) of the sequence and camera, at most ``frames`` long."""
    table = pq.read_table(poses_2d)
    mask = pc.and_(
        pc.and_(pc.equal(table["subject"], SUBJECT), pc.equal(table["sequence"], SEQUENCE)),
        pc.equal(table["camera"], CAMERA),
    )
    write_table(table.filter(mask).replace_schema_metadata(table.schema.metadata), work / "clip.parquet")
    clip = load_h36m(poses_3d, work / "clip.parquet", [SUBJECT])
    return root_relative(clip.positions[:frames]) * 1000.0


if __name__ == "__main__":
    sys.exit(main())
