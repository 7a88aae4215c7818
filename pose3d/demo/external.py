"""Demo stand-ins for the MPI-INF-3DHP and 3DPW test files, with their own pinhole cameras.

Camera frames follow Human3.6M: x right, y down, z forward. Each sequence draws its generator from
``(seed, stream, sequence index)`` so it does not depend on the others.
"""

from __future__ import annotations

import numpy as np

from pose3d.data.camera import normalize_screen, project
from pose3d.data.skeleton import H36M_17_FROM_3DHP, H36M_32_TO_17
from pose3d.demo.body import make_body
from pose3d.demo.motion import animate
from pose3d.demo.sequences import HP3D_SEQUENCES, PW3D_VIDEOS, external_frames
from pose3d.demo.signals import event_mask, smooth_noise

_HP3D_STREAM = 1003
_PW3D_STREAM = 1004
_PW3D_FPS = 30.0
_PW3D_SIZE = (1080, 1920)  # portrait phone video (w, h)


def _look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World -> camera rotations (..., 3, 3) of cameras at ``eye`` looking at ``target`` (world z up)."""
    forward = target - eye
    forward = forward / np.linalg.norm(forward, axis=-1, keepdims=True)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right = right / np.linalg.norm(right, axis=-1, keepdims=True)
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=-2)


def _to_camera(points: np.ndarray, eye: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Points (T, J, 3) into the camera frames of per-frame eyes (T, 3) and rotations (T, 3, 3)."""
    return np.einsum("tij,tkj->tki", rotation, points - eye[:, None, :])


def _pinhole(focal: float, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """f(2), c(2), k(3), p(2) of a distortion-free camera with a slightly off-centre principal point."""
    f = focal * rng.uniform(0.97, 1.03)
    centre = np.array([width, height]) / 2.0 + rng.uniform(-8.0, 8.0, 2)
    return np.concatenate([[f, f], centre, np.zeros(5)])


def mpi_inf_3dhp(size: str, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """``{'TS1'..'TS6': {'data_3d' (N,17,3) mm, 'data_2d' (N,17,2) px, 'valid' (N,)}}``, 3DHP joint order."""
    out = {}
    for index, (name, (full, action, fps, (width, height))) in enumerate(HP3D_SEQUENCES.items()):
        rng = np.random.default_rng([seed, _HP3D_STREAM, index])
        frames = external_frames(full, size)
        outdoor = width != height
        motion = animate(action, make_body(rng), rng, frames, fps, area=0.6)
        azimuth = rng.uniform(0, 2 * np.pi)
        distance = rng.uniform(4.5, 5.0) if outdoor else rng.uniform(3.8, 4.4)
        eye = np.array([distance * np.cos(azimuth), distance * np.sin(azimuth), rng.uniform(1.0, 1.4)])
        rotation = _look_at(eye, np.array([0.0, 0.0, 0.9]))
        joints = (
            _to_camera(
                motion.positions[:, H36M_32_TO_17],
                np.broadcast_to(eye, (frames, 3)),
                np.broadcast_to(rotation, (frames, 3, 3)),
            )
            * 1000.0
        )
        params = _pinhole(1680.0 if outdoor else 1500.0, width, height, rng)
        pixels = project(joints, params)
        invalid = event_mask(rng, (1, frames), 1.0 / (15.0 * fps), int(3 * fps))[0]  # about 10 %
        invalid[rng.integers(frames)] = True
        data_3d = np.empty_like(joints)
        data_2d = np.empty_like(pixels)
        data_3d[:, H36M_17_FROM_3DHP] = joints
        data_2d[:, H36M_17_FROM_3DHP] = pixels
        out[name] = {
            "data_3d": data_3d.astype(np.float32),
            "data_2d": data_2d.astype(np.float32),
            "valid": (~invalid).astype(np.float32),
        }
    return out


def pw3d(size: str, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """``{'<video>_<person>': {'pos2d' screen-normalised, 'pos3d' camera metres, 'cam' (11,)}}``."""
    width, height = _PW3D_SIZE
    out = {}
    for index, (video, (full, persons, action)) in enumerate(PW3D_VIDEOS.items()):
        rng = np.random.default_rng([seed, _PW3D_STREAM, index])
        frames = external_frames(full, size)
        side = rng.uniform(0, 2 * np.pi)
        offsets = [np.array([np.cos(side), np.sin(side), 0.0]) * 0.5 * (2 * p - (persons - 1)) for p in range(persons)]
        area = 1.0 if persons == 1 else 0.4
        worlds = [
            animate(action, make_body(rng), rng, frames, _PW3D_FPS, area).positions + offset for offset in offsets
        ]
        centre = np.mean([world[:, 0] for world in worlds], axis=0)
        shake = smooth_noise(rng, frames, 7, _PW3D_FPS, 1.5)
        azimuth = rng.uniform(0, 2 * np.pi) + 0.4 * smooth_noise(rng, frames, 1, _PW3D_FPS, 0.05)[:, 0]
        distance = rng.uniform(4.0, 5.0) + 2.0 * (persons - 1) + 0.2 * shake[:, 0]
        ground = centre * np.array([1.0, 1.0, 0.0])
        ring = np.stack([np.cos(azimuth), np.sin(azimuth), np.zeros(frames)], axis=1) * distance[:, None]
        eye = ground + ring + np.array([0.0, 0.0, rng.uniform(1.3, 1.6)]) + 0.02 * shake[:, 1:4]
        rotation = _look_at(eye, ground + np.array([0.0, 0.0, 0.9]) + 0.03 * shake[:, 4:7])
        params = _pinhole(1960.0, width, height, rng)
        cam = np.concatenate([params, [width, height]]).astype(np.float32)
        for person, world in enumerate(worlds):
            joints = _to_camera(world[:, H36M_32_TO_17], eye, rotation)
            pos2d = normalize_screen(project(joints, params), width, height)
            out[f"{video}_{person}"] = {
                "pos2d": pos2d.astype(np.float32),
                "pos3d": joints.astype(np.float32),
                "cam": cam.copy(),
            }
    return out
