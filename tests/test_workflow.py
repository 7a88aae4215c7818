"""End-to-end runs of the real Snakemake workflow on the tiny demo dataset."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from mlflow.tracking import MlflowClient
from workflow_helpers import QUICK_TRAINING, run_snakemake, small_config

from pose3d.data.h36m import ACTIONS
from pose3d.data.parquet_io import read_metadata

pytestmark = pytest.mark.slow

INPUTS = ["cpn", "gt"]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The main job, run once for this module: 10 training jobs (5 models x 2 inputs), 8 at a time."""
    workdir = tmp_path_factory.mktemp("pipeline")
    config = small_config(inputs=INPUTS)
    run_snakemake(workdir, "--cores", "8", "results/tables/mpjpe.csv", config=config)
    return workdir, config


def runs_of(config: dict) -> list[str]:
    return [f"{model}-{inp}" for inp in config["inputs"] for model in config["models"]]


def test_lint_and_dry_run_are_clean(tmp_path: Path) -> None:
    lint = run_snakemake(tmp_path, "--lint", config=small_config())
    assert "Congratulations" in lint.stdout + lint.stderr
    dry = run_snakemake(tmp_path, "-n", "results/tables/mpjpe.csv")
    for rule in (
        "demo_data",
        "convert_h36m_positions",
        "convert_detections",
        "tracking_store",
        "train",
        "evaluate",
        "tables",
    ):
        assert rule in dry.stdout


def test_invalid_config_is_rejected(tmp_path: Path) -> None:
    result = run_snakemake(tmp_path, "-n", config=small_config(models=["semgcn", "resnet"]), check=False)
    assert result.returncode != 0
    assert "resnet" in result.stdout + result.stderr


