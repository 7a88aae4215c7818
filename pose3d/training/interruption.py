"""Stopping a training job cleanly: stop signals, the exit status that means "run me again", state deadlines.

Schedulers stop jobs with a signal: SLURM and Kubernetes send SIGTERM (SLURM can send a chosen signal,
e.g. SIGUSR1, minutes before the time limit) and kill the job shortly after; a terminal sends SIGINT.
While training runs, :class:`StopSignals` only records the signal; the loop writes its state after the
batch in progress and raises :class:`Preempted`, and ``pose3d train`` exits with :data:`RESUME_STATUS`.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

#: The signals that make training write its state and stop.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)

#: Exit status of a job stopped by a signal after writing its state (EX_TEMPFAIL of sysexits.h:
#: a temporary failure, run the same command again to continue).
RESUME_STATUS = 75

#: Minutes between two writes of the training state in the middle of an epoch (``training.state_every``).
DEFAULT_STATE_MINUTES = 5.0


class Preempted(Exception):
    """Training stopped on a signal after writing its state; the same command continues it."""

    def __init__(self, signal_name: str, state_path: Path) -> None:
        self.signal_name = signal_name
        self.state_path = state_path
        super().__init__(
            f"stopped by {signal_name}; training state saved to {state_path}, run the same command to continue"
        )


class StopSignals:
    """Record the first stop signal while active (``received`` names it); the previous handlers come back
    on exit, and after the first signal, so a second one acts at once (a second Ctrl-C interrupts).

    Handlers can only be set in the main thread; elsewhere this records nothing.
    """

    def __init__(self) -> None:
        self.received: str | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signal.Signals(signum).name
        self._restore()

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._restore()


class StateDeadline:
    """When the training state is due in the middle of an epoch: every ``minutes``, or at once on a stop signal."""

    def __init__(self, minutes: float, signals: StopSignals) -> None:
        self.seconds = minutes * 60.0
        self.signals = signals
        self.last = time.monotonic()

    def due(self) -> bool:
        return self.signals.received is not None or time.monotonic() - self.last >= self.seconds

    def written(self) -> None:
        """Restart the interval (call after every write of the state)."""
        self.last = time.monotonic()
