"""Interruption: kill -9 in training or Snakemake, damaged training state, stale temporary files, racing MLflow init."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from bad_files import RunsShell
from workflow_helpers import REPO, run_snakemake, small_config

from pose3d.config.run_settings import RunSettings
from pose3d.config.settings import resolve_run
from pose3d.core.atomic import atomic_path, remove_stale_temporaries
from pose3d.core.processes import host
from pose3d.core.safe_load import load_torch
from pose3d.training.loop import train

ENV = dict(os.environ, PYTHONPATH=str(REPO))


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*.tmp-*"))


def quick_linear(**changes: Any) -> RunSettings:
    settings = resolve_run(small_config(), "linear", "cpn")
    settings = settings.replace(device="cpu", epochs=5, samples_per_epoch=1024, model_options={"linear_size": 64})
    return settings.replace(**changes)


def train_command(settings: RunSettings, tables: dict[str, Path], out: Path) -> list[str]:
    return [
        sys.executable, "-m", "pose3d.cli", "train", "--settings", settings.to_json(), "--threads", "1",
        "--poses-3d", str(tables["poses_3d"]), "--poses-2d", str(tables["poses_2d_cpn"]), "--out", str(out),
    ]  # fmt: skip


def test_kill_9_at_a_random_point_of_training_then_rerun_gives_identical_weights(
    tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    settings = quick_linear(epochs=6)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the command's --threads 1
    try:
        reference = train(settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], tmp_path / "ref/model.pt")
    finally:
        torch.set_num_threads(threads)

    out = tmp_path / "killed" / "model.pt"
    command = train_command(settings, tiny_tables, out)
    # A random point inside epoch k + 1 (k in 2..4): a fraction of the last epoch's duration after epoch k
    # was logged, so the kill lands in the middle of training, its state saves included, on any machine.
    after_epoch, fraction = random.randint(2, 4), random.uniform(0.0, 0.9)
    when = f"{fraction:.2f} of an epoch after epoch {after_epoch}"
    job = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert job.stdout is not None
    logged: dict[int, float] = {}
    for line in job.stdout:
        if f"epoch {len(logged) + 1}/" in line:
            logged[len(logged) + 1] = time.monotonic()
            if len(logged) == after_epoch:
                break
    time.sleep(fraction * (logged[after_epoch] - logged[after_epoch - 1]))
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert job.returncode == -signal.SIGKILL, f"finished before the kill ({when})"
    assert not out.exists()

    rerun = subprocess.run(command, env=ENV, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming after epoch" in rerun.stdout
    expected, got = reference.state_dict, load_torch(out)["state_dict"]
    assert all(torch.equal(expected[key], got[key]) for key in expected), f"killed {when}"
    assert leftovers(out.parent) == [] and not out.with_name("training_state.pt").exists()


def _interrupted_state(tables: dict[str, Path], out: Path, settings: dict[str, Any]) -> Path:
    """Train until the second epoch starts, as if killed then; returns the training state written."""

    class Stop(Exception):
        pass

    def stop(epoch: int, batch: int) -> None:
        if epoch == 1:
            raise Stop

    with pytest.raises(Stop):
        train(settings, tables["poses_3d"], tables["poses_2d_cpn"], out, on_batch=stop)
    return out.with_name("training_state.pt")


@pytest.fixture(scope="module")
def two_epochs(tiny_tables: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Settings of a two-epoch run and its checkpoint, trained without interruption."""
    settings = quick_linear(epochs=2, samples_per_epoch=256)
    out = tmp_path_factory.mktemp("straight") / "model.pt"
    return {
        "settings": settings,
        "checkpoint": train(settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], out),
    }


@pytest.mark.parametrize("damage", ["truncated", "planted"])
def test_damaged_training_state_is_set_aside_and_training_restarts(
    tiny_tables: dict[str, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
    two_epochs: dict[str, Any],
) -> None:
    settings, straight = two_epochs["settings"], two_epochs["checkpoint"]
    out = tmp_path / "damaged" / "model.pt"
    state = _interrupted_state(tiny_tables, out, settings)
    marker = tmp_path / "MARKER"
    if damage == "truncated":
        state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])
    else:
        torch.save({"settings": settings, "epoch": 1, "model": RunsShell(marker)}, state)
    with caplog.at_level(logging.WARNING, logger="pose3d.training.loop"):
        result = train(settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], out)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0] and "training restarts" in warnings[0], warnings
    assert not marker.exists()
    aside = list(out.parent.glob("training_state.pt.corrupt-*"))
    assert len(aside) == 1 and aside[0].name in warnings[0]
    assert all(torch.equal(straight.state_dict[k], v) for k, v in result.state_dict.items())


