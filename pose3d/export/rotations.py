"""Rotation matrices from joint directions, and Euler angles that stay continuous from frame to frame.

Everything is vectorised over leading axes; matrices act on column vectors (``R @ v``).
"""

from __future__ import annotations

import numpy as np

_AXES = "XYZ"


def normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def shortest_arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations taking unit vectors ``a`` onto ``b`` about the axis ``a x b`` (no twist about either).

    Opposite vectors (no unique arc) turn half a circle about an axis perpendicular to ``a``.
    """
    a, b = np.broadcast_arrays(a, b)
    axis = np.cross(a, b)
    cos = np.sum(a * b, axis=-1)
    opposite = 1.0 + cos < 1e-9
    if opposite.any():
        helper = np.where(np.abs(a[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        perpendicular = normalize(np.cross(a, helper))
        axis = np.where(opposite[..., None], perpendicular, axis)
        cos = np.where(opposite, 0.0, cos)  # with |axis| = 1 below, this gives the half turn
    k = _skew(axis)
    scale = np.where(opposite, 2.0, 1.0 / np.maximum(1.0 + cos, 1e-9))
    return np.eye(3) + np.where(opposite[..., None, None], 0.0, k) + k @ k * scale[..., None, None]


def frame_from(primary: np.ndarray, lateral: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation whose Y column is ``primary`` and whose X column is ``lateral`` made perpendicular to it.

    The rotation that takes a rest pose with ``primary`` along +Y and ``lateral`` along +X onto the observed one.
    """
    y = normalize(primary)
    x = normalize(lateral - np.sum(lateral * y, axis=-1, keepdims=True) * y)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def euler_angles(matrices: np.ndarray, order: str) -> np.ndarray:
    """(T, ..., 3) angles (radians) of (T, ..., 3, 3) rotations ``R_a(angles[0]) R_b(angles[1]) R_c(angles[2])``
    for ``order = "abc"`` (BVH's channel order, e.g. ``"ZYX"``), continuous in T: of the two solutions of each
    frame the one nearest the previous frame, whole turns removed. The middle angle of the first frame is
    within [-90, 90] degrees.
    """
    i, j, k = (_AXES.index(axis) for axis in order)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0  # even (XYZ, YZX, ZXY) or odd permutation
    m = matrices
    middle = np.arcsin(np.clip(sign * m[..., i, k], -1.0, 1.0))
    first = np.arctan2(-sign * m[..., j, k], m[..., k, k])
    last = np.arctan2(-sign * m[..., i, j], m[..., i, i])
    principal = np.stack([first, middle, last], axis=-1)
    other = np.stack([first + np.pi, np.pi - middle, last + np.pi], axis=-1)
    out = np.empty_like(principal)
    out[0] = principal[0]
    for t in range(1, len(m)):
        options = np.stack([_near(principal[t], out[t - 1]), _near(other[t], out[t - 1])])
        distance = np.abs(options - out[t - 1]).sum(axis=-1)
        out[t] = np.where((distance[0] <= distance[1])[..., None], options[0], options[1])
    return out


def _near(angles: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``angles`` shifted by whole turns to lie within half a turn of ``reference``."""
    return reference + (angles - reference + np.pi) % (2.0 * np.pi) - np.pi


def _skew(v: np.ndarray) -> np.ndarray:
    """(..., 3, 3) cross-product matrices: ``_skew(v) @ w == v x w``."""
    zero = np.zeros(v.shape[:-1])
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)], axis=-2)
