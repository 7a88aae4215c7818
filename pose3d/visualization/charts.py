"""Charts of the report: per-action and per-joint errors, error over time, training curves.

Each run keeps its model's colour and its input's hatch/line style (:mod:`pose3d.visualization.palette`).
The mean-pose baseline is drawn as a reference mark, never as a bar, so it cannot squeeze the models' range.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pose3d.core.atomic import atomic_path  # noqa: E402
from pose3d.core.errors import InputError  # noqa: E402
from pose3d.data.h36m import ACTIONS, FRAME_RATE  # noqa: E402
from pose3d.data.skeleton import H36M_17  # noqa: E402
from pose3d.runs import TrainingRecord  # noqa: E402
from pose3d.visualization.palette import bar_style, line_style, model_color, split_run  # noqa: E402

BASELINE = "mean_pose"
METRIC_LABELS = {"mpjpe": "MPJPE (mm)", "p_mpjpe": "P-MPJPE (mm)"}
#: Headroom above the tallest model bar; baseline values above it are printed at the top edge.
HEADROOM = 1.12
#: Label of each training loss (``settings["loss"]``) in the training-curve panels.
LOSS_LABELS = {
    "mse": "MSE loss (m²)",
    "mpjpe_motion": "MPJPE + motion loss (m)",
    "mpjpe_motion_traj": "MPJPE + motion + root + 2D loss",
    "mpjpe_nmpjpe_velocity": "MPJPE + 0.5 N-MPJPE + 20 velocity (m)",
}


#: Metrics of the per-action figure, one panel each.
PER_ACTION_METRICS = ("mpjpe", "p_mpjpe")
#: Metric-name prefix of the per-joint errors (``joint_mpjpe.<joint>``).
JOINT_METRIC = "joint_mpjpe."


def plotted_rows(long: pd.DataFrame, metric: str, source: str | Path) -> pd.DataFrame:
    """The Human3.6M rows of ``metric`` (of every per-joint error for :data:`JOINT_METRIC`) in a metrics table read
    from ``source`` (:func:`pose3d.evaluation.tables.read_metrics`); none is an InputError."""
    h36m = long[long["dataset"] == "h36m"]
    rows = h36m[h36m["metric"].str.startswith(metric) if metric == JOINT_METRIC else h36m["metric"] == metric]
    if rows.empty:
        raise InputError(source, f"no Human3.6M {metric.rstrip('.')!r} rows to plot; re-run the evaluation")
    return rows


def _is_baseline(run: str) -> bool:
    return split_run(run)[0] == BASELINE


def _grouped_bars(ax: Axes, wide: pd.DataFrame, ylabel: str) -> None:
    """Bars of the model runs (columns) per row, the baseline columns as reference marks."""
    runs = [run for run in wide.columns if not _is_baseline(run)]
    baselines = [run for run in wide.columns if _is_baseline(run)]
    x = np.arange(len(wide))
    width = 0.84 / max(len(runs), 1)
    for index, run in enumerate(runs):
        ax.bar(x - 0.42 + width * (index + 0.5), wide[run], width, label=run, **bar_style(run))
    top = float(np.nanmax(wide[runs].to_numpy())) * HEADROOM if runs else float(np.nanmax(wide.to_numpy()))
    ax.set_ylim(0, top)
    for run in baselines:
        for xi, value in zip(x, wide[run]):
            if not np.isfinite(value):
                continue
            if value <= top:
                ax.hlines(value, xi - 0.45, xi + 0.45, color=model_color(run), linewidth=1.5, linestyles=(0, (4, 2)))
            else:
                ax.annotate(
                    f"{value:.0f}↑",
                    (xi, top),
                    xytext=(0, -2),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize=7,
                    color=model_color(run),
                )
    ax.set_xticks(x, wide.index, rotation=30, ha="right")
    ax.set_xlim(-0.6, len(wide) - 0.4)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _legend_below(fig: plt.Figure, ax: Axes, baselines: Sequence[str]) -> None:
    """One legend under the panels (it never covers a bar); the baseline's entry says how it is drawn."""
    handles, labels = ax.get_legend_handles_labels()
    for run in baselines:
        handles.append(Line2D([], [], color=model_color(run), linestyle=(0, (4, 2))))
        labels.append(f"{run} (reference; off-scale values printed at the top)")
    fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4), fontsize="small", frameon=False)


