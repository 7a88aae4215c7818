"""Tests for pose3d.models.windows: exact indices, edge replication, exactly-once scoring."""

from __future__ import annotations

import time

import numpy as np
import pytest

from pose3d.models import MODELS, windows

_RECIPE = MODELS["tgraphnet"].recipes["paper"]
#: TGraphNet's released training and test windows (chunk, padding): 5 + 2 x 38 and 31 + 2 x 25 frames.
TRAIN = (_RECIPE["window_chunk"], _RECIPE["window_pad"])
TEST = (_RECIPE["test_chunk"], _RECIPE["test_pad"])


def _random_layout(rng: np.random.Generator, n_clips: int, max_len: int) -> np.ndarray:
    lengths = rng.integers(1, max_len, size=n_clips)
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def test_exact_indices_tiny_layout() -> None:
    # Clips of 3 and 7 frames; chunk 2, pad 1 -> windows of 4.
    indices, scored = windows.test_windows(np.array([0, 3, 10]), chunk=2, pad=1)
    expected = np.array(
        [
            [0, 0, 1, 2],  # chunk (0, 1), left edge replicated
            [1, 2, 2, 2],  # partial chunk (2,), right edge replicated
            [3, 3, 4, 5],
            [4, 5, 6, 7],
            [6, 7, 8, 9],
            [8, 9, 9, 9],  # partial chunk (9,)
        ]
    )
    np.testing.assert_array_equal(indices, expected)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(
        scored,
        np.array(
            [
                [0, 1, 1, 0],
                [0, 1, 0, 0],
                [0, 1, 1, 0],
                [0, 1, 1, 0],
                [0, 1, 1, 0],
                [0, 1, 0, 0],
            ],
            dtype=bool,
        ),
    )
    np.testing.assert_array_equal(windows.training_windows(np.array([0, 3, 10]), chunk=2, pad=1), expected)


def test_centred_grid_matches_release_bounds() -> None:
    # 10 frames, chunk 4: 3 chunks, slack 2 -> chunk starts -1, 3, 7 (as in the released generator).
    indices, scored = windows.test_windows(np.array([0, 10]), chunk=4, pad=0, centred=True)
    np.testing.assert_array_equal(indices, [[0, 0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 9]])
    np.testing.assert_array_equal(scored, [[0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 0]])


def test_default_window_lengths_and_edge_replication() -> None:
    starts = np.array([0, 100, 250])
    train = windows.training_windows(starts, *TRAIN)
    assert train.shape == (20 + 30, 81)
    np.testing.assert_array_equal(train[0], np.clip(np.arange(-38, 43), 0, 99))
    np.testing.assert_array_equal(train[0, :39], 0)
    np.testing.assert_array_equal(train[19, 38:43], [95, 96, 97, 98, 99])  # last chunk of clip 0
    np.testing.assert_array_equal(train[19, 42:], 99)  # then its last row is replicated
    np.testing.assert_array_equal(train[20], 100 + np.clip(np.arange(-38, 43), 0, 149))
    indices, scored = windows.test_windows(starts, *TEST)
    assert indices.shape == scored.shape == (4 + 5, 81)
    np.testing.assert_array_equal(scored[0], (np.arange(81) >= 25) & (np.arange(81) < 56))


def test_windows_stay_inside_their_clip() -> None:
    starts = _random_layout(np.random.default_rng(3), 40, 200)
    for indices in (windows.training_windows(starts, *TRAIN), windows.test_windows(starts, *TEST)[0]):
        clip_of_row = np.searchsorted(starts, indices, side="right") - 1
        assert np.all(clip_of_row == clip_of_row[:, :1])
        assert np.all(np.diff(indices, axis=1) >= 0)


@pytest.mark.parametrize("centred", [False, True])
def test_every_frame_scored_exactly_once(centred: bool) -> None:
    starts = _random_layout(np.random.default_rng(4), 60, 300)
    starts = np.insert(starts, 5, starts[5])  # an empty clip yields no windows
    indices, scored = windows.test_windows(starts, *TEST, centred=centred)
    np.testing.assert_array_equal(np.bincount(indices[scored], minlength=starts[-1]), 1)
    train = windows.training_windows(starts, *TRAIN, centred=centred)
    assert len(train) == np.sum(-(-np.diff(starts) // 5))


def test_clip_shorter_than_window() -> None:
    indices, scored = windows.test_windows(np.array([0, 200, 203]), *TEST)
    short = indices[-1]
    np.testing.assert_array_equal(short[:26], 200)
    np.testing.assert_array_equal(short[25:28], [200, 201, 202])
    np.testing.assert_array_equal(short[27:], 202)
    np.testing.assert_array_equal(np.flatnonzero(scored[-1]), [25, 26, 27])


def test_bad_layout_rejected() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        windows.training_windows(np.array([0, 10, 5]), *TRAIN)
    with pytest.raises(ValueError, match="integer"):
        windows.training_windows(np.array([0.0, 10.0]), *TRAIN)
    with pytest.raises(ValueError, match="chunk"):
        windows.test_windows(np.array([0, 10]), chunk=0, pad=25)


def test_many_clips_fast() -> None:
    starts = _random_layout(np.random.default_rng(5), 1000, 2000)  # about 1 M rows
    t0 = time.perf_counter()
    train = windows.training_windows(starts, *TRAIN)
    indices, scored = windows.test_windows(starts, *TEST)
    elapsed = time.perf_counter() - t0
    assert np.bincount(indices[scored], minlength=starts[-1]).max() == 1
    assert train.shape[0] > 150_000
    assert elapsed < 5.0
