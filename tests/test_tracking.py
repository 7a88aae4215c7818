"""MLflow tracking of training runs, against a real SQLite tracking store."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from test_train import Interrupted, settings

from pose3d.cli import main
from pose3d.config.run_settings import RunSettings
from pose3d.tracking import read_experiment_file, training_run, write_experiment_file
from pose3d.training.loop import RunOpener, train


@pytest.fixture
def tracking(tmp_path: Path) -> dict[str, str]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    write_experiment_file(uri, "unit", tmp_path / "experiment.json")
    return read_experiment_file(tmp_path / "experiment.json")


def run_opener(tracking: dict[str, str], run_settings: RunSettings, tables: dict[str, Path], out: Path) -> RunOpener:
    """What `pose3d train --tracking` passes to `train`: the opener of the job's MLflow run."""
    return partial(training_run, tracking, run_settings, out, [tables["poses_3d"], tables["poses_2d_cpn"]])


def test_run_records_params_tags_epochs_and_model(
    tiny_tables: dict[str, Path], tmp_path: Path, tracking: dict[str, str]
) -> None:
    run_settings, out = settings("semgcn"), tmp_path / "m/model.pt"
    result = train(
        run_settings,
        tiny_tables["poses_3d"],
        tiny_tables["poses_2d_cpn"],
        out,
        open_run=run_opener(tracking, run_settings, tiny_tables, out),
    )
    client = MlflowClient(tracking["tracking_uri"])
    run = client.get_run(result.mlflow_run_id)
    assert run.info.status == "FINISHED" and run.info.experiment_id == tracking["experiment_id"]
    assert run.data.params["lr"] == "0.001" and run.data.params["epochs"] == "2"
    assert run.data.params["data.poses_2d"] == str(tiny_tables["poses_2d_cpn"])
    assert {"model", "input_2d", "profile", "git_commit", "dataset_fingerprint"} <= set(run.data.tags)
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train_loss")] == [0, 1]
    assert [item.path for item in client.list_artifacts(run.info.run_id, "checkpoint")] == ["checkpoint/model.pt"]
    [logged] = client.search_logged_models([tracking["experiment_id"]])
    assert logged.source_run_id == run.info.run_id and logged.name == run.info.run_name == "semgcn-cpn"


def test_interrupted_run_is_marked_failed_then_resumed_in_place(
    tiny_tables: dict[str, Path], tmp_path: Path, tracking: dict[str, str]
) -> None:
    run_settings = settings("linear", epochs=3)
    out = tmp_path / "m/model.pt"
    open_run = run_opener(tracking, run_settings, tiny_tables, out)

    def stop(epoch: int, batch: int) -> None:
        if epoch == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        train(run_settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], out, open_run=open_run, on_batch=stop)
    client = MlflowClient(tracking["tracking_uri"])
    [failed] = client.search_runs([tracking["experiment_id"]])
    assert failed.info.status == "FAILED"
    result = train(run_settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], out, open_run=open_run)
    [resumed] = client.search_runs([tracking["experiment_id"]])
    assert resumed.info.run_id == failed.info.run_id == result.mlflow_run_id
    assert resumed.info.status == "FINISHED"
    assert [m.step for m in client.get_metric_history(resumed.info.run_id, "train_loss")] == [0, 1, 2]


def test_commands_log_training_and_evaluation_onto_one_run(
    tiny_tables: dict[str, Path], tmp_path: Path, tracking: dict[str, str]
) -> None:
    """`pose3d train --tracking` opens the run; `pose3d evaluate --tracking` finds it in the checkpoint."""
    checkpoint, metrics = tmp_path / "m/model.pt", tmp_path / "eval/metrics.parquet"
    common = ["--settings", settings("linear").to_json(), "--tracking", str(tmp_path / "experiment.json")]
    common += ["--poses-3d", str(tiny_tables["poses_3d"]), "--poses-2d", str(tiny_tables["poses_2d_cpn"])]
    assert main(["train", *common, "--out", str(checkpoint)]) == 0
    assert main(["evaluate", *common, "--checkpoint", str(checkpoint), "--out", str(metrics)]) == 0
    client = MlflowClient(tracking["tracking_uri"])
    [run] = client.search_runs([tracking["experiment_id"]])
    assert run.info.status == "FINISHED" and run.info.run_name == "linear-cpn"
    assert run.data.metrics["h36m.mpjpe"] == round(run.data.metrics["h36m.mpjpe"], 2) > 0
    assert "h36m.mpjpe.Walking" in run.data.metrics
    [logged] = client.search_logged_models([tracking["experiment_id"]])
    assert {"h36m.mpjpe", "h36m.p_mpjpe"} == {metric.key for metric in logged.metrics}
    artifacts = {item.path for item in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/h36m_per_action.json", "evaluation/h36m_per_action.csv", "evaluation/metrics.csv"} <= artifacts


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """``folder`` refusing new files for real: read-only for a user, immutable (``chattr +i``) for root, whom
    permissions do not stop; the test is skipped where neither holds."""
    folder.mkdir()
    folder.chmod(0o555)
    root = os.geteuid() == 0
    if root:
        subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    try:
        try:
            (folder / "probe").touch()
        except OSError:
            yield
        else:
            (folder / "probe").unlink()
            pytest.skip("cannot make a folder unwritable here (root without chattr +i)")
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)


def tracking_init(uri: str, out: Path) -> list[str]:
    return ["tracking", "init", "--tracking-uri", uri, "--experiment", "e", "--out", str(out)]


def test_init_that_cannot_write_its_file_leaves_no_store(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The store is created before --out is written; when that write fails, the store, its lock file and the
    folders made for it go again."""
    with unwritable(tmp_path / "locked"):
        assert main(tracking_init(f"sqlite:///{tmp_path}/new/store/mlflow.db", tmp_path / "locked/e.json")) == 2
    err = capfd.readouterr().err  # also MLflow's lines about the tables it made
    errors = [line for line in err.splitlines() if line.startswith("pose3d: error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"pose3d: error: {tmp_path}/locked/e.json: cannot write"), err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["locked"]


def test_init_that_fails_late_keeps_an_existing_store(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert main(tracking_init(uri, tmp_path / "first.json")) == 0
    with unwritable(tmp_path / "locked"):
        assert main(tracking_init(uri, tmp_path / "locked/e.json")) == 2
    assert read_experiment_file(tmp_path / "first.json")["tracking_uri"] == uri  # the store still holds it
