"""Quaternion rotation of 3D vectors, quaternions as (w, x, y, z)."""

from __future__ import annotations

import numpy as np


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4), broadcasting."""
    q = np.asarray(q)
    v = np.asarray(v)
    w = q[..., :1]
    u = q[..., 1:]
    uv = np.cross(u, v)
    uuv = np.cross(u, uv)
    return v + 2.0 * (w * uv + uuv)


def qconj(q: np.ndarray) -> np.ndarray:
    """Conjugate (the inverse of a unit quaternion)."""
    return np.asarray(q) * np.array([1.0, -1.0, -1.0, -1.0], dtype=np.asarray(q).dtype)
