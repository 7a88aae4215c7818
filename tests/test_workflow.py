"""End-to-end runs of the real Snakemake workflow on the tiny demo dataset."""

from __future__ import annotations

import json
import os
import shutil
import signal
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
import yaml
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
from workflow_helpers import (
    QUICK_TRAINING,
    job_counts,
    run_snakemake,
    small_config,
    snakemake_command,
    snakemake_env,
    yaml_bomb,
)

from pose3d.data.h36m import ACTIONS
from pose3d.data.parquet_io import read_metadata
from pose3d.models import MODELS
from pose3d.tracking import COMPARE_VIEW, HEADLINE_METRICS, VIEW_TAG_PREFIX
from pose3d.visualization.palette import model_color

pytestmark = pytest.mark.slow

INPUTS = ["cpn", "gt"]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The main job, run once for this module: 12 training jobs (6 models x 2 inputs), 8 at a time,
    interrupted (Ctrl-C) once the first model is trained, then resumed with the same command."""
    workdir = tmp_path_factory.mktemp("pipeline")
    config = small_config(inputs=INPUTS)
    target = ("--cores", "8", "results/tables/mpjpe.csv")
    log = (workdir / "interrupted.log").open("w")
    first = subprocess.Popen(
        snakemake_command(workdir, *target, config=config),
        cwd=workdir,
        env=snakemake_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background shell may ignore it
    )
    deadline = time.monotonic() + 1200
    while first.poll() is None and not list(workdir.glob("results/models/*/model.pt")):
        assert time.monotonic() < deadline, "no model trained within 20 minutes"
        time.sleep(0.5)
    assert first.poll() is None, f"the workflow stopped before it could be interrupted: {workdir / 'interrupted.log'}"
    os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the whole process group
    first.wait(timeout=600)
    log.close()
    assert len(list(workdir.glob("results/models/*/model.pt"))) < len(runs_of(config))
    run_snakemake(workdir, *target)
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


@pytest.mark.parametrize(
    ("key", "text", "problem"),
    [
        ("visualization", "visualization: {fps: .nan}", "visualization.fps: must be number, got nan"),
        ("lift", "lift: {'..': {keypoints: k.json, checkpoint: m.pt}}", "lift: '..' does not match"),
        ("seed", yaml_bomb("seed"), "config: expands to more than 100000 values"),
    ],
    ids=["nan", "lift-dotdot", "yaml-bomb"],
)
def test_config_the_schema_alone_lets_through_is_refused_before_any_job(
    tmp_path: Path, key: str, text: str, problem: str
) -> None:
    """NaN passes every schema bound, '..' becomes a folder name and a YAML bomb hangs schema validation;
    the workflow refuses them when it starts, as `pose3d --config` does."""
    config = small_config()
    del config[key]
    (tmp_path / "config.yaml").write_text(f"{yaml.safe_dump(config, sort_keys=False)}{text}\n")  # `key` as text
    result = run_snakemake(tmp_path, "-n", "results/tables/mpjpe.csv", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert problem in output
    assert "Job stats" not in output and not (tmp_path / "results").exists()


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
    seventeen = [run for run in runs if MODELS[run.rsplit("-", 1)[0]].skeleton.num_joints == 17]
    assert list(hp3d.columns) == seventeen and "motionagformer-cpn" in seventeen  # the 17-joint models
    long = pd.read_parquet(workdir / "results/tables/metrics.parquet")
    assert {"model", "dataset", "split", "action", "metric", "value"} <= set(long.columns)
    assert set(long["dataset"]) == {"h36m", "3dhp", "3dpw"}
    assert (workdir / "results/tables/tables.md").read_text().count("|") > 50
    for run in runs:
        assert (workdir / f"results/logs/train/{run}.log").exists()
        assert (workdir / f"results/benchmarks/train/{run}.tsv").exists()


def test_one_current_run_per_model_after_interruption_and_resume(
    pipeline: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir, config = pipeline
    monkeypatch.chdir(workdir)  # artifact paths are relative to the project, like the store
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("pose3d-test")
    assert experiment.artifact_location == f"mlruns/{experiment.experiment_id}"  # relative to the project
    runs = client.search_runs([experiment.experiment_id])  # active runs: what the UI shows by default
    assert sorted(run.info.run_name for run in runs) == sorted(runs_of(config))  # no containers, no duplicates
    assert client.search_runs(["0"]) == []  # nothing in the Default experiment
    models = {model.source_run_id: model for model in client.search_logged_models([experiment.experiment_id])}
    for run in runs:
        model = run.data.tags["model"]
        assert run.info.status == "FINISHED" and "mlflow.parentRunId" not in run.data.tags
        assert run.data.params["model"] == model and run.data.params["input_2d"] == run.info.run_name.split("-")[1]
        history = client.get_metric_history(run.info.run_id, "train_loss")
        assert [point.step for point in history] == list(range(QUICK_TRAINING[model]["epochs"]))
        assert run.data.metrics["h36m.mpjpe"] == round(run.data.metrics["h36m.mpjpe"], 2) > 0
        logged = models[run.info.run_id]
        assert logged.name == run.info.run_name
        assert {"h36m.mpjpe", "h36m.p_mpjpe"} <= {metric.key for metric in logged.metrics}
        artifacts = {item.path for item in client.list_artifacts(run.info.run_id, "evaluation")}
        assert "evaluation/h36m_per_action.json" in artifacts
    retired = client.search_runs([experiment.experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert all("pose3d.superseded_by" in run.data.tags for run in retired)


def test_rerunning_one_stage_supersedes_the_old_run(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    target = "results/models/semgcn-gt/model.pt"
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("pose3d-test")
    query = "tags.model = 'semgcn' and tags.input_2d = 'gt'"
    [before] = client.search_runs([experiment.experiment_id], filter_string=query)
    run_snakemake(workdir, "--cores", "2", "--forcerun", "train", target, "results/eval/semgcn-gt/metrics.parquet")
    [current] = client.search_runs([experiment.experiment_id], filter_string=query)
    assert current.info.run_id != before.info.run_id and current.data.metrics["h36m.mpjpe"] > 0
    old = client.get_run(before.info.run_id)
    assert old.info.lifecycle_stage == "deleted" and old.data.tags["pose3d.superseded_by"] == current.info.run_id
    assert len(client.search_runs([experiment.experiment_id])) == len(runs_of(config))
    assert [model.source_run_id for model in client.search_logged_models([experiment.experiment_id])].count(
        before.info.run_id
    ) == 0


def test_switching_flip_test_reevaluates_without_retraining(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    flipped = {**config, "evaluation": {"flip_test": True}}
    try:
        planned = run_snakemake(workdir, "-n", "--cores", "1", "results/tables/mpjpe.csv", config=flipped)
    finally:
        (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    jobs = job_counts(planned.stdout + planned.stderr)
    assert jobs.get("evaluate", 0) == len(runs_of(config)) and "train" not in jobs, jobs


def test_report_holds_tables_figures_and_animations_with_captions(pipeline: tuple[Path, dict]) -> None:
    workdir, config = pipeline
    run_snakemake(workdir, "--cores", "2")  # the default target: tables, charts, animations
    run_snakemake(workdir, "--report", "report.zip")
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = archive.namelist()
        page = next(archive.read(name).decode() for name in names if name.endswith("report.html"))
        table = archive.read(next(name for name in names if name.endswith("/mpjpe.html"))).decode()
        animations = [archive.read(name).decode() for name in names if name.endswith("S9_Walking_54138969.html")]
    shown = ["mpjpe.html", "p_mpjpe.html", "3dhp.html", "3dpw.html", "mpjpe_per_action.png", "mpjpe_per_joint.png"]
    shown += ["training_curves.png", "error_over_time.png"]
    for produced in shown:
        assert any(name.endswith(produced) for name in names), produced
    titles = sorted(animation.split("<title>")[1].split(":")[0] for animation in animations)
    assert titles == sorted(runs_of(config))  # one animation per model, the GIF inline
    assert all("src='data:image/gif;base64,R0lGOD" in animation for animation in animations)
    assert "<table" in table and "Walking" in table and "linear-cpn" in table
    assert "frame-weighted within each action" in page and "dashed reference mark" in page  # captions
    assert "the subject&#x27;s left side" in page or "the subject's left side" in page


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
def mlflow_server(pipeline: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real MLflow server on loopback, serving a COPY of the project's store and artifacts (a moved
    project must still serve its artifacts)."""
    workdir, _ = pipeline
    copy = tmp_path_factory.mktemp("moved-project")
    shutil.copy2(workdir / "mlflow.db", copy / "mlflow.db")
    shutil.copytree(workdir / "mlruns", copy / "mlruns")
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
            "sqlite:///mlflow.db",
            "--workers",
            "1",
        ],
        cwd=copy,
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


