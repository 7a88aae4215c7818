"""Subcommands that draw one sequence: ``viz animate`` (2D input, ground truth and prediction side by side,
GIF or MP4) and ``viz error-over-time`` (per-frame MPJPE of several models)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pose3d.cli.arguments import config_setting, file_ending, outputs, path
from pose3d.config.choices import ANIMATION_SUFFIXES
from pose3d.core.errors import InputError

CAMERA_CHOICES = ("0", "1", "2", "3", "54138969", "55011271", "58860488", "60457274")


def _setting(kind: type, key: str) -> Any:
    """A parser of a ``kind`` number within the config schema's range for ``visualization.<key>``."""
    return config_setting(kind, "visualization", key)


def _animate(args: argparse.Namespace) -> None:
    from pose3d.visualization.animation import RenderOptions, render_animation
    from pose3d.visualization.sequence import frame_selection, predict_sequence, sequence_scene

    uri = tracking_uri(args.tracking)
    seq = predict_sequence(
        args.checkpoint, args.poses_3d, args.poses_2d, args.subject, args.sequence, args.camera, device=args.device
    )
    try:
        shown = frame_selection(len(seq.frames), args.start, args.frames, args.downsample)
    except ValueError as err:
        raise InputError(args.poses_2d, f"{seq.subject} {seq.sequence!r}: {err}") from None
    options = RenderOptions(fps=args.fps, size=args.size, bitrate=args.bitrate)
    render_animation(sequence_scene(seq, shown, with_truth=not args.no_truth), args.out, options)
    log_to_runs(uri, [args.checkpoint], [args.out])


def tracking_uri(tracking: str | None) -> str | None:
    """The MLflow URI of a ``--tracking`` experiment file; read before any work, so a bad file leaves no output."""
    if not tracking:
        return None
    from pose3d.tracking import read_experiment_file

    return read_experiment_file(tracking)["tracking_uri"]


def log_to_runs(uri: str | None, checkpoints: list[str], files: list[str]) -> None:
    """With a tracking ``uri``, attach ``files`` to the MLflow run of every checkpoint (under ``figures/``)."""
    if not uri:
        return
    from pose3d.tracking import checkpoint_run, log_files

    for checkpoint in checkpoints:
        run_id = checkpoint_run(checkpoint)
        if run_id:
            log_files(uri, run_id, files, "figures")


def _page(args: argparse.Namespace) -> None:
    from pose3d.visualization.page import animation_page

    if not Path(args.animation).is_file():
        raise InputError(args.animation, "no such animation file")
    animation_page(args.animation, args.out, args.title)


def _error_over_time(args: argparse.Namespace) -> None:
    import numpy as np

    from pose3d.visualization.charts import error_over_time_figure
    from pose3d.visualization.sequence import predict_sequence

    if len(args.poses_2d) != len(args.checkpoints):
        raise InputError(args.poses_2d[0], f"give one --poses-2d per checkpoint ({len(args.checkpoints)})")
    uri = tracking_uri(args.tracking)
    errors, frames, title = {}, np.zeros(0), ""
    for checkpoint, poses_2d in zip(args.checkpoints, args.poses_2d):
        seq = predict_sequence(checkpoint, args.poses_3d, poses_2d, args.subject, args.sequence, args.camera)
        errors[seq.run] = seq.errors_mm()
        frames = seq.frames
        title = f"{seq.subject} {seq.sequence}, camera {seq.camera}: MPJPE per frame"
    error_over_time_figure(errors, frames, title, args.out)
    log_to_runs(uri, args.checkpoints, [args.out])


def _add_sequence_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--poses-3d", type=path, required=True, help="poses_3d.parquet (ground-truth 3D)")
    parser.add_argument("--subject", default="S9", help="subject with 3D (default S9)")
    parser.add_argument(
        "--sequence",
        default="Walking",
        help="sequence name ('Walking 1' or Walking_1) or an action, which picks its first sequence (default Walking)",
    )
    parser.add_argument(
        "--camera", default="0", choices=CAMERA_CHOICES, help="camera id or index 0-3 (default 0: 54138969)"
    )


def register(commands: Any) -> None:
    """Add ``viz animate``, ``viz error-over-time`` and ``viz page`` to the ``pose3d`` subcommands."""
    viz = commands.add_parser("viz", help="draw one sequence: skeleton animation, error over time")
    kinds = viz.add_subparsers(dest="kind", required=True, metavar="KIND")

    animate = kinds.add_parser("animate", help="2D input, ground-truth 3D and predicted 3D side by side, as GIF or MP4")
    animate.add_argument(
        "--checkpoint", type=path, required=True, help="model.pt whose prediction to show (run on the fly)"
    )
    animate.add_argument("--poses-2d", type=path, required=True, help="poses_2d_<input>.parquet the model reads")
    _add_sequence_options(animate)
    limits = "(limits: visualization.{} in the config schema)".format
    animate.add_argument(
        "--start", type=_setting(int, "start"), default=0, help="first frame shown (index into the sequence)"
    )
    animate.add_argument(
        "--frames",
        type=_setting(int, "frames"),
        help=f"at most this many frames (after downsampling) {limits('frames')}",
    )
    animate.add_argument(
        "--downsample", type=_setting(int, "downsample"), default=1, help="show every N-th frame (default 1)"
    )
    animate.add_argument(
        "--fps", type=_setting(float, "fps"), default=25.0, help=f"frames per second of the file {limits('fps')}"
    )
    animate.add_argument(
        "--size", type=_setting(int, "size"), default=320, help=f"pixels per panel, rounded up to 16 {limits('size')}"
    )
    animate.add_argument(
        "--bitrate", type=_setting(int, "bitrate"), default=3000, help=f"MP4 bitrate in kbit/s {limits('bitrate')}"
    )
    animate.add_argument("--no-truth", action="store_true", help="leave out the ground-truth panel")
    animate.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="where the model runs")
    animate.add_argument("--out", required=True, type=file_ending(*ANIMATION_SUFFIXES), help="output .gif or .mp4")
    animate.add_argument(
        "--tracking", type=path, help="experiment.json: also log the file onto the checkpoint's MLflow run"
    )
    outputs(animate, files=["out"])
    animate.set_defaults(handler=_animate)

    errors = kinds.add_parser("error-over-time", help="MPJPE per frame of one sequence, one line per model")
    errors.add_argument("--checkpoints", nargs="+", type=path, required=True, help="model.pt files to compare")
    errors.add_argument(
        "--poses-2d", nargs="+", type=path, required=True, help="the 2D table of each checkpoint, same order"
    )
    _add_sequence_options(errors)
    errors.add_argument("--out", required=True, type=file_ending(".png"), help="output PNG")
    errors.add_argument(
        "--tracking", type=path, help="experiment.json: also log the figure onto each checkpoint's MLflow run"
    )
    outputs(errors, files=["out"])
    errors.set_defaults(handler=_error_over_time)

    page = kinds.add_parser("page", help="an HTML page showing a GIF inline (for the Snakemake report)")
    page.add_argument("--animation", type=path, required=True, help="the .gif to embed")
    page.add_argument("--title", required=True, help="text above the animation")
    page.add_argument("--out", type=file_ending(".html"), required=True, help="output .html")
    outputs(page, files=["out"])
    page.set_defaults(handler=_page)
