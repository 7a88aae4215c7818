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
