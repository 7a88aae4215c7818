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
    videos = sorted(map(str, positions))
    if video is None and len(videos) != 1:
        raise InputError(path, f"holds {len(videos)} videos ({', '.join(videos[:5])}); choose one with --video")
    name = video if video is not None else videos[0]
    if name not in positions:
        raise InputError(path, f"no video {name!r}; it holds {', '.join(videos[:5])}")
    entry = positions[name]
    tracks = entry.get("custom") if isinstance(entry, Mapping) else None
    if not isinstance(tracks, (list, tuple)) or len(tracks) != 1 or not isinstance(tracks[0], np.ndarray):
        raise InputError(path, f"positions_2d[{name!r}]['custom'] is not a list holding one keypoint array")
    layout_name = metadata.get("layout_name", "coco")
    if layout_name not in LAYOUTS:
        raise InputError(path, f"metadata layout_name {layout_name!r} is not one of {', '.join(LAYOUTS)}")
    detections = from_array(path, FORMAT, tracks[0], LAYOUTS[layout_name])
    size = metadata.get("video_metadata", {}).get(name, {})
    if isinstance(size, Mapping) and {"w", "h"} <= set(size):
        detections.image_size = (int(size["w"]), int(size["h"]))
    return detections
