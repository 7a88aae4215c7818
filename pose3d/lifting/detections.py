"""What every keypoint reader returns: the people detected in one video, in the detector's layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError

#: Largest frame number a keypoint file may give (outputs store frame numbers as int32).
MAX_FRAME = 2**31 - 1
#: Largest magnitude of a person (track) id a keypoint file may give (ids are stored as int64).
MAX_TRACK_ID = 2**63 - 1
#: Largest magnitude of a keypoint value (x, y in pixels, or score) and largest image side (pixels): far
#: beyond any video, and small enough that the lift's float32 arithmetic stays finite.
MAX_PIXELS = 2**20


@dataclass
class Detections:
    """One row per detected person per frame.

    ``keypoints`` (N, J, 3) are pixels x, y and a score, in ``layout`` (a name in
    :data:`pose3d.data.skeleton.KEYPOINT_LAYOUTS`, or ``h36m17``); a keypoint the detector did not
    find has NaN coordinates or a score at or below the lift's ``min_score``. ``track`` holds the
    detector's person ids when the file has them.
    """

    path: Path
    format: str
    layout: str
    frame: np.ndarray  # (N,) int64
    keypoints: np.ndarray  # (N, J, 3) float64
    score: np.ndarray  # (N,) float64 confidence of each detection
    track: np.ndarray | None = None  # (N,) int64 detector track ids
    num_frames: int | None = None  # frames of the video when the file tells (OpenPose: one file per frame)
    image_size: tuple[int, int] | None = None  # (width, height) when the file tells

    def __len__(self) -> int:
        return len(self.frame)


def check_values(path: Path, keypoints: np.ndarray) -> None:
    """Refuse keypoint values (x, y, score) beyond :data:`MAX_PIXELS`; NaN and infinity mean 'not found'."""
    finite = np.abs(keypoints[np.isfinite(keypoints)])
    if finite.size and finite.max() > MAX_PIXELS:
        raise InputError(
            path, f"keypoint value {finite.max():.3g} is not a pixel position or score (beyond ±{MAX_PIXELS})"
        )
