"""What a lifter reads, without torch: the keypoints and, for a 3-channel model, their confidences."""

from __future__ import annotations

import numpy as np


def model_inputs(keypoints: np.ndarray, scores: np.ndarray | None, channels: int) -> np.ndarray:
    """A model's input (..., J, channels): the 2D keypoints (..., J, 2), and for 3-channel models the
    keypoints' confidence (..., J) as the third channel (1.0 where no scores are given)."""
    if channels == 2:
        return keypoints
    if scores is None:
        scores = np.ones(keypoints.shape[:-1], dtype=keypoints.dtype)
    return np.concatenate([keypoints, scores[..., None].astype(keypoints.dtype)], axis=-1)
