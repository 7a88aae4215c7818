"""Which process owns a leftover file: ``<host>-<pid>`` tags, and whether that owner still runs."""

from __future__ import annotations

import os
import re
import socket


def host() -> str:
    """This machine's name reduced to letters and digits (safe inside file names)."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname()) or "host"


def owner_tag() -> str:
    """``<host>-<pid>`` of the current process."""
    return f"{host()}-{os.getpid()}"


def is_running(tag: str) -> bool:
    """Whether the owner ``<host>-<pid>`` still runs; owners on other hosts (or unreadable tags) count as running."""
    name, _, pid = tag.rpartition("-")
    if name != host() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
