"""Subcommands that train and score models: ``train``, ``evaluate``, ``baseline``, ``import-checkpoint``."""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pose3d.cli.arguments import config_setting, file_ending, outputs, path, positive_int
from pose3d.config.choices import INPUTS_2D, LAYOUTS_2D, MODEL_NAMES, TGRAPHNET_KERNELS
from pose3d.core.errors import InputError
from pose3d.models import MODELS
from pose3d.training.interruption import DEFAULT_STATE_MINUTES, RESUME_STATUS

#: Every released size name of the models that come in sizes.
SIZES = sorted({size for spec in MODELS.values() for size in spec.sizes})

if TYPE_CHECKING:
    import pandas as pd

    from pose3d.config.run_settings import RunSettings
    from pose3d.training.loop import RunOpener


def _load_settings(args: argparse.Namespace) -> RunSettings:
    """Run settings from ``--settings`` JSON (what the workflow passes) or from a config file."""
    from pose3d.config.run_settings import RunSettings
    from pose3d.config.settings import load_config, resolve_run

    if args.settings:
        return RunSettings.from_json(args.settings, "--settings")
    if not (args.model and args.input):
        raise InputError("--config", "needs --model and --input")
    return resolve_run(load_config(args.config), args.model, args.input)


def _probe_tracking(args: argparse.Namespace) -> None:
    """Refuse a tracking server that ``--tracking`` names but that does not answer, in seconds and before torch
    or MLflow load; what else is wrong with the file, :func:`_tracking` reports."""
    from pose3d.core.reachability import check_reachable

    try:
        uri = json.loads(Path(args.tracking).read_text())["tracking_uri"]
    except (OSError, ValueError, TypeError, KeyError):
        return
    check_reachable(str(uri), args.tracking)


def _tracking(args: argparse.Namespace) -> dict[str, str] | None:
    from pose3d.tracking import read_experiment_file

    return read_experiment_file(args.tracking) if args.tracking else None


def _training_run(args: argparse.Namespace, settings: RunSettings) -> RunOpener | None:
    """With ``--tracking``, what opens the job's MLflow run (or reopens the run an interrupted job left); without
    it, None, and MLflow is not loaded (seconds)."""
    if not args.tracking:
        return None
    from pose3d.tracking import read_experiment_file, training_run

    inputs = [args.poses_3d, args.poses_2d]
    return partial(training_run, read_experiment_file(args.tracking), settings, args.out, inputs)


def _train(args: argparse.Namespace) -> None:
    if args.tracking:
        _probe_tracking(args)
    from pose3d.core.device import set_threads
    from pose3d.training.loop import train

    settings = _load_settings(args)
    set_threads(args.threads)
    open_run = _training_run(args, settings)
    train(
        settings,
        poses_3d=args.poses_3d,
        poses_2d=args.poses_2d,
        out=args.out,
        open_run=open_run,
        state_every=args.state_every,
    )


def _evaluate(args: argparse.Namespace) -> None:
    if args.tracking:
        _probe_tracking(args)
    from pose3d.core.device import set_threads
    from pose3d.evaluation.evaluate import evaluate

    settings = _load_settings(args)
    set_threads(args.threads)
    tracking = _tracking(args)  # read before any work: a bad file leaves no output
    metrics = evaluate(
        settings,
        checkpoint=args.checkpoint,
        poses_3d=args.poses_3d,
        poses_2d=args.poses_2d,
        hp3d=args.hp3d,
        pw3d=args.pw3d,
        out=args.out,
    )
    if tracking:
        _log_evaluation(tracking, args.checkpoint, metrics)


def _log_evaluation(tracking: dict[str, str], checkpoint: str, metrics: pd.DataFrame) -> None:
    """Attach the evaluation to the MLflow run that trained ``checkpoint`` (imported checkpoints have none)."""
    from pose3d.tracking import checkpoint_run, log_evaluation

    run_id = checkpoint_run(checkpoint)
    if run_id:
        log_evaluation(tracking["tracking_uri"], run_id, metrics)


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


def _evaluate_release(args: argparse.Namespace) -> None:
    from pose3d.evaluation.release_protocol import evaluate_release

    scores = evaluate_release(args.checkpoint, args.motionbert_test, args.out)
    average = scores.query("action == 'Average'").set_index("metric")["value"]
    print(f"release protocol: MPJPE {average['mpjpe']:.2f} mm, P-MPJPE {average['p_mpjpe']:.2f} mm; wrote {args.out}")


def _import_checkpoint(args: argparse.Namespace) -> None:
    from pose3d.runs.release import import_checkpoint

    if Path(args.out).resolve() == Path(args.source).resolve():
        raise InputError("--out", f"{args.out} is the --source file; write the converted checkpoint elsewhere")
    given = (("kernel_size", args.kernel_size), ("channels", args.channels), ("size", args.size))
    options = {key: value for key, value in given if value}
    import_checkpoint(args.source, args.model, args.out, layout_2d=args.layout_2d, **options)


