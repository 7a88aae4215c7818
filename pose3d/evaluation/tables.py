"""Result tables: per-action CSVs as papers print them, a long-format Parquet, and a Markdown page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pose3d.core.atomic import atomic_paths, check_outputs
from pose3d.core.errors import InputError, one_line
from pose3d.data.h36m import ACTIONS
from pose3d.data.parquet_io import write_table

ACTION_ROWS = [*ACTIONS, "Average"]
HP3D_ROWS = ["pck150_17", "auc_17", "mpjpe_17", "pck150_14", "auc_14", "mpjpe_14"]
PW3D_ROWS = ["mpjpe", "pa_mpjpe", "mpjve"]
#: The tables ``pose3d tables`` writes, each as .csv and .html.
TABLES = ("mpjpe", "p_mpjpe", "3dhp", "3dpw")
#: Columns that identify one value of a long metrics table.
KEYS = ("run", "dataset", "action", "metric")


def pivot(
    long: pd.DataFrame,
    dataset: str,
    metric_rows: Sequence[str] | None,
    columns: Sequence[str],
    metric: str | None = None,
) -> pd.DataFrame:
    """Wide table: actions (or metrics) as rows, runs as columns in the given order (absent runs dropped)."""
    subset = long[long["dataset"] == dataset]
    if metric is not None:
        subset = subset[subset["metric"] == metric]
        wide = subset.pivot(index="action", columns="run", values="value").reindex(ACTION_ROWS)
        wide.index.name = "action"
    else:
        wide = subset.pivot(index="metric", columns="run", values="value").reindex(metric_rows)
        wide.index.name = "metric"
    present = [run for run in columns if run in wide.columns]
    return wide[present].round(2)


def read_metrics(path: str | Path) -> pd.DataFrame:
    """One run's (or the collected) long metrics table; a missing, unreadable or foreign file is an InputError."""
    if not Path(path).is_file():
        raise InputError(path, "file not found")
    try:
        long = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises many types, with multi-line schema dumps
        raise InputError(path, f"not a readable metrics table ({type(err).__name__}: {one_line(err, 120)})") from err
    missing = [column for column in (*KEYS, "value") if column not in long.columns]
    if missing:
        raise InputError(path, f"not a metrics table from `pose3d evaluate` (missing columns {missing})")
    for column in KEYS:
        odd = [value for value in long[column] if not isinstance(value, str)]
        if odd:
            raise InputError(path, f"column {column!r} should hold text only, found {odd[0]!r}")
    if not pd.api.types.is_numeric_dtype(long["value"]) or pd.api.types.is_bool_dtype(long["value"]):
        raise InputError(path, f"column 'value' should hold numbers, found {long['value'].dtype}")
    _check_unique(long, path)
    return long


def _check_unique(long: pd.DataFrame, where: str | Path) -> None:
    """Each run/dataset/action/metric has one value (tables pivot on them)."""
    repeated = long[long.duplicated(list(KEYS))]
    if len(repeated):
        first = "/".join(repeated.iloc[0][list(KEYS)])
        raise InputError(where, f"{len(repeated)} rows repeat a run/dataset/action/metric (first: {first})")


def _write_html(table: pd.DataFrame, path: Path) -> None:
    """The table as a small HTML page (the Snakemake report shows HTML inline), two decimals."""
    flat = table.rename_axis(columns=None).reset_index()  # one header row: action (or metric), then the runs
    body = (
        flat.to_html(float_format="{:.2f}".format, na_rep="–", border=0, index=False)
        if len(table.columns)
        else "(no runs)"
    )
    style = (
        "body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}"
        "th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #ddd}th{background:#f3f3f3}"
        "th:first-child,td:first-child{text-align:left}td:first-child{font-weight:bold}"
    )
    head = f"<head><meta charset='utf-8'><style>{style}</style></head>"
    path.write_text(f"<!DOCTYPE html>\n<html>{head}\n<body>{body}</body></html>\n")


def write_tables(metrics: Sequence[str | Path], out_dir: str | Path, columns: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Collect per-run metrics into mpjpe, p_mpjpe, 3dhp, 3dpw (.csv and .html), metrics.parquet and tables.md:
    one set of outputs, all written or none."""
    out_dir = Path(out_dir)
    names = [f"{name}{ending}" for name in TABLES for ending in (".csv", ".html")] + ["metrics.parquet", "tables.md"]
    check_outputs([out_dir / name for name in names])
    long = pd.concat([read_metrics(path) for path in metrics], ignore_index=True)
    _check_unique(long, "--metrics")
    tables = {
        "mpjpe": pivot(long, "h36m", None, columns, metric="mpjpe"),
        "p_mpjpe": pivot(long, "h36m", None, columns, metric="p_mpjpe"),
        "3dhp": pivot(long, "3dhp", HP3D_ROWS, columns),
        "3dpw": pivot(long, "3dpw", PW3D_ROWS, columns),
    }
    captions = {
        "mpjpe": "Human3.6M MPJPE (mm, Protocol #1), test subjects, frame-weighted per action; "
        "Average is the unweighted mean over actions",
        "p_mpjpe": "Human3.6M P-MPJPE (mm, Protocol #2, Procrustes-aligned)",
        "3dhp": "MPI-INF-3DHP (valid frames): PCK@150 mm (%), AUC 0-150 mm (%), MPJPE (mm); "
        "_17 all joints, _14 without Hip, Spine, Neck/Nose",
        "3dpw": "3DPW: MPJPE, PA-MPJPE (mm), MPJVE (mm/frame)",
    }
    page = "\n\n".join(
        f"## {name}\n\n{captions[name]}\n\n{table.to_markdown() if len(table.columns) else '(no runs)'}"
        for name, table in tables.items()
    )
    with atomic_paths([out_dir / name for name in names]) as temporaries:  # every table, or none
        files = dict(zip(names, temporaries))
        for name, table in tables.items():
            table.to_csv(files[f"{name}.csv"])
            _write_html(table, files[f"{name}.html"])
        write_table(pa.Table.from_pandas(long, preserve_index=False), files["metrics.parquet"])
        files["tables.md"].write_text(f"# pose3d results\n\n{page}\n")
    return tables
