"""Self-describing pose tables: one row per frame, coordinates as fixed-size float32 lists.

Every table carries JSON key-value metadata under the key ``pose3d`` (joint names, parents,
layout, units, coordinate frame, image sizes, source files). Coordinate columns are flat
fixed-size lists of ``J * C`` float32; ``metadata["shapes"][column]`` gives ``[J, C]`` (``[J]`` for one
value per joint, such as the ``scores`` of 2D tables: each keypoint's detector confidence, 1.0 without one).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pose3d.core.atomic import atomic_path

log = logging.getLogger(__name__)

METADATA_KEY = b"pose3d"

#: Arrow types of the key columns shared by every table.
KEY_TYPES: dict[str, pa.DataType] = {
    "subject": pa.string(),
    "sequence": pa.string(),
    "action": pa.string(),
    "camera": pa.string(),
    "frame": pa.int32(),
}


def coords_column(values: np.ndarray) -> pa.FixedSizeListArray:
    """(N, J, C) array -> fixed-size list column of J*C float32, without per-row copies."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    width = int(np.prod(values.shape[1:]))
    return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1)), width)


def build_table(columns: dict[str, Any], coords: dict[str, np.ndarray], metadata: dict[str, Any]) -> pa.Table:
    """Assemble a table from key/extra columns and (N, J, C) coordinate arrays.

    Known key columns get their canonical types; ``metadata`` gains the coordinate shapes.
    """
    arrays: dict[str, pa.Array] = {}
    for name, values in columns.items():
        arrays[name] = pa.array(values, type=KEY_TYPES.get(name))
    shapes = {}
    for name, values in coords.items():
        arrays[name] = coords_column(values)
        shapes[name] = list(values.shape[1:])
    meta = dict(metadata, shapes=shapes)
    table = pa.table(arrays)
    # allow_nan=False: NaN and Infinity are not JSON, and other readers of the file would refuse them
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(meta, allow_nan=False).encode()})


def write_table(table: pa.Table, path: str | Path) -> None:
    """Write a Parquet file atomically (temporary file, then rename)."""
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd")
    log.info("wrote %s: %d rows", path, table.num_rows)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``pose3d`` metadata of a Parquet file, without reading its data."""
    raw = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in raw:
        raise ValueError(f"{path}: not a pose3d table (no '{METADATA_KEY.decode()}' metadata)")
    return json.loads(raw[METADATA_KEY])


def column_names(path: str | Path) -> list[str]:
    """The column names of a Parquet file, without reading its data."""
    return list(pq.read_schema(path).names)


def read_table(path: str | Path, columns: list[str] | None = None) -> tuple[pa.Table, dict[str, Any]]:
    """Read a pose table and its metadata."""
    table = pq.read_table(path, columns=columns)
    return table, read_metadata(path)


def coords_array(table: pa.Table, column: str, shape: list[int]) -> np.ndarray:
    """Fixed-size list column -> (N, *shape) float32 array (zero-copy when the column has one chunk)."""
    chunked = table.column(column)
    flat = (
        pa.concat_arrays([chunk.flatten() for chunk in chunked.chunks])
        if chunked.num_chunks
        else pa.array([], pa.float32())
    )
    return flat.to_numpy(zero_copy_only=False).reshape(-1, *shape)


def file_record(path: str | Path) -> dict[str, Any]:
    """Provenance entry for a source file: its path and size in bytes."""
    path = Path(path)
    return {"path": str(path), "bytes": path.stat().st_size}
