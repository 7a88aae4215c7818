"""A plain NumPy array (T, 17, 2 or 3) of pixel keypoints already in the Human3.6M 17-joint order.

The third channel, when present, is the score. Loaded with ``allow_pickle=False``, memory-mapped until checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.skeleton import H36M_17
from pose3d.lifting.detections import Detections

FORMAT = "npy"


def read(path: Path) -> Detections:
    """One person, one row per frame."""
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(np.lib.format.MAGIC_PREFIX))
    except OSError as err:  # unreadable: permissions, I/O errors
        raise InputError(path, f"cannot read ({err.strerror or err})") from None
    if magic.startswith(b"PK"):  # np.load would open it as an archive
        raise InputError(path, "a zip (.npz) archive, not a .npy array; VideoPose3D archives take --format videopose3d")
    if magic != np.lib.format.MAGIC_PREFIX:
        raise InputError(path, "not a .npy array (no NumPy header)")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)  # mapped: a header's claimed size is not allocated
    except Exception as err:  # numpy raises several types for damaged, truncated or pickled files
        raise InputError(path, f"not a readable .npy array ({type(err).__name__}: {err})") from None
    return from_array(path, FORMAT, array, H36M_17.name)


def from_array(path: Path, format: str, array: np.ndarray, layout: str) -> Detections:
    """Detections of one person from a (T, J, 2|3) array; without scores every keypoint scores 1."""
    real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if array.ndim != 3 or array.shape[-1] not in (2, 3) or len(array) == 0 or not real:
        raise InputError(path, f"expected a (frames, joints, 2 or 3) array of numbers, got {array.dtype} {array.shape}")
    array = array.astype(np.float64)
    if array.shape[-1] == 2:
        array = np.concatenate([array, np.ones((*array.shape[:-1], 1))], axis=-1)
    frames = len(array)
    return Detections(
        path=path,
        format=format,
        layout=layout,
        frame=np.arange(frames),
        keypoints=array,
        score=np.ones(frames),
        num_frames=frames,
    )
