"""Run pose3d commands against a disk that fills up; used by ``test_full_disk.py``.

``python full_disk.py CASES.json REPORT.json MODE`` runs every case (an id and a ``pose3d`` argument list
whose ``{out}`` is the case's output folder) in this process:

1. once with room, writing the previous version of the outputs;
2. once per share in :data:`SHARES` with the disk filled so that only that share of the outputs' size is
   free: the write fails part-way;
3. once more with the room back: the same command must finish.

MODE ``tmpfs``: the outputs go to a small tmpfs mounted here (run it in a mount namespace, ``unshare -rm``),
filled with a filler file, so writes fail with ENOSPC. MODE ``fsize``: the outputs go to a temporary folder
and the process's file size limit (``RLIMIT_FSIZE``) is lowered to the share of the largest output, so writes
fail with EFBIG; no privileges needed. The report holds each run's status, stderr and the files it left.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Shares of the outputs' size left free: nothing, half, nearly all (the last file of a set fails).
SHARES = (0.0, 0.5, 0.95)
TMPFS_SIZE = "256m"


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (temporary ones too), by relative name, with its SHA-256; a SQLite database
    by its content as SQLite gives it (opening it first rolls back a change the disk interrupted)."""
    databases = {}
    for database in sorted(folder.rglob("*.db")):
        with contextlib.closing(sqlite3.connect(database)) as connection:
            dump = "\n".join(connection.iterdump())
        databases[database.relative_to(folder).as_posix()] = hashlib.sha256(dump.encode()).hexdigest()
    found = {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    return found | databases


def run(argv: list[str]) -> dict[str, Any]:
    """``pose3d ARGV`` in this process: its status and what it printed on stderr (a traceback's last line)."""
    from pose3d.cli import main

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            status: Any = main(argv)
    except SystemExit as stop:
        status = stop.code
    except BaseException as exc:  # noqa: BLE001 - what escapes main is the finding
        status, err = "traceback", io.StringIO(f"{type(exc).__name__}: {exc}")
    return {"status": status, "stderr": err.getvalue()}


@contextlib.contextmanager
def filled(disk: Path, leave: int) -> Iterator[None]:
    """Fill ``disk`` with a filler file until ``leave`` bytes are free; remove it afterwards."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
    try:
        yield
    finally:
        filler.unlink()


@contextlib.contextmanager
def size_limited(limit: int) -> Iterator[None]:
    """Lower this process's (and its children's) file size limit to ``limit`` bytes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def fault(mode: str, disk: Path, previous: dict[str, int], share: float) -> contextlib.AbstractContextManager[None]:
    """The disk fault of ``mode`` that leaves ``share`` of the outputs' room."""
    if mode == "tmpfs":
        return filled(disk, int(share * sum(previous.values())))
    return size_limited(max(1, int(share * max(previous.values()))))


def main(cases_file: str, report_file: str, mode: str) -> None:
    import torch

    torch.set_num_threads(1)
    disk = Path(tempfile.mkdtemp(prefix="pose3d-disk-"))
    if mode == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(disk)], check=True)
    report = {}
    for case in json.loads(Path(cases_file).read_text()):
        out = disk / case["id"]
        out.mkdir()
        argv = [arg.replace("{out}", str(out)) for arg in case["argv"]]
        first = run(argv)
        previous = files(out)
        sizes = {name: (out / name).stat().st_size for name in previous}
        faulty = []
        for share in SHARES:
            with fault(mode, disk, sizes, share):
                result = run(argv)
            faulty.append({"share": share, **result, "files": files(out)})
        again = run(argv)
        report[case["id"]] = {
            "out": str(out),
            "first": first,
            "previous": previous,
            "faulty": faulty,
            "again": {**again, "files": files(out)},
        }
    Path(report_file).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
