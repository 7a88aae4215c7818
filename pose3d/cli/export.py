"""``pose3d export``: results in formats other tools read, one subcommand per format."""

from __future__ import annotations

import argparse
import math
from typing import Any

from pose3d.cli.arguments import file_ending
from pose3d.config.choices import DEVICES

#: Human3.6M's frame rate, which the test sequences and the models' training data have.
DEFAULT_FPS = 50.0


def frame_rate(text: str) -> float:
    """Frames per second: a finite number above 0, at most 1000."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 1000):
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1000, got {text}")
    return value


def _bvh(args: argparse.Namespace) -> None:
    from pose3d.core.atomic import check_writable
    from pose3d.export.sources import choose, lift_people, predicted_motion
    from pose3d.export.write import export_bvh

    check_writable(args.out)
    if args.poses:
        motions = choose(lift_people(args.poses), args.person, args.poses)
    else:
        missing = [flag for flag, value in (("--poses-3d", args.poses_3d), ("--poses-2d", args.poses_2d)) if not value]
        if missing:
            args.parser.error(f"--checkpoint needs {' and '.join(missing)}")
        motions = [
            predicted_motion(
                args.checkpoint, args.poses_3d, args.poses_2d, args.subject, args.sequence, args.camera, args.device
            )
        ]
    print(export_bvh(motions, args.out, args.fps))


def _add_bvh(formats: Any) -> None:
    bvh = formats.add_parser(
        "bvh",
        help="3D motion as BVH (Blender, Maya, MotionBuilder, Unity)",
        description="Write 3D motion as a BVH file: the Human3.6M joints rooted at the Hip, one rigid skeleton with "
        "the sequence's median bone lengths, joint rotations solved from the positions; Y up, centimetres, the "
        "root on the predicted camera-frame trajectory (tgraphnet_traj) or fixed at the origin. From a "
        "`pose3d lift` output (--poses) or a checkpoint's prediction of a Human3.6M test sequence (--checkpoint).",
    )
    source = bvh.add_mutually_exclusive_group(required=True)
    source.add_argument("--poses", help="poses_3d.parquet written by `pose3d lift`")
    source.add_argument("--checkpoint", help="model.pt whose prediction of a test sequence to export")
    bvh.add_argument("--out", required=True, type=file_ending(".bvh"), help="output .bvh file")
    bvh.add_argument(
        "--person",
        help="with --poses: the person id to export, or all (one file each, OUT_person<ID>.bvh); "
        "default: the first (most confident) person",
    )
    bvh.add_argument(
        "--fps", type=frame_rate, default=DEFAULT_FPS, help=f"frames per second of the motion (default {DEFAULT_FPS:g})"
    )
    bvh.add_argument("--poses-3d", help="with --checkpoint: the poses_3d.parquet table of Human3.6M mocap")
    bvh.add_argument("--poses-2d", help="with --checkpoint: the 2D table the model reads (poses_2d_<input>.parquet)")
    bvh.add_argument("--subject", default="S9", help="with --checkpoint: test subject (default S9)")
    bvh.add_argument("--sequence", default="Walking", help="with --checkpoint: sequence or action (default Walking)")
    bvh.add_argument("--camera", default="0", help="with --checkpoint: camera id or index 0-3 (default 0)")
    bvh.add_argument("--device", choices=DEVICES, default="cpu", help="with --checkpoint: torch device (default cpu)")
    bvh.set_defaults(handler=_bvh, parser=bvh)


def _onnx(args: argparse.Namespace) -> None:
    from pose3d.export.onnx import describe, export_onnx

    meta, difference = export_onnx(args.checkpoint, args.out, args.flip)
    print(f"wrote {args.out}: onnxruntime matches torch within {difference:.1e} (relative) on a random batch")
    print(describe(meta))


def _add_onnx(formats: Any) -> None:
    onnx = formats.add_parser(
        "onnx",
        help="a checkpoint as an ONNX model (onnxruntime, TensorRT, ONNX.js)",
        description="Write a checkpoint's network as an ONNX file: batch is a dynamic axis, a temporal model's "
        "window is fixed at its length. What a consumer needs (joints, 2D keypoints and their normalisation, "
        "input channels, window and valid output frames, units) is stored in the file's metadata and printed. "
        "The file is checked against torch with onnxruntime before it is written. `pose3d lift --runtime onnx` "
        'runs it. Needs the export extra: pip install -e ".[export]".',
    )
    onnx.add_argument("--checkpoint", required=True, help="model.pt from `pose3d train` or `pose3d import-checkpoint`")
    onnx.add_argument("--out", required=True, type=file_ending(".onnx"), help="output .onnx file")
    onnx.add_argument(
        "--flip",
        action="store_true",
        help="average each pose with that of the mirrored input in the graph (always so for a model whose recipe "
        "tests with flipping)",
    )
    onnx.set_defaults(handler=_onnx)


def register(commands: Any) -> None:
    """Add ``export`` and its formats to the ``pose3d`` subcommands."""
    export = commands.add_parser("export", help="write results for other tools (BVH motion, ONNX models)")
    formats = export.add_subparsers(dest="format", required=True, metavar="FORMAT")
    _add_bvh(formats)
    _add_onnx(formats)
