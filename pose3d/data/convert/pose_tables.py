"""Shared table plumbing: per-run key columns, run detection, the mocap index, 2D table writing.

A *run* is a maximal block of consecutive rows with equal key values (one sequence, or one
sequence seen by one camera); its frames are numbered 0..T-1. Everything here works on whole
columns: loops run over runs (hundreds), never over frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pyarrow as pa

from pose3d.core.errors import InputError, one_line
from pose3d.data.camera import CAMERA_IDS, intrinsics
from pose3d.data.convert.checks import as_numeric, to_float32
from pose3d.data.h36m import action_of
from pose3d.data.parquet_io import build_table, column_names, coords_array, file_record, read_table, write_table
from pose3d.data.skeleton import H36M_32, Skeleton
from pose3d.data.table_schema import check_pose_table

#: Metadata key of every 2D table saying where its ``scores`` column (per-keypoint confidence) comes from.
SCORES_SOURCE = "scores_source"
#: :data:`SCORES_SOURCE` of a table whose scores are the detector's own.
DETECTOR_SCORES = "detector"
#: :data:`SCORES_SOURCE` of a table whose source has no scores: every score is 1.0.
NO_SCORES = "none (1.0)"


@dataclass(frozen=True)
class Runs:
    """Blocks of rows sharing key values: run ``r`` is rows ``starts[r]:starts[r+1]``."""

    starts: np.ndarray  # (R+1,) int64 row offsets
    keys: dict[str, np.ndarray]  # column name -> (R,) value of that column in each run

    @property
    def lengths(self) -> np.ndarray:
        """(R,) number of rows of each run."""
        return np.diff(self.starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def rows(self, run_mask: np.ndarray) -> np.ndarray:
        """Row mask selecting the rows of the runs chosen by a (R,) boolean mask."""
        return np.repeat(run_mask, self.lengths)


def frame_index(lengths: np.ndarray) -> np.ndarray:
    """Frame numbers 0..T-1 of consecutive runs of the given lengths, concatenated (int32)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    return (np.arange(lengths.sum(), dtype=np.int64) - np.repeat(starts, lengths)).astype(np.int32)


def key_columns(keys: Mapping[str, Sequence[str] | np.ndarray], lengths: np.ndarray) -> dict[str, np.ndarray]:
    """Per-run key values repeated over the rows of each run, plus the ``frame`` column."""
    columns = {name: np.repeat(np.asarray(values, dtype=object), lengths) for name, values in keys.items()}
    columns["frame"] = frame_index(lengths)
    return columns


def find_runs(table: pa.Table, columns: Sequence[str]) -> Runs:
    """Maximal runs of rows with equal values in ``columns`` (string columns), in table order."""
    n = table.num_rows
    change = np.zeros(n, dtype=bool)
    change[:1] = True
    codes, dictionaries = {}, {}
    for name in columns:
        encoded = table.column(name).combine_chunks().dictionary_encode()
        codes[name] = encoded.indices.to_numpy(zero_copy_only=False)
        dictionaries[name] = encoded.dictionary.to_numpy(zero_copy_only=False)
        change[1:] |= codes[name][1:] != codes[name][:-1]
    begins = np.flatnonzero(change)
    keys = {name: dictionaries[name][codes[name][begins]] for name in columns}
    return Runs(starts=np.append(begins, n).astype(np.int64), keys=keys)


def read_pose_table(
    path: str | Path, columns: list[str], optional: Sequence[str] = ()
) -> tuple[pa.Table, dict[str, Any]]:
    """Read ``columns`` of a pose table, and those of ``optional`` that it has (older tables lack ``scores``);
    a missing, unreadable or malformed file is an :class:`InputError`."""
    if not Path(path).is_file():
        raise InputError(path, "file not found")
    try:
        present = set(column_names(path))
        table, meta = read_table(path, columns=columns + [name for name in optional if name in present])
    except (OSError, ValueError, pa.ArrowException) as err:
        raise InputError(path, f"not a readable pose table ({one_line(err)})") from err
    check_pose_table(path, table, meta)
    return table, meta


def _check_frames(path: str | Path, runs: Runs, frames: np.ndarray, what: str) -> None:
    """Require every run to hold frames 0..T-1 in order and every run key to occur once."""
    expected = frame_index(runs.lengths)
    if not np.array_equal(frames, expected):
        bad = np.flatnonzero(frames != expected)[0]
        run = int(np.searchsorted(runs.starts, bad, side="right") - 1)
        label = "/".join(str(values[run]) for values in runs.keys.values())
        raise InputError(path, f"{what} {label}: frames are not 0..T-1 in order")
    labels = list(zip(*runs.keys.values()))
    if len(set(labels)) != len(labels):
        raise InputError(path, f"a {what} occurs in more than one block of rows; rows must be grouped")


def _check_actions(path: str | Path, runs: Runs) -> None:
    """Each sequence's action is the canonical action its name starts with (per-action tables rely on it)."""
    for subject, sequence, action in zip(runs.keys["subject"], runs.keys["sequence"], runs.keys["action"]):
        try:
            expected = action_of(sequence)
        except ValueError as err:
            raise InputError(path, f"{subject}: {err}") from None
        if action != expected:
            raise InputError(path, f"{subject} {sequence!r}: action {action!r}, expected {expected!r}")


