"""Batch-size sweeps (``benchmarks/eval_batch.py``, ``benchmarks/train_batch.py``): the printed line and
the command line they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import torch

from pose3d.models import MODELS

#: A sweep of one model at one recipe width over ``rounds`` alternating rounds: its printed line.
Sweep = Callable[[str, str, int], str]


def sweep_line(name: str, width: str, unit: str, rates: dict[int, float], chosen: int) -> str:
    """``size:rate (xratio)`` per batch size, each a ratio to the size in use (marked ``*``)."""
    cells = []
    for size, rate in rates.items():
        mark = "*" if size == chosen else ""
        cells.append(f"{size}{mark}:{rate:.0f} (x{rate / rates[chosen]:.2f})")
    return f"{name:16s} {width:5s} {unit:9s} {' '.join(cells)}"


def sweep_main(description: str, sweep: Sweep, widths: Sequence[str], chosen: str) -> None:
    """Parse ``--threads --widths --models --rounds`` and print one sweep line per width and model."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (workflow jobs use 1)")
    parser.add_argument("--widths", nargs="+", choices=["demo", "paper"], default=list(widths))
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (the median counts)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"CPU, {args.threads} torch threads; * marks {chosen}", flush=True)
    for width in args.widths:
        for name in args.models:
            print(sweep(name, width, args.rounds), flush=True)
