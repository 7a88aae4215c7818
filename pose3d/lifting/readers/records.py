"""Shared parsing of JSON detection lists (COCO results, AlphaPose): one record per person per image."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError, one_line
from pose3d.core.numbers import is_whole
from pose3d.lifting.detections import MAX_FRAME, MAX_TRACK_ID, Detections


def load_json(path: Path) -> Any:
    """Parsed JSON; a missing or malformed file is an :class:`InputError`."""
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a regular file")
    try:
        return json.loads(path.read_text())
    except OSError as err:  # unreadable: permissions, I/O errors
        raise InputError(path, f"cannot read ({err.strerror or err})") from None
    # ValueError: also undecodable bytes and integers of over 4300 digits; RecursionError: absurdly deep nesting
    except (ValueError, RecursionError) as err:
        raise InputError(path, f"not valid JSON ({type(err).__name__}: {err})") from None


def is_number(value: Any) -> bool:
    """A JSON number that fits a float64 (booleans are not numbers)."""
    return isinstance(value, float) or (is_whole(value) and abs(value) < 2**1023)


def track_id(value: Any) -> int | None:
    """A detector's person id: an integer, or a list holding one (AlphaPose and OpenPose write ``[id]``)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if is_whole(value) and abs(value) <= MAX_TRACK_ID:
        return value
    return None


def parse_records(
    path: Path,
    records: Any,
    format: str,
    layouts: dict[int, str],
    frame_of: Callable[[Any], int | None],
    track_key: str,
) -> Detections:
    """Detections from a list of ``{"image_id", "keypoints", "score"[, track_key]}`` records.

    ``layouts`` maps the length of ``keypoints`` to the layout (and how many keypoints of it to keep:
    a layout name with ``:N`` keeps the first N). ``frame_of(image_id)`` gives the frame number or None.
    """
    if not isinstance(records, list) or not records:
        raise InputError(path, "expected a non-empty JSON list of detections (image_id, keypoints, score)")
    frames, keypoints, scores, tracks = [], [], [], []
    size = None
    for i, record in enumerate(records):
        if not isinstance(record, dict) or "keypoints" not in record or "image_id" not in record:
            raise InputError(path, f"detection {i}: not an object with 'image_id' and 'keypoints'")
        values = record["keypoints"]
        if not isinstance(values, list) or not all(is_number(v) for v in values):
            raise InputError(path, f"detection {i}: 'keypoints' is not a list of numbers")
        if size is None:
            size = len(values)
            if size not in layouts:
                known = ", ".join(f"{n} ({layouts[n]})" for n in layouts)
                raise InputError(path, f"detection {i}: {size} keypoint values; expected one of {known}")
        elif len(values) != size:
            raise InputError(path, f"detection {i}: {len(values)} keypoint values, the first detection has {size}")
        frame = frame_of(record["image_id"])
        if frame is None or not 0 <= frame <= MAX_FRAME:
            image_id = one_line(repr(record["image_id"]), 40)
            raise InputError(
                path, f"detection {i}: image_id {image_id} does not give a frame number (0 to {MAX_FRAME})"
            )
        score = record.get("score", 1.0)
        if not is_number(score):
            raise InputError(path, f"detection {i}: 'score' is not a number")
        if not np.isfinite(score):
            raise InputError(path, f"detection {i}: 'score' {score} is not a finite number")
        frames.append(frame)
        keypoints.append(values)
        scores.append(score)
        tracks.append(track_id(record.get(track_key)))
    assert size is not None
    layout, _, keep = layouts[size].partition(":")
    array = np.asarray(keypoints, dtype=np.float64).reshape(len(records), -1, 3)
    if keep:
        array = array[:, : int(keep)]
    has_tracks = all(t is not None for t in tracks)
    return Detections(
        path=path,
        format=format,
        layout=layout,
        frame=np.asarray(frames, dtype=np.int64),
        keypoints=array,
        score=np.asarray(scores, dtype=np.float64),
        track=np.asarray(tracks, dtype=np.int64) if has_tracks else None,
    )
