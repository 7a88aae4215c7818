"""Human3.6M cameras: calibration loading, world<->camera transforms, projection, screen normalisation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    import torch

from pose3d.data.quaternion import qconj, qrot

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")

#: Camera ids in camera-index order 0..3.
CAMERA_IDS: tuple[str, ...] = ("54138969", "55011271", "58860488", "60457274")


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole camera with Brown distortion, as in the Human3.6M calibration."""

    id: str
    focal_length: tuple[float, float]
    center: tuple[float, float]
    radial_distortion: tuple[float, float, float]
    tangential_distortion: tuple[float, float]
    res_w: int
    res_h: int

    def as_vector(self) -> np.ndarray:
        """f(2), c(2), k(3), p(2): the 9-vector layout used by the 3DPW test file."""
        return np.array(
            [*self.focal_length, *self.center, *self.radial_distortion, *self.tangential_distortion], dtype=np.float64
        )


@dataclass(frozen=True)
class Extrinsics:
    """Camera pose: ``orientation`` rotates camera -> world, ``translation`` is the centre (mm)."""

    orientation: tuple[float, float, float, float]
    translation: tuple[float, float, float]


@cache
def _calibration() -> dict:
    text = resources.files("pose3d.data").joinpath("h36m_cameras.json").read_text()
    return json.loads(text)


def intrinsics(camera: str | int) -> Intrinsics:
    """Intrinsics of a camera given by id string or index 0..3."""
    cam_id = camera_id(camera)
    for entry in _calibration()["intrinsics"]:
        if entry["id"] == cam_id:
            return Intrinsics(
                id=cam_id,
                focal_length=tuple(entry["focal_length"]),
                center=tuple(entry["center"]),
                radial_distortion=tuple(entry["radial_distortion"]),
                tangential_distortion=tuple(entry["tangential_distortion"]),
                res_w=int(entry["res_w"]),
                res_h=int(entry["res_h"]),
            )
    raise KeyError(cam_id)


def extrinsics(subject: str, camera: str | int) -> Extrinsics:
    """Extrinsics of a camera for one subject (the rig moved between subjects)."""
    table = _calibration()["extrinsics"]
    if subject not in table:
        raise KeyError(f"no camera calibration for subject {subject!r}; known: {sorted(table)}")
    entry = table[subject][CAMERA_IDS.index(camera_id(camera))]
    return Extrinsics(orientation=tuple(entry["orientation"]), translation=tuple(entry["translation"]))


def camera_id(camera: str | int) -> str:
    """Normalise a camera index or id to the id string; raise KeyError for unknown cameras."""
    if isinstance(camera, (int, np.integer)):
        if not 0 <= camera < len(CAMERA_IDS):
            raise KeyError(f"camera index {camera} out of range 0..{len(CAMERA_IDS) - 1}")
        return CAMERA_IDS[camera]
    if camera not in CAMERA_IDS:
        raise KeyError(f"unknown camera id {camera!r}; known: {', '.join(CAMERA_IDS)}")
    return camera


def world_to_camera(x_world: np.ndarray, ext: Extrinsics) -> np.ndarray:
    """World -> camera frame. ``x_world`` (..., 3) in the units of ``ext.translation``."""
    q = np.asarray(ext.orientation, dtype=np.float64)
    t = np.asarray(ext.translation, dtype=np.float64)
    return qrot(np.broadcast_to(qconj(q), (*x_world.shape[:-1], 4)), x_world - t)


def camera_to_world(x_cam: np.ndarray, ext: Extrinsics) -> np.ndarray:
    """Camera -> world frame, the inverse of :func:`world_to_camera`."""
    q = np.asarray(ext.orientation, dtype=np.float64)
    t = np.asarray(ext.translation, dtype=np.float64)
    return qrot(np.broadcast_to(q, (*x_cam.shape[:-1], 4)), x_cam) + t


def to_camera_frame(world: np.ndarray, subject: str, camera: str | int) -> np.ndarray:
    """World positions (..., 3) in METRES -> the camera's frame in metres (float64).

    The calibration's translation is in millimetres; it is scaled to metres here, so the
    positions themselves are never rescaled.
    """
    ext = extrinsics(subject, camera)
    metres = Extrinsics(
        orientation=ext.orientation,
        translation=(ext.translation[0] / 1000.0, ext.translation[1] / 1000.0, ext.translation[2] / 1000.0),
    )
    return world_to_camera(np.asarray(world, dtype=np.float64), metres)


def project(x_cam: ArrayT, params: ArrayT) -> ArrayT:
    """Project camera-frame points (..., 3) to pixels (..., 2) with radial and tangential distortion.

    ``params`` (..., 9) is f(2), c(2), k(3), p(2) (:meth:`Intrinsics.as_vector`), broadcast against
    the points. Works on NumPy arrays and torch tensors alike (used by losses too).
    """
    f, c, k, p = params[..., 0:2], params[..., 2:4], params[..., 4:7], params[..., 7:9]
    xy = (x_cam[..., :2] / x_cam[..., 2:3]).clip(-1.0, 1.0)
    r2 = xy[..., :1] ** 2 + xy[..., 1:] ** 2
    radial = 1.0 + k[..., :1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3
    tan = p[..., :1] * xy[..., :1] + p[..., 1:] * xy[..., 1:]
    distorted = xy * (radial + tan) + p * r2
    return f * distorted + c


def normalize_screen(x: np.ndarray, w: np.ndarray | float, h: np.ndarray | float) -> np.ndarray:
    """Pixels -> [-1, 1] along x, [-h/w, h/w] along y; ``w``/``h`` may be arrays broadcasting over x[..., 0]."""
    out = x / np.asarray(w, dtype=x.dtype)[..., None] * 2.0
    out[..., 0] -= 1.0
    out[..., 1] -= np.asarray(h / w, dtype=x.dtype)
    return out


def denormalize_screen(x: np.ndarray, w: np.ndarray | float, h: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`normalize_screen`."""
    shifted = x.copy()
    shifted[..., 1] += np.asarray(h / w, dtype=x.dtype)
    shifted[..., 0] += 1.0
    return shifted * np.asarray(w, dtype=x.dtype)[..., None] / 2.0


def rotate_to_world(x_cam: np.ndarray, subject: str, camera: str | int) -> np.ndarray:
    """Camera-frame vectors (..., 3) turned into world axes without moving them (root-relative poses
    stand upright, z up); the camera's translation is not applied."""
    ext = extrinsics(subject, camera)
    return camera_to_world(np.asarray(x_cam, dtype=np.float64), Extrinsics(ext.orientation, (0.0, 0.0, 0.0)))


def optical_axis(subject: str, camera: str | int) -> np.ndarray:
    """Unit world direction along which the camera looks (its +z axis)."""
    return rotate_to_world(np.array([0.0, 0.0, 1.0]), subject, camera)
