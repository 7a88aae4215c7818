"""``pose3d lift``: 2D keypoints of one video (any common detector's output) -> 3D poses with a trained model."""

from __future__ import annotations

import argparse
from typing import Any

from pose3d.cli.arguments import count, file_ending, finite, outputs, path, positive_int
from pose3d.cli.export import DEFAULT_FPS, frame_rate
from pose3d.config.choices import ANIMATION_SUFFIXES, DEVICES, LAYOUTS_2D, LIFT_FORMATS
from pose3d.lifting.detections import MAX_PIXELS


def _person(text: str) -> str:
    """``all``, ``track:ID`` or an index (checked here, so a typo fails before any file is read)."""
    if (
        text == "all"
        or text.isdecimal()
        or (text.startswith("track:") and text.removeprefix("track:").lstrip("-").isdecimal())
    ):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: use an index (0: most confident), track:ID or all")


def _lift(args: argparse.Namespace) -> None:
    from pose3d.lifting.lift import lift

    if args.runtime == "torch":
        from pose3d.core.device import set_threads

        set_threads(args.threads)
    print(
        lift(
            args.checkpoint,
            args.keypoints,
            args.out,
            image_size=tuple(args.image_size) if args.image_size else None,
            format=args.format,
            person=args.person,
            min_score=args.min_score,
            device=args.device,
            layout_2d=args.layout_2d,
            video=args.video,
            render=args.render,
            flip=args.flip,
            runtime=args.runtime,
            bvh=args.bvh,
            fps=args.fps,
            threads=args.threads,
        )
    )


def register(commands: Any) -> None:
    """Add ``lift`` to the ``pose3d`` subcommands."""
    lift = commands.add_parser(
        "lift",
        help="lift 2D keypoints of one video to 3D with a trained model",
        description="Lift the 2D keypoints of one video to 3D (camera frame, root-relative, metres) and write "
        "OUT/poses_3d.parquet (one row per frame and person) and OUT/poses_3d.npz. Reads COCO keypoint results "
        "JSON, an OpenPose output folder (BODY_25 or COCO-18), AlphaPose Halpe JSON, VideoPose3D's custom-video "
        ".npz or a (T, 17, 2|3) .npy in Human3.6M order.",
    )
    lift.add_argument(
        "--checkpoint", type=path, required=True, help="model.pt from `pose3d train` or `pose3d import-checkpoint`"
    )
    lift.add_argument("--keypoints", type=path, required=True, help="the detector's output file (or OpenPose folder)")
    lift.add_argument("--out", type=path, required=True, help="output folder for poses_3d.parquet and poses_3d.npz")
    lift.add_argument(
        "--image-size",
        nargs=2,
        type=count(1, MAX_PIXELS),
        metavar=("WIDTH", "HEIGHT"),
        help="video frame size in pixels (needed unless the file records it, as VideoPose3D's .npz does)",
    )
    lift.add_argument("--format", choices=LIFT_FORMATS, help="keypoint file format (default: detected from the path)")
    lift.add_argument(
        "--person",
        default="0",
        type=_person,
        help="who to lift: an index into the people found, most confident first (default 0), "
        "track:ID for the detector's track id, or all",
    )
    lift.add_argument(
        "--min-score",
        type=finite(0.0),
        default=0.0,
        help="keypoints scoring at or below this are missing and interpolated in time (default 0: OpenPose's 'none')",
    )
    lift.add_argument(
        "--layout-2d",
        choices=LAYOUTS_2D,
        help="for keypoints already in Human3.6M order (.npy): Human3.6M joints (h36m, default) or COCO keypoints "
        "mapped to that order (coco)",
    )
    lift.add_argument(
        "--video",
        help="the video to lift from a VideoPose3D .npz or an OpenPose folder (<video>_<frame>_keypoints.json) "
        "that holds several",
    )
    lift.add_argument(
        "--render",
        type=file_ending(*ANIMATION_SUFFIXES),
        metavar="FILE",
        help="also animate the first person lifted: 2D input beside the 3D pose, as FILE.gif or FILE.mp4",
    )
    lift.add_argument(
        "--bvh",
        type=file_ending(".bvh"),
        metavar="FILE",
        help="also write the first person lifted as BVH motion for animation tools (see `pose3d export bvh`)",
    )
    lift.add_argument(
        "--fps",
        type=frame_rate,
        default=DEFAULT_FPS,
        help=f"frames per second of the video, for --bvh (default {DEFAULT_FPS:g})",
    )
    lift.add_argument(
        "--flip",
        action="store_true",
        help="flip test-time augmentation: average each pose with that of the mirrored input (2x the compute)",
    )
    lift.add_argument(
        "--runtime",
        choices=("torch", "onnx"),
        default="torch",
        help="torch (default): --checkpoint is a model.pt; onnx: --checkpoint is a .onnx file written by "
        "`pose3d export onnx`, run by onnxruntime on the CPU without torch (needs the export extra)",
    )
    lift.add_argument("--device", choices=DEVICES, default="cpu", help="torch device (default cpu)")
    lift.add_argument(
        "--threads",
        type=positive_int,
        help="CPU threads of torch, or of onnxruntime with --runtime onnx (default: theirs)",
    )
    outputs(lift, files=["render", "bvh"], folders=["out"])
    lift.set_defaults(handler=_lift)
