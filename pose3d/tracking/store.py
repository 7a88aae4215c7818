"""The MLflow store and experiment: created once, up front, and recorded in a file for the jobs.

Runs are written from separate processes, so the store and the experiment are created once, under a
file lock (:func:`ensure_experiment`), and jobs address the experiment by id through the file
:func:`write_experiment_file` writes. With a local SQLite store, artifact locations are stored
relative to the project folder, so a copied project still serves its artifacts (start ``mlflow ui``
in the project folder).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import mlflow
from filelock import FileLock
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from pose3d.core.atomic import atomic_paths
from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import on_terminal
from pose3d.core.reachability import check_reachable
from pose3d.tracking.view import COMPARE_VIEW, VIEW_TAG_PREFIX, compare_url, compare_view

#: Folder (relative to the project) of the artifacts of a local SQLite store.
LOCAL_ARTIFACTS = "mlruns"


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

    For a relative SQLite store, the experiment's artifact location is ``mlruns/<id>``, relative to
    the project like the store itself. The experiment is marked as model training (the UI opens on
    its runs) and carries the comparison view.
    """
    with _store_lock(tracking_uri):
        client = MlflowClient(tracking_uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else _create_experiment(client, tracking_uri, experiment)
        client.set_experiment_tag(experiment_id, VIEW_TAG_PREFIX + COMPARE_VIEW, compare_view())
        return experiment_id


def _create_experiment(client: MlflowClient, tracking_uri: str, experiment: str) -> str:
    experiment_id: str = client.create_experiment(
        experiment, tags={"mlflow.experimentKind": "custom_model_development"}
    )
    database = _local_sqlite(tracking_uri)
    if database is not None:
        _keep_artifacts_in_project(database, experiment_id)
    return experiment_id


def _keep_artifacts_in_project(database: Path, experiment_id: str) -> None:
    """Store the experiment's artifact location as ``mlruns/<id>``, relative to the project folder.

    The one write that bypasses MLflow, on its SQLite tables directly: MLflow stores an absolute
    path (an ``artifact_location`` given to ``create_experiment`` is made absolute too) and no MLflow
    API changes it afterwards, so a copied or moved project would point at the old folder and
    ``mlflow ui`` there could not serve the artifacts.
    """
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
            (f"{LOCAL_ARTIFACTS}/{experiment_id}", int(experiment_id)),
        )
    connection.close()


def _check_apart(tracking_uri: str, out: str | Path) -> None:
    """Refuse an ``out`` that is, holds or lies inside the local store or its lock file (both made first)."""
    store = _local_store(tracking_uri)
    if store is None:
        return
    target = Path(os.path.abspath(out))
    for made in (Path(os.path.abspath(store)), Path(os.path.abspath(f"{store}.lock"))):
        if made == target or made in target.parents or target in made.parents:
            raise InputError("--out", f"{out} overlaps {made.name} of the tracking store {tracking_uri!r}")


@contextmanager
def _removed_on_failure(tracking_uri: str) -> Iterator[None]:
    """Should the block fail, remove the local store this block created, with its lock file and the folders made
    for it; a store that existed before stays as it is."""
    store = _local_store(tracking_uri)
    if store is None or store.exists():
        yield
        return
    lock = Path(f"{store}.lock")
    made = [lock] if not lock.exists() else []
    folders = [folder for folder in store.absolute().parents if not folder.exists()]  # deepest first
    try:
        yield
    except BaseException:
        if store.is_dir():  # a file store
            shutil.rmtree(store, ignore_errors=True)
        for path in (store, *(Path(f"{store}{end}") for end in ("-journal", "-wal", "-shm")), *made):
            with suppress(OSError):
                path.unlink(missing_ok=True)
        for folder in folders:
            with suppress(OSError):  # one someone else filled meanwhile stays
                folder.rmdir()
        raise


#: What SQLite says when the disk refuses a write (SQLITE_FULL, SQLITE_IOERR); it rolls the change back, at once or
#: (from its journal) when the store is next opened.
SQLITE_WRITE_FAULTS = ("database or disk is full", "disk I/O error")


def _raise_write_fault(tracking_uri: str, err: MlflowException) -> None:
    """Raise the one-line error of a local SQLite store whose disk refused a write, if that is what ``err`` is."""
    database = _local_store(tracking_uri) if tracking_uri.startswith("sqlite:") else None
    fault = next((text for text in SQLITE_WRITE_FAULTS if text in str(err.message)), None)
    if database is not None and fault is not None:
        raise InputError(database, f"cannot write: {fault} (SQLite keeps the store as it was)") from None


@contextmanager
def _quiet_store_errors() -> Iterator[None]:
    """Keep MLflow's database layer from printing a traceback of an error this module reports in one line."""
    logger = logging.getLogger("mlflow.store.db.utils")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def write_experiment_file(tracking_uri: str, experiment: str, out: str | Path) -> str:
    """Create store and experiment, record where they are for the jobs that log to them, and return
    the address of the model comparison in the UI (``mlflow ui``'s default address for a local store).

    Should writing ``out`` fail, a local store this call created is removed again: nothing is left behind."""
    for option, value in (("--tracking-uri", tracking_uri), ("--experiment", experiment)):
        if not value.strip():
            raise InputError(option, "must not be empty")
    _check_apart(tracking_uri, out)
    check_reachable(tracking_uri, "--tracking-uri")
    with _removed_on_failure(tracking_uri):
        try:
            with _quiet_store_errors():
                experiment_id = ensure_experiment(tracking_uri, experiment)
        except MlflowException as err:  # an unknown URI scheme, a store MLflow no longer writes, a bad name
            _raise_write_fault(tracking_uri, err)
            raise InputError(
                "--tracking-uri", f"MLflow cannot use {tracking_uri!r}: {one_line(err.message, 300)}"
            ) from None
        except OSError as err:  # the store's folder cannot be made (a file in the way, no permission)
            problem = f"cannot create the store {tracking_uri!r}: {err.strerror or err}"
            raise InputError("--tracking-uri", problem) from None
        record = {"tracking_uri": tracking_uri, "experiment": experiment, "experiment_id": experiment_id}
        with atomic_paths([out], ["--out"]) as (tmp,):  # the folders it makes go again on failure too
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
    check_reachable(uri, path)
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    if found is None:
        raise InputError(
            path, f"experiment {experiment!r} is missing from {uri}; re-create it with `snakemake -R tracking_store`"
        )
    return {"tracking_uri": uri, "experiment_id": found.experiment_id}


def use_store(tracking_uri: str) -> None:
    """Log to ``tracking_uri``; in a job log, without MLflow's artifact progress bars (one long line each)."""
    if not on_terminal():
        os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    mlflow.set_tracking_uri(tracking_uri)
