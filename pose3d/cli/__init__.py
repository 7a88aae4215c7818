"""The ``pose3d`` command: every workflow stage as a subcommand, so stages run without Snakemake.

Each module of this package registers one group of subcommands; handlers import their heavy
dependencies (torch, mlflow) only when they run, so a mistyped option fails at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from pose3d import __version__
from pose3d.cli import bench, data, export, lift, results, runs, tracking, viz
from pose3d.cli.arguments import check_device_of, check_outputs_of
from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import configure_logging
from pose3d.training.interruption import RESUME_STATUS, Preempted

COMMAND_MODULES = (data, runs, results, viz, tracking, lift, export, bench)

DESCRIPTION = (
    "Reproducible 3D human pose estimation from 2D keypoints. Every stage of the Snakemake "
    "workflow is a subcommand here; `pose3d COMMAND --help` describes each."
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line in pose3d's error format."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"pose3d: error: {message.removeprefix('argument ')} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pose3d`` command."""
    parser = _Parser(prog="pose3d", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"pose3d {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input exits with status 2 and a one-line message naming the file or key, a training
    job stopped by a signal with :data:`RESUME_STATUS` once its state is saved."""
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)  # progress to stdout; stderr carries only what went wrong
    try:
        check_outputs_of(args)  # every command's output paths, before any work
        check_device_of(args)
        args.handler(args)
    except InputError as err:
        print(f"pose3d: error: {one_line(err, limit=1000)}", file=sys.stderr)
        return 2
    except Preempted as stop:  # a scheduler's or the user's signal; the state is saved
        print(f"pose3d: {one_line(stop, limit=1000)}", file=sys.stderr)
        return RESUME_STATUS
    return 0
