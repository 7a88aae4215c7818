"""One optimisation step, in the plain eager form or the fast one; both compute the same update.

``plain``: eager forward and backward, the single-tensor optimiser loop and gradient clipping,
as the releases run them. ``fast``: the fused optimiser step and foreach clipping (one kernel
over every parameter instead of a dozen small ones per parameter), and, when the recipe says
``compile``, forward, loss and backward compiled by ``torch.compile`` (Inductor fuses the small
element-wise operations that dominate these models' steps; on CUDA, ``reduce-overhead`` also
replays the step as a CUDA graph). Random operations (dropout) keep torch's generator in the
compiled step, so both forms draw the same dropout masks from the same seed.

This module imports only torch and pose3d's models and losses (no MLflow), so ``pose3d bench``
can use it on a machine that has nothing else installed.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import torch

from pose3d.config.choices import IMPLEMENTATIONS
from pose3d.models.recipes import Recipe
from pose3d.training.losses import compute_loss


def use_persistent_compile_cache() -> None:
    """Keep Inductor's compiled kernels under the user's cache folder (not /tmp), so they outlive reboots."""
    if "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(base / "pose3d" / "torchinductor")


def build_optimizer(model: torch.nn.Module, recipe: Recipe, implementation: str) -> torch.optim.Optimizer:
    """The recipe's Adam or AdamW; fused in the fast implementation, the per-parameter loop in the plain one."""
    kind = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[recipe.optimizer]
    speed = {"fused": True} if implementation == "fast" else {"foreach": False}
    return kind(
        model.parameters(),
        lr=recipe.lr,
        weight_decay=recipe.weight_decay,
        amsgrad=recipe.amsgrad,
        **speed,
    )


def compile_mode(device: torch.device) -> str:
    """``reduce-overhead`` (CUDA graphs) on CUDA; Inductor's default elsewhere."""
    return "reduce-overhead" if device.type == "cuda" else "default"


class TrainStep:
    """``step(inputs, targets, intrinsics) -> loss`` (detached, on the device): forward, loss,
    backward, clipping and the optimiser update of one batch."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        recipe: Recipe,
        implementation: str,
        device: torch.device,
        bf16: bool = False,
    ) -> None:
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}, got {implementation!r}")
        self.model, self.optimizer, self.recipe = model, optimizer, recipe
        self.fast = implementation == "fast"
        self.bf16 = bf16
        self.autocast = torch.autocast(device.type, dtype=torch.bfloat16) if self.bf16 else nullcontext()
        self.loss = self._loss
        if self.fast and recipe.compile:
            use_persistent_compile_cache()
            import torch._inductor.config as inductor

            inductor.fallback_random = True  # dropout masks from torch's generator, as in eager mode
            self.loss = torch.compile(self._loss, mode=compile_mode(device))

    def _loss(self, inputs: torch.Tensor, targets: torch.Tensor, intrinsics: torch.Tensor | None) -> torch.Tensor:
        with self.autocast:
            pred = self.model(inputs)
        return compute_loss(pred.float(), targets, inputs, intrinsics, self.recipe.loss)

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor, intrinsics: torch.Tensor | None) -> torch.Tensor:
        loss = self.loss(inputs, targets, intrinsics)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.recipe.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=self.recipe.grad_clip, foreach=self.fast)
        self.optimizer.step()
        return loss.detach()
