"""People across frames: link detections into tracks, rank and select them, fill missing keypoints in time.

A person with a joint never found in any frame cannot be lifted (nothing to interpolate from): such a
person is still ranked, so indices stay those of the people found, but only fails the command when
asked for by index or track id; ``all`` skips them with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.skeleton import H36M_17
from pose3d.lifting.detections import Detections

#: Frames a person may go undetected and still continue the same track; after a longer gap even the
#: detector's track id starts a new track, so nothing is interpolated (or allocated) across it.
MAX_GAP = 25
#: Largest mean keypoint displacement, in units of the person's size, between linked detections.
MAX_STEP = 0.5

log = logging.getLogger(__name__)


@dataclass
class Track:
    """One person over consecutive frames, in H36M-17 order, with every gap filled."""

    id: int  # the detector's track id (shared by its segments), or the order of first appearance when pose3d linked
    frames: np.ndarray  # (T,) frame numbers, first to last detection, consecutive
    keypoints: np.ndarray  # (T, 17, 2) float64 pixels
    scores: np.ndarray  # (T, 17) the detector's keypoint scores; 0 where a keypoint was missing and filled
    detected: np.ndarray  # (T,) bool: the person was detected in that frame
    filled: int  # keypoints (per joint and frame) filled by interpolation, undetected frames included
    confidence: float  # sum of the detection scores
    problem: str | None = None  # why this person cannot be lifted (then keypoints hold NaN); None when it can


def link(frames: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """Track ids (N,) for detections (frame numbers, (N, J, 2) pixels with NaN where missing).

    Frame by frame, each detection continues the track seen within :data:`MAX_GAP` frames whose last
    keypoints are nearest (mean distance over shared keypoints over the track's bounding-box diagonal,
    at most :data:`MAX_STEP`), greedily nearest first; the others start new tracks.
    """
    ids = np.full(len(frames), -1, dtype=np.int64)
    last_frame: list[int] = []
    last_pose: list[np.ndarray] = []
    for frame in np.unique(frames):
        rows = np.flatnonzero(frames == frame)
        live = [t for t, f in enumerate(last_frame) if frame - f <= MAX_GAP]
        pairs = []
        for t in live:
            pose = last_pose[t]
            size = max(float(np.linalg.norm(np.nanmax(pose, axis=0) - np.nanmin(pose, axis=0))), 1.0)
            step = np.linalg.norm(keypoints[rows] - pose, axis=-1)  # (R, J), NaN where either is missing
            shared = np.isfinite(step)
            total = np.where(shared, step, 0.0).sum(axis=1)
            cost = np.divide(total, shared.sum(axis=1) * size, out=np.full(len(rows), np.inf), where=shared.any(axis=1))
            pairs += [(c, r, t) for r, c in zip(rows, cost) if c <= MAX_STEP]
        taken = set()
        for _, row, t in sorted(pairs):
            if ids[row] < 0 and t not in taken:
                ids[row] = t
                taken.add(t)
        for row in rows:
            if ids[row] < 0:
                ids[row] = len(last_frame)
                last_frame.append(int(frame))
                last_pose.append(keypoints[row])
            else:
                last_frame[ids[row]] = int(frame)
                last_pose[ids[row]] = np.where(np.isfinite(keypoints[row]), keypoints[row], last_pose[ids[row]])
    return ids


def _fill(detections: Detections, rows: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, track: int) -> Track:
    """One track's keypoints on every frame from its first to its last detection, gaps interpolated."""
    order = rows[np.argsort(detections.score[rows], kind="stable")]  # the best detection of a frame wins
    first, last = detections.frame[rows].min(), detections.frame[rows].max()
    frames = np.arange(first, last + 1)
    dense = np.full((len(frames), keypoints.shape[1], 2), np.nan)
    dense[detections.frame[order] - first] = keypoints[order]
    dense_scores = np.zeros((len(frames), keypoints.shape[1]))
    dense_scores[detections.frame[order] - first] = np.where(np.isnan(keypoints[order, :, 0]), 0.0, scores[order])
    detected = np.zeros(len(frames), dtype=bool)
    detected[detections.frame[rows] - first] = True
    missing = np.isnan(dense[..., 0])
    never = [H36M_17.joints[joint] for joint in np.flatnonzero(missing.all(axis=0))]
    for joint in np.flatnonzero(~missing.all(axis=0)):
        seen = ~missing[:, joint]
        for axis in range(2):
            dense[:, joint, axis] = np.interp(frames, frames[seen], dense[seen, joint, axis])
    return Track(
        problem=f"{', '.join(never)} never detected (nothing to interpolate)" if never else None,
        id=track,
        frames=frames,
        keypoints=dense,
        scores=dense_scores,
        detected=detected,
        filled=int(missing.sum()),
        confidence=float(detections.score[rows].sum()),
    )


