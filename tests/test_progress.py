"""Progress bars on a terminal, periodic log lines in a file (what Snakemake job logs get)."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from pose3d.core.errors import InputError
from pose3d.core.progress import INTERVAL_ENV, LOG_INTERVAL_S, log_interval, progress

LINE = re.compile(r"^work: +(\d+)% (\d+)/100 \[\d\d:\d\d<[^,]+, [\d.?]+ steps/s(, .*)?\]$")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _work(seconds: float, note: str | None = None) -> None:
    """100 steps spread over ``seconds``."""
    with progress(total=100, desc="work", unit=" steps") as bar:
        for _ in range(100):
            time.sleep(seconds / 100)
            bar.update()
            if note:
                bar.set_postfix_str(note, refresh=False)


def test_log_lines_come_once_per_interval_and_at_the_end(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.3")
    with caplog.at_level(logging.INFO, logger="pose3d.progress"):
        _work(1.5, note="loss 0.5")
    lines = [record.getMessage() for record in caplog.records if record.name == "pose3d.progress"]
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    percents = [int(match[1]) for match in matches if match]
    assert percents[-1] == 100 and lines[-1].endswith("loss 0.5]")
    assert 2 <= len(lines) <= 7, lines  # ~1.5 s / 0.3 s, never one per step
    assert percents == sorted(percents) and any(0 < p < 100 for p in percents)
    stamps = [record.created for record in caplog.records if record.name == "pose3d.progress"]
    assert all(later - earlier >= 0.29 for earlier, later in zip(stamps[:-2], stamps[1:-1]))


def test_work_shorter_than_the_interval_leaves_no_lines(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(INTERVAL_ENV, raising=False)
    with caplog.at_level(logging.INFO, logger="pose3d.progress"):
        _work(0.1)
    assert log_interval() == LOG_INTERVAL_S <= 30  # job logs show progress at least twice a minute
    assert not [record for record in caplog.records if record.name == "pose3d.progress"]


def test_terminal_gets_a_bar_and_log_records_above_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    logger = logging.getLogger("pose3d.test_progress")
    handler = logging.StreamHandler(terminal)
    # The terminal comes first among the console handlers, as in a `pose3d` run: an earlier test's CLI
    # call may have left its own stdout handler on the root logger, which the redirection would pick.
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler, *root.handlers])
    with caplog.at_level(logging.INFO), progress(total=4, desc="work", unit=" steps") as bar:
        bar.update(2)
        logger.info("half way")
        bar.update(2)
    drawn = terminal.getvalue()
    assert "\r" in drawn and "|" in drawn and "4/4" in drawn  # a redrawn bar
    assert "half way" in drawn
    assert not [record for record in caplog.records if record.name == "pose3d.progress"]


def test_bad_interval_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "soon")
    with pytest.raises(InputError, match=f"{INTERVAL_ENV}: expected a number of seconds >= 0, got 'soon'"):
        log_interval()


ROUTING = """
import logging
from pose3d.core.progress import configure_logging, progress
configure_logging()
log = logging.getLogger("pose3d.test")
log.info("before the bar")
log.warning("a problem")
with progress(total=2, desc="work") as bar:
    bar.update()
    log.info("inside the bar")
    log.warning("a problem inside the bar")
    bar.update()
log.debug("not shown without --verbose")
"""


def _run_routing(stderr_on_terminal: bool) -> tuple[str, str]:
    """Stdout and stderr of a process that logs through :func:`configure_logging` (stderr a pty or a pipe)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]), POSE3D_PROGRESS_INTERVAL="0")
    if not stderr_on_terminal:
        done = subprocess.run([sys.executable, "-c", ROUTING], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0 columns wide
    try:
        job = subprocess.run(
            [sys.executable, "-c", ROUTING], env=env, stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=60
        )
        os.close(terminal)
        terminal = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert job.returncode == 0, drawn.decode(errors="replace")
    return job.stdout, drawn.decode(errors="replace")


@pytest.mark.parametrize("stderr_on_terminal", [False, True], ids=["log-file", "terminal"])
def test_warnings_go_to_stderr_and_progress_to_stdout(stderr_on_terminal: bool) -> None:
    out, err = _run_routing(stderr_on_terminal)
    assert " INFO pose3d.test: before the bar" in out and " INFO pose3d.test: inside the bar" in out
    assert "WARNING" not in out and "not shown" not in out
    assert " WARNING pose3d.test: a problem" in err and " WARNING pose3d.test: a problem inside the bar" in err
    assert "INFO" not in err
    if stderr_on_terminal:  # the bar is drawn on the terminal, never into stdout
        assert "2/2" in err and "2/2" not in out
    else:  # in a log file the bar becomes a progress line, which is an INFO line on stdout
        assert re.search(r" INFO pose3d.progress: work: 100% 2/2", out), out
