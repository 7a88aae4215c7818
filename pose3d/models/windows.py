"""TGraphNet window sampling: row indices into clips concatenated along the frame axis (no data copies).

``clip_starts`` (C+1,) holds clip offsets: clip c is rows ``clip_starts[c]:clip_starts[c+1]``. Each
clip is cut into chunks of ``chunk`` frames; each chunk gets one window of ``2 * pad + chunk`` frames
with the chunk in the middle. Window frames outside the clip repeat the clip's first or last frame
(edge replication = clamping the index into the clip).

By default chunks start at the clip's first frame, so only the last chunk can be partial. With
``centred=True`` the chunk grid is shifted as in the TGraphNet/VideoPose3D generators: the slack
``n_chunks * chunk - length`` is split between both ends (``slack // 2`` before the first frame).
"""

from __future__ import annotations

import numpy as np


def _clip_layout(clip_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validated offsets (int64) and clip lengths."""
    starts = np.asarray(clip_starts)
    if starts.ndim != 1 or starts.size < 1 or not np.issubdtype(starts.dtype, np.integer):
        raise ValueError(f"clip_starts must be a 1-D integer array of C+1 offsets, got {starts.dtype} {starts.shape}")
    starts = starts.astype(np.int64)
    lengths = np.diff(starts)
    if starts[0] < 0 or np.any(lengths < 0):
        raise ValueError("clip_starts must be non-negative and non-decreasing")
    return starts, lengths


def _chunk_windows(clip_starts: np.ndarray, chunk: int, pad: int, centred: bool) -> tuple[np.ndarray, np.ndarray]:
    """Window row indices (W, 2*pad+chunk) and the mask of real chunk frames (the frames each window owns)."""
    if chunk < 1 or pad < 0:
        raise ValueError(f"need chunk >= 1 and pad >= 0, got chunk={chunk}, pad={pad}")
    starts, lengths = _clip_layout(clip_starts)
    n_chunks = -(-lengths // chunk)
    clip = np.repeat(np.arange(lengths.size), n_chunks)
    first_window = np.cumsum(n_chunks) - n_chunks
    k = np.arange(clip.size, dtype=np.int64) - first_window[clip]
    shift = (n_chunks * chunk - lengths) // 2 if centred else np.zeros_like(lengths)
    chunk_start = k * chunk - shift[clip]
    offsets = np.arange(2 * pad + chunk, dtype=np.int64)
    local = (chunk_start - pad)[:, None] + offsets
    length = lengths[clip][:, None]
    in_chunk = (offsets >= pad) & (offsets < pad + chunk)
    scored = in_chunk & (local >= 0) & (local < length)
    indices = starts[clip][:, None] + np.clip(local, 0, length - 1)
    return indices, scored


def training_windows(clip_starts: np.ndarray, chunk: int, pad: int, centred: bool = False) -> np.ndarray:
    """Row indices (W, 2*pad+chunk) int64, one window per chunk (the release trains on all window frames)."""
    return _chunk_windows(clip_starts, chunk, pad, centred)[0]


def test_windows(clip_starts: np.ndarray, chunk: int, pad: int, centred: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (W, 2*pad+chunk) int64 and a bool mask of the frames to score.

    The mask marks the chunk's real frames in the middle of each window, so every row of every clip
    is scored exactly once (replicated edge frames and the missing part of a partial chunk are not).
    """
    return _chunk_windows(clip_starts, chunk, pad, centred)


test_windows.__test__ = False  # type: ignore[attr-defined]  # keep pytest from collecting it when imported