def test_mlflow_server_shows_one_run_per_model_with_headline_metrics_and_artifacts(
    pipeline: tuple[Path, dict], mlflow_server: str
) -> None:
    _, config = pipeline
    experiment = _rest(mlflow_server, "experiments/get-by-name?experiment_name=pose3d-test")["experiment"]
    view = next(tag["value"] for tag in experiment["tags"] if tag["key"] == VIEW_TAG_PREFIX + COMPARE_VIEW)
    assert json.loads(view)["selectedColumns"][:2] == ["metrics.`h36m.mpjpe`", "metrics.`h36m.p_mpjpe`"]
    body = {"experiment_ids": [experiment["experiment_id"]], "max_results": 100}
    found = _rest(mlflow_server, "runs/search", body)["runs"]
    names = [run["info"]["run_name"] for run in found]
    assert sorted(names) == sorted(runs_of(config))  # exactly one current run per model, no container runs
    models = _rest(mlflow_server, "logged-models/search", body)["models"]
    model_metrics = {
        model["info"]["source_run_id"]: {metric["key"] for metric in model["data"].get("metrics", [])}
        for model in models
    }
    for run in found:
        run_id, name = run["info"]["run_id"], run["info"]["run_name"]
        assert run["info"]["status"] == "FINISHED"
        metrics = {metric["key"]: metric["value"] for metric in run["data"]["metrics"]}
        headline = {"h36m.mpjpe", "h36m.p_mpjpe"}
        if name.startswith("tgraphnet"):  # 17-joint models are scored on 3DHP and 3DPW too
            headline |= {"3dhp.pck150_17", "3dhp.auc_17", "3dpw.mpjpe", "3dpw.pa_mpjpe"}
        assert headline <= set(metrics), name
        # the model (Models page) carries the headline numbers and nothing else: no curves, no system metrics
        assert model_metrics[run_id] == {f"{d}.{m}" for d, m in HEADLINE_METRICS} & set(metrics), name
        assert {"train_loss", "h36m.mpjpe.Walking"} <= set(metrics)
        tags = {tag["key"]: tag["value"] for tag in run["data"]["tags"]}
        model = tags["model"]
        assert tags["mlflow.runColor"] == model_color(model)  # the UI's colour is the charts' colour
        history = _rest(mlflow_server, f"metrics/get-history?run_id={run_id}&metric_key=train_loss")["metrics"]
        assert len(history) == QUICK_TRAINING[model]["epochs"]
        figures = {
            item["path"] for item in _rest(mlflow_server, f"artifacts/list?run_id={run_id}&path=figures")["files"]
        }
        assert {f"figures/S9_Walking_54138969.{ext}" for ext in ("gif", "mp4")} <= figures
        assert "figures/mpjpe_per_action.png" in figures
        gif = urllib.request.urlopen(
            f"{mlflow_server}/get-artifact?path=figures/S9_Walking_54138969.gif&run_uuid={run_id}", timeout=30
        ).read()
        assert gif[:6] == b"GIF89a"
