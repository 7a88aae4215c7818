"""What a training run records about where it came from: its settings as params, the code's commit,
and a fingerprint of the input tables."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def git_commit() -> str:
    """The commit of the pose3d checkout, or ``unknown`` outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def fingerprint(paths: Sequence[str | Path]) -> str:
    """SHA-256 over the contents of the input tables (short form): which data a run saw."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as flat ``a.b`` MLflow params."""
    flat: dict[str, str] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat
