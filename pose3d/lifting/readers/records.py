"""Shared parsing of JSON detection lists (COCO results, AlphaPose): one record per person per image."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.lifting.detections import Detections


def load_json(path: Path) -> Any:
    """Parsed JSON; a missing or malformed file is an :class:`InputError`."""
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(path, f"not valid JSON ({err})") from None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
        if not isinstance(values, list) or not all(_number(v) for v in values):
            raise InputError(path, f"detection {i}: 'keypoints' is not a list of numbers")
        if size is None:
            size = len(values)
            if size not in layouts:
                known = ", ".join(f"{n} ({layouts[n]})" for n in layouts)
                raise InputError(path, f"detection {i}: {size} keypoint values; expected one of {known}")
        elif len(values) != size:
            raise InputError(path, f"detection {i}: {len(values)} keypoint values, the first detection has {size}")
        frame = frame_of(record["image_id"])
        if frame is None:
            raise InputError(path, f"detection {i}: image_id {record['image_id']!r} does not give a frame number")
        score = record.get("score", 1.0)
        if not _number(score):
            raise InputError(path, f"detection {i}: 'score' is not a number")
        track = record.get(track_key)
        if isinstance(track, list) and len(track) == 1:  # AlphaPose's tracker writes [id]
            track = track[0]
        frames.append(frame)
        keypoints.append(values)
        scores.append(score)
        tracks.append(track)
    assert size is not None
    layout, _, keep = layouts[size].partition(":")
    array = np.asarray(keypoints, dtype=np.float64).reshape(len(records), -1, 3)
    if keep:
        array = array[:, : int(keep)]
    has_tracks = all(isinstance(t, int) and not isinstance(t, bool) for t in tracks)
    return Detections(
        path=path,
        format=format,
        layout=layout,
        frame=np.asarray(frames, dtype=np.int64),
        keypoints=array,
        score=np.asarray(scores, dtype=np.float64),
        track=np.asarray(tracks, dtype=np.int64) if has_tracks else None,
    )
