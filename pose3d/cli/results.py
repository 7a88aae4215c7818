"""Subcommands that collect results: ``tables`` and ``figures``."""

from __future__ import annotations

import argparse
from typing import Any

from pose3d.cli.arguments import file_ending, outputs, path


def _tables(args: argparse.Namespace) -> None:
    from pose3d.evaluation.tables import write_tables

    write_tables(args.metrics, args.out_dir, columns=args.columns)


def _figures(args: argparse.Namespace) -> None:
    from pose3d.cli.viz import log_to_runs, tracking_uri
    from pose3d.core.atomic import atomic_paths, check_outputs
    from pose3d.evaluation.tables import read_metrics
    from pose3d.runs import TrainingRecord
    from pose3d.visualization.charts import (
        JOINT_METRIC,
        PER_ACTION_METRICS,
        per_action_figure,
        per_joint_figure,
        plotted_rows,
        training_curves_figure,
    )

    outputs = {"--per-action": args.per_action, "--per-joint": args.per_joint, "--training": args.training}
    outputs = {option: path for option, path in outputs.items() if path}
    check_outputs(list(outputs.values()), list(outputs))
    uri = tracking_uri(args.tracking)
    long = read_metrics(args.metrics)  # every input is read and checked once, before any figure is drawn
    for metric in (*PER_ACTION_METRICS, *([JOINT_METRIC] if args.per_joint else [])):
        plotted_rows(long, metric, args.metrics)
    records = [TrainingRecord.load(checkpoint) for checkpoint in args.checkpoints]
    with atomic_paths(list(outputs.values()), list(outputs)) as temporaries:  # every chart, or none
        charts = dict(zip(outputs, temporaries))
        per_action_figure(long, args.metrics, charts["--per-action"])
        if args.per_joint:
            per_joint_figure(long, args.metrics, charts["--per-joint"])
        training_curves_figure(records, charts["--training"])
    log_to_runs(uri, args.checkpoints, list(outputs.values()))


def register(commands: Any) -> None:
    """Add ``tables`` and ``figures`` to the ``pose3d`` subcommands."""
    tables = commands.add_parser("tables", help="collect evaluation results into tables")
    tables.add_argument("--metrics", nargs="+", type=path, required=True, help="per-run metrics.parquet files")
    tables.add_argument("--columns", nargs="+", required=True, help="run names in table column order")
    tables.add_argument("--out-dir", type=path, required=True, help="folder for mpjpe.csv, p_mpjpe.csv, ..., tables.md")
    outputs(tables, folders=["out_dir"])
    tables.set_defaults(handler=_tables)

    figures = commands.add_parser("figures", help="plot per-action and per-joint errors and training curves")
    figures.add_argument("--metrics", type=path, required=True, help="results/tables/metrics.parquet")
    figures.add_argument(
        "--checkpoints", nargs="+", type=path, required=True, help="model.pt files whose curves to plot"
    )
    png = file_ending(".png")
    figures.add_argument("--per-action", type=png, required=True, help="output PNG of the per-action errors")
    figures.add_argument("--per-joint", type=png, help="output PNG of the per-joint errors (optional)")
    figures.add_argument("--training", type=png, required=True, help="output PNG of the training curves")
    figures.add_argument(
        "--tracking", type=path, help="experiment.json: also log the figures onto each checkpoint's MLflow run"
    )
    outputs(figures, files=["per_action", "per_joint", "training"])
    figures.set_defaults(handler=_figures)
