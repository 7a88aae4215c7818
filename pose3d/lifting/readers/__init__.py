"""One small reader per keypoint file format; :func:`read` picks the reader from the path when unambiguous.

- ``coco-json``: COCO keypoint results (:mod:`.coco_json`)
- ``alphapose``: AlphaPose Halpe-26/136 results (:mod:`.alphapose`)
- ``openpose``: an OpenPose output folder (:mod:`.openpose`)
- ``videopose3d``: VideoPose3D's custom-video ``.npz`` (:mod:`.videopose3d`)
- ``npy``: a (T, 17, 2|3) array in Human3.6M order (:mod:`.npy`)
"""

from __future__ import annotations

from pathlib import Path

from pose3d.core.errors import InputError
from pose3d.lifting.detections import Detections
from pose3d.lifting.readers import alphapose, coco_json, npy, openpose, videopose3d
from pose3d.lifting.readers.records import load_json


def detect_format(path: Path) -> str:
    """The format of ``path``: a folder is OpenPose output, ``.npy``/``.npz`` by suffix, JSON by content.

    A JSON list whose first detection has an integer ``image_id`` and 51 keypoint values is COCO
    results; any other list of detections is AlphaPose's (file-name image ids, Halpe keypoints).
    """
    if path.is_dir():
        return openpose.FORMAT
    if not path.exists():
        raise InputError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz"):
        return npy.FORMAT if suffix == ".npy" else videopose3d.FORMAT
    if suffix != ".json":
        raise InputError(path, "cannot tell the keypoint format from the name; pass --format")
    content = load_json(path)
    if isinstance(content, dict) and "people" in content:
        raise InputError(path, "a single OpenPose frame file; pass the folder that holds all frames")
    first = content[0] if isinstance(content, list) and content else None
    if not isinstance(first, dict) or "keypoints" not in first:
        raise InputError(path, "not a list of keypoint detections (COCO results or AlphaPose JSON)")
    coco = isinstance(first.get("image_id"), int) and len(first.get("keypoints") or ()) == 51
    return coco_json.FORMAT if coco else alphapose.FORMAT


def read(path: str | Path, format: str | None = None, video: str | None = None) -> Detections:
    """The detections in ``path`` (``format`` one of ``pose3d.config.choices.LIFT_FORMATS``, or detected);
    ``video`` picks one video of a file or folder that holds several (VideoPose3D, OpenPose)."""
    path = Path(path)
    format = format or detect_format(path)
    if format == videopose3d.FORMAT:
        return videopose3d.read(path, video=video)
    if format == openpose.FORMAT:
        return openpose.read(path, video=video)
    if video is not None:
        raise InputError(path, f"--video picks a video of a VideoPose3D .npz or an OpenPose folder, not of {format}")
    readers = {m.FORMAT: m.read for m in (coco_json, alphapose, npy)}
    return readers[format](path)
