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


def angle_between(r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Angle (radians) of the rotation from ``r1`` to ``r2``."""
    cos = (np.trace(np.swapaxes(r1, -1, -2) @ r2, axis1=-2, axis2=-1) - 1.0) / 2.0
    return np.arccos(np.clip(cos, -1.0, 1.0))


def axis_rotation(angle: np.ndarray, axis: str) -> np.ndarray:
    """(..., 3, 3) rotations by ``angle`` (radians) about the named axis."""
    i = _AXES.index(axis)
    j, k = (i + 1) % 3, (i + 2) % 3
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((*np.shape(angle), 3, 3))
    out[..., i, i] = 1.0
    out[..., j, j], out[..., j, k], out[..., k, j], out[..., k, k] = c, -s, s, c
    return out


def euler_matrix(angles: np.ndarray, order: str) -> np.ndarray:
    """Rotations ``R_a(angles[0]) R_b(angles[1]) R_c(angles[2])`` for ``order = "abc"`` (BVH's channel order)."""
    return (
        axis_rotation(angles[..., 0], order[0])
        @ axis_rotation(angles[..., 1], order[1])
        @ axis_rotation(angles[..., 2], order[2])
    )


def euler_angles(matrices: np.ndarray, order: str) -> np.ndarray:
    """(T, ..., 3) angles (radians) with ``euler_matrix(angles, order) == matrices`` for (T, ..., 3, 3) rotations,
    continuous in T: of the two solutions of each frame the one nearest the previous frame, whole turns removed.

    ``order`` names three different axes; the middle angle is within [-90, 90] degrees in the first frame.
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
