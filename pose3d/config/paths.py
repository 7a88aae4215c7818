"""The config values the workflow turns into paths, checked before any job as ``pose3d`` checks its path options.

The Snakefile calls :func:`check_paths` right after validating the config, inside :func:`one_line_errors`, so a
missing raw file, a file where a folder is needed (or the reverse) or a blank path stops Snakemake with
``pose3d: error: config: <key>: <problem>`` and exit status 2 before anything is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pose3d.core.errors import InputError, one_line

#: Where the workflow's ``demo-data`` rule writes the embedded demo (the default config's data paths).
DEMO_DIR = "resources/demo"
#: Folders the workflow's rules write into: a path there that does not exist yet is one a rule makes.
PRODUCED = (DEMO_DIR, "results")
#: The raw inputs under ``data``: whether each is a folder (else a file). All but h36m may be "" (skipped).
DATA_PATHS = {"h36m": True, "cpn": False, "coco": False, "sh": True, "3dhp": False, "3dpw": False}
#: The 2D inputs that are converted from a raw input of the same name (gt is projected from h36m).
RAW_2D = ("cpn", "coco", "sh")


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Stop on an :class:`InputError` as ``pose3d`` does: one stderr line, exit status 2, no traceback (Snakemake
    prints its own multi-line report of any exception in a Snakefile or input function, but not of SystemExit)."""
    try:
        yield
    except InputError as err:
        print(f"pose3d: error: {one_line(err, limit=1000)}", file=sys.stderr)
        raise SystemExit(2) from None


def _produced(value: str) -> bool:
    """Whether ``value`` lies in a folder the workflow writes (relative paths from the working folder)."""
    path = os.path.abspath(value)
    folders = [os.path.abspath(folder) for folder in PRODUCED]
    return any(path == folder or path.startswith(folder + os.sep) for folder in folders)


def check_path(key: str, value: str, folder: bool | None, source: str = "config") -> None:
    """Refuse ``value`` of setting ``key``: blank, missing (unless a rule makes it), or a file where a folder is
    needed (``folder`` True) or the reverse (False; None takes either)."""
    if not value.strip():
        raise InputError(source, f"{key}: must not be empty")
    path = Path(value)
    if not path.exists():
        if _produced(value):
            return
        raise InputError(source, f"{key}: {one_line(repr(value), 100)} does not exist")
    if folder is not None and path.is_dir() != folder:
        found, needed = ("folder", "file") if path.is_dir() else ("file", "folder")
        raise InputError(source, f"{key}: {one_line(repr(value), 100)} is a {found}; a {needed} is needed")


def raw_path(config: Mapping[str, Any], key: str, source: str = "config") -> str:
    """The raw input ``data.<key>``; an :class:`InputError` when the config skips it ("")."""
    value: str = config["data"].get(key, "")
    if not value:
        raise InputError(source, f'data.{key}: is "" (skipped): set it to the raw file or folder to build this target')
    return value


def check_paths(config: Mapping[str, Any], source: str = "config") -> None:
    """Refuse, naming the key as written, each config path the workflow's rules would read and cannot: the raw
    inputs under ``data`` (those set, and those the 2D ``inputs`` or a ``lift`` entry need) and each ``lift``
    entry's keypoints and checkpoint. Paths the workflow writes itself (:data:`PRODUCED`) may not exist yet."""
    data = config["data"]
    for key, folder in DATA_PATHS.items():
        if data.get(key) or key == "h36m":
            check_path(f"data.{key}", data[key], folder, source)
    needs = [(name, "inputs") for name in config["inputs"]]
    lift = config.get("lift", {})
    needs += [(entry["input"], f"lift.{name}.input") for name, entry in lift.items() if "input" in entry]
    for name, where in needs:
        if name in RAW_2D and not data.get(name):
            raise InputError(source, f'data.{name}: is "" (skipped), but {where} names {name}: set it to the raw input')
    for name, entry in lift.items():
        openpose = entry["format"] == "openpose" if "format" in entry else None  # OpenPose writes a folder
        check_path(f"lift.{name}.keypoints", entry["keypoints"], openpose, source)
        if "checkpoint" in entry:
            check_path(f"lift.{name}.checkpoint", entry["checkpoint"], False, source)