def tracks(detections: Detections, keypoints: np.ndarray, min_score: float) -> list[Track]:
    """Every person in ``detections`` (H36M-17 ``keypoints`` (N, 17, 3)), most confident first.

    Keypoints scoring at or below ``min_score`` (or with a coordinate or score that is not finite) are
    missing and interpolated in time. People who cannot be lifted are included, with their ``problem``.
    """
    positions = keypoints[..., :2].copy()
    found = np.isfinite(keypoints).all(axis=-1) & (np.nan_to_num(keypoints[..., 2], nan=-np.inf) > min_score)
    positions[~found] = np.nan
    seen = np.isfinite(positions[..., 0]).any(axis=1)  # detections with at least one keypoint
    if not seen.any():
        raise InputError(detections.path, f"no keypoint scores above {min_score} (--min-score)")
    ids = np.full(len(detections), -1, dtype=np.int64)
    if detections.track is not None:
        ids[seen] = detections.track[seen]
    else:
        ids[seen] = link(detections.frame[seen], positions[seen])
    found = [
        _fill(detections, rows, positions, keypoints[..., 2], int(t))
        for t in np.unique(ids[seen])
        for rows in _segments(detections.frame, np.flatnonzero(seen & (ids == t)))
    ]
    return sorted(found, key=lambda track: -track.confidence)


def _segments(frames: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    """One track's ``rows`` split wherever its person goes undetected for more than :data:`MAX_GAP` frames."""
    rows = rows[np.argsort(frames[rows], kind="stable")]
    return np.split(rows, np.flatnonzero(np.diff(frames[rows]) > MAX_GAP) + 1)


def select(found: list[Track], person: str, path: object) -> list[Track]:
    """``person``: ``all``, ``track:ID`` (the detector's track id) or an index into ``found`` (0: most confident).

    A person asked for by index or track id who cannot be lifted is an :class:`InputError`; ``all`` lifts
    every person who can be, warns about each who cannot, and fails only when nobody can.
    """
    summary = ", ".join(f"{i}: track {t.id} ({len(t.frames)} frames)" for i, t in enumerate(found[:5]))
    if person == "all":
        chosen = found
    elif person.startswith("track:"):
        chosen = [t for t in found if str(t.id) == person.removeprefix("track:")]
        if not chosen:
            raise InputError(str(path), f"no {person}; people found: {summary}")
    elif not person.isdecimal():
        raise InputError(str(path), f"--person {person!r}: use an index (0: most confident), track:ID or all")
    elif int(person) >= len(found):
        raise InputError(str(path), f"no person {person}; people found: {summary}")
    else:
        chosen = [found[int(person)]]
    liftable = [t for t in chosen if t.problem is None]
    for t in chosen:
        if t.problem is not None and (person == "all" and liftable):
            log.warning("%s: skipped person %d (frames %d-%d): %s", path, t.id, t.frames[0], t.frames[-1], t.problem)
        elif t.problem is not None:
            who = {"all": "nobody can be lifted; the most confident person"}.get(person, f"--person {person}")
            raise InputError(str(path), f"{who} (track {t.id}, frames {t.frames[0]}-{t.frames[-1]}): {t.problem}")
    return liftable
