"""COCO keypoint results JSON (Detectron2, MMPose, the COCO API): a list of person detections.

Each record: ``image_id`` (an integer, taken as the frame number), ``keypoints`` (17 x, y, score),
``score``; PoseTrack-style files may add ``track_id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pose3d.core.numbers import is_whole
from pose3d.data.skeleton import COCO_17
from pose3d.lifting.detections import Detections
from pose3d.lifting.readers.records import load_json, parse_records

FORMAT = "coco-json"


def _frame(image_id: Any) -> int | None:
    return image_id if is_whole(image_id) and image_id >= 0 else None


def read(path: Path) -> Detections:
    """The detections of a COCO results file."""
    layouts = {3 * COCO_17.num_joints: COCO_17.name}
    return parse_records(path, load_json(path), FORMAT, layouts, _frame, "track_id")
