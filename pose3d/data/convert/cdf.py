"""Read and validate the ``Pose`` variable of one Human3.6M CDF file."""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np

from pose3d.core.errors import InputError


def read_pose(path: str | Path, width: int) -> np.ndarray:
    """The ``Pose`` variable of a CDF file as a (T, width) float64 array.

    Raises :class:`InputError` naming the file when it is not a readable CDF, has no ``Pose``
    variable, holds no frames or a number of values that is not a multiple of ``width``, or
    contains non-finite values.
    """
    try:
        cdf = cdflib.CDF(path)
        info = cdf.cdf_info()
        names = [*info.zVariables, *info.rVariables]
        pose = np.asarray(cdf.varget("Pose"), dtype=np.float64) if "Pose" in names else None
    except Exception as err:  # cdflib raises OSError, ValueError, struct.error... for damaged files
        raise InputError(path, f"not a readable CDF file ({type(err).__name__}: {err})") from err
    if pose is None:
        raise InputError(path, f"no 'Pose' variable (variables: {', '.join(names) or 'none'})")
    if pose.size == 0 or pose.size % width:
        raise InputError(path, f"'Pose' has {pose.size} values, expected a non-zero multiple of {width}")
    pose = pose.reshape(-1, width)
    bad = ~np.isfinite(pose).all(axis=1)
    if bad.any():
        raise InputError(
            path,
            f"'Pose' has non-finite values in {int(bad.sum())} of {len(pose)} frames "
            f"(first: frame {int(np.argmax(bad))})",
        )
    return pose
