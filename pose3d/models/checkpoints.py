"""Import released SemGCN / Martinez / TGraphNet checkpoints into our format, and load ours.

Our format: ``torch.save({"model": name, "options": options, "state_dict": state_dict, "meta": meta,
"layout_2d": kind})`` where ``options`` are the full keyword arguments of ``pose3d.models.build``
(release defaults filled in), ``meta`` says where an imported checkpoint came from and ``layout_2d``
the kind of 2D keypoints it was trained on (:data:`pose3d.data.layouts.LAYOUTS_2D`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from pose3d.core.atomic import atomic_path
from pose3d.core.errors import InputError, one_line
from pose3d.core.safe_load import load_torch
from pose3d.models import MODELS, build

#: Release parameter names -> ours, applied in order (first the module paths, then names inside blocks).
_SEMGCN_RENAMES = ((r"\.nonlocal\.", ".block."),)
_TGRAPHNET_RENAMES = (
    (r"^downsample_layers\.(\d+)\.graph_stages\.(\d+)\.", r"down.\1.blocks.\2."),
    (r"^downsample_layers\.(\d+)\.tcn\.", r"down.\1.pool."),
    (r"^upsample_layers\.(\d+)\.0\.graph_stages\.0\.", r"up.\1."),
    (r"^merging_layers\.(\d+)\.0\.graph_stages\.0\.", r"merge.\1."),
    (r"^post_merge\.graph_stages\.0\.", "post_merge."),
    (r"^post_node\.", "head."),
    (r"^post_traj\.", "root_head."),
    (r"^adj_v$", "affinity"),
    (r"\.tcn\.(\d+)\.", r".temporal.\1."),
    (r"\.residual_gc\.", ".shortcut."),
)
RENAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "linear": (),
    "semgcn": _SEMGCN_RENAMES,
    "semgcn_nonlocal": _SEMGCN_RENAMES,
    "tgraphnet": _TGRAPHNET_RENAMES,
    "tgraphnet_traj": _TGRAPHNET_RENAMES,
}

#: Where release files keep the weights, tried in order; otherwise the file is a bare state dict.
_CONTAINER_KEYS = ("state_dict", "model_pos", "model")
#: Scalar training metadata copied from a release file into our ``meta``.
_META_KEYS = ("epoch", "step", "lr", "error", "last_best_err")
#: Shape of TGraphNet's edge adjacency, a parameter of the release that its forward never uses.
_UNUSED_EDGE_ADJACENCY = (48, 48)


def _read(path: Path) -> Any:
    """The checkpoint's contents (``weights_only``: no code runs from the file); errors name the file."""
    if not path.is_file():
        raise InputError(path, "no such checkpoint file")
    return load_torch(path)


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
    _check_values(path, content)
    return {re.sub(r"^module\.", "", key): value for key, value in content.items()}


def _as_float(value: Any) -> float | None:
    """A release's scalar (epoch, lr, error) as a float; None unless finite (a pickled int can have 400 digits)."""
    value = value.item() if isinstance(value, np.number) else value
    if isinstance(value, (int, float)) and abs(value) <= sys.float_info.max:
        return float(value)
    return None


def _check_values(path: Path, state: dict[Any, Any]) -> None:
    """Every entry is a named, dense tensor of finite real numbers (NaN weights would score NaN everywhere)."""
    for key, value in state.items():
        dense = isinstance(value, torch.Tensor) and value.layout == torch.strided
        if not isinstance(key, str) or not dense or value.is_complex() or value.dtype == torch.bool:
            raise InputError(path, f"state dict entry {key!r} is not a dense tensor of real numbers")
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise InputError(path, f"weights are not finite (NaN or infinity in {key})")


