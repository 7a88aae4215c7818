"""The one way to run a trained model: :class:`Predictor` (evaluation, animations and `pose3d lift` use it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from pose3d.core.device import select_device
from pose3d.data.loader import Clips
from pose3d.models import ModelSpec
from pose3d.models.inputs import model_inputs
from pose3d.models.predict import predict_keypoints
from pose3d.runs.checkpoint import Checkpoint


@dataclass
class Predictor:
    """A network on its device with how it predicts: its spec, the test window (scored frames, padding)
    and flip test-time augmentation. Predictions are (N, J, 3) metres in the model's target convention."""

    network: nn.Module
    spec: ModelSpec
    device: torch.device
    window: tuple[int, int]
    flip: bool = False

    @classmethod
    def from_checkpoint(
        cls, checkpoint: Checkpoint | str | Path, device: str | torch.device = "cpu", flip: bool = False
    ) -> Predictor:
        """A predictor of the checkpoint's model (read from ``checkpoint`` when it is a path); ``flip`` is on
        too when the model's recipe trains and tests with flipping."""
        if not isinstance(checkpoint, Checkpoint):
            checkpoint = Checkpoint.load(checkpoint)
        target = device if isinstance(device, torch.device) else select_device(device)
        if checkpoint.settings and checkpoint.settings.recipe.flip:
            flip = True  # the model was trained for flip test-time augmentation (MotionAGFormer's release)
        return cls(checkpoint.network().to(target), checkpoint.spec, target, checkpoint.window, flip)

    def keypoints(self, keypoints: np.ndarray, clip_starts: np.ndarray, scores: np.ndarray | None = None) -> np.ndarray:
        """Predictions for screen-normalised keypoints (N, J, 2) of clips starting at ``clip_starts``, with
        their detector ``scores`` (N, J) for a model that reads them (1.0 when not given)."""
        chunk, pad = self.window
        inputs = model_inputs(keypoints, scores, self.spec.input_channels)
        return predict_keypoints(self.network, self.spec, inputs, clip_starts, self.device, chunk, pad, self.flip)

    def clips(self, clips: Clips) -> np.ndarray:
        """Predictions for every row of ``clips``."""
        return self.keypoints(clips.keypoints, clips.clip_starts, clips.scores)
