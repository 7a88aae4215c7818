"""What a pose table read back must hold: the column types and metadata that ``pose3d convert`` writes.

A Parquet file can be perfectly readable and still hold text where frame numbers belong, missing
values, coordinates of another width than its metadata says, or no joint layout at all; these
checks name the column and the problem before anything reshapes or indexes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pose3d.core.errors import InputError
from pose3d.core.numbers import is_whole
from pose3d.data.parquet_io import coords_array
from pose3d.data.skeleton import LAYOUTS


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


#: Column -> (what it holds, test of its Arrow type), for every non-coordinate column pose3d writes.
COLUMN_TYPES: dict[str, tuple[str, Callable[[pa.DataType], bool]]] = {
    "subject": ("text", _is_text),
    "sequence": ("text", _is_text),
    "action": ("text", _is_text),
    "camera": ("text", _is_text),
    "frame": ("integers", pa.types.is_integer),
    "width": ("integers", pa.types.is_integer),
    "height": ("integers", pa.types.is_integer),
    "valid": ("booleans", pa.types.is_boolean),
    "source": ("text", _is_text),  # MotionBERT test table: the release's video name
    "release_action": ("text", _is_text),  # ... the release's action label
    "factor": ("floats", pa.types.is_floating),  # ... its 2.5D factor, millimetres per pixel
    "person": ("integers", pa.types.is_integer),  # `pose3d lift` output: the person's track id
    "detected": ("booleans", pa.types.is_boolean),  # ... whether the person was detected in the frame
}


#: Column of per-keypoint detector confidences: one value per joint, finite and not negative (detectors
#: give 0 to 1; heatmap peaks may slightly exceed 1, so no upper bound is imposed).
SCORES = "scores"


def check_pose_table(path: str | Path, table: pa.Table, meta: Any) -> None:
    """Raise :class:`InputError` unless ``table`` has pose3d's column types, no missing values,
    finite coordinates (3DHP frames flagged invalid may hold non-finite values, as in the source) and,
    when it has them, one finite, non-negative score per joint."""
    shapes = meta.get("shapes") if isinstance(meta, dict) else None
    layout = meta.get("layout") if isinstance(meta, dict) else None
    if not isinstance(shapes, dict) or layout not in LAYOUTS:
        raise InputError(path, "metadata lacks a known joint layout and coordinate shapes (not from `pose3d convert`)")
    joints = LAYOUTS[layout].num_joints
    for name in table.column_names:
        column = table.column(name)
        if name in shapes:
            _check_coordinates(path, name, column.type, shapes[name], joints)
            if name == SCORES and shapes[name] != [joints]:
                raise InputError(
                    path, f"metadata shape of {name!r} should be [{joints}] (one per joint), found {shapes[name]!r}"
                )
        elif name in COLUMN_TYPES:
            what, is_type = COLUMN_TYPES[name]
            if not is_type(column.type):
                raise InputError(path, f"column {name!r} should hold {what}, found {column.type}")
        else:
            raise InputError(path, f"column {name!r} has no shape in the metadata")
        if column.null_count:
            raise InputError(path, f"column {name!r} has {column.null_count} missing values")
        if name in ("width", "height") and len(column) and pc.min(column).as_py() <= 0:
            raise InputError(path, f"column {name!r} holds image sizes that are not positive")
        if name == "factor" and not _finite_and_positive(column):
            raise InputError(path, f"column {name!r} holds values that are not finite positive numbers")
    _check_finite(path, table, shapes)
    if SCORES in table.column_names and table.num_rows and pc.min(pc.list_flatten(table.column(SCORES))).as_py() < 0:
        negative = (coords_array(table, SCORES, shapes[SCORES]) < 0).any(axis=1)
        raise InputError(path, f"column {SCORES!r} has negative values in {int(negative.sum())} rows")


def _finite_and_positive(column: pa.ChunkedArray) -> bool:
    """Every value is a finite number above zero (NaN and infinity are not)."""
    return len(column) == 0 or bool(pc.all(pc.and_(pc.is_finite(column), pc.greater(column, 0))).as_py())


def _check_coordinates(path: str | Path, name: str, kind: pa.DataType, shape: Any, joints: int) -> None:
    """A coordinate column: fixed-size lists of floats, as many as ``shape`` ([joints, values] or [values]) says."""
    if not (isinstance(shape, list) and len(shape) in (1, 2) and all(is_whole(n) and n > 0 for n in shape)):
        raise InputError(path, f"metadata shape of {name!r} should be [joints, values] or [values], found {shape!r}")
    if len(shape) == 2 and shape[0] != joints:
        raise InputError(path, f"metadata gives {name!r} {shape[0]} joints but its layout has {joints}")
    size = int(np.prod(shape))
    if not (pa.types.is_fixed_size_list(kind) and pa.types.is_floating(kind.value_type) and kind.list_size == size):
        raise InputError(path, f"column {name!r} should hold {size} floats per row, found {kind}")


def _check_finite(path: str | Path, table: pa.Table, shapes: dict[str, list[int]]) -> None:
    """Every coordinate is a finite number (the per-row test runs only when some value is not)."""
    valid = table.column("valid").to_numpy() if "valid" in table.column_names else None
    for name in (n for n in table.column_names if n in shapes):
        values = pc.list_flatten(table.column(name))
        if table.num_rows == 0 or pc.all(pc.is_finite(values)).as_py():
            continue
        bad = ~np.isfinite(coords_array(table, name, shapes[name]).reshape(table.num_rows, -1)).all(axis=1)
        if valid is not None:
            bad &= valid
        if bad.any():
            raise InputError(path, f"column {name!r} has non-finite values in {int(bad.sum())} rows")
