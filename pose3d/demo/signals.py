"""Random signals shared by the motion and detector models: smooth noise, keyframe tracks, events."""

from __future__ import annotations

import numpy as np


def smooth_noise(rng: np.random.Generator, frames: int, channels: int, fps: float, cutoff_hz: float) -> np.ndarray:
    """Gaussian low-pass filtered white noise (frames, channels) with unit standard deviation.

    The filter's gain is ``exp(-f^2 / (2 cutoff^2))``. The spectrum is drawn directly (only where the
    gain is not negligible) on a padded power-of-two length, so the two ends are independent.
    """
    pad = int(np.ceil(0.5 * fps / cutoff_hz))  # three standard deviations of the filter kernel
    n = 1 << int(np.ceil(np.log2(frames + 2 * pad)))
    freqs = np.fft.rfftfreq(n, d=1.0 / fps)
    gain = np.exp(-0.5 * (freqs[freqs < 5.0 * cutoff_hz] / cutoff_hz) ** 2)
    draws = rng.standard_normal((2, len(gain), channels))
    spectrum = np.zeros((len(freqs), channels), dtype=np.complex128)
    spectrum[: len(gain)] = (draws[0] + 1j * draws[1]) * gain[:, None]
    spectrum[0] = draws[0, 0] * gain[0] * np.sqrt(2.0)
    # Each drawn bin carries variance 2 (DC included); bins k and n - k share one draw.
    power = 2.0 * (gain[0] ** 2 + 2.0 * np.sum(gain[1:] ** 2)) / n**2
    return np.fft.irfft(spectrum, n=n, axis=0)[pad : pad + frames] / np.sqrt(power)


def smoothstep(u: np.ndarray) -> np.ndarray:
    """Cubic ease-in/ease-out of ``u`` clipped to [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def keyframe_track(values: np.ndarray, hold: np.ndarray, blend: np.ndarray, frames: int) -> np.ndarray:
    """Hold ``values[k]`` (K, D) for ``hold[k]`` frames, then ease to ``values[k + 1]`` over ``blend[k]``.

    Returns (frames, D); the last keyframe is held to the end. The segments must cover ``frames``.
    """
    length = hold + blend
    if length.sum() < frames:
        raise ValueError(f"keyframes cover {length.sum():.0f} of {frames} frames")
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    t = np.arange(frames, dtype=np.float64)
    k = np.clip(np.searchsorted(start, t, side="right") - 1, 0, len(values) - 1)
    u = smoothstep((t - start[k] - hold[k]) / np.maximum(blend[k], 1.0))
    nxt = np.minimum(k + 1, len(values) - 1)
    return values[k] + u[:, None] * (values[nxt] - values[k])


def event_mask(rng: np.random.Generator, shape: tuple[int, int], rate: float, max_length: int) -> np.ndarray:
    """Boolean (rows, frames) mask of rare events: Poisson starts at ``rate`` per frame, 1..max_length."""
    rows, frames = shape
    count = rng.poisson(rate * rows * frames)
    edges = np.zeros((rows, frames + 1), dtype=np.int64)
    row = rng.integers(0, rows, count)
    first = rng.integers(0, frames, count)
    last = np.minimum(first + rng.integers(1, max_length + 1, count), frames)
    np.add.at(edges, (row, first), 1)
    np.add.at(edges, (row, last), -1)
    return np.cumsum(edges, axis=1)[:, :frames] > 0
