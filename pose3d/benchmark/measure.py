"""Timing, FLOP counting, peak memory and the device's matrix-multiply peak."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode


def synchronize(device: torch.device) -> None:
    """Wait for queued device work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds(fn: Callable[[], object], repeats: int, device: torch.device) -> float:
    """Wall seconds of ``repeats`` calls of ``fn``, device work included."""
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    synchronize(device)
    return time.perf_counter() - start


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Wall seconds of the fastest of ``repeats`` calls of ``fn`` (CPU work: the least disturbed call)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def alternate(
    runs: dict[str, Callable[[], object]], repeats: int, rounds: int, device: torch.device
) -> dict[str, float]:
    """Median seconds per call of each run, measured in alternating rounds so that a change in the
    machine's load hits every run alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            times[name].append(seconds(fn, repeats, device) / repeats)
    return {name: statistics.median(values) for name, values in times.items()}


def count_flops(fn: Callable[[], object]) -> int:
    """Floating-point operations of one call of ``fn`` (matmuls and convolutions, as torch counts them)."""
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return int(counter.get_total_flops())


def matmul_peak(device: torch.device, dtype: torch.dtype = torch.float32) -> float:
    """Best measured FLOP/s of a square matrix product on ``device`` (the achievable peak)."""
    n = 2_048 if device.type == "cpu" else 8_192
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    repeats = 2 if device.type == "cpu" else 20
    seconds(lambda: a @ b, 1, device)  # warm-up
    best = min(seconds(lambda: a @ b, repeats, device) / repeats for _ in range(3))
    return 2 * n**3 / best


#: Linux: writing 5 here sets the process's peak resident set (VmHWM) back to its current one.
CLEAR_REFS = Path("/proc/self/clear_refs")
STATUS = Path("/proc/self/status")


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak: CUDA's allocator statistics, or on Linux the process's peak resident set."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    elif CLEAR_REFS.exists():
        CLEAR_REFS.write_text("5")


def peak_memory_mb(device: torch.device) -> float:
    """Peak device memory allocated since the last reset (CUDA), or the process's peak resident set (CPU: since
    the last reset on Linux, else since the process started), interpreter and libraries included."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    if STATUS.exists():
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
