"""How much memory training needs, estimated on the meta device before anything is allocated, and how much is free.

The model is built on torch's meta device (shapes without storage, so a width of 10^12 costs
nothing) and one batch is run through it with a hook that adds up the tensors autograd keeps for the
backward pass. The estimate of the peak is then: the training samples resident on the device, the
weights, their gradients and the optimiser's moments, twice the kept activations (the backward pass
makes gradients of about the same size while they are still held) and the output. Measured on the
CPU, the peak is 0.7-1.2x of that; a job is refused only when even its least (the activations
counted once) does not fit.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch

from pose3d.core.errors import InputError, one_line
from pose3d.models import ModelSpec, build
from pose3d.models.recipes import Recipe

log = logging.getLogger(__name__)

#: Where Linux reports the memory that can be given to a process without swapping.
MEMINFO = Path("/proc/meminfo")
#: The memory limit and use of this process's cgroup (v2), as SLURM and containers set them.
CGROUP = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training job holds at its peak, by what holds them."""

    parameters: int
    weights: int  # weights, gradients and the optimiser's moments
    activations: int  # kept for the backward pass of one batch, and their gradients
    data: int  # the training samples resident on the device

    @property
    def total(self) -> int:
        """The expected peak (measured peaks were 0.7-1.2x of it on the CPU)."""
        return self.weights + self.activations + self.data

    @property
    def least(self) -> int:
        """What must be held at once at the start of the backward pass: the peak cannot be lower."""
        return self.weights + self.activations // 2 + self.data


def sample_shape(spec: ModelSpec, recipe: Recipe) -> tuple[int, ...]:
    """Shape of one training sample as the model gets it: (joints, channels), or (frames, joints, channels) for a
    model trained on windows of ``chunk + 2 * pad`` frames."""
    shape: tuple[int, ...] = (spec.num_joints, spec.input_channels)
    if not spec.temporal:
        return shape
    chunk, pad = spec.train_window(recipe.to_dict())
    return (chunk + 2 * pad, *shape)


def data_bytes(poses_2d: str | Path, shape: Sequence[int]) -> int:
    """Bytes the training data will hold on the device, from the 2D table's row count (read from its footer, so
    an upper bound: every subject's rows): float32 inputs and 3D targets and a window of indices per row."""
    try:
        rows = pq.ParquetFile(poses_2d).metadata.num_rows
    except (OSError, ValueError):  # loading the table names what is wrong with it
        return 0
    joints, channels = shape[-2:]
    frames = shape[0] if len(shape) == 3 else 1
    return rows * (4 * joints * (channels + 3) + 8 * frames)


def gib(count: int) -> str:
    """Bytes as GiB (or MiB below one GiB) for messages."""
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"


def estimate(
    name: str, options: Mapping[str, Any], recipe: Recipe, sample_shape: Sequence[int], data_bytes: int = 0
) -> MemoryEstimate:
    """The peak memory of training ``name`` built with ``options`` on batches of ``recipe.batch_size`` samples
    of ``sample_shape`` (float32), with ``data_bytes`` of training data on the device.

    A model that cannot even be laid out (sizes past what torch can index) is an :class:`InputError`.
    """
    try:
        with torch.device("meta"):
            model = build(name, **options).train()
            parameters = [p for p in model.parameters() if p.requires_grad]
            kept = _kept_bytes(model, parameters, (recipe.batch_size, *sample_shape))
    except (RuntimeError, ValueError, OverflowError, MemoryError) as err:
        raise InputError(
            "model_options", f"a {name} model of this size cannot be built ({one_line(err, 150)})"
        ) from None
    count = sum(p.numel() for p in parameters)
    moments = 3 if recipe.amsgrad else 2
    return MemoryEstimate(count, 4 * count * (2 + moments), 2 * kept, data_bytes)


def _kept_bytes(model: torch.nn.Module, parameters: list[torch.nn.Parameter], shape: tuple[int, ...]) -> int:
    """Bytes of the tensors autograd keeps from one forward pass (parameters not counted) and of the output."""
    own = {id(p) for p in parameters}
    seen: dict[int, torch.Tensor] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        base = tensor if tensor._base is None else tensor._base
        if id(base) not in own:
            seen[id(base)] = base
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = model(torch.zeros(shape))
    return sum(t.numel() * t.element_size() for t in seen.values()) + output.numel() * output.element_size()


def available(device: torch.device) -> int:
    """Bytes the device can still give: free CUDA memory, or on the CPU the smaller of Linux's
    ``MemAvailable`` and the room left under this process's cgroup limit."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    room = [_meminfo_available()]
    limit, used = CGROUP / "memory.max", CGROUP / "memory.current"
    if limit.is_file() and used.is_file() and limit.read_text().strip() != "max":
        room.append(int(limit.read_text()) - int(used.read_text()))
    return min(room)


def _meminfo_available() -> int:
    if MEMINFO.is_file():
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_fits(name: str, recipe: Recipe, needed: MemoryEstimate, device: torch.device) -> None:
    """Refuse, before anything is allocated, a training job that needs more than ``device`` has free even at the
    least (:attr:`MemoryEstimate.least`); warn when only the expected peak is more.

    The message names the setting that takes most of it: ``model_options`` (the weights) or ``batch_size``.
    """
    room = available(device)
    if needed.least > room:
        key = "model_options" if needed.weights >= needed.activations else "batch_size"
        raise InputError(
            key,
            f"training {name} needs at least {gib(needed.least)} ({needed.parameters:,} parameters with gradients "
            f"and optimiser state {gib(needed.weights)}, a batch of {recipe.batch_size} {gib(needed.activations)} "
            f"at the peak, data {gib(needed.data)}) but {device.type} has {gib(room)} free",
        )
    if needed.total > room:
        expected, free = gib(needed.total), gib(room)
        log.warning("training %s may run out of memory: about %s at the peak, %s free", name, expected, free)