def test_data_targets_from_nothing(tmp_path: Path) -> None:
    run_snakemake(tmp_path, "--cores", "2", "data", config=small_config())
    h36m = tmp_path / "results/data/h36m"
    poses = pq.read_table(h36m / "poses_3d.parquet")
    assert set(poses.column("subject").unique().to_pylist()) == {"S1", "S5", "S6", "S7", "S8", "S9", "S11"}
    assert set(poses.column("action").unique().to_pylist()) == set(ACTIONS)
    for name in ("poses_2d_gt", "poses_2d_cpn", "angles_3d"):
        assert read_metadata(h36m / f"{name}.parquet")["sources"]
    for dataset in ("3dhp", "3dpw"):
        assert pq.read_table(tmp_path / f"results/data/{dataset}/test.parquet").num_rows > 0
    again = run_snakemake(tmp_path, "--cores", "2", "-n", "data")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_tables_have_every_model_in_config_order(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    runs = runs_of(config)
    mpjpe = pd.read_csv(workdir / "results/tables/mpjpe.csv", index_col="action")
    assert list(mpjpe.index) == [*ACTIONS, "Average"]
    assert list(mpjpe.columns) == runs + [f"mean_pose-{inp}" for inp in INPUTS]
    assert (mpjpe.to_numpy() > 0).all()
    assert np.allclose(mpjpe.loc["Average"], mpjpe.loc[list(ACTIONS)].mean(), atol=0.01)
    hp3d = pd.read_csv(workdir / "results/tables/3dhp.csv", index_col="metric")
    assert list(hp3d.columns) == [run for run in runs if run.startswith("tgraphnet")]
    long = pd.read_parquet(workdir / "results/tables/metrics.parquet")
    assert {"model", "dataset", "split", "action", "metric", "value"} <= set(long.columns)
    assert set(long["dataset"]) == {"h36m", "3dhp", "3dpw"}
    assert (workdir / "results/tables/tables.md").read_text().count("|") > 50
    for run in runs:
        assert (workdir / f"results/logs/train/{run}.log").exists()
        assert (workdir / f"results/benchmarks/train/{run}.tsv").exists()


def test_parallel_jobs_each_land_in_their_own_run(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("pose3d-test")
    runs = client.search_runs([experiment.experiment_id])
    models = {
        run.info.run_name: run
        for run in runs
        if "model" in run.data.tags and "pose3d.superseded_by" not in run.data.tags
    }
    assert sorted(models) == sorted(runs_of(config))
    [parent] = {run.data.tags["mlflow.parentRunId"] for run in models.values()}
    invocation = client.get_run(parent)
    assert invocation.data.tags["pose3d.kind"] == "workflow" and invocation.info.status == "FINISHED"
    assert invocation.info.experiment_id == experiment.experiment_id
    assert client.search_runs(["0"]) == []  # nothing in the Default experiment
    for name, run in models.items():
        model = run.data.tags["model"]
        assert run.info.status == "FINISHED"
        assert run.data.params["model"] == model and run.data.params["input_2d"] == name.split("-")[1]
        history = client.get_metric_history(run.info.run_id, "train_loss")
        assert [point.step for point in history] == list(range(QUICK_TRAINING[model]["epochs"]))
        assert run.data.metrics["h36m.mpjpe"] > 0
        artifacts = {item.path for item in client.list_artifacts(run.info.run_id, "evaluation")}
        assert "evaluation/h36m_per_action.json" in artifacts


def test_rerunning_one_stage_supersedes_the_old_run(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    target = "results/models/semgcn-gt/model.pt"
    run_snakemake(workdir, "--cores", "2", "--forcerun", "train", target, "results/eval/semgcn-gt/metrics.parquet")
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("pose3d-test")
    semgcn = client.search_runs(
        [experiment.experiment_id], filter_string="tags.model = 'semgcn' and tags.input_2d = 'gt'"
    )
    current = [run for run in semgcn if "pose3d.superseded_by" not in run.data.tags]
    assert len(semgcn) == 2 and len(current) == 1
    old = next(run for run in semgcn if run is not current[0])
    assert old.data.tags["pose3d.superseded_by"] == current[0].info.run_id
    assert old.info.run_name.endswith("(superseded)")
    assert current[0].data.metrics["h36m.mpjpe"] > 0


def test_report_holds_tables_and_figures_with_captions(pipeline: tuple[Path, dict]) -> None:
    workdir, _ = pipeline
    run_snakemake(
        workdir, "--cores", "2", "results/figures/mpjpe_per_action.png", "results/figures/training_curves.png"
    )
    run_snakemake(workdir, "--report", "report.zip")
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = archive.namelist()
        page = next(archive.read(name).decode() for name in names if name.endswith("report.html"))
    for produced in ("mpjpe.csv", "p_mpjpe.csv", "3dhp.csv", "3dpw.csv", "mpjpe_per_action.png", "training_curves.png"):
        assert any(name.endswith(produced) for name in names), produced
    assert "frame-weighted within each action" in page  # a caption made it in


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rest(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}/api/2.0/mlflow/{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def mlflow_server(pipeline: tuple[Path, dict]) -> str:
    """The real MLflow server on loopback, serving the store the pipeline wrote."""
    workdir, _ = pipeline
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{workdir / 'mlflow.db'}",
            "--workers",
            "1",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            raise RuntimeError("mlflow server did not come up within 120 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_mlflow_server_shows_every_model_run_with_metrics_and_table(
    pipeline: tuple[Path, dict], mlflow_server: str
) -> None:
    _, config = pipeline
    experiment = _rest(mlflow_server, "experiments/get-by-name?experiment_name=pose3d-test")["experiment"]
    found = _rest(
        mlflow_server,
        "runs/search",
        {"experiment_ids": [experiment["experiment_id"]], "filter": "tags.model != ''", "max_results": 100},
    )["runs"]
    current = {
        run["info"]["run_name"]: run
        for run in found
        if not any(tag["key"] == "pose3d.superseded_by" for tag in run["data"].get("tags", []))
    }
    assert sorted(current) == sorted(runs_of(config))
    for run in current.values():
        metrics = {metric["key"] for metric in run["data"]["metrics"]}
        assert {"train_loss", "h36m.mpjpe", "h36m.p_mpjpe", "h36m.mpjpe.Walking"} <= metrics
        run_id = run["info"]["run_id"]
        history = _rest(mlflow_server, f"metrics/get-history?run_id={run_id}&metric_key=train_loss")["metrics"]
        model = next(tag["value"] for tag in run["data"]["tags"] if tag["key"] == "model")
        assert len(history) == QUICK_TRAINING[model]["epochs"]
        files = _rest(mlflow_server, f"artifacts/list?run_id={run_id}&path=evaluation")["files"]
        assert "evaluation/h36m_per_action.json" in {item["path"] for item in files}
