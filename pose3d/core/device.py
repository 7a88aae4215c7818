"""Choose the torch device from the config value ``auto | cpu | cuda``."""

from __future__ import annotations

import torch


def select_device(name: str) -> torch.device:
    """``auto`` picks CUDA when available; asking for ``cuda`` without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config training.device is 'cuda' but torch sees no CUDA device")
    return torch.device(name)
