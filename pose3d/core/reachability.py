"""Whether a tracking server answers, found in seconds (MLflow itself retries for minutes).

This module imports nothing heavy, so a command can refuse an unreachable server before it loads
MLflow or torch.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from pose3d.core.errors import InputError, one_line

#: Seconds the probe (and each quick MLflow request during an outage) waits for the server.
PROBE_TIMEOUT_S = 5


def check_reachable(tracking_uri: str, source: str | Path) -> None:
    """Refuse, within :data:`PROBE_TIMEOUT_S` seconds, an ``http(s)`` tracking server that cannot be connected to.

    Any HTTP answer counts as reachable (a proxy may guard ``/health``); stores that are files need no probe.
    """
    if not tracking_uri.startswith(("http://", "https://")):
        return
    try:
        urllib.request.urlopen(tracking_uri.rstrip("/") + "/health", timeout=PROBE_TIMEOUT_S).close()
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(
            source,
            f"cannot reach the tracking server {tracking_uri} ({one_line(reason, 120)}); start it or fix the URI",
        ) from None
