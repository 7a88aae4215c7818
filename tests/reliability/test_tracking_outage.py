"""Tracking outages: a server that is not there fails in seconds; one that goes away mid-run loses nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from test_interruption import ENV, quick_linear, train_command

from pose3d.tracking import write_experiment_file
from pose3d.tracking.outage import OUTAGE_TAG

MLFLOW = str(Path(sys.executable).with_name("mlflow"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A real ``mlflow server`` (SQLite store in ``folder``) on a fixed port, stopped and started at will."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.uri = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [MLFLOW, "server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                   "--backend-store-uri", f"sqlite:///{self.folder}/mlflow.db",
                   "--artifacts-destination", str(self.folder / "artifacts")]  # fmt: skip
        with (self.folder / "server.log").open("ab") as log:
            # its own process group: the server forks workers, and a kill must take them all
            self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{self.uri}/health", timeout=2).close()
                return
            except OSError:
                assert self.process.poll() is None, (self.folder / "server.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "mlflow server did not answer within 180 s"
                time.sleep(0.2)

    def kill(self) -> None:
        """Gone at once, as a crashed server or a lost network is (no orderly shutdown)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "server"
    folder.mkdir()
    running = Server(folder, free_port())
    running.start()
    try:
        yield running
    finally:
        running.kill()


def test_a_server_that_goes_away_mid_run_does_not_stop_training_and_gets_every_epoch(
    tiny_tables: dict[str, Path], tmp_path: Path, server: Server
) -> None:
    experiment = tmp_path / "experiment.json"
    write_experiment_file(server.uri, "outage", experiment)
    settings = quick_linear(epochs=12, samples_per_epoch=2048, batch_size=32)
    out = tmp_path / "run" / "model.pt"
    command = [*train_command(settings, tiny_tables, out), "--tracking", str(experiment)]
    job = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert job.stdout is not None and job.stderr is not None
    done = 0
    for line in job.stdout:
        done += " done: " in line
        if done == 1:
            server.kill()  # after the first epoch was sent
        if done == 3:  # two epochs trained while the server was gone
            break
    assert done == 3, f"the job ended before the outage ended: {job.stderr.read()[-3000:]}"
    server.start()  # same port, same store
    rest, problems = job.communicate(timeout=600)
    assert job.returncode == 0, problems[-3000:]
    warnings = [line for line in problems.splitlines() if " WARNING pose3d." in line]  # urllib3 tells its retries
    assert "tracking server unreachable" in warnings[0], problems[-3000:]
    # and, when training finished before the server was back, that the job waits for it
    assert all("waiting up to 300 s for the tracking server" in line for line in warnings[1:]), problems[-3000:]
    assert "tracking server reachable again" in rest

    client = MlflowClient(server.uri)
    [run] = client.search_runs([json.loads(experiment.read_text())["experiment_id"]])
    assert run.info.status == "FINISHED"
    for key in ("train_loss", "lr"):
        assert sorted(m.step for m in client.get_metric_history(run.info.run_id, key)) == list(range(12)), key
    assert "sent late: the tracking server was unreachable" in run.data.tags[OUTAGE_TAG]
    assert out.is_file()


def test_an_unreachable_tracking_uri_fails_in_seconds_before_any_work(
    tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    experiment = tmp_path / "experiment.json"
    experiment.write_text(json.dumps({"tracking_uri": nowhere, "experiment": "pose3d", "experiment_id": "1"}))
    out = tmp_path / "run" / "model.pt"
    train = [*train_command(quick_linear(), tiny_tables, out), "--tracking", str(experiment)]
    init = [sys.executable, "-m", "pose3d.cli", "tracking", "init", "--tracking-uri", nowhere,
            "--experiment", "pose3d", "--out", str(tmp_path / "init.json")]  # fmt: skip
    for command, source in ((train, str(experiment)), (init, "--tracking-uri")):
        started = time.monotonic()
        failed = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=60)
        seconds = time.monotonic() - started
        assert failed.returncode == 2 and seconds < 10, (seconds, failed.stderr)
        assert failed.stderr.splitlines() == [
            f"pose3d: error: {source}: cannot reach the tracking server {nowhere} ([Errno 111] Connection refused); "
            "start it or fix the URI"
        ]
    assert not out.parent.exists() and not (tmp_path / "init.json").exists()
