"""Snakemake's directory locks left by an invocation that was killed (``kill -9``, a lost node).

Snakemake records no owner in ``.snakemake/locks``, so a killed run blocks every later one until
someone runs ``--unlock``. Each pose3d workflow invocation registers itself (host and pid) under
``.snakemake/pose3d-invocations``; before locking, a new invocation removes the locks when no
registered invocation still runs. Invocations on other hosts always count as running.
"""

from __future__ import annotations

import atexit
import logging
from pathlib import Path

from pose3d.core.processes import is_running, owner_tag

log = logging.getLogger(__name__)

REGISTRY = Path(".snakemake", "pose3d-invocations")
LOCKS = Path(".snakemake", "locks")


def clear_stale_locks(workdir: str | Path = ".") -> list[Path]:
    """Remove Snakemake's locks in ``workdir`` when every registered invocation has ended; returns them."""
    registry, locks = Path(workdir, REGISTRY), Path(workdir, LOCKS)
    running = False
    for entry in registry.glob("*"):
        if is_running(entry.name):
            running = True
        else:
            entry.unlink(missing_ok=True)
    if running or not locks.is_dir():
        return []
    removed = sorted(locks.glob("*.lock"))
    for lock in removed:
        lock.unlink(missing_ok=True)
    if removed:
        log.warning("removed %d lock(s) left by a Snakemake run that was killed", len(removed))
    return removed


def register_invocation(workdir: str | Path = ".") -> Path:
    """Record this process as a running invocation until it exits."""
    entry = Path(workdir, REGISTRY, owner_tag())
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.touch()
    atexit.register(entry.unlink, missing_ok=True)
    return entry
