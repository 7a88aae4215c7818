"""Preemption: a training job stopped by SIGTERM, SIGUSR1 or SIGINT (or killed) mid-epoch resumes bit-exactly."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from test_interruption import ENV, leftovers, quick_linear, train_command

from pose3d.cli import main
from pose3d.core.safe_load import load_torch
from pose3d.training.interruption import RESUME_STATUS
from pose3d.training.loop import train

#: Minutes between state writes within an epoch in these tests (0.6 s; an epoch lasts a few times that).
STATE_EVERY = 0.01


@dataclass
class Stopped:
    """A job stopped by a signal, and when (wall-clock seconds)."""

    job: subprocess.CompletedProcess[str]
    signalled: float  # when the signal went out
    ended: float  # when the job had ended
    state_age: float  # age of the training state at the signal: the work a hard kill then loses


def _stop_within_an_epoch(command: list[str], epoch_seconds: float, stop: signal.Signals) -> Stopped:
    """Run ``command``; once it finished its first epoch, send ``stop`` at a random point of the next."""
    state = Path(command[command.index("--out") + 1]).with_name("training_state.pt")
    job = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert job.stdout is not None and job.stderr is not None
    lines = []
    for line in job.stdout:
        lines.append(line)
        if " done: " in line:
            break
    time.sleep(random.uniform(0.05, 0.9) * epoch_seconds)
    signalled = time.time()
    age = signalled - state.stat().st_mtime
    job.send_signal(stop)
    job.wait()
    ended = time.time()
    out = "".join(lines) + job.stdout.read()
    return Stopped(subprocess.CompletedProcess(command, job.returncode, out, job.stderr.read()), signalled, ended, age)


def test_stop_signals_at_random_points_of_epochs_then_the_same_command_gives_identical_weights(
    tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    """Three signals and a kill -9, each at a random point of an epoch; every job is the same command."""
    settings = quick_linear(epochs=7, samples_per_epoch=3072, batch_size=16)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the command's --threads 1
    try:
        started = time.monotonic()
        reference = train(settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], tmp_path / "ref/model.pt")
        epoch_seconds = (time.monotonic() - started) / settings.recipe.epochs
    finally:
        torch.set_num_threads(threads)

    out = tmp_path / "stopped" / "model.pt"
    command = [*train_command(settings, tiny_tables, out), "--state-every", str(STATE_EVERY)]
    positions, report = [], []
    for stop in random.sample([signal.SIGTERM, signal.SIGUSR1, signal.SIGINT], 3):
        stopped = _stop_within_an_epoch(command, epoch_seconds, stop)
        job, took = stopped.job, stopped.ended - stopped.signalled
        written = out.with_name("training_state.pt").stat().st_mtime - stopped.signalled
        assert job.returncode == RESUME_STATUS, f"{stop.name}: {job.returncode} {job.stderr[-2000:]}"
        assert job.stderr.splitlines()[-1] == (
            f"pose3d: stopped by {stop.name}; training state saved to {out.with_name('training_state.pt')}, "
            "run the same command to continue"
        )
        assert not out.exists() and leftovers(out.parent) == []
        # file times come from a coarse clock (a few ms behind), hence the small allowance below 0; the job's
        # end is mostly the interpreter's teardown (seconds on a loaded machine), within SLURM's 30 s KillWait
        assert -0.05 < written < 2.0 and took < 20.0, f"{stop.name}: state {written:.2f} s, end {took:.2f} s"
        saved = load_torch(out.with_name("training_state.pt"))
        positions.append((saved["epoch"], saved["batch"]))
        report.append(
            f"{stop.name}: state written {written:.2f} s after the signal, job ended after {took:.2f} s; "
            f"state at epoch {saved['epoch']} batch {saved['batch']}"
        )
    # the job runs 192 batches an epoch: three signals all landing on an epoch's end would be a broken test
    assert any(batch > 0 for _, batch in positions), positions
    assert positions == sorted(set(positions)), f"no job went forward: {positions}"

    killed = _stop_within_an_epoch(command, epoch_seconds, signal.SIGKILL)
    age = killed.state_age
    assert killed.job.returncode == -signal.SIGKILL
    assert "resuming after epoch" in killed.job.stdout
    interval = STATE_EVERY * 60
    assert age <= interval + 0.5, f"the state was {age:.2f} s old at the kill (interval {interval:.1f} s)"
    report.append(f"SIGKILL: the state was {age:.2f} s old (interval {interval:.1f} s, epoch {epoch_seconds:.2f} s)")

    finished = subprocess.run(command, env=ENV, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    got = load_torch(out)
    expected = reference.state_dict
    assert all(torch.equal(expected[key], got["state_dict"][key]) for key in expected), report
    assert got["history"] == reference.history  # the epochs' mean losses too: the running totals resumed
    assert not out.with_name("training_state.pt").exists() and leftovers(out.parent) == []
    print("\n".join(report))


def test_a_state_interval_below_the_schema_minimum_is_refused_in_one_line(
    tiny_tables: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = train_command(quick_linear(), tiny_tables, tmp_path / "model.pt")
    with pytest.raises(SystemExit) as stopped:
        main([*command[3:], "--state-every", "0"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith("pose3d: error: --state-every: must be at least 0.01, got 0 (see")
    assert not tmp_path.joinpath("model.pt").exists()
