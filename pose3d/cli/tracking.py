"""Subcommand that prepares MLflow: ``tracking init``."""

from __future__ import annotations

import argparse
from typing import Any

from pose3d.cli.arguments import file_ending, outputs


def _tracking_init(args: argparse.Namespace) -> None:
    from pose3d.core.reachability import check_reachable

    check_reachable(args.tracking_uri, "--tracking-uri")  # in seconds, before MLflow loads
    from pose3d.tracking import write_experiment_file

    url = write_experiment_file(args.tracking_uri, args.experiment, args.out)
    print(f"pose3d: models compared side by side at {url} (start `mlflow ui` in the project folder first)")


def register(commands: Any) -> None:
    """Add ``tracking init`` to the ``pose3d`` subcommands."""
    track = commands.add_parser("tracking", help="MLflow tracking store").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    init = track.add_parser("init", help="create the store and experiment before parallel jobs start")
    init.add_argument("--tracking-uri", required=True, help="e.g. sqlite:///mlflow.db or http://host:5000")
    init.add_argument("--experiment", required=True, help="MLflow experiment name")
    init.add_argument(
        "--out", type=file_ending(".json"), required=True, help="experiment.json recording where jobs log"
    )
    outputs(init, files=["out"])
    init.set_defaults(handler=_tracking_init)
