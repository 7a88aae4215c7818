"""Write outputs atomically: to a temporary file beside the target, then rename.

A process killed mid-write (``kill -9``, out of memory) cannot clean up, so each temporary file
names its owner (host and process id); the next write to the same target removes the temporary
files of owners on this host that no longer run.
"""

from __future__ import annotations

import glob
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pose3d.core.errors import InputError
from pose3d.core.processes import is_running, owner_tag


def _temp_prefix(target: Path) -> str:
    """Prefix of every temporary file of ``target``; the owner tag ``<host>-<pid>`` follows."""
    return f".{target.name}.tmp-"


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Delete temporary files of ``target`` left by dead processes on this host; returns what was removed."""
    target = Path(target)
    prefix = _temp_prefix(target)
    owner = re.compile(rf"^{re.escape(prefix)}(?P<tag>[A-Za-z0-9]+-\d+)\.")
    removed = []
    for path in target.parent.glob(f"{glob.escape(prefix)}*"):
        match = owner.match(path.name)
        if match and not is_running(match["tag"]):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def check_writable(target: str | Path) -> None:
    """Refuse, before any work, an output path that cannot become a file: a folder in its place, or a file
    where one of its folders must be."""
    target = Path(target)
    if target.is_dir():
        raise InputError(target, "is a folder; cannot write the output file there")
    existing = next(folder for folder in target.absolute().parents if folder.exists())
    if not existing.is_dir():
        raise InputError(existing, f"is not a folder; cannot write {target} inside it")


@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched; temporary
    files of earlier writers that were killed are removed first. A target whose folder cannot be
    made or written, or that a folder occupies, is an :class:`InputError` naming it.
    """
    target = Path(target)
    check_writable(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        fd, tmp = tempfile.mkstemp(
            prefix=f"{_temp_prefix(target)}{owner_tag()}.", suffix=suffix or ".tmp", dir=target.parent
        )
    except OSError as err:
        raise InputError(target, f"cannot write here ({err.strerror or err})") from err
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield tmp_path
        tmp_path.chmod(0o666 & ~umask)  # mkstemp makes owner-only files; outputs get the usual mode
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)
