"""Measure every model's training and evaluation speed per variant, side by side, and report ratios."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from pose3d.benchmark.measure import (
    alternate,
    count_flops,
    matmul_peak,
    peak_memory_mb,
    reset_peak_memory,
    seconds,
)
from pose3d.benchmark.workload import POOL_FRAMES, SyntheticData, Workload, workload
from pose3d.core.atomic import atomic_path
from pose3d.core.device import native_bf16
from pose3d.models import build
from pose3d.training import memory
from pose3d.training.step import TrainStep, build_optimizer, compile_mode, use_persistent_compile_cache


@dataclass(frozen=True)
class Variant:
    """One way to run the same computation: the training step's implementation, compiled or not, bf16 or not."""

    implementation: str
    compile: bool
    bf16: bool = False


VARIANTS: dict[str, Variant] = {
    "plain": Variant("plain", compile=False),  # today's eager step, as released
    "fast": Variant("fast", compile=False),  # fused optimiser, foreach clipping
    "compiled": Variant("fast", compile=True),  # + torch.compile (CUDA: reduce-overhead, CUDA graphs)
    "bf16": Variant("fast", compile=False, bf16=True),  # fast + bf16 autocast (pays on native-bf16 CPUs)
    "compiled_bf16": Variant("fast", compile=True, bf16=True),  # + bf16 autocast (CUDA only)
}
#: Steps per timed measurement, (single-frame, TGraphNet), per device type and size.
STEPS = {("cpu", "tiny"): (2, 1), ("cpu", "full"): (10, 1), ("cuda", "tiny"): (5, 2), ("cuda", "full"): (50, 10)}


def default_variants(device: torch.device) -> list[str]:
    """plain, fast, compiled; with native bf16 also bf16 (CPU) or compiled_bf16 (CUDA)."""
    bf16 = ["compiled_bf16" if device.type == "cuda" else "bf16"] if native_bf16(device) else []
    return ["plain", "fast", "compiled", *bf16]


def _train_runs(work: Workload, data: SyntheticData, variants: Sequence[str], device: torch.device) -> dict[str, Any]:
    """A training-step closure per variant (same initial weights), after warm-up (and compilation)."""
    runs: dict[str, Callable[[], object]] = {}
    warm: dict[str, float] = {}
    memory: dict[str, float] = {}
    for name in variants:
        variant = VARIANTS[name]
        recipe = replace(work.recipe, compile=variant.compile)
        torch.manual_seed(0)
        model = build(work.name, **recipe.model_options).to(device).train()
        optimizer = build_optimizer(model, recipe, variant.implementation)
        step = TrainStep(model, optimizer, recipe, variant.implementation, device, bf16=variant.bf16)

        def run(step: TrainStep = step) -> object:
            return step(*data.batch(work.recipe.batch_size))

        reset_peak_memory(device)
        warm[name] = seconds(run, 2, device)
        memory[name] = peak_memory_mb(device)
        runs[name] = run
    return {"runs": runs, "warm": warm, "memory": memory}


def _eval_runs(work: Workload, data: SyntheticData, variants: Sequence[str], device: torch.device) -> dict[str, Any]:
    """A forward pass over one evaluation batch (the size predicting uses on the device) per variant, after warm-up."""
    inputs = data.batch(work.eval_batch)[0]
    runs: dict[str, Callable[[], object]] = {}
    warm: dict[str, float] = {}
    memory: dict[str, float] = {}
    for name in variants:
        variant = VARIANTS[name]
        torch.manual_seed(0)
        model = build(work.name, **work.recipe.model_options).to(device).eval()
        forward = torch.compile(model, mode=compile_mode(device)) if variant.compile else model
        grad_mode = torch.no_grad if variant.implementation == "plain" else torch.inference_mode
        autocast = torch.autocast(device.type, dtype=torch.bfloat16) if variant.bf16 else nullcontext()

        def run(forward: Callable[..., Any] = forward, grad_mode: Any = grad_mode, autocast: Any = autocast) -> object:
            with grad_mode(), autocast:
                return forward(inputs)

        reset_peak_memory(device)
        warm[name] = seconds(run, 2, device)
        memory[name] = peak_memory_mb(device)
        runs[name] = run
    return {"runs": runs, "warm": warm, "memory": memory}


def _eval_flops(work: Workload, data: SyntheticData, device: torch.device) -> int:
    """FLOPs of one evaluation batch (the same in every variant), counted on the eager model under
    ``no_grad``: the counter's module hooks fail under ``inference_mode`` when a module is handed a
    parameter, as TGraphNet's levels are handed the joint affinity."""
    model = build(work.name, **work.recipe.model_options).to(device).eval()
    inputs = data.batch(work.eval_batch)[0]
    with torch.no_grad():
        return count_flops(lambda: model(inputs))