def test_the_warning_about_a_damaged_state_goes_to_stderr_and_progress_to_stdout(
    tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    """A script that keeps stderr for problems sees the warning, and only it; the epoch lines stay on stdout."""
    out = tmp_path / "run" / "model.pt"
    out.parent.mkdir()
    out.with_name("training_state.pt").write_bytes(b"not a torch file")
    command = train_command(quick_linear(epochs=1, samples_per_epoch=256), tiny_tables, out)
    done = subprocess.run(command, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    problems = done.stderr.splitlines()
    assert len(problems) == 1 and " WARNING pose3d.training.loop: " in problems[0], done.stderr
    assert "set aside as training_state.pt.corrupt-" in problems[0] and "training restarts" in problems[0]
    assert " INFO pose3d.training.loop: epoch 1/1 done: " in done.stdout
    assert "WARNING" not in done.stdout


def test_stale_temporary_files_of_dead_writers_are_removed_on_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "table.parquet"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".table.parquet.tmp-{host()}-{int(dead.stdout)}.k3j9x2.parquet"
    alive = tmp_path / f".table.parquet.tmp-{host()}-{os.getpid()}.a8b7c6.parquet"
    elsewhere = tmp_path / ".table.parquet.tmp-otherhost-12.zz9.parquet"
    other_target = tmp_path / f".other.parquet.tmp-{host()}-{int(dead.stdout)}.q1.parquet"
    for path in (stale, alive, elsewhere, other_target):
        path.write_text("half-written")
    with atomic_path(target, suffix=".parquet") as tmp:
        tmp.write_text("complete")
    assert target.read_text() == "complete"
    assert not stale.exists()
    assert alive.exists() and elsewhere.exists() and other_target.exists()  # running, unknown, or another target
    assert remove_stale_temporaries(tmp_path / "other.parquet") == [other_target]


def test_two_invocations_creating_the_mlflow_store_at_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    jobs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pose3d.cli",
                "tracking",
                "init",
                "--tracking-uri",
                uri,
                "--experiment",
                "race",
                "--out",
                str(tmp_path / f"experiment{i}.json"),
            ],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in range(2)
    ]
    results = [(job.wait(timeout=300), job.stderr.read() if job.stderr else "") for job in jobs]
    assert [code for code, _ in results] == [0, 0], results
    ids = {json.loads((tmp_path / f"experiment{i}.json").read_text())["experiment_id"] for i in range(2)}
    assert len(ids) == 1


@pytest.mark.slow
def test_snakemake_killed_with_kill_9_reruns_with_the_same_command(tmp_path: Path) -> None:
    """README: after a hard kill, the same command again. Locks and incomplete outputs need no flags."""
    target = "results/data/h36m/poses_3d.parquet"
    config = small_config()
    (tmp_path / "config.yaml").write_text(json.dumps(config))
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
               "--configfile", str(tmp_path / "config.yaml"), "--cores", "2", target]  # fmt: skip
    env = dict(ENV, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    job = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while not (tmp_path / "results/logs/demo_data.log").exists():  # a job runs: the directory is locked
        assert job.poll() is None and time.monotonic() < deadline, "snakemake ended before any job ran"
        time.sleep(0.1)
    time.sleep(random.uniform(0.0, 2.0))
    os.killpg(job.pid, signal.SIGKILL)  # Snakemake and its running job, as a lost node or the OOM killer would
    job.wait()
    assert list((tmp_path / ".snakemake/locks").glob("*.lock")), "the kill left no lock to clear"

    run_snakemake(tmp_path, "--cores", "2", target)
    assert (tmp_path / target).is_file()
    assert leftovers(tmp_path / "results") == [] and leftovers(tmp_path / "resources") == []
    again = run_snakemake(tmp_path, "--cores", "2", "-n", target)
    assert "Nothing to be done" in again.stdout + again.stderr
