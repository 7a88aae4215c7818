"""MLflow tracking: one experiment per config, one run per trained model, one parent run per workflow invocation.

Runs are written from separate processes, so the store and the experiment are created once, up
front (:func:`ensure_experiment`), and jobs address the experiment by id. A run is tied to the
checkpoint it produces (tag ``pose3d.output``): a resumed training job reopens its run, and a fresh
one marks earlier runs of the same output as superseded, so the UI never shows two current runs
for one model.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import torch
from filelock import FileLock
from mlflow.tracking import MlflowClient

from pose3d.core.atomic import atomic_path
from pose3d.core.progress import on_terminal
from pose3d.data.h36m import ACTIONS

#: Environment variable through which the workflow passes its parent run to the jobs.
PARENT_RUN_ENV = "POSE3D_MLFLOW_PARENT_RUN"
OUTPUT_TAG = "pose3d.output"
SUPERSEDED_TAG = "pose3d.superseded_by"


def _local_store(tracking_uri: str) -> Path | None:
    """The file or folder of a local store (``sqlite:///mlflow.db``, ``file:./mlruns``, a path); None for servers."""
    if tracking_uri.startswith("sqlite:///"):
        return Path(tracking_uri.removeprefix("sqlite:///"))
    if tracking_uri.startswith("file:"):
        return Path(tracking_uri.removeprefix("file:").removeprefix("//"))
    return None if "://" in tracking_uri else Path(tracking_uri)


@contextmanager
def _store_lock(tracking_uri: str) -> Iterator[None]:
    """Serialise store creation across processes: two invocations starting at once in a fresh folder
    would otherwise both create the tables of ``mlflow.db`` (a server serialises this itself)."""
    store = _local_store(tracking_uri)
    if store is None:
        yield
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{store}.lock"):
        yield


def ensure_experiment(tracking_uri: str, experiment: str) -> str:
    """Create the tracking store and the experiment if needed (safe when processes race); return its id."""
    with _store_lock(tracking_uri):
        client = MlflowClient(tracking_uri)
        found = client.get_experiment_by_name(experiment)
        return found.experiment_id if found else client.create_experiment(experiment)


def write_experiment_file(tracking_uri: str, experiment: str, out: str | Path) -> None:
    """Create store and experiment, and record where they are for the jobs that log to them."""
    record = {
        "tracking_uri": tracking_uri,
        "experiment": experiment,
        "experiment_id": ensure_experiment(tracking_uri, experiment),
    }
    with atomic_path(out, suffix=".json") as tmp:
        tmp.write_text(json.dumps(record, indent=2))


def read_experiment_file(path: str | Path) -> dict[str, str]:
    """Tracking URI and experiment id for a job, from the file :func:`write_experiment_file` wrote."""
    record = json.loads(Path(path).read_text())
    found = MlflowClient(record["tracking_uri"]).get_experiment_by_name(record["experiment"])
    if found is None:
        raise RuntimeError(
            f"{path}: experiment {record['experiment']!r} is missing from {record['tracking_uri']}; "
            "re-create it with `snakemake -R tracking_store`"
        )
    return {"tracking_uri": record["tracking_uri"], "experiment_id": found.experiment_id}


def start_invocation(tracking_uri: str, experiment: str, targets: Sequence[str]) -> str:
    """Open the parent run of one workflow invocation and return its id."""
    client = MlflowClient(tracking_uri)
    run = client.create_run(
        ensure_experiment(tracking_uri, experiment),
        run_name=f"workflow {time.strftime('%Y-%m-%d %H:%M:%S')}",
        tags={
            "pose3d.kind": "workflow",
            "pose3d.targets": " ".join(targets) or "(default)",
            "pose3d.git_commit": git_commit(),
        },
    )
    return run.info.run_id


def end_invocation(tracking_uri: str, run_id: str, success: bool) -> None:
    """Close the parent run as FINISHED or FAILED."""
    MlflowClient(tracking_uri).set_terminated(run_id, "FINISHED" if success else "FAILED")


def git_commit() -> str:
    """The commit of the pose3d checkout, or ``unknown`` outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def fingerprint(paths: Sequence[str | Path]) -> str:
    """SHA-256 over the contents of the input tables (short form): which data a run saw."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as flat ``a.b`` MLflow params."""
    flat: dict[str, str] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


class TrainingRun:
    """The MLflow run of one training job (active while the job runs)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def log_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        mlflow.log_metrics(metrics, step=epoch)

    def log_checkpoint(self, checkpoint: Path, model: torch.nn.Module, input_shape: Sequence[int]) -> None:
        """The checkpoint file as an artifact and the network as an ``mlflow.pytorch`` model.

        The model is saved as an exported program (``torch.export``, MLflow's ``pt2`` format), which
        loads without unpickling code. ``input_shape`` (one sample, e.g. (16, 2)) gives the example
        input that records the signature; it holds two samples, so the batch size stays free.
        """
        mlflow.log_artifact(str(checkpoint), artifact_path="checkpoint")
        example = np.zeros((2, *input_shape), dtype=np.float32)
        mlflow.pytorch.log_model(
            model.cpu().eval(),
            name="model",
            input_example=example,
            serialization_format="pt2",
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "pose3d"],
        )


def _supersede(client: MlflowClient, experiment_id: str, output: str, current: str) -> None:
    """Mark earlier runs of the same output as superseded; close any left RUNNING by a killed job."""
    query = f"tags.`{OUTPUT_TAG}` = '{output}'"
    for run in client.search_runs([experiment_id], filter_string=query):
        if run.info.run_id == current or SUPERSEDED_TAG in run.data.tags:
            continue
        client.set_tag(run.info.run_id, SUPERSEDED_TAG, current)
        client.set_tag(run.info.run_id, "mlflow.runName", f"{run.info.run_name} (superseded)")
        if run.info.status == "RUNNING":
            client.set_terminated(run.info.run_id, "FAILED")


@contextmanager
def training_run(
    tracking: dict[str, str],
    settings: dict[str, Any],
    output: str | Path,
    data: Sequence[str | Path],
    run_id: str | None = None,
) -> Iterator[TrainingRun]:
    """Open (or, when resuming, reopen) the run of a training job; mark it FAILED/KILLED if the job fails."""
    _use(tracking["tracking_uri"])
    experiment_id = tracking["experiment_id"]
    output = str(Path(output).resolve())
    parent = os.environ.get(PARENT_RUN_ENV)
    system_metrics = _psutil_available()
    if run_id is None:
        active = mlflow.start_run(
            experiment_id=experiment_id,
            run_name=f"{settings['model']}-{settings['input_2d']}",
            log_system_metrics=system_metrics,
        )
        mlflow.log_params(flatten(settings))
        mlflow.log_params({"data.poses_3d": str(data[0]), "data.poses_2d": str(data[1])})
        mlflow.set_tags(
            {
                "model": settings["model"],
                "input_2d": settings["input_2d"],
                "profile": settings["profile"],
                "git_commit": git_commit(),
                "dataset_fingerprint": fingerprint(data),
                OUTPUT_TAG: output,
            }
        )
        _supersede(MlflowClient(), experiment_id, output, active.info.run_id)
    else:
        active = mlflow.start_run(run_id=run_id, log_system_metrics=system_metrics)
    if parent:
        mlflow.set_tag("mlflow.parentRunId", parent)
    try:
        yield TrainingRun(active.info.run_id)
    except KeyboardInterrupt:
        mlflow.end_run("KILLED")
        raise
    except BaseException:
        mlflow.end_run("FAILED")
        raise
    mlflow.end_run("FINISHED")


def log_evaluation(tracking_uri: str, run_id: str, metrics: pd.DataFrame) -> None:
    """Attach evaluation results to the run of the evaluated model: per-action metrics and tables."""
    _use(tracking_uri)
    with mlflow.start_run(run_id=run_id):
        summary = metrics[metrics["action"].isin(["Average", "All"])]
        mlflow.log_metrics({f"{row.dataset}.{row.metric}": float(row.value) for row in summary.itertuples()})
        per_action = metrics[metrics["dataset"] == "h36m"]
        mlflow.log_metrics(
            {
                f"h36m.{row.metric}.{row.action}": float(row.value)
                for row in per_action.itertuples()
                if row.action != "Average"
            }
        )
        wide = (
            per_action.pivot(index="action", columns="metric", values="value")
            .reindex([action for action in (*ACTIONS, "Average") if action in set(per_action["action"])])
            .reset_index()
        )
        mlflow.log_table(wide, artifact_file="evaluation/h36m_per_action.json")
        mlflow.log_text(wide.to_csv(index=False), "evaluation/h36m_per_action.csv")
        mlflow.log_text(metrics.to_csv(index=False), "evaluation/metrics.csv")


def _use(tracking_uri: str) -> None:
    """Log to ``tracking_uri``; in a job log, without MLflow's artifact progress bars (one long line each)."""
    if not on_terminal():
        os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    mlflow.set_tracking_uri(tracking_uri)


def _psutil_available() -> bool:
    try:
        import psutil  # noqa: F401  (MLflow's system-metrics monitor needs it)
    except ImportError:
        return False
    return True
