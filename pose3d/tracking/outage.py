"""A tracking server that cannot be reached: found in seconds before any work, and ridden out during a run.

MLflow retries a failed request for minutes (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``, backing off), so a
wrong address would stall a job before it starts and an outage would stall training at every epoch.
:func:`pose3d.core.reachability.check_reachable` connects to the server once, with a short
timeout, before anything is opened; :class:`EpochMetrics` sends each epoch's metrics with one
quick try, keeps what could not be sent, sends it when the server answers again, and at the end
compares the run with the job's history, so a run that lived through an outage holds every epoch
and a tag that says so.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from mlflow.entities import Metric
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from pose3d.core.errors import one_line
from pose3d.core.reachability import PROBE_TIMEOUT_S

log = logging.getLogger(__name__)

#: Seconds a finished job waits for a tracking server that is gone before it fails.
FINAL_WAIT_S = 300
#: Tag of a run whose metrics were (partly) sent after an outage of the tracking server.
OUTAGE_TAG = "pose3d.tracking_outage"


@contextmanager
def quick_requests() -> Iterator[None]:
    """MLflow requests inside the block try once and wait at most :data:`PROBE_TIMEOUT_S` seconds."""
    quick = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": str(PROBE_TIMEOUT_S)}
    before = {key: os.environ.get(key) for key in quick}
    os.environ.update(quick)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class EpochMetrics:
    """The epoch metrics of one run, sent as they come and kept while the server cannot be reached."""

    def __init__(self, client: MlflowClient, run_id: str) -> None:
        self.client, self.run_id = client, run_id
        self.pending: list[Metric] = []
        self.late: set[int] = set()  # epochs whose metrics could not be sent when they came
        self.down = False  # the last try failed
        self.tagged: set[int] = set()

    def add(self, epoch: int, metrics: dict[str, float]) -> None:
        """Send ``metrics`` of ``epoch`` (and any kept before) with one quick try; keep them if that fails."""
        stamp = int(time.time() * 1000)
        self.pending += [Metric(key, value, stamp, epoch) for key, value in metrics.items()]
        self._send(quick=True)

    def complete(self, history: Sequence[dict[str, Any]]) -> None:
        """At the end: wait up to :data:`FINAL_WAIT_S` for the server, send what is kept and whatever epoch of
        ``history`` the run lacks (a job stopped during an outage kept some only in memory); tag the run if any
        came late. A server still gone then is MLflow's error."""
        deadline = time.monotonic() + FINAL_WAIT_S
        if not self._answers():
            log.warning("waiting up to %d s for the tracking server to send the run's metrics", FINAL_WAIT_S)
            while not self._answers() and time.monotonic() < deadline:
                time.sleep(1.0)
        self._send(quick=False)
        logged = {
            key: {metric.step for metric in self.client.get_metric_history(self.run_id, key)}
            for key in {key for entry in history for key in entry if key != "epoch"}
        }
        stamp = int(time.time() * 1000)
        missing = [
            Metric(key, value, stamp, entry["epoch"])
            for entry in history
            for key, value in entry.items()
            if key != "epoch" and entry["epoch"] not in logged[key]
        ]
        self.late |= {metric.step for metric in missing}
        self.pending += missing
        self._send(quick=False)

    def _answers(self) -> bool:
        """Whether the server answers a quick request about the run."""
        try:
            with quick_requests():
                self.client.get_run(self.run_id)
        except MlflowException:
            return False
        return True

    def _send(self, quick: bool) -> None:
        if not self.pending:
            return
        try:
            with quick_requests() if quick else nullcontext():
                self.client.log_batch(self.run_id, metrics=self.pending)
        except MlflowException as err:
            if not quick:
                raise
            epochs = sorted({metric.step for metric in self.pending})
            if not self.down:
                log.warning(
                    "tracking server unreachable (%s); metrics of epoch %d on are kept and sent when it answers",
                    one_line(err.message, 200),
                    epochs[0],
                )
            self.late |= set(epochs)
            self.down = True
            return
        self.pending, self.down = [], False
        if self.late != self.tagged:
            epochs = sorted(self.late)
            note = (
                f"metrics of epochs {', '.join(map(str, epochs))} were sent late: the tracking server was unreachable"
            )
            self.client.set_tag(self.run_id, OUTAGE_TAG, note)
            self.tagged = set(self.late)
            log.info("tracking server reachable again; %s", note)