def bench_model(
    name: str, size: str, device: torch.device, variants: Sequence[str], rounds: int, peak: float
) -> dict[str, Any]:
    """Training and evaluation figures of one model for every variant; ratios against ``plain``."""
    work = workload(name, size, device)
    data = SyntheticData(name, POOL_FRAMES[size], device, options=work.recipe.model_options)
    steps = STEPS[(device.type, size)][work.temporal]
    batch = work.recipe.batch_size
    result: dict[str, Any] = {"batch_size": batch, "eval_batch": work.eval_batch, "steps_per_measurement": steps}
    result["model_options"] = dict(work.recipe.model_options)
    sample_shape = tuple(data.inputs.shape[1:]) if data.window == 1 else (data.window, *data.inputs.shape[1:])
    data_bytes = sum(t.numel() * t.element_size() for t in (data.inputs, data.targets))
    needed = memory.estimate(name, work.recipe.model_options, work.recipe, sample_shape, data_bytes)
    result["estimated_peak_mb"] = needed.total / 2**20  # what `pose3d train` checks against the free memory

    train = _train_runs(work, data, variants, device)
    flops = count_flops(train["runs"][variants[0]])
    train_s = alternate(train["runs"], steps, rounds, device)
    evaluation = _eval_runs(work, data, variants, device)
    eval_flops = _eval_flops(work, data, device)
    eval_s = alternate(evaluation["runs"], steps, rounds, device)

    base_train, base_eval = train_s[variants[0]], eval_s[variants[0]]
    train_frames, eval_frames = work.output_frames
    epochs = work.recipe.epochs
    for variant in variants:
        step_s, forward_s = train_s[variant], eval_s[variant]
        epoch_s = -(-work.train_samples // batch) * step_s
        test_s = work.test_samples / (work.eval_batch / forward_s)
        result[variant] = {
            "train": {
                "samples_per_s": batch / step_s,
                "frames_per_s": batch * train_frames / step_s,
                "speedup": base_train / step_s,
                "flop_per_s": flops / step_s,
                "fraction_of_matmul_peak": flops / step_s / peak,
                "peak_memory_mb": train["memory"][variant],
                "warmup_s": train["warm"][variant],
                "compile_s": max(train["warm"][variant] - 2 * step_s, 0.0),
            },
            "eval": {
                "samples_per_s": work.eval_batch / forward_s,
                "frames_per_s": work.eval_batch * eval_frames / forward_s,
                "speedup": base_eval / forward_s,
                "flop_per_s": eval_flops / forward_s,
                "fraction_of_matmul_peak": eval_flops / forward_s / peak,
                "peak_memory_mb": evaluation["memory"][variant],
                "compile_s": max(evaluation["warm"][variant] - 2 * forward_s, 0.0),
            },
            "full_epoch_s": epoch_s,
            "paper_recipe_s": epochs * epoch_s + test_s,
        }
    result["train_flop_per_step"] = flops
    result["eval_flop_per_batch"] = eval_flops
    result["full_size"] = {"train_samples": work.train_samples, "test_samples": work.test_samples, "epochs": epochs}
    return result


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} torch threads"


def bench(
    models: Sequence[str],
    device: torch.device,
    size: str = "full",
    variants: Sequence[str] | None = None,
    rounds: int = 3,
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every model's figures on ``device``; ``report`` receives one line per model and variant as they come."""
    use_persistent_compile_cache()
    variants = list(variants or default_variants(device))
    peak = matmul_peak(device)
    result: dict[str, Any] = {
        "device": device_name(device),
        "device_type": device.type,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "size": size,
        "rounds": rounds,
        "variants": variants,
        "matmul_peak_flop_per_s": peak,
        "models": {},
    }
    if device.type == "cuda":
        result["matmul_peak_bf16_flop_per_s"] = matmul_peak(device, torch.bfloat16)
    report(f"{result['device']}: fp32 matmul peak {peak / 1e9:.0f} GFLOP/s")
    report(HEADER)
    for name in models:
        result["models"][name] = figures = bench_model(name, size, device, variants, rounds, peak)
        for variant in variants:
            report(format_row(name, variant, figures))
    result["paper_recipe_s"] = {v: sum(m[v]["paper_recipe_s"] for m in result["models"].values()) for v in variants}
    report(
        "paper recipe, all models: " + ", ".join(f"{v} {s / 3600:.1f} h" for v, s in result["paper_recipe_s"].items())
    )
    return result


HEADER = (
    f"{'model':<16}{'variant':<14}{'train/s':>10}{'x':>6}{'frames/s':>11}{'%peak':>7}{'MB':>7}{'est':>7}{'compile':>9}"
    f"{'eval/s':>10}{'x':>6}{'epoch':>9}{'recipe':>9}"
)


def format_row(name: str, variant: str, figures: dict[str, Any]) -> str:
    """One line: samples/s (TGraphNet: windows/s), speed-up over plain, output frames/s, share of the matmul
    peak, measured peak memory of training and the estimate `pose3d train` checks (MB), compile seconds,
    evaluation samples/s and speed-up, full epoch and paper recipe time."""
    f = figures[variant]
    train, evaluation = f["train"], f["eval"]
    return (
        f"{name:<16}{variant:<14}{train['samples_per_s']:>10.0f}{train['speedup']:>6.2f}{train['frames_per_s']:>11.0f}"
        f"{100 * train['fraction_of_matmul_peak']:>6.1f}%{train['peak_memory_mb']:>7.0f}"
        f"{figures['estimated_peak_mb']:>7.0f}{train['compile_s']:>8.0f}s"
        f"{evaluation['samples_per_s']:>10.0f}{evaluation['speedup']:>6.2f}"
        f"{f['full_epoch_s'] / 60:>8.1f}m{f['paper_recipe_s'] / 3600:>8.1f}h"
    )


def _finite_or_null(value: Any) -> Any:
    """``value`` with every NaN or infinite number (in nested dicts and lists) replaced by None: JSON has no
    such numbers, and null says "no figure" to every JSON reader, where ``NaN`` would break most of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_null(item) for item in value]
    return value


def write_result(result: dict[str, Any], out: str | Path) -> None:
    """The figures as strict JSON (written atomically); a figure that came out NaN or infinite is null."""
    with atomic_path(out, suffix=".json") as tmp:
        Path(tmp).write_text(json.dumps(_finite_or_null(result), indent=2, allow_nan=False) + "\n")
