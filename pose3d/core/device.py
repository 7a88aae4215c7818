"""Choose the torch device from the config value ``auto | cpu | cuda``."""

from __future__ import annotations

import torch

from pose3d.core.errors import InputError


def select_device(name: str) -> torch.device:
    """``auto`` picks CUDA when available; asking for ``cuda`` without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("training.device", "'cuda' but torch sees no CUDA device (use auto or cpu)")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """Cap torch's CPU threads at what the job was given (results depend on it, so fix it)."""
    if threads:
        torch.set_num_threads(threads)


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware (CUDA with bf16, AVX512-BF16 or AMX CPUs),
    so bf16 autocast makes training faster there rather than slower."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch.cpu's CPUID checks
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)
