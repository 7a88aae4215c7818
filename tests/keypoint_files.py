"""Write a person's COCO keypoints in the file formats of common 2D detectors, as those tools write them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose3d.data.skeleton import COCO_17, KEYPOINT_LAYOUTS

#: Keypoints other layouts have beyond COCO-17, made from COCO keypoints (feet: the ankle).
_EXTRA = {
    "neck": ("left_shoulder", "right_shoulder"),
    "mid_hip": ("left_hip", "right_hip"),
    "hip": ("left_hip", "right_hip"),
    "head": ("left_eye", "right_eye"),
    **{f"{side}_{part}": (f"{side}_ankle",) for side in ("left", "right") for part in ("big_toe", "small_toe", "heel")},
}


@dataclass
class Person:
    """One detected person: frame numbers, COCO-17 keypoints (T, 17, 3: x, y, score) and a detection score."""

    frames: np.ndarray
    keypoints: np.ndarray
    score: float = 0.9


def in_layout(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """COCO-17 keypoints (..., 17, 3) placed into another detector layout by joint name."""
    columns = []
    for name in KEYPOINT_LAYOUTS[layout].joints:
        sources = (name,) if name in COCO_17.joints else _EXTRA[name]
        picked = keypoints[..., [COCO_17.joints.index(s) for s in sources], :]
        columns.append(np.concatenate([picked[..., :2].mean(axis=-2), picked[..., 2:].min(axis=-2)], axis=-1))
    return np.stack(columns, axis=-2)


def _values(keypoints: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in keypoints.ravel()]


def coco_json(path: Path, people: list[Person]) -> Path:
    """COCO keypoint results: integer image ids, 51 values per person."""
    records = [
        {"image_id": int(f), "category_id": 1, "keypoints": _values(k), "score": p.score}
        for p in people
        for f, k in zip(p.frames, p.keypoints)
    ]
    path.write_text(json.dumps(sorted(records, key=lambda r: r["image_id"])))
    return path


def alphapose_json(path: Path, people: list[Person]) -> Path:
    """AlphaPose Halpe-26 results: file-name image ids, 78 values per person, box and idx."""
    records = [
        {
            "image_id": f"{int(f)}.jpg",
            "category_id": 1,
            "keypoints": _values(in_layout(k, "halpe26")),
            "score": p.score,
            "box": [0.0, 0.0, 100.0, 200.0],
            "idx": [i],
        }
        for i, p in enumerate(people)
        for f, k in zip(p.frames, p.keypoints)
    ]
    path.write_text(json.dumps(sorted(records, key=lambda r: int(r["image_id"].split(".")[0]))))
    return path


def openpose_folder(folder: Path, people: list[Person], frames: int, layout: str = "body25") -> Path:
    """One ``<video>_<frame:012d>_keypoints.json`` per frame; undetected keypoints are 0, 0, 0."""
    folder.mkdir(parents=True, exist_ok=True)
    for frame in range(frames):
        entries = []
        for p in people:
            rows = np.flatnonzero(p.frames == frame)
            if len(rows):
                values = in_layout(p.keypoints[rows[0]], layout)
                values[values[:, 2] <= 0] = 0.0
                entries.append({"person_id": [-1], "pose_keypoints_2d": _values(values), "face_keypoints_2d": []})
        content = {"version": 1.3, "people": entries}
        (folder / f"video_{frame:012d}_keypoints.json").write_text(json.dumps(content))
    return folder


def videopose3d_npz(path: Path, keypoints: np.ndarray, width: int, height: int) -> Path:
    """VideoPose3D's ``prepare_data_2d_custom.py`` output: COCO (T, 17, 2) for one video."""
    metadata = {
        "layout_name": "coco",
        "num_joints": 17,
        "keypoints_symmetry": [[1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]],
        "video_metadata": {"video.mp4": {"w": width, "h": height}},
    }
    positions = {"video.mp4": {"custom": [keypoints[..., :2].astype(np.float32)]}}
    np.savez_compressed(path, positions_2d=positions, metadata=metadata)
    return path
