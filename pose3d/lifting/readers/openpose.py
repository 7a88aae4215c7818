"""An OpenPose output folder (``--write_json``): one ``*_keypoints.json`` per frame, in name order.

Each file holds ``people[].pose_keypoints_2d``: x, y, confidence of 25 (BODY_25) or 18 (COCO-18)
keypoints; an undetected keypoint is written as 0, 0, 0. ``person_id`` is -1 unless a tracker ran.
A frame's number is its file's position in name order (OpenPose zero-pads the frame number).
OpenPose names the files ``<video>_<frame:012d>_keypoints.json``: a folder holding the files of
several videos is refused with their names unless ``--video`` names the one to read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError
from pose3d.data.skeleton import OPENPOSE_BODY_25, OPENPOSE_COCO_18
from pose3d.lifting.detections import Detections, check_values
from pose3d.lifting.readers.records import is_number, load_json, track_id

FORMAT = "openpose"
LAYOUTS = {
    3 * OPENPOSE_BODY_25.num_joints: OPENPOSE_BODY_25.name,
    3 * OPENPOSE_COCO_18.num_joints: OPENPOSE_COCO_18.name,
}


#: ``<video>_<frame>_keypoints.json``, OpenPose's name for the file of one frame.
_NAME = re.compile(r"(?P<video>.*)_\d+_keypoints\.json")


def frame_files(folder: Path, video: str | None = None) -> list[Path]:
    """The per-frame JSON files of one video in an OpenPose output folder, in frame order."""
    files = sorted(folder.glob("*_keypoints.json")) or sorted(folder.glob("*.json"))
    if not files:
        raise InputError(folder, "no OpenPose *_keypoints.json files in this folder")
    videos: dict[str, list[Path]] = defaultdict(list)
    for file in files:
        match = _NAME.fullmatch(file.name)
        videos[match["video"] if match else ""].append(file)
    names = ", ".join(repr(name) for name in sorted(videos)[:5]) + (", ..." if len(videos) > 5 else "")
    if video is not None:
        if video not in videos:
            raise InputError(folder, f"--video {video!r}: no {video}_<frame>_keypoints.json files; it holds {names}")
        return videos[video]
    if len(videos) > 1:
        raise InputError(folder, f"holds the frames of {len(videos)} videos ({names}); choose one with --video")
    return files


def read(folder: Path, video: str | None = None) -> Detections:
    """The people of every frame file (of ``video``, when the folder holds several); the detection score is
    the mean confidence of its found keypoints."""
    if not folder.is_dir():
        raise InputError(folder, "not a folder (an OpenPose output folder holds one JSON file per frame)")
    frames, keypoints, tracks = [], [], []
    size = None
    files = frame_files(folder, video)
    for frame, file in enumerate(files):
        content = load_json(file)
        if not isinstance(content, dict) or not isinstance(content.get("people"), list):
            raise InputError(file, "not an OpenPose frame file (no 'people' list)")
        for person, entry in enumerate(content["people"]):
            values = entry.get("pose_keypoints_2d") if isinstance(entry, dict) else None
            if not isinstance(values, list) or len(values) not in LAYOUTS:
                count = len(values) if isinstance(values, list) else "no"
                raise InputError(file, f"person {person}: {count} pose_keypoints_2d values, expected 75 or 54")
            if not all(is_number(v) for v in values):
                raise InputError(file, f"person {person}: pose_keypoints_2d is not a list of numbers")
            if size is not None and len(values) != size:
                raise InputError(
                    file, f"person {person}: {len(values)} pose_keypoints_2d values, earlier frames {size}"
                )
            size = len(values)
            person_id = track_id(entry.get("person_id", -1))  # anything but an integer id: untracked
            frames.append(frame)
            keypoints.append(values)
            tracks.append(-1 if person_id is None else person_id)
    if size is None:
        raise InputError(folder, f"no person in any of the {len(files)} frame files")
    array = np.asarray(keypoints, dtype=np.float64).reshape(len(keypoints), -1, 3)
    track = np.asarray(tracks, dtype=np.int64)
    check_values(folder, array)  # before the score sums below can overflow
    confidence = array[..., 2]
    found = np.isfinite(array).all(axis=-1) & (np.nan_to_num(confidence, nan=0.0) > 0)  # NaN, inf: not found
    score = np.where(found.any(axis=1), (confidence * found).sum(axis=1) / np.maximum(found.sum(axis=1), 1), 0.0)
    return Detections(
        path=folder,
        format=FORMAT,
        layout=LAYOUTS[size],
        frame=np.asarray(frames, dtype=np.int64),
        keypoints=array,
        score=score,
        track=track if (track >= 0).all() else None,
        num_frames=len(files),
    )
