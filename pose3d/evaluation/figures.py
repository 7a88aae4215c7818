"""Figures for the report: per-action errors and training curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)
import pandas as pd  # noqa: E402

from pose3d.core.atomic import atomic_path  # noqa: E402
from pose3d.core.errors import InputError  # noqa: E402
from pose3d.core.safe_load import load_torch  # noqa: E402
from pose3d.data.h36m import ACTIONS  # noqa: E402
from pose3d.evaluation.tables import read_metrics  # noqa: E402


def write_figures(
    metrics: str | Path, checkpoints: Sequence[str | Path], per_action: str | Path, training: str | Path
) -> None:
    """Both figures; every input is read and checked before either figure is written."""
    long = read_metrics(metrics)
    runs = [_training_record(path) for path in checkpoints]
    per_action_figure(long, per_action)
    training_curves_figure(runs, training)


def _training_record(path: str | Path) -> dict[str, Any]:
    """A checkpoint written by ``pose3d train`` (weights-only load), with its training history."""
    saved = load_torch(path)
    if not isinstance(saved, dict) or not {"history", "model", "settings"} <= set(saved):
        raise InputError(path, "not a checkpoint written by `pose3d train` (needs history, model, settings)")
    return saved


def per_action_figure(long: pd.DataFrame, out: str | Path, metric: str = "mpjpe") -> None:
    """Grouped bars: one group per action, one bar per run, for a Human3.6M metric of a long metrics table."""
    table = long[(long["dataset"] == "h36m") & (long["metric"] == metric)]
    wide = table.pivot(index="action", columns="run", values="value").reindex([*ACTIONS, "Average"])
    wide = wide[list(dict.fromkeys(table["run"]))]
    fig, ax = plt.subplots(figsize=(12, 4.5))
    wide.plot.bar(ax=ax, width=0.85)
    ax.set_ylabel(f"{metric.upper().replace('_', '-')} (mm)")
    ax.set_xlabel("")
    ax.legend(fontsize="small", ncols=3)
    fig.tight_layout()
    _save(fig, out)


def training_curves_figure(runs: Sequence[dict[str, Any]], out: str | Path) -> None:
    """Training loss per epoch of every run (the checkpoints' history)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for saved in runs:
        history = pd.DataFrame(saved["history"])
        ax.plot(
            history["epoch"] + 1,
            history["train_loss"],
            marker="o",
            label=f"{saved['model']}-{saved['settings']['input_2d']}",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    _save(fig, out)


def _save(fig: plt.Figure, out: str | Path) -> None:
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
