"""VideoPose3D's custom-video archive (``data_2d_custom_<name>.npz`` from ``prepare_data_2d_custom.py``).

``positions_2d[video]["custom"]`` is a list holding one (T, 17, 2) pixel array; ``metadata`` gives
``layout_name`` (``coco`` for Detectron keypoints, or ``h36m``) and ``video_metadata[video]`` its
width ``w`` and height ``h``. The archive's pickled dictionaries are read by the restricted
unpickler of :mod:`pose3d.core.safe_load`, which runs no code from the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.numbers import is_whole
from pose3d.core.safe_load import load_npz
from pose3d.data.skeleton import COCO_17, H36M_17
from pose3d.lifting.detections import Detections
from pose3d.lifting.readers.npy import from_array

FORMAT = "videopose3d"
LAYOUTS = {"coco": COCO_17.name, "h36m": H36M_17.name}


def _item(archive: dict[str, np.ndarray], path: Path, key: str) -> Any:
    """The dictionary pickled in a 0-d object array member."""
    if key not in archive:
        raise InputError(path, f"no '{key}' array (not a VideoPose3D 2D archive)")
    member = archive[key]
    value = member.item() if member.shape == () else None
    if not isinstance(value, Mapping):
        raise InputError(path, f"'{key}' is not a dictionary")
    return value


def read(path: Path, video: str | None = None) -> Detections:
    """The one video of the archive, or ``video`` when it holds several."""
    archive = load_npz(path)
    positions, metadata = _item(archive, path, "positions_2d"), _item(archive, path, "metadata")
    keys = {str(key): key for key in positions}  # --video is text; archives key videos by name
    videos = sorted(keys)
    if video is None and len(videos) != 1:
        raise InputError(path, f"holds {len(videos)} videos ({', '.join(videos[:5])}); choose one with --video")
    name = video if video is not None else videos[0]
    if name not in keys:
        raise InputError(path, f"no video {name!r}; it holds {', '.join(videos[:5])}")
    entry = positions[keys[name]]
    tracks = entry.get("custom") if isinstance(entry, Mapping) else None
    if not isinstance(tracks, (list, tuple)) or len(tracks) != 1 or not isinstance(tracks[0], np.ndarray):
        raise InputError(path, f"positions_2d[{name!r}]['custom'] is not a list holding one keypoint array")
    layout_name = metadata.get("layout_name", "coco")
    if not isinstance(layout_name, str) or layout_name not in LAYOUTS:
        raise InputError(path, f"metadata layout_name {layout_name!r} is not one of {', '.join(LAYOUTS)}")
    detections = from_array(path, FORMAT, tracks[0], LAYOUTS[layout_name])
    detections.image_size = _image_size(path, metadata, keys[name])
    return detections


def _image_size(path: Path, metadata: Mapping[Any, Any], video: Any) -> tuple[int, int] | None:
    """``video_metadata[video]``'s whole-pixel width ``w`` and height ``h``, when the archive records them."""
    videos = metadata.get("video_metadata", {})
    size = videos.get(video, {}) if isinstance(videos, Mapping) else None
    if not isinstance(size, Mapping):
        raise InputError(path, "metadata video_metadata is not a dictionary of {'w': width, 'h': height} per video")
    if not {"w", "h"} <= set(size):
        return None
    sides = (size["w"], size["h"])
    if not all(_whole(side) for side in sides):
        raise InputError(path, f"metadata video_metadata[{video!r}] w and h are not whole pixels: {sides!r}")
    return int(sides[0]), int(sides[1])


def _whole(value: Any) -> bool:
    """An integer, or a float with a whole value (not NaN or infinite); booleans are not."""
    if isinstance(value, (float, np.floating)):
        return float(value).is_integer()
    return is_whole(value) or isinstance(value, np.integer)
