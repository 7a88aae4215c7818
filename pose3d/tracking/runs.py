"""MLflow tracking: one experiment per config, one run per trained model, no container runs.

Runs are written from separate processes, so the store and the experiment are created once, up
front (:func:`ensure_experiment`), and jobs address the experiment by id. A run is tied to the
checkpoint it produces (tag ``pose3d.output``): a resumed training job reopens its run, and a fresh
one retires earlier runs of the same output (tagged ``pose3d.superseded_by`` and deleted, so they
leave the default view but can be restored), so the UI shows exactly one current run per model.

Evaluation writes onto the training run itself: headline metrics (rounded to 0.01) that the
run's logged model carries too, so MLflow's Models page lists one row per trained model with
those metrics as columns; per-action metrics and tables; figures and animations as artifacts.
With a local SQLite store, artifact locations are stored relative to the project folder, so a
copied project still serves its artifacts (start ``mlflow ui`` in the project folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import torch
from filelock import FileLock
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from pose3d.core.atomic import atomic_path
from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import on_terminal
from pose3d.core.safe_load import load_torch
from pose3d.data.h36m import ACTIONS
from pose3d.visualization.palette import model_color

OUTPUT_TAG = "pose3d.output"
SUPERSEDED_TAG = "pose3d.superseded_by"
#: Folder (relative to the project) of the artifacts of a local SQLite store.
LOCAL_ARTIFACTS = "mlruns"
#: Metrics shown as columns for every model: Human3.6M Protocol #1 and #2, and the cross-dataset
#: numbers of 17-joint models (3DHP PCK/AUC/MPJPE over 17 joints, 3DPW MPJPE/PA-MPJPE).
HEADLINE_METRICS = (
    ("h36m", "mpjpe"),
    ("h36m", "p_mpjpe"),
    ("3dhp", "pck150_17"),
    ("3dhp", "auc_17"),
    ("3dhp", "mpjpe_17"),
    ("3dpw", "mpjpe"),
    ("3dpw", "pa_mpjpe"),
)
DECIMALS = 2
#: MLflow's UI keeps its column choice in the browser; a view saved as an experiment tag is what a
#: link can open: ``#/experiments/<id>/runs?viewStateShareKey=compare`` (see :func:`compare_url`).
VIEW_TAG_PREFIX = "mlflow.sharedViewState."
COMPARE_VIEW = "compare"


def _compare_view() -> str:
    """The saved view of the Runs page: headline metrics and the model as columns, best MPJPE first."""
    columns = [f"metrics.`{dataset}.{metric}`" for dataset, metric in HEADLINE_METRICS]
    columns += ["tags.`model`", "tags.`input_2d`", "attributes.`Models`"]
    return json.dumps(
        {
            "orderByKey": "metrics.`h36m.mpjpe`",
            "orderByAsc": True,
            "selectedColumns": columns,
            "columnOrder": columns,  # headline order, not the grid's alphabetical one
            "runsHiddenMode": "SHOW_ALL",
        }
    )


def compare_url(base: str, experiment_id: str) -> str:
    """Address of the model comparison (one row per model, headline metrics as columns) on a UI at ``base``."""
    query = f"viewStateShareKey={COMPARE_VIEW}&workflowType=machine_learning"  # the UI opens in GenAI mode otherwise
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{query}"


def _local_sqlite(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///relative/path.db`` URI; None for any other store."""
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix) or tracking_uri.startswith(prefix + "/"):
        return None
    return Path(tracking_uri.removeprefix(prefix))


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
    """Create the tracking store and the experiment if needed (safe when processes race); return its id.

    MLflow stores a new experiment's artifact location as an absolute path; for a relative SQLite
    store it is rewritten to ``mlruns/<id>``, relative to the project like the store itself. The
    experiment is marked as model training (the UI opens on its runs) and carries the comparison view.
    """
    with _store_lock(tracking_uri):
        client = MlflowClient(tracking_uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else _create_experiment(client, tracking_uri, experiment)
        client.set_experiment_tag(experiment_id, VIEW_TAG_PREFIX + COMPARE_VIEW, _compare_view())
        return experiment_id


def _create_experiment(client: MlflowClient, tracking_uri: str, experiment: str) -> str:
    experiment_id: str = client.create_experiment(
        experiment, tags={"mlflow.experimentKind": "custom_model_development"}
    )
    database = _local_sqlite(tracking_uri)
    if database is not None:
        with sqlite3.connect(database) as connection:  # no MLflow API changes an artifact location
            connection.execute(
                "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
                (f"{LOCAL_ARTIFACTS}/{experiment_id}", int(experiment_id)),
            )
        connection.close()
    return experiment_id


def write_experiment_file(tracking_uri: str, experiment: str, out: str | Path) -> str:
    """Create store and experiment, record where they are for the jobs that log to them, and return
    the address of the model comparison in the UI (``mlflow ui``'s default address for a local store)."""
    for option, value in (("--tracking-uri", tracking_uri), ("--experiment", experiment)):
        if not value.strip():
            raise InputError(option, "must not be empty")
    try:
        experiment_id = ensure_experiment(tracking_uri, experiment)
    except MlflowException as err:  # an unknown URI scheme, a store MLflow no longer writes, a bad name
        raise InputError(
            "--tracking-uri", f"MLflow cannot use {tracking_uri!r}: {one_line(err.message, 300)}"
        ) from None
    except OSError as err:  # the store's folder cannot be made (a file in the way, no permission)
        raise InputError("--tracking-uri", f"cannot create the store {tracking_uri!r}: {err.strerror or err}") from None
    record = {"tracking_uri": tracking_uri, "experiment": experiment, "experiment_id": experiment_id}
    with atomic_path(out, suffix=".json") as tmp:
        tmp.write_text(json.dumps(record, indent=2))
    server = tracking_uri if tracking_uri.startswith(("http://", "https://")) else "http://127.0.0.1:5000"
    return compare_url(server, experiment_id)


def read_experiment_file(path: str | Path) -> dict[str, str]:
    """Tracking URI and experiment id for a job, from the file :func:`write_experiment_file` wrote."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found (write it with `pose3d tracking init`)")
    try:
        record = json.loads(path.read_text())
        uri, experiment = str(record["tracking_uri"]), str(record["experiment"])
    except (ValueError, TypeError, KeyError) as err:
        raise InputError(
            path, f"not an experiment file of `pose3d tracking init` ({type(err).__name__}: {err})"
        ) from None
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    if found is None:
        raise InputError(
            path, f"experiment {experiment!r} is missing from {uri}; re-create it with `snakemake -R tracking_store`"
        )
    return {"tracking_uri": uri, "experiment_id": found.experiment_id}


def close_interrupted(tracking_uri: str, experiment: str, project: str | Path) -> list[str]:
    """Mark runs of this project that a killed job left RUNNING as KILLED (after the workflow stopped);
    a resumed job reopens its run, so the run comes back FINISHED. Returns the closed run ids."""
    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    prefix = str(Path(project).resolve())
    closed = []
    for run in client.search_runs([found.experiment_id], filter_string="attributes.status = 'RUNNING'"):
        if run.data.tags.get(OUTPUT_TAG, "").startswith(prefix):
            client.set_terminated(run.info.run_id, "KILLED")
            closed.append(run.info.run_id)
    return closed


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

    def __init__(self, run_id: str, name: str) -> None:
        self.run_id = run_id
        self.name = name

    def log_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        mlflow.log_metrics(metrics, step=epoch)

    def log_checkpoint(self, checkpoint: Path, model: torch.nn.Module, input_shape: Sequence[int], step: int) -> None:
        """The checkpoint file as an artifact and the network as an ``mlflow.pytorch`` model.

        ``step`` is the number of epochs trained. MLflow links every run metric logged at the model's
        step to the model; the epoch curves use steps 0 .. epochs - 1, so the model carries only the
        headline metrics :func:`log_evaluation` links to it explicitly.

        The model is saved as an exported program (``torch.export``, MLflow's ``pt2`` format), which
        loads without unpickling code. ``input_shape`` (one sample, e.g. (16, 2)) gives the example
        input that records the signature; it holds two samples, so the batch size stays free.
        """
        mlflow.log_artifact(str(checkpoint), artifact_path="checkpoint")
        example = np.zeros((2, *input_shape), dtype=np.float32)
        mlflow.pytorch.log_model(
            model.cpu().eval(),
            name=self.name,
            input_example=example,
            serialization_format="pt2",
            step=step,
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", "pose3d"],
        )


def _supersede(client: MlflowClient, experiment_id: str, output: str, current: str) -> None:
    """Retire earlier runs of the same output: tag them, close any left RUNNING, and delete them and their
    logged models (MLflow keeps deleted runs restorable; the default view shows only the current one)."""
    query = f"tags.`{OUTPUT_TAG}` = '{output}'"
    for run in client.search_runs([experiment_id], filter_string=query):
        if run.info.run_id == current:
            continue
        client.set_tag(run.info.run_id, SUPERSEDED_TAG, current)
        if run.info.status == "RUNNING":
            client.set_terminated(run.info.run_id, "KILLED")
        for model in client.search_logged_models([experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"):
            client.delete_logged_model(model.model_id)
        client.delete_run(run.info.run_id)


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
    if run_id is None:
        active = mlflow.start_run(
            experiment_id=experiment_id,
            run_name=f"{settings['model']}-{settings['input_2d']}",
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
                "mlflow.runColor": model_color(settings["model"]),  # the UI draws each model in our charts' colour
            }
        )
        _supersede(MlflowClient(), experiment_id, output, active.info.run_id)
    else:
        active = mlflow.start_run(run_id=run_id)
    try:
        yield TrainingRun(active.info.run_id, f"{settings['model']}-{settings['input_2d']}")
    except KeyboardInterrupt:
        mlflow.end_run("KILLED")
        raise
    except BaseException:
        mlflow.end_run("FAILED")
        raise
    mlflow.end_run("FINISHED")


def log_evaluation(tracking_uri: str, run_id: str, metrics: pd.DataFrame) -> None:
    """Attach evaluation results to the run of the evaluated model (values rounded to 0.01).

    Headline metrics (:data:`HEADLINE_METRICS`) go on the run and its logged model; per-action
    metrics ``h36m.<metric>.<action>`` on the run; per-action tables (actions x metrics) as an MLflow
    table and CSV, and the long table as CSV.
    """
    _use(tracking_uri)
    client = MlflowClient()
    values = {
        f"{row.dataset}.{row.metric}": round(float(row.value), DECIMALS) for row in _summary(metrics).itertuples()
    }
    headline = {key: values[key] for key in (f"{d}.{m}" for d, m in HEADLINE_METRICS) if key in values}
    models = client.search_logged_models(
        [client.get_run(run_id).info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics(values)
        for model in models:
            mlflow.log_metrics(headline, model_id=model.model_id)
        per_action = metrics[(metrics["dataset"] == "h36m") & metrics["action"].isin(ACTIONS)]
        mlflow.log_metrics(
            {f"h36m.{row.metric}.{row.action}": round(float(row.value), DECIMALS) for row in per_action.itertuples()}
        )
        wide = per_action_table(metrics)
        mlflow.log_table(wide, artifact_file="evaluation/h36m_per_action.json")
        mlflow.log_text(wide.to_csv(index=False), "evaluation/h36m_per_action.csv")
        mlflow.log_text(metrics.round({"value": DECIMALS}).to_csv(index=False), "evaluation/metrics.csv")


def _summary(metrics: pd.DataFrame) -> pd.DataFrame:
    """Rows of whole-dataset numbers: Human3.6M averages over actions, 3DHP/3DPW totals (no per-joint rows)."""
    whole = metrics["action"].isin(["Average", "All"]) & ~metrics["metric"].str.startswith("joint_")
    return metrics[whole]


def per_action_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Human3.6M actions (canonical order, then Average) x metrics, with the run name, rounded to 0.01."""
    h36m = metrics[(metrics["dataset"] == "h36m") & metrics["action"].isin([*ACTIONS, "Average"])]
    present = set(h36m["action"])
    wide = (
        h36m.pivot(index="action", columns="metric", values="value")
        .reindex([action for action in (*ACTIONS, "Average") if action in present])
        .round(DECIMALS)
        .reset_index()
    )
    wide.insert(0, "run", metrics["run"].iloc[0])
    return wide


def log_files(tracking_uri: str, run_id: str, files: Sequence[str | Path], artifact_path: str) -> None:
    """Log figures or animations as artifacts of a run (e.g. ``figures/``)."""
    client = MlflowClient(tracking_uri)
    for path in files:
        client.log_artifact(run_id, str(path), artifact_path=artifact_path)


def checkpoint_run(checkpoint: str | Path) -> str | None:
    """The MLflow run that trained a checkpoint, as recorded in it (None for imported checkpoints)."""
    saved = load_torch(checkpoint)
    return saved.get("mlflow_run_id") if isinstance(saved, dict) else None


def _use(tracking_uri: str) -> None:
    """Log to ``tracking_uri``; in a job log, without MLflow's artifact progress bars (one long line each)."""
    if not on_terminal():
        os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    mlflow.set_tracking_uri(tracking_uri)