def _add_run_options(parser: argparse.ArgumentParser, out_help: str, ending: str) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--settings", help="resolved run settings as JSON (what the workflow passes)")
    group.add_argument(
        "--config", type=path, help="config.yaml to resolve the run's settings from (with --model and --input)"
    )
    parser.add_argument("--model", choices=MODEL_NAMES, help="model to run (with --config)")
    parser.add_argument("--input", choices=INPUTS_2D, help="2D input the model reads (with --config)")
    parser.add_argument("--poses-3d", type=path, required=True, help="poses_3d.parquet (ground-truth 3D)")
    parser.add_argument("--poses-2d", type=path, required=True, help="poses_2d_<input>.parquet (the 2D input)")
    parser.add_argument("--threads", type=positive_int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--tracking", type=path, help="experiment.json from `pose3d tracking init` (log to MLflow)")
    parser.add_argument("--out", type=file_ending(ending), required=True, help=out_help)
    outputs(parser, files=["out"])


def register(commands: Any) -> None:
    """Add ``train``, ``evaluate``, ``baseline`` and ``import-checkpoint`` to the ``pose3d`` subcommands."""
    train = commands.add_parser("train", help="train one model on one 2D input")
    _add_run_options(train, "output checkpoint (model.pt); training_state.pt is written beside it", ".pt")
    train.add_argument(
        "--state-every",
        type=config_setting(float, "training", "state_every"),
        default=DEFAULT_STATE_MINUTES,
        metavar="MINUTES",
        help="write training_state.pt within an epoch this often (default %(default)s); it is also written "
        f"after every epoch and on SIGTERM, SIGINT or SIGUSR1, which then exit with status {RESUME_STATUS}: "
        "the same command continues",
    )
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a trained model per action and cross-dataset")
    _add_run_options(evaluate, "output metrics.parquet (long format: dataset, action, metric, value)", ".parquet")
    evaluate.add_argument(
        "--checkpoint", type=path, required=True, help="model.pt from `pose3d train` or `import-checkpoint`"
    )
    evaluate.add_argument("--hp3d", default="", help="3dhp/test.parquet ('' to skip)")
    evaluate.add_argument("--pw3d", default="", help="3dpw/test.parquet ('' to skip)")
    evaluate.set_defaults(handler=_evaluate)

    baseline = commands.add_parser("baseline", help="score the mean-training-pose baseline")
    baseline.add_argument("--poses-3d", type=path, required=True, help="poses_3d.parquet (ground-truth 3D)")
    baseline.add_argument(
        "--poses-2d", type=path, required=True, help="poses_2d_<input>.parquet (selects the scored frames)"
    )
    baseline.add_argument("--input", required=True, choices=INPUTS_2D, help="2D input name recorded with the result")
    baseline.add_argument("--train-subjects", nargs="+", required=True, help="subjects the mean pose is taken over")
    baseline.add_argument("--test-subjects", nargs="+", required=True, help="subjects scored")
    baseline.add_argument("--out", type=file_ending(".parquet"), required=True, help="output metrics.parquet")
    outputs(baseline, files=["out"])
    baseline.set_defaults(handler=_baseline)

    release = commands.add_parser(
        "evaluate-release", help="score an imported MotionBERT-family checkpoint the release's way (2.5D protocol)"
    )
    release.add_argument("--checkpoint", type=path, required=True, help="model.pt from `pose3d import-checkpoint`")
    release.add_argument(
        "--motionbert-test", type=path, required=True, help="motionbert_test.parquet (`pose3d convert motionbert`)"
    )
    release.add_argument(
        "--out", type=file_ending(".parquet"), required=True, help="output metrics.parquet (dataset h36m_release)"
    )
    outputs(release, files=["out"])
    release.set_defaults(handler=_evaluate_release)

    imp = commands.add_parser(
        "import-checkpoint", help="convert a released SemGCN/Martinez/TGraphNet/MotionAGFormer checkpoint"
    )
    imp.add_argument("--source", type=path, required=True, help="released checkpoint file (.pth.tar or .pth)")
    imp.add_argument("--model", required=True, choices=MODEL_NAMES, help="model the checkpoint holds")
    imp.add_argument("--kernel-size", type=int, choices=TGRAPHNET_KERNELS, help="TGraphNet temporal kernel")
    imp.add_argument("--channels", type=positive_int, help="TGraphNet base width (128 in the release)")
    imp.add_argument("--size", choices=SIZES, help="released size of a model that comes in sizes (MotionAGFormer)")
    imp.add_argument(
        "--layout-2d",
        choices=LAYOUTS_2D,
        default="h36m",
        help="2D keypoints the model was trained on: Human3.6M joints (h36m, the releases) or COCO keypoints (coco)",
    )
    imp.add_argument("--out", type=file_ending(".pt", ".pth"), required=True, help="output pose3d checkpoint (.pt)")
    outputs(imp, files=["out"])
    imp.set_defaults(handler=_import_checkpoint)
