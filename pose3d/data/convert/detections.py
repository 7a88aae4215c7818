"""VideoPose3D-style 2D detection archives (CPN fine-tuned on Human3.6M, Detectron COCO keypoints) -> Parquet.

The archive holds ``positions_2d[subject][sequence]``: a list of 4 (T', 17, 2) pixel arrays in
camera order. Only the mocap's subjects and sequences are kept (S2-S4 have no mocap), each track
trimmed to the mocap length. An archive whose ``metadata["layout_name"]`` is ``coco``
(``data_2d_h36m_detectron_pt_coco.npz``) holds COCO keypoints; they are mapped to the Human3.6M
17-joint order by :mod:`pose3d.data.layouts`, and the table records ``layout_2d: coco`` so that models
trained on it are told apart.

Tracks of (T', J, 3) carry the detector's score as a third channel (VideoPose3D's Detectron export
with its ``[0, 1, 3]`` argmax + score option); the table's ``scores`` column holds it (a synthesised
COCO -> H36M joint scores the lowest of its keypoints) and the metadata says ``scores_source:
detector``. The released archives (CPN; Detectron with soft-argmax x, y) have two channels: their
scores are 1.0 (``scores_source: none (1.0)``). All tracks of an archive must agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.progress import progress
from pose3d.core.safe_load import load_npz
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.checks import as_list, as_mapping, as_numeric
from pose3d.data.convert.pose_tables import check_keypoints, check_scores, read_mocap, write_h36m_2d
from pose3d.data.h36m import rename_sequence
from pose3d.data.layouts import to_h36m17
from pose3d.data.skeleton import COCO_17, H36M_17

#: VideoPose3D ``layout_name`` -> (our keypoint layout, kind of 2D keypoints).
_ARCHIVE_LAYOUTS = {"h36m": (H36M_17.name, "h36m"), "coco": (COCO_17.name, "coco")}


def convert_detections(npz: str | Path, poses_3d: str | Path, out: str | Path, source: str) -> None:
    """Detections of the ``poses_3d`` sequences -> 2D table (17 joints, pixels); ``source`` names the detector."""
    positions_2d, archive_meta = _load_archive(npz)
    name = archive_meta.get("layout_name", "h36m")
    if not isinstance(name, str) or name not in _ARCHIVE_LAYOUTS:
        raise InputError(npz, f"metadata layout_name {name!r} is not one of {', '.join(_ARCHIVE_LAYOUTS)}")
    layout, kind = _ARCHIVE_LAYOUTS[name]
    mocap, _ = read_mocap(poses_3d)
    tracks: list[np.ndarray] = []
    scores: dict[str, np.ndarray | None] = {}  # track -> its scores (None: x, y only)
    by_subject: dict[str, dict[str, Any]] = {}
    runs = zip(mocap.keys["subject"], mocap.keys["sequence"], mocap.lengths)
    with progress(runs, total=len(mocap), desc=f"{source} 2D", unit=" sequences") as bar:
        for subject, sequence, length in bar:
            if subject not in positions_2d:
                known = ", ".join(sorted(map(str, positions_2d)))
                raise InputError(npz, f"no detections for subject {subject} (has: {known})")
            if subject not in by_subject:
                by_subject[subject] = _renamed(npz, subject, positions_2d[subject])
            sequences = by_subject[subject]
            if sequence not in sequences:
                raise InputError(npz, f"no detections for {subject} {sequence!r}, which the mocap has")
            cameras = as_list(sequences[sequence], npz, f"positions_2d[{subject!r}][{sequence!r}]")
            if len(cameras) != len(CAMERA_IDS):
                raise InputError(npz, f"{subject} {sequence!r}: {len(cameras)} cameras, expected {len(CAMERA_IDS)}")
            for camera, track in zip(CAMERA_IDS, cameras):
                what = f"{subject} {sequence!r} camera {camera}"
                track = as_numeric(track, npz, what)
                score = None
                if track.ndim == 3 and track.shape[-1] == 3:  # x, y, score
                    track, score = track[..., :2], track[..., 2]
                xy = check_keypoints(track, npz, what, H36M_17.num_joints, int(length))
                if score is None:
                    tracks.append(to_h36m17(xy, layout))
                    scores[what] = None
                    continue
                score = check_scores(score[: len(xy)], npz, what)
                mapped = to_h36m17(np.concatenate([xy, score[..., None]], axis=-1), layout)
                tracks.append(mapped[..., :2])
                scores[what] = mapped[..., 2]
    given = [score for score in scores.values() if score is not None]
    if given and len(given) < len(scores):
        scored = next(what for what, score in scores.items() if score is not None)
        unscored = next(what for what, score in scores.items() if score is None)
        raise InputError(npz, f"tracks disagree on scores: {scored} has (x, y, score), {unscored} only (x, y)")
    write_h36m_2d(
        mocap,
        np.concatenate(tracks),
        H36M_17,
        [Path(npz), Path(poses_3d)],
        out,
        scores=np.concatenate(given) if given else None,
        source=source,
        layout_2d=kind,
        archive_metadata=archive_meta,
    )


def _renamed(npz: str | Path, subject: str, sequences: Any) -> dict[str, Any]:
    """One subject's sequences by modern name (archives made from S1's files may keep TakingPhoto, WalkingDog)."""
    renamed: dict[str, Any] = {}
    for key, value in as_mapping(sequences, npz, f"positions_2d[{subject!r}]").items():
        name = rename_sequence(str(key))
        if name in renamed:
            raise InputError(npz, f"positions_2d[{subject!r}] has {name!r} under its old and its new name")
        renamed[name] = value
    return renamed


def _load_archive(npz: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``positions_2d`` and ``metadata`` dictionaries of a VideoPose3D 2D archive."""
    archive = load_npz(npz, ("positions_2d", "metadata"))
    if "positions_2d" not in archive:
        raise InputError(npz, "no 'positions_2d' array (not a VideoPose3D 2D archive)")
    positions_2d = as_mapping(archive["positions_2d"], npz, "positions_2d")
    metadata = as_mapping(archive["metadata"], npz, "metadata") if "metadata" in archive else {}
    return dict(positions_2d), _json_safe(metadata, npz)


#: Deepest metadata nesting kept (the releases' is 3 levels; a pickle can nest without limit, or in a cycle).
MAX_DEPTH = 32


def _json_safe(value: Any, npz: str | Path, depth: int = 0) -> Any:
    """Archive metadata as plain JSON types (numpy arrays and scalars converted)."""
    if depth > MAX_DEPTH:
        raise InputError(npz, f"metadata is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {str(k): _json_safe(v, npz, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v, npz, depth + 1) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value if value is None or isinstance(value, (str, int, float)) else str(value)
