"""What one benchmark measures for one model: the paper recipe, dataset sizes and synthetic batches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from pose3d.models import MODELS
from pose3d.models.predict import eval_batch
from pose3d.models.recipes import Recipe

#: Human3.6M sizes (FACTS.md §7): every frame of every camera, training subjects and test subjects.
FULL_TRAIN_FRAMES = 1_560_000
FULL_TEST_FRAMES = 543_000
#: Frames of synthetic data resident on the device per size (``full``: the real training set's size).
POOL_FRAMES = {"tiny": 4_096, "full": FULL_TRAIN_FRAMES}


@dataclass(frozen=True)
class Workload:
    """One model's benchmark: its paper recipe (at the size's width) and full-size sample counts."""

    name: str
    recipe: Recipe
    train_samples: int  # per full-size epoch: frames, or TGraphNet training windows
    test_samples: int  # full-size test set: frames, or TGraphNet test windows
    output_frames: tuple[int, int]  # predicted frames per training sample and per evaluated sample
    eval_batch: int

    @property
    def temporal(self) -> bool:
        return MODELS[self.name].temporal


def workload(name: str, size: str, device: torch.device) -> Workload:
    """The paper recipe of ``name``; ``tiny`` (a smoke test) uses the demo profile's model width and
    TGraphNet batches of 4 windows."""
    spec = MODELS[name]
    values = spec.recipe("paper")
    if size == "tiny":
        values["model_options"] = spec.recipe("demo")["model_options"]
        if spec.temporal:
            values["batch_size"] = 4
    recipe = Recipe.from_dict(values)
    frame_batch, window_batch = eval_batch(device)  # as evaluation and lifting predict
    if not spec.temporal:
        return Workload(name, recipe, FULL_TRAIN_FRAMES, FULL_TEST_FRAMES, (1, 1), frame_batch)
    (chunk, _), (test_chunk, _) = spec.train_window(values), spec.test_window(recipe.model_options)
    frames = spec.window(spec.options(recipe.model_options))
    return Workload(
        name,
        recipe,
        -(-FULL_TRAIN_FRAMES // chunk),
        -(-FULL_TEST_FRAMES // test_chunk),
        (frames, test_chunk),
        window_batch if size == "full" else 4,
    )


class SyntheticData:
    """Random 2D inputs and 3D targets resident on the device, drawn in batches by index as in training."""

    def __init__(
        self, name: str, frames: int, device: torch.device, seed: int = 0, options: Mapping[str, Any] | None = None
    ) -> None:
        spec = MODELS[name]
        generator = torch.Generator().manual_seed(seed)
        joints = spec.num_joints
        self.inputs = (torch.rand(frames, joints, spec.input_channels, generator=generator) * 2 - 1).to(device)
        targets = torch.randn(frames, joints, 3, generator=generator) * 0.2
        targets[:, 0] = torch.tensor([0.0, 0.0, 5.0]) if spec.predicts_root else 0.0  # root 5 m in front
        self.targets = targets.to(device)
        # f, c, k1-3, p1-2 (pixels), w, h: a Human3.6M-like camera for the reprojection loss.
        camera = torch.tensor([1145.0, 1144.0, 512.0, 515.0, -0.2, 0.24, -0.002, -0.001, -0.002, 1000.0, 1002.0])
        self.intrinsics = camera.to(device) if spec.predicts_root else None
        self.window = spec.window(spec.options(options or {}))
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(inputs, targets, intrinsics) of ``size`` random samples (windows of consecutive frames)."""
        starts = torch.randint(
            0, len(self.inputs) - self.window + 1, (size,), device=self.inputs.device, generator=self.generator
        )
        rows = starts if self.window == 1 else starts[:, None] + torch.arange(self.window, device=starts.device)
        intrinsics = None if self.intrinsics is None else self.intrinsics.expand(size, -1)
        return self.inputs[rows], self.targets[rows], intrinsics
