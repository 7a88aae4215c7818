"""Every random generator's state as plain tensors and numbers, so a training state loads with ``weights_only``."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def capture(device: torch.device) -> dict[str, Any]:
    """The states of torch (CPU, and CUDA on a CUDA device), NumPy's global and Python's ``random`` generators."""
    numpy_state: dict[str, Any] = np.random.get_state(legacy=False)
    version, words, python_gauss = random.getstate()
    return {
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if device.type == "cuda" else None,
        "numpy_rng": {
            "key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
            "pos": numpy_state["state"]["pos"],
            "has_gauss": numpy_state["has_gauss"],
            "gauss": numpy_state["gauss"],
        },
        "python_rng": {"version": version, "words": list(words), "gauss": python_gauss},
    }


def restore(saved: dict[str, Any], device: torch.device) -> None:
    """Set every generator :func:`capture` recorded (older states: torch's only)."""
    torch.set_rng_state(saved["torch_rng"].cpu())
    if device.type == "cuda" and saved.get("cuda_rng") is not None:
        torch.cuda.set_rng_state_all(saved["cuda_rng"])
    if saved.get("numpy_rng") is not None:
        state = saved["numpy_rng"]
        key = state["key"].cpu().numpy().astype(np.uint32)
        np.random.set_state(("MT19937", key, state["pos"], state["has_gauss"], state["gauss"]))
    if saved.get("python_rng") is not None:
        state = saved["python_rng"]
        random.setstate((state["version"], tuple(state["words"]), state["gauss"]))
