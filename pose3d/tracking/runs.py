"""The lifecycle of MLflow runs: one run per trained model, no container runs.

A run is tied to the checkpoint it produces (tag ``pose3d.output``): a resumed training job reopens
its run, and a fresh one retires earlier runs of the same output (tagged ``pose3d.superseded_by`` and
deleted, so they leave the default view but can be restored), so the UI shows exactly one current
run per model. Runs a killed job left RUNNING are closed when the workflow stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import torch
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from pose3d.config.run_settings import RunSettings
from pose3d.core.errors import one_line
from pose3d.runs import Checkpoint
from pose3d.tracking.outage import EpochMetrics, quick_requests
from pose3d.tracking.provenance import fingerprint, flatten, git_commit
from pose3d.tracking.store import use_store
from pose3d.training.interruption import Preempted
from pose3d.visualization.palette import model_color

OUTPUT_TAG = "pose3d.output"
SUPERSEDED_TAG = "pose3d.superseded_by"

log = logging.getLogger(__name__)


class TrainingRun:
    """The MLflow run of one training job (active while the job runs).

    Epoch metrics go through :class:`~pose3d.tracking.outage.EpochMetrics`: a server that goes away
    does not stop training, and the run gets every epoch once it is back (tag ``pose3d.tracking_outage``).
    """

    def __init__(self, run_id: str, name: str) -> None:
        self.run_id = run_id
        self.name = name
        self.metrics = EpochMetrics(MlflowClient(), run_id)

    def log_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        self.metrics.add(epoch, metrics)

    def log_history(self, history: Sequence[dict[str, Any]]) -> None:
        """Make sure the run holds every epoch of ``history`` (the training job's record of its epochs)."""
        self.metrics.complete(history)

    def log_checkpoint(self, checkpoint: Path, model: torch.nn.Module, input_shape: Sequence[int], step: int) -> None:
        """The checkpoint file as an artifact and the network as an ``mlflow.pytorch`` model.

        ``step`` is the number of epochs trained. MLflow links every run metric logged at the model's
        step to the model; the epoch curves use steps 0 .. epochs - 1, so the model carries only the
        headline metrics :func:`pose3d.tracking.evaluation.log_evaluation` links to it explicitly.

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


@contextmanager
def training_run(
    tracking: dict[str, str],
    settings: RunSettings,
    output: str | Path,
    data: Sequence[str | Path],
    run_id: str | None = None,
) -> Iterator[TrainingRun]:
    """Open (or, when resuming, reopen) the run of a training job; mark it FAILED/KILLED if the job fails."""
    use_store(tracking["tracking_uri"])
    experiment_id = tracking["experiment_id"]
    output = str(Path(output).resolve())
    if run_id is None:
        tags = {
            "model": settings.model,
            "input_2d": settings.input_2d,
            "profile": settings.profile,
            "git_commit": git_commit(),
            "dataset_fingerprint": fingerprint(data),
            OUTPUT_TAG: output,
            "mlflow.runColor": model_color(settings.model),  # the UI draws each model in our charts' colour
        }
        # the tags go with the run's creation: a job killed right after it still leaves a run that names its
        # output, which the next job's _supersede then retires (set afterwards, a kill in between left a duplicate)
        active = mlflow.start_run(experiment_id=experiment_id, run_name=settings.run, tags=tags)
        mlflow.log_params(flatten(settings.to_dict()))
        mlflow.log_params({"data.poses_3d": str(data[0]), "data.poses_2d": str(data[1])})
        _supersede(MlflowClient(), experiment_id, output, active.info.run_id)
    else:
        active = mlflow.start_run(run_id=run_id)
    try:
        yield TrainingRun(active.info.run_id, settings.run)
    except (KeyboardInterrupt, Preempted):  # stopped by the user or a scheduler: the same command continues it
        _end_quickly("KILLED")
        raise
    except BaseException:
        _end_quickly("FAILED")
        raise
    mlflow.end_run("FINISHED")


def _end_quickly(status: str) -> None:
    """End the active run of a job that stops, without waiting minutes for a server that is gone (the run is
    then left RUNNING, and closed by :func:`close_interrupted` or reopened by the resumed job)."""
    try:
        with quick_requests():
            mlflow.end_run(status)
    except MlflowException as err:
        log.warning("could not mark the MLflow run %s: %s", status, one_line(err.message, 200))


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


def checkpoint_run(checkpoint: str | Path) -> str | None:
    """The MLflow run that trained a checkpoint, as recorded in it (None for imported checkpoints)."""
    return Checkpoint.run_id(checkpoint)
