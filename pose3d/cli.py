"""The ``pose3d`` command: every workflow stage as a subcommand, so stages run without Snakemake."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from pose3d.core.errors import InputError

Handler = Callable[[argparse.Namespace], None]


def _demo_data(args: argparse.Namespace) -> None:
    from pose3d.data.demo import write_demo

    write_demo(args.out, size=args.size, seed=args.seed)


def _convert_h36m(args: argparse.Namespace) -> None:
    from pose3d.data.convert.h36m import convert_positions

    convert_positions(args.root, args.subjects, args.out)


def _convert_angles(args: argparse.Namespace) -> None:
    from pose3d.data.convert.h36m import convert_angles

    convert_angles(args.root, args.subjects, args.out)


def _convert_gt2d(args: argparse.Namespace) -> None:
    from pose3d.data.convert.ground_truth_2d import project_ground_truth

    project_ground_truth(args.poses_3d, args.out)


def _convert_detections(args: argparse.Namespace) -> None:
    from pose3d.data.convert.detections import convert_detections

    convert_detections(args.npz, args.poses_3d, args.out, source=args.source)


def _convert_sh(args: argparse.Namespace) -> None:
    from pose3d.data.convert.stacked_hourglass import convert_stacked_hourglass

    convert_stacked_hourglass(args.root, args.poses_3d, args.out)


def _convert_3dhp(args: argparse.Namespace) -> None:
    from pose3d.data.convert.hp3d import convert_3dhp

    convert_3dhp(args.npz, args.out)


def _convert_3dpw(args: argparse.Namespace) -> None:
    from pose3d.data.convert.pw3d import convert_3dpw

    convert_3dpw(args.pkl, args.out)


def _load_settings(args: argparse.Namespace) -> dict:
    """Run settings from ``--settings`` JSON (what the workflow passes) or from a config file."""
    from pose3d.config.settings import load_config, resolve_run

    if args.settings:
        return json.loads(args.settings)
    return resolve_run(load_config(args.config), args.model, args.input)


def _tracking(args: argparse.Namespace) -> dict[str, str] | None:
    from pose3d.tracking import read_experiment_file

    return read_experiment_file(args.tracking) if args.tracking else None


def _tracking_init(args: argparse.Namespace) -> None:
    from pose3d.tracking import write_experiment_file

    write_experiment_file(args.tracking_uri, args.experiment, args.out)


def _set_threads(args: argparse.Namespace) -> None:
    """Cap torch's CPU threads at what the job was given (results depend on it, so fix it)."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)


def _train(args: argparse.Namespace) -> None:
    from pose3d.training.loop import train

    _set_threads(args)
    train(_load_settings(args), poses_3d=args.poses_3d, poses_2d=args.poses_2d, out=args.out, tracking=_tracking(args))


def _evaluate(args: argparse.Namespace) -> None:
    from pose3d.evaluation.evaluate import evaluate

    _set_threads(args)
    evaluate(
        _load_settings(args),
        checkpoint=args.checkpoint,
        poses_3d=args.poses_3d,
        poses_2d=args.poses_2d,
        hp3d=args.hp3d,
        pw3d=args.pw3d,
        out=args.out,
        tracking=_tracking(args),
    )


def _baseline(args: argparse.Namespace) -> None:
    from pose3d.evaluation.evaluate import evaluate_mean_pose

    evaluate_mean_pose(
        poses_3d=args.poses_3d,
        poses_2d=args.poses_2d,
        train_subjects=args.train_subjects,
        test_subjects=args.test_subjects,
        input_2d=args.input,
        out=args.out,
    )


def _tables(args: argparse.Namespace) -> None:
    from pose3d.evaluation.tables import write_tables

    write_tables(args.metrics, args.out_dir, columns=args.columns)


def _figures(args: argparse.Namespace) -> None:
    from pose3d.evaluation.figures import per_action_figure, training_curves_figure

    per_action_figure(args.metrics, args.per_action)
    training_curves_figure(args.checkpoints, args.training)


