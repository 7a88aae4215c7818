"""Run a trained lifter over clips: single-frame models frame by frame, TGraphNet over test windows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from pose3d.core.progress import progress
from pose3d.data.skeleton import Skeleton
from pose3d.models.spec import ModelSpec
from pose3d.models.windows import test_windows

#: (frames, windows) per forward pass on each kind of device: single-frame models take frames,
#: TGraphNet 81-frame windows. On the CPU a batch whose activations stay in cache is fastest: at
#: 8192 frames SemGCN evaluated 2.3-2.8x slower than at 256, at 128 windows TGraphNet 1.3-1.7x
#: slower than at 16 (``benchmarks/eval_batch.py``). A GPU wants large batches, few calls.
EVAL_BATCH = {"cpu": (256, 16), "cuda": (8_192, 128)}


def eval_batch(device: torch.device) -> tuple[int, int]:
    """Frames and windows per forward pass when predicting on ``device``."""
    return EVAL_BATCH["cuda" if device.type == "cuda" else "cpu"]


def mirror(poses: torch.Tensor, skeleton: Skeleton) -> torch.Tensor:
    """The mirror image of (..., J, D) poses about the camera's vertical axis: x negated, left and right swapped.

    Applies to screen-normalised 2D (x in [-1, 1]) and to camera-frame 3D alike; mirroring twice is identity.
    """
    flipped = poses[..., list(skeleton.mirrored()), :].clone()
    flipped[..., 0] = -flipped[..., 0]
    return flipped


def flip_averaged(model: Callable[[torch.Tensor], torch.Tensor], skeleton: Skeleton) -> Callable[..., torch.Tensor]:
    """Flip test-time augmentation: ``model`` on the inputs and on their mirror image (one forward pass
    of twice the batch), the mirrored-back second prediction averaged with the first."""

    def forward(inputs: torch.Tensor) -> torch.Tensor:
        both = model(torch.cat([inputs, mirror(inputs, skeleton)])).float()
        batch = inputs.shape[0]  # not len() or chunk(2): those fix the batch size in an exported graph
        direct, flipped = both[:batch], both[batch:]
        return (direct + mirror(flipped, skeleton)) / 2

    return forward


@torch.inference_mode()
def predict_keypoints(
    model: torch.nn.Module,
    spec: ModelSpec,
    keypoints: np.ndarray,
    clip_starts: np.ndarray,
    device: torch.device,
    test_chunk: int,
    test_pad: int,
    flip: bool = False,
) -> np.ndarray:
    """Predictions (N, J, 3) for screen-normalised keypoints (N, J, 2) of clips starting at ``clip_starts``.

    Single-frame models run in batches of frames. Temporal models run over test windows (``test_chunk``
    scored frames padded by ``test_pad`` each side; :class:`pose3d.runs.Predictor` takes them from the
    checkpoint) that cover every
    frame of clips of any length (edges replicated) and scores each frame once: on the centre chunk
    of the window that owns it. ``flip`` averages each prediction with the mirrored prediction of the
    mirrored input (flip test-time augmentation).
    """
    model.eval()
    forward = flip_averaged(model, spec.skeleton) if flip else model
    inputs = torch.as_tensor(keypoints, dtype=torch.float32, device=device)
    frame_batch, window_batch = eval_batch(inputs.device)
    if flip:  # the model sees each batch twice over (direct and mirrored): keep the forward pass's size
        frame_batch, window_batch = max(1, frame_batch // 2), max(1, window_batch // 2)
    out = torch.full((*inputs.shape[:-1], 3), float("nan"), device=device)
    with progress(total=len(inputs), desc=f"predict {spec.name}", unit=" frames") as bar:
        if not spec.temporal:
            for start in range(0, len(inputs), frame_batch):
                out[start : start + frame_batch] = forward(inputs[start : start + frame_batch]).float()
                bar.update(min(frame_batch, len(inputs) - start))
        else:
            window_rows, scored_rows = test_windows(clip_starts, chunk=test_chunk, pad=test_pad)
            frames_per_batch = np.add.reduceat(scored_rows.sum(axis=1), np.arange(0, len(scored_rows), window_batch))
            windows = torch.as_tensor(window_rows, device=device)
            scored = torch.as_tensor(scored_rows, device=device)
            for start, frames in zip(range(0, len(windows), window_batch), frames_per_batch):
                index = windows[start : start + window_batch]
                mask = scored[start : start + window_batch]
                out[index[mask]] = forward(inputs[index]).float()[mask]
                bar.update(int(frames))
    if torch.isnan(out).any():
        raise RuntimeError(f"{spec.name}: some frames got no prediction (non-finite output or unscored frames)")
    return out.cpu().numpy()
