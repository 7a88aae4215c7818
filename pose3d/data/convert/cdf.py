"""Read and validate the ``Pose`` variable of one Human3.6M CDF file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cdflib
import numpy as np

from pose3d.core.errors import InputError, one_line

#: Most values a ``Pose`` variable may claim: 400 MB as float64, 70 times the longest Human3.6M sequence.
MAX_VALUES = 50_000_000


#: CDF types that hold times, not coordinates (cdflib returns them as plain numbers).
TIME_TYPES = ("CDF_EPOCH", "CDF_EPOCH16", "CDF_TIME_TT2000")


def _check_header(path: str | Path, info: Any) -> None:
    """Refuse from the header alone: time stamps, and what cdflib would pad or allocate: sparse records
    (real files have one dense record) or more than :data:`MAX_VALUES` values (a small compressed file
    can claim billions)."""
    if info.Data_Type_Description in TIME_TYPES:
        raise InputError(path, f"'Pose' holds {info.Data_Type_Description} time stamps, expected real numbers")
    if info.Sparse != "No_sparse":
        raise InputError(path, f"'Pose' has sparse records ({info.Sparse}); Human3.6M files hold one dense record")
    records = info.Last_Rec + 1
    if records * math.prod(info.Dim_Sizes) > MAX_VALUES:
        dims = "x".join(map(str, info.Dim_Sizes))
        raise InputError(path, f"'Pose' claims {records} records of {dims} values, more than {MAX_VALUES} in all")


def read_pose(path: str | Path, width: int) -> np.ndarray:
    """The ``Pose`` variable of a CDF file as a (T, width) float64 array.

    Human3.6M stores one record of shape (1, T, width). Raises :class:`InputError` naming the file
    when it is not a readable CDF, has no ``Pose`` variable, holds anything but real numbers in
    that layout (a (T * 2, 48) record is refused, not read as garbage frames), holds no frames, or
    contains non-finite values or values beyond the float32 range of the tables.
    """
    try:
        cdf = cdflib.CDF(path)
        info = cdf.cdf_info()
        names = [*info.zVariables, *info.rVariables]
        if "Pose" in names:
            _check_header(path, cdf.varinq("Pose"))
        raw = cdf.varget("Pose") if "Pose" in names else None
    except InputError:
        raise
    except Exception as err:  # cdflib raises OSError, ValueError, struct.error... for damaged files
        raise InputError(path, f"not a readable CDF file ({type(err).__name__}: {one_line(err)})") from err
    if raw is None:
        raise InputError(path, f"no 'Pose' variable (variables: {', '.join(names) or 'none'})")
    if not isinstance(raw, np.ndarray) or raw.dtype.kind not in "iuf":
        found = f"{raw.dtype} values" if isinstance(raw, np.ndarray) else type(raw).__name__
        raise InputError(path, f"'Pose' holds {found}, expected real numbers")
    shape = raw.shape[1:] if raw.ndim == 3 and raw.shape[0] == 1 else raw.shape  # cdflib may drop the record axis
    if len(shape) != 2 or shape[1] != width or shape[0] == 0:
        raise InputError(path, f"'Pose' has shape {raw.shape}, expected one record of (1, T, {width}) with T > 0")
    pose = raw.reshape(shape).astype(np.float64)
    bad = ~np.isfinite(pose).all(axis=1)
    if bad.any():
        raise InputError(
            path,
            f"'Pose' has non-finite values in {int(bad.sum())} of {len(pose)} frames "
            f"(first: frame {int(np.argmax(bad))})",
        )
    huge = (np.abs(pose) > np.finfo(np.float32).max).any(axis=1)
    if huge.any():
        raise InputError(path, f"'Pose' has values beyond the float32 range in {int(huge.sum())} of {len(pose)} frames")
    return pose
