"""AlphaPose results JSON: a list of person detections in Halpe-26 (or Halpe-136, or COCO-17) layout.

Each record: ``image_id`` (the frame's file name, e.g. ``"42.jpg"``: its last number is the frame),
``keypoints`` (x, y, score per keypoint), ``score``, and ``idx`` (the track id, with ``--pose_track``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pose3d.core.numbers import is_whole
from pose3d.data.skeleton import COCO_17, HALPE_26
from pose3d.lifting.detections import Detections
from pose3d.lifting.readers.records import load_json, parse_records

FORMAT = "alphapose"
#: Keypoint values per record -> layout (Halpe-136 starts with the 26 Halpe body keypoints).
LAYOUTS = {3 * HALPE_26.num_joints: HALPE_26.name, 3 * 136: f"{HALPE_26.name}:26", 3 * COCO_17.num_joints: COCO_17.name}


def _frame(image_id: Any) -> int | None:
    """The frame of an integer id or of a file name's last number (up to 18 digits; longer is no frame)."""
    if is_whole(image_id):
        return image_id if image_id >= 0 else None
    numbers = re.findall(r"\d+", Path(image_id).stem) if isinstance(image_id, str) else []
    return int(numbers[-1]) if numbers and len(numbers[-1]) <= 18 else None


def read(path: Path) -> Detections:
    """The detections of an AlphaPose results file."""
    return parse_records(path, load_json(path), FORMAT, LAYOUTS, _frame, "idx")