def _drop_unused(path: Path, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop what TGraphNet's release stores but never uses: the 48x48 edge adjacency, and the
    copies of the shared affinity that each of its layers registers again."""
    kept = {}
    for key, value in state.items():
        if key == "adj_e" or key.endswith(".adj_e"):
            if tuple(value.shape) != _UNUSED_EDGE_ADJACENCY:
                raise InputError(path, f"{key} has shape {tuple(value.shape)}, expected {_UNUSED_EDGE_ADJACENCY}")
        elif key.endswith(".adj_v"):
            if "adj_v" in state and not torch.equal(value, state["adj_v"]):
                raise InputError(path, f"{key} differs from the shared adj_v; per-layer affinities are not supported")
        else:
            kept[key] = value
    return kept


def _fill_root_head(state: dict[str, torch.Tensor], channels: int) -> None:
    """Releases before the trajectory model lack the root head; the root-relative model ignores
    its output, so it gets a zero one."""
    if "root_head.weight" not in state:
        state["root_head.weight"] = torch.zeros(3, channels, 1, 5)
        state["root_head.bias"] = torch.zeros(3)


def _rename(state: dict[str, torch.Tensor], model: str) -> dict[str, torch.Tensor]:
    renamed = {}
    for key, value in state.items():
        for pattern, replacement in RENAMES[model]:
            key = re.sub(pattern, replacement, key)
        renamed[key] = value
    return renamed


def _check_options(path: Path, state: dict[str, torch.Tensor], model: str, options: dict[str, Any]) -> None:
    """Name the option to set when the file was trained with other TGraphNet sizes."""
    if not model.startswith("tgraphnet"):
        return
    kernels = {v.shape[-1] for k, v in state.items() if re.search(r"\.temporal\.0\.weight$", k) and v.ndim == 4}
    if len(kernels) == 1 and (kernel := kernels.pop()) != options["kernel_size"]:
        raise InputError(path, f"checkpoint has temporal kernel {kernel}; set kernel_size: {kernel}")
    first = state.get("down.0.blocks.0.gcn.bias")  # the first level is ``channels`` wide
    if first is not None and first.ndim == 1 and (width := first.shape[0]) != options["channels"]:
        raise InputError(path, f"checkpoint has {width} channels; set channels: {width}")
    head = state.get("head.weight")
    if head is not None and head.ndim == 4 and (channels := head.shape[1]) != options["channels"]:
        raise InputError(path, f"checkpoint has {channels} channels; set channels: {channels}")


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
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; known: {', '.join(MODELS)}")
    unknown = sorted(set(options) - set(MODELS[model].defaults))
    if unknown:
        raise InputError(source, f"a {model} model has no option {', '.join(unknown)}")
    options = {**MODELS[model].defaults, **options}
    content = _read(source)
    state = _release_state_dict(source, content)
    if model.startswith("tgraphnet"):
        state = _drop_unused(source, state)
    state = _rename(state, model)
    _check_options(source, state, model, options)  # before building: a wrong width may not fit in memory
    if model == "tgraphnet":
        _fill_root_head(state, options["channels"])
    network = build(model, **options)
    network.load_state_dict(_match(source, state, network.state_dict()))
    meta: dict[str, Any] = {"source": source.name}
    if isinstance(content, dict):
        meta.update({k: number for k in _META_KEYS if (number := _as_float(content.get(k))) is not None})
    with atomic_path(out, suffix=".pt") as tmp:
        torch.save(
            {
                "model": model,
                "options": options,
                "state_dict": network.state_dict(),
                "meta": meta,
                "layout_2d": layout_2d,
            },
            tmp,
        )


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model saved in our format at ``path``; returns it in eval mode and the file's dict."""
    path = Path(path)
    content = _read(path)
    if not isinstance(content, dict) or not {"model", "options", "state_dict"} <= set(content):
        raise InputError(path, "not a pose3d checkpoint (needs keys model, options, state_dict)")
    if not isinstance(content["model"], str) or content["model"] not in MODELS:
        raise InputError(path, f"unknown model {content['model']!r}")
    if not isinstance(content["options"], dict) or not isinstance(content["state_dict"], dict):
        raise InputError(path, "not a pose3d checkpoint (options and state_dict must be dictionaries)")
    _check_values(path, content["state_dict"])
    try:
        with torch.device("meta"):  # shapes first: options may ask for a network too large to allocate
            expected = {k: v.shape for k, v in build(content["model"], **content["options"]).state_dict().items()}
        found = {k: v.shape for k, v in content["state_dict"].items()}
        if found != expected:
            differ = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
            raise ValueError(f"{len(differ)} entries differ in name or shape (first: {differ[0]})")
        network = build(content["model"], **content["options"])
        network.load_state_dict(content["state_dict"])
    except (TypeError, ValueError, RuntimeError) as error:
        raise InputError(path, f"weights do not fit model {content['model']!r}: {one_line(error)}") from error
    return network.eval(), content


def prediction_window(path: str | Path, content: dict[str, Any]) -> tuple[int, int]:
    """The test chunk and padding a checkpoint's settings give; a temporal model's must make its window."""
    settings = content.get("settings", {})
    if not isinstance(settings, dict):
        raise InputError(path, "'settings' is not a dictionary")
    chunk, pad = settings.get("test_chunk", 31), settings.get("test_pad", 25)
    frames = MODELS[content["model"]].frames
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (chunk, pad))
    if frames > 1 and not (whole and chunk >= 1 and pad >= 0 and chunk + 2 * pad == frames):
        raise InputError(
            path, f"settings test_chunk {chunk!r} + 2 x test_pad {pad!r} is not the model's {frames}-frame window"
        )
    return chunk, pad
