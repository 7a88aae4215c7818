"""Type checks at the boundary of the raw-file readers: a wrong type inside a valid container is an InputError.

Real files hold dictionaries of dictionaries of numeric arrays. A file can be a perfectly valid
pickle, ``.npz`` or HDF5 container and still hold a string where an array belongs, ``None`` where
a dictionary belongs, or an int where a per-sequence dictionary belongs; these helpers name what
was found instead of letting it fail deep inside NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError


def _kind(value: Any) -> str:
    """A short description of what was found, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype}"
    return "None" if value is None else f"a {type(value).__name__}"


def as_mapping(value: Any, path: str | Path, what: str) -> Mapping[Any, Any]:
    """``value`` when it is a dictionary (a 0-d object array holding one is unwrapped)."""
    if isinstance(value, np.ndarray) and value.dtype == object and value.shape == ():
        value = value.item()
    if not isinstance(value, Mapping):
        raise InputError(path, f"{what} should be a dictionary, found {_kind(value)}")
    return value


def as_list(value: Any, path: str | Path, what: str) -> list[Any]:
    """``value`` as a list when it is a list, tuple or 1-d array of items."""
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 1):
        return list(value)
    raise InputError(path, f"{what} should be a list, found {_kind(value)}")


def as_numeric(value: Any, path: str | Path, what: str, booleans: bool = False) -> np.ndarray:
    """``value`` as a real-valued NumPy array (or boolean, with ``booleans``); strings, objects, None are refused."""
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise InputError(path, f"{what} should be a numeric array, found {_kind(value)}")
    try:
        array = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        raise InputError(path, f"{what} should be a numeric array, found a ragged {type(value).__name__}") from err
    if array.dtype.kind not in ("biuf" if booleans else "iuf"):
        raise InputError(path, f"{what} should be a numeric array, found {_kind(array)}")
    return array


def to_float32(array: np.ndarray, divisor: float = 1.0) -> np.ndarray:
    """``array / divisor`` as float32, the division in float64. Values beyond float32 become inf
    (without a warning): callers refuse them with their check for non-finite values."""
    with np.errstate(over="ignore"):
        return (array.astype(np.float64) / divisor).astype(np.float32)
