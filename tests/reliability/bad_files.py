"""Builders of malformed and hostile inputs in the real formats (pickle, npz, h5, CDF, torch, YAML)."""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
import yaml

REPO = Path(__file__).resolve().parents[2]


# Payloads: pickling one of these records a call that would create the marker file when unpickled.
@dataclass
class RunsShell:
    marker: Path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch '{self.marker}'",))


@dataclass
class RunsEval:
    marker: Path

    def __reduce__(self) -> tuple[Any, ...]:
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


@dataclass
class RunsSubprocess:
    marker: Path

    def __reduce__(self) -> tuple[Any, ...]:
        return (subprocess.call, (["touch", str(self.marker)],))


PAYLOADS = (RunsShell, RunsEval, RunsSubprocess)


def python2_style_payload(marker: Path) -> bytes:
    """A protocol-0 pickle naming ``__builtin__.eval`` the way Python 2 pickles do."""
    code = f"open({str(marker)!r}, chr(119)).close()"
    return f"c__builtin__\neval\n(V{code}\ntR.".encode()


def write_pickle(path: Path, obj: Any, protocol: int = 4) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


def write_npz(path: Path, **arrays: Any) -> Path:
    """``np.savez`` with dictionaries and other objects stored as 0-d object arrays (as the real files do)."""
    stored = {k: v if isinstance(v, np.ndarray) else np.array(v, dtype=object) for k, v in arrays.items()}
    np.savez(path, **stored)  # type: ignore[arg-type]
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_h5(path: Path, build: Any) -> Path:
    """An h5 file whose contents ``build(h5)`` creates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as h5:
        build(h5)
    return path


def write_torch(path: Path, obj: Any) -> Path:
    torch.save(obj, path)
    return path


def repo_config() -> dict[str, Any]:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def write_config(path: Path, edit: Any) -> Path:
    """The repository's config.yaml changed in place by ``edit(config)``."""
    config = repo_config()
    edit(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def tracks(mocap: dict[str, list[str]], value: Any) -> dict[str, dict[str, Any]]:
    """A ``positions_2d`` dictionary giving ``value`` for every mocap subject and sequence."""
    return {subject: {sequence: value for sequence in sequences} for subject, sequences in mocap.items()}


def good_tracks(mocap: dict[str, list[str]], lengths: dict[tuple[str, str], int]) -> dict[str, dict[str, Any]]:
    return {
        subject: {sequence: [np.zeros((lengths[subject, sequence], 17, 2), np.float32)] * 4 for sequence in sequences}
        for subject, sequences in mocap.items()
    }


def pose3d_commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    """Every runnable ``pose3d`` command (``lift``, ``convert h36m``, ...)."""
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= pose3d_commands(sub, f"{prefix} {name}".strip()) or {f"{prefix} {name}".strip()}
    return found
