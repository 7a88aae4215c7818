"""Figures for the report: per-action errors and training curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from pose3d.core.atomic import atomic_path  # noqa: E402
from pose3d.data.h36m import ACTIONS  # noqa: E402


def per_action_figure(metrics: str | Path, out: str | Path, metric: str = "mpjpe") -> None:
    """Grouped bars: one group per action, one bar per run, for a Human3.6M metric."""
    long = pd.read_parquet(metrics)
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


def training_curves_figure(checkpoints: Sequence[str | Path], out: str | Path) -> None:
    """Training loss per epoch of every run (read from the checkpoints' history)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for path in checkpoints:
        saved = torch.load(path, map_location="cpu", weights_only=False)
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