@overload
def read_mocap(path: str | Path, with_positions: Literal[False] = ...) -> tuple[Runs, None]: ...
@overload
def read_mocap(path: str | Path, with_positions: Literal[True]) -> tuple[Runs, np.ndarray]: ...
def read_mocap(path: str | Path, with_positions: bool = False) -> tuple[Runs, np.ndarray | None]:
    """Sequences of a ``poses_3d`` table (runs of subject/sequence with their action).

    With ``with_positions`` also returns the (N, 32, 3) world positions in metres.
    """
    columns = ["subject", "sequence", "action", "frame"] + (["positions"] if with_positions else [])
    table, meta = read_pose_table(path, columns)
    if table.num_rows == 0:
        raise InputError(path, "table has no rows")
    runs = find_runs(table, ["subject", "sequence", "action"])
    _check_frames(path, runs, table.column("frame").to_numpy(), "sequence")
    _check_actions(path, runs)
    if not with_positions:
        return runs, None
    if meta.get("layout") != H36M_32.name:
        raise InputError(path, f"expected the {H36M_32.name} joint layout, table has {meta.get('layout')!r}")
    return runs, coords_array(table, "positions", meta["shapes"]["positions"])


def image_sizes() -> dict[str, list[int]]:
    """Human3.6M camera id -> [width, height] in pixels."""
    return {cam: [intrinsics(cam).res_w, intrinsics(cam).res_h] for cam in CAMERA_IDS}


def check_keypoints(array: Any, path: str | Path, what: str, num_joints: int, mocap_length: int) -> np.ndarray:
    """Validate one camera's 2D track (T', J, 2) against the mocap and trim it to ``mocap_length`` frames.

    Longer tracks are trimmed (videos run past the mocap); shorter ones, a wrong joint count or
    non-finite values in the kept frames are an :class:`InputError`.
    """
    array = as_numeric(array, path, what)
    if array.ndim != 3 or array.shape[1:] != (num_joints, 2):
        raise InputError(path, f"{what}: expected ({num_joints} joints x 2) per frame, got shape {array.shape}")
    if len(array) < mocap_length:
        raise InputError(
            path, f"{what}: {len(array)} frames of 2D but {mocap_length} mocap frames (2D may be longer, never shorter)"
        )
    array = to_float32(array[:mocap_length])
    bad = ~np.isfinite(array).all(axis=(1, 2))
    if bad.any():
        raise InputError(
            path, f"{what}: non-finite keypoints in {int(bad.sum())} frames (first: frame {int(np.argmax(bad))})"
        )
    return array


def check_scores(array: np.ndarray, path: str | Path, what: str) -> np.ndarray:
    """Validate the detector scores (T, J) of one track whose keypoints passed :func:`check_keypoints`
    (same frames): finite and not negative; returned as float32."""
    scores = to_float32(as_numeric(array, path, f"{what} scores"))
    bad = ~(np.isfinite(scores) & (scores >= 0)).all(axis=1)
    if bad.any():
        first = int(np.argmax(bad))
        raise InputError(
            path, f"{what}: scores that are negative or not finite in {int(bad.sum())} frames (first: frame {first})"
        )
    return scores


def keypoint_scores(keypoints: np.ndarray, scores: np.ndarray | None) -> tuple[np.ndarray, dict[str, str]]:
    """The ``scores`` column (N, J) float32 of 2D ``keypoints`` (N, J, 2) and its metadata entries: the
    detector's ``scores`` where the source has them, else 1.0 for every keypoint."""
    if scores is None:
        return np.ones(keypoints.shape[:-1], dtype=np.float32), {SCORES_SOURCE: NO_SCORES}
    if scores.shape != keypoints.shape[:-1]:
        raise ValueError(f"scores of shape {scores.shape} for keypoints of shape {keypoints.shape}")
    return np.asarray(scores, dtype=np.float32), {SCORES_SOURCE: DETECTOR_SCORES}


def scores_unit(meta: Mapping[str, str]) -> str:
    """What the ``scores`` of a table with metadata entries ``meta`` (from :func:`keypoint_scores`) are."""
    if meta[SCORES_SOURCE] == DETECTOR_SCORES:
        return "detector confidence per keypoint"
    return "1.0 for every keypoint (the source has no scores)"


def write_h36m_2d(
    mocap: Runs,
    keypoints: np.ndarray,
    skeleton: Skeleton,
    sources: list[Path],
    out: str | Path,
    scores: np.ndarray | None = None,
    **extra: Any,
) -> None:
    """Write a Human3.6M 2D table whose rows follow mocap sequence order, then camera, then frame.

    ``keypoints`` (N, J, 2) pixels are the concatenation, for each mocap sequence and each camera in
    :data:`~pose3d.data.camera.CAMERA_IDS` order, of that camera's frames; ``scores`` (N, J) are the
    detector's confidences in the same order, or None where the source has none (the table holds 1.0).
    """
    cameras = len(CAMERA_IDS)
    keys = {name: np.repeat(values, cameras) for name, values in mocap.keys.items()}
    keys["camera"] = np.tile(np.asarray(CAMERA_IDS, dtype=object), len(mocap))
    columns = key_columns(keys, np.repeat(mocap.lengths, cameras))
    scores, scores_meta = keypoint_scores(keypoints, scores)
    metadata = dict(
        skeleton.metadata(),
        units={"keypoints": "pixels", "scores": scores_unit(scores_meta)},
        coordinate_frame="image (distorted pixel coordinates)",
        image_sizes=image_sizes(),
        sources=[file_record(p) for p in sources],
        **scores_meta,
        **extra,
    )
    write_table(build_table(columns, {"keypoints": keypoints, "scores": scores}, metadata), out)