def _import_checkpoint(args: argparse.Namespace) -> None:
    from pose3d.models.checkpoints import import_checkpoint

    options = {key: value for key, value in (("kernel_size", args.kernel_size), ("channels", args.channels)) if value}
    import_checkpoint(args.source, args.model, args.out, **options)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--settings", help="resolved run settings as JSON (what the workflow passes)")
    group.add_argument("--config", help="config.yaml to resolve settings from (with --model and --input)")
    parser.add_argument("--model", help="model name (with --config)")
    parser.add_argument("--input", help="2D input: gt, cpn or sh (with --config)")
    parser.add_argument("--poses-3d", required=True, help="poses_3d.parquet")
    parser.add_argument("--poses-2d", required=True, help="poses_2d_<input>.parquet")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--tracking", help="experiment.json from `pose3d tracking init` (log to MLflow)")
    parser.add_argument("--out", required=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pose3d`` command."""
    parser = argparse.ArgumentParser(prog="pose3d", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="write the embedded demo dataset in raw H36M formats")
    demo.add_argument("--out", default="resources/demo")
    demo.add_argument("--size", default="small", choices=("tiny", "small", "full"))
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(handler=_demo_data)

    convert = commands.add_parser("convert", help="convert raw inputs to Parquet").add_subparsers(
        dest="source", required=True
    )
    for name, handler, help_text in (
        ("h36m", _convert_h36m, "D3_Positions CDFs -> poses_3d.parquet"),
        ("angles", _convert_angles, "D3_Angles CDFs -> angles_3d.parquet"),
    ):
        sub = convert.add_parser(name, help=help_text)
        sub.add_argument("--root", required=True, help="Human3.6M folder (S1/... or pose/S1/...)")
        sub.add_argument("--subjects", nargs="+", required=True)
        sub.add_argument("--out", required=True)
        sub.set_defaults(handler=handler)
    gt2d = convert.add_parser("gt2d", help="project 3D to ground-truth 2D -> poses_2d_gt.parquet")
    gt2d.add_argument("--poses-3d", required=True)
    gt2d.add_argument("--out", required=True)
    gt2d.set_defaults(handler=_convert_gt2d)
    det = convert.add_parser("detections", help="VideoPose3D-style 2D npz (e.g. CPN) -> Parquet")
    det.add_argument("--npz", required=True)
    det.add_argument("--poses-3d", required=True)
    det.add_argument("--name", dest="source", default="cpn", help="name recorded in the metadata")
    det.add_argument("--out", required=True)
    det.set_defaults(handler=_convert_detections)
    sh = convert.add_parser("sh", help="Stacked-Hourglass h5 detections -> poses_2d_sh.parquet")
    sh.add_argument("--root", required=True)
    sh.add_argument("--poses-3d", required=True)
    sh.add_argument("--out", required=True)
    sh.set_defaults(handler=_convert_sh)
    hp = convert.add_parser("3dhp", help="MPI-INF-3DHP test npz -> Parquet")
    hp.add_argument("--npz", required=True)
    hp.add_argument("--out", required=True)
    hp.set_defaults(handler=_convert_3dhp)
    pw = convert.add_parser("3dpw", help="3DPW test pickle -> Parquet")
    pw.add_argument("--pkl", required=True)
    pw.add_argument("--out", required=True)
    pw.set_defaults(handler=_convert_3dpw)

    train = commands.add_parser("train", help="train one model on one 2D input")
    _add_run_options(train)
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a trained model per action and cross-dataset")
    _add_run_options(evaluate)
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--hp3d", default="", help="3dhp/test.parquet ('' to skip)")
    evaluate.add_argument("--pw3d", default="", help="3dpw/test.parquet ('' to skip)")
    evaluate.set_defaults(handler=_evaluate)

    baseline = commands.add_parser("baseline", help="score the mean-training-pose baseline")
    baseline.add_argument("--poses-3d", required=True)
    baseline.add_argument("--poses-2d", required=True)
    baseline.add_argument("--input", required=True)
    baseline.add_argument("--train-subjects", nargs="+", required=True)
    baseline.add_argument("--test-subjects", nargs="+", required=True)
    baseline.add_argument("--out", required=True)
    baseline.set_defaults(handler=_baseline)

    track = commands.add_parser("tracking", help="MLflow tracking store").add_subparsers(dest="action", required=True)
    init = track.add_parser("init", help="create the store and experiment before parallel jobs start")
    init.add_argument("--tracking-uri", required=True, help="e.g. sqlite:///mlflow.db or http://host:5000")
    init.add_argument("--experiment", required=True)
    init.add_argument("--out", required=True, help="experiment.json recording where jobs log")
    init.set_defaults(handler=_tracking_init)

    tables = commands.add_parser("tables", help="collect evaluation results into tables")
    tables.add_argument("--metrics", nargs="+", required=True, help="per-run metrics.parquet files")
    tables.add_argument("--columns", nargs="+", required=True, help="run names in table column order")
    tables.add_argument("--out-dir", required=True)
    tables.set_defaults(handler=_tables)

    figures = commands.add_parser("figures", help="plot per-action errors and training curves")
    figures.add_argument("--metrics", required=True, help="results/tables/metrics.parquet")
    figures.add_argument("--checkpoints", nargs="+", required=True)
    figures.add_argument("--per-action", required=True, help="output PNG")
    figures.add_argument("--training", required=True, help="output PNG")
    figures.set_defaults(handler=_figures)

    imp = commands.add_parser("import-checkpoint", help="convert a released SemGCN/Martinez/TGraphNet checkpoint")
    imp.add_argument("--source", required=True, help="released checkpoint file")
    imp.add_argument("--model", required=True)
    imp.add_argument("--kernel-size", type=int, choices=(3, 5), help="TGraphNet temporal kernel")
    imp.add_argument("--channels", type=int, help="TGraphNet base width (128 in the release)")
    imp.add_argument("--out", required=True)
    imp.set_defaults(handler=_import_checkpoint)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input exits with status 2 and a one-line message naming the file."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        args.handler(args)
    except InputError as err:
        print(f"pose3d: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
