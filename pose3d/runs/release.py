"""Import released checkpoints (SemGCN, Martinez, TGraphNet, ...) into pose3d's :class:`Checkpoint`.

A release file is a bare state dict or a dict holding one (under ``state_dict``, ``model_pos`` or
``model``), possibly saved through ``DataParallel`` (``module.`` prefixes). Each model's registry entry
says how the release names its parameters (:class:`pose3d.models.spec.ReleaseImport`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pose3d.core.errors import InputError
from pose3d.models import ModelSpec, build, get
from pose3d.models.spec import import_object
from pose3d.runs.checkpoint import Checkpoint, check_values, read

#: Where release files keep the weights, tried in order; otherwise the file is a bare state dict.
_CONTAINER_KEYS = ("state_dict", "model_pos", "model")
#: Scalar training metadata copied from a release file into our ``meta``.
_META_KEYS = ("epoch", "step", "lr", "error", "last_best_err")


def _release_state_dict(path: Path, content: Any) -> dict[str, torch.Tensor]:
    """The tensors of a release file, without DataParallel's ``module.`` prefix."""
    if isinstance(content, dict):
        for key in _CONTAINER_KEYS:
            if isinstance(content.get(key), dict):
                content = content[key]
                break
    if not isinstance(content, dict) or not content or not all(isinstance(v, torch.Tensor) for v in content.values()):
        keys = sorted(map(str, content))[:8] if isinstance(content, dict) else type(content).__name__
        raise InputError(path, f"no state dict found (top level: {keys})")
    check_values(path, content)
    return {re.sub(r"^module\.", "", key): value for key, value in content.items()}


def _as_float(value: Any) -> float | None:
    """A release's scalar (epoch, lr, error) as a float; None unless finite (a pickled int can have 400 digits)."""
    value = value.item() if isinstance(value, np.number) else value
    if isinstance(value, (int, float)) and abs(value) <= sys.float_info.max:
        return float(value)
    return None


def _rename(state: dict[str, torch.Tensor], spec: ModelSpec) -> dict[str, torch.Tensor]:
    renamed = {}
    for key, value in state.items():
        for pattern, replacement in spec.release.renames:
            key = re.sub(pattern, replacement, key)
        renamed[key] = value
    return renamed


def _match(path: Path, state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Check names and shapes against our model; fill BN counters that very old files lack."""
    for key in expected:
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros((), dtype=torch.long)
    unknown = sorted(set(state) - set(expected))
    missing = sorted(set(expected) - set(state))
    if unknown or missing:
        raise InputError(
            path,
            f"parameter names do not match: unknown {unknown[:5]}"
            f"{' ...' if len(unknown) > 5 else ''}, missing {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''}",
        )
    for key, value in expected.items():
        if state[key].shape != value.shape:
            raise InputError(path, f"{key} has shape {tuple(state[key].shape)}, expected {tuple(value.shape)}")
    return state


def import_checkpoint(source: str | Path, model: str, out: str | Path, layout_2d: str = "h36m", **options: Any) -> None:
    """Convert a released checkpoint of ``model`` into our format at ``out`` (written atomically).

    ``layout_2d``: the 2D keypoints it was trained on; the releases used Human3.6M's joints (CPN, SH, GT).
    """
    source = Path(source)
    spec = get(model, "--model")
    options = spec.options(options, str(source))
    content = read(source)
    state = _rename(_release_state_dict(source, content), spec)
    if spec.release.prepare:  # before building: a wrong width may not fit in memory
        state = import_object(spec.release.prepare)(source, state, options, spec)
    network = build(model, **options)
    network.load_state_dict(_match(source, state, network.state_dict()))
    meta: dict[str, Any] = {"source": source.name}
    if isinstance(content, dict):
        meta.update({k: number for k in _META_KEYS if (number := _as_float(content.get(k))) is not None})
    window = spec.test_window()
    Checkpoint(model, options, network.state_dict(), layout_2d=layout_2d, window=window, meta=meta).save(out)
