"""Progress of long work: a ``tqdm`` bar on a terminal, a log line every ~20 s when output is a file.

Snakemake sends each job's output to its ``log:`` file, where a redrawn bar would pile up as one
endless line. When standard error is not a terminal, every redraw becomes a ``logging`` record of
the ``pose3d.progress`` logger instead: work that lasts longer than the interval gets a line every
interval and one with the final state, so a job log shows how far the job is, its rate and what is
left. The interval is :data:`LOG_INTERVAL_S`, or ``POSE3D_PROGRESS_INTERVAL`` seconds when set.

:func:`configure_logging` sends those lines (and every INFO record) to standard output and warnings
and errors to standard error, so a script that keeps stderr for problems sees them and nothing else;
Snakemake rules redirect both streams to the job's log.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from pose3d.core.errors import InputError

#: Seconds between two progress lines in a log file (unless ``POSE3D_PROGRESS_INTERVAL`` says otherwise).
LOG_INTERVAL_S = 20.0
INTERVAL_ENV = "POSE3D_PROGRESS_INTERVAL"
#: One progress line in a log file: the bar's numbers without the bar.
LOG_FORMAT = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"

log = logging.getLogger("pose3d.progress")

#: How every log record of a ``pose3d`` command is written.
LOG_RECORD_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _below_warning(record: logging.LogRecord) -> bool:
    return record.levelno < logging.WARNING


def configure_logging(verbose: bool = False) -> None:
    """Log INFO (DEBUG with ``verbose``) records: progress to stdout, WARNING and above to stderr.

    Replaces the root logger's handlers (a second call does not double the lines).
    """
    progress_lines = logging.StreamHandler(sys.stdout)
    progress_lines.addFilter(_below_warning)
    problems = logging.StreamHandler(sys.stderr)
    problems.setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format=LOG_RECORD_FORMAT,
        handlers=[progress_lines, problems],
        force=True,
    )


class _AboveBars(logging.Handler):
    """A console handler's records written through ``tqdm.write``: above the open bars, on the handler's stream."""

    def __init__(self, console: logging.StreamHandler[Any]) -> None:
        super().__init__(console.level)
        self.console = console
        self.filters = list(console.filters)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.console.format(record), file=self.console.stream)
        except Exception:  # logging must not raise: report it as logging does
            self.handleError(record)


@contextmanager
def _log_above_bars() -> Iterator[None]:
    """While a bar is drawn, the root logger's console handlers write above it, each to its own stream
    with its own level and filters (``tqdm``'s ``logging_redirect_tqdm`` merges them into one)."""
    root = logging.getLogger()
    saved = root.handlers
    root.handlers = [
        _AboveBars(handler)
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.stderr)
        else handler
        for handler in saved
    ]
    try:
        yield
    finally:
        root.handlers = saved


class _LogLines:
    """A file for ``tqdm`` that turns each redraw into one log line."""

    def write(self, text: str) -> int:
        line = text.replace("\r", "").strip()
        if line:
            log.info(line)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""


def log_interval() -> float:
    """Seconds between two progress lines in a log file."""
    value = os.environ.get(INTERVAL_ENV)
    if value is None:
        return LOG_INTERVAL_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise InputError(INTERVAL_ENV, f"expected a number of seconds >= 0, got {value!r}")
    return seconds


def on_terminal() -> bool:
    """Whether standard error is a terminal (draw bars) rather than a file or a pipe (log lines)."""
    return sys.stderr.isatty()


@contextmanager
def progress(
    iterable: Iterable[Any] | None = None, *, total: float | None = None, desc: str, unit: str = "it", **options: Any
) -> Iterator[tqdm]:
    """A progress bar over ``iterable`` (or one updated by hand up to ``total``), closed on exit.

    On a terminal, log records are printed above the bar while it is open. ``options`` go to
    :class:`tqdm.tqdm` (e.g. ``unit_scale``, ``initial``).
    """
    if on_terminal():
        with _log_above_bars(), tqdm(iterable, total=total, desc=desc, unit=unit, **options) as bar:
            yield bar
        return
    interval = log_interval()
    with tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=_LogLines(),
        delay=interval,  # work shorter than one interval leaves no progress lines
        mininterval=interval,
        miniters=1,  # check the clock at every update, so lines stay one interval apart
        bar_format=LOG_FORMAT,
        **options,
    ) as bar:
        yield bar