def per_action_figure(
    long: pd.DataFrame, source: str | Path, out: str | Path, metrics_shown: Sequence[str] = PER_ACTION_METRICS
) -> None:
    """One panel per metric: bars per action and run (Human3.6M), the baseline as reference marks; ``long`` is
    the metrics table read from ``source``."""
    table = long[long["dataset"] == "h36m"]
    runs = list(dict.fromkeys(table["run"]))
    fig, axes = plt.subplots(len(metrics_shown), 1, figsize=(13, 3.6 * len(metrics_shown) + 1.2), sharex=True)
    for ax, metric in zip(np.atleast_1d(axes), metrics_shown):
        subset = plotted_rows(long, metric, source)
        wide = subset.pivot(index="action", columns="run", values="value").reindex([*ACTIONS, "Average"])
        _grouped_bars(ax, wide[[run for run in runs if run in wide.columns]], METRIC_LABELS.get(metric, metric))
    rows = 1 + (len(runs) - 1) // 4
    fig.tight_layout(rect=(0, 0.028 * rows + 0.012, 1, 1))
    _legend_below(fig, np.atleast_1d(axes)[0], [run for run in runs if _is_baseline(run)])
    _save(fig, out)


def per_joint_figure(long: pd.DataFrame, source: str | Path, out: str | Path) -> None:
    """MPJPE per joint over every Human3.6M test frame (16-joint models have no Neck/Nose bar); ``long`` is the
    metrics table read from ``source``."""
    joints = plotted_rows(long, JOINT_METRIC, source)
    runs = list(dict.fromkeys(joints["run"]))
    wide = (
        joints.assign(joint=joints["metric"].str.removeprefix(JOINT_METRIC))
        .pivot(index="joint", columns="run", values="value")
        .reindex([joint for joint in H36M_17.joints if joint != H36M_17.joints[0]])
    )
    fig, ax = plt.subplots(figsize=(13, 4.8))
    _grouped_bars(ax, wide[runs], "MPJPE (mm)")
    rows = 1 + (len(runs) - 1) // 4
    fig.tight_layout(rect=(0, 0.045 * rows + 0.015, 1, 1))
    _legend_below(fig, ax, [run for run in runs if _is_baseline(run)])
    _save(fig, out)


def error_over_time_figure(errors: dict[str, np.ndarray], frames: np.ndarray, title: str, out: str | Path) -> None:
    """MPJPE per frame of one sequence, one line per run (``errors``: run -> (T,) mm)."""
    fig, ax = plt.subplots(figsize=(11, 4.2))
    seconds = np.asarray(frames) / FRAME_RATE
    for run, values in errors.items():
        ax.plot(seconds, values, label=f"{run} (mean {np.mean(values):.1f})", linewidth=1.4, **line_style(run))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MPJPE (mm)")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4), fontsize="small", frameon=False)
    _save(fig, out)


def training_curves_figure(records: Sequence[TrainingRecord], out: str | Path) -> None:
    """One panel per quantity: each training loss kind, the held-out MPJPE when selecting on it, the learning rate.

    ``records``: one per checkpoint (:meth:`pose3d.runs.TrainingRecord.load`).
    """
    histories = {record.run: (record.loss, record.history) for record in records}
    panels: list[tuple[str, str | None, str]] = [
        ("train_loss", loss, LOSS_LABELS.get(loss, loss)) for loss in dict.fromkeys(v[0] for v in histories.values())
    ]
    for column, label in (("validation_mpjpe", "validation MPJPE (mm)"), ("test_mpjpe", "test MPJPE (mm)")):
        if any(column in history for _, history in histories.values()):
            panels.append((column, None, label))
    panels.append(("lr", None, "learning rate"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.0), squeeze=False)
    for ax, (column, loss, label) in zip(axes[0], panels):
        for run, (run_loss, history) in histories.items():
            if column in history and (loss is None or run_loss == loss):
                ax.plot(history["epoch"] + 1, history[column], marker="o", markersize=3, label=run, **line_style(run))
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    handles = [Line2D([], [], **line_style(run)) for run in histories]
    fig.legend(
        handles, list(histories), loc="lower center", ncols=min(len(histories), 5), fontsize="small", frameon=False
    )
    _save(fig, out)


def _save(fig: plt.Figure, out: str | Path) -> None:
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
