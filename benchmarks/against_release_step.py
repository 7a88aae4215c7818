"""Today's models and fast step beside those of an earlier commit, alternating rounds in one process.

    python benchmarks/against_release_step.py [--commit 9eefcde] [--threads 2] [--models ...]

``pose3d bench`` compares variants of today's code; this compares against the code as it was before
the speed work (commit 9eefcde: models and training loop as released, per-parameter Adam), which is
the baseline the 3x target refers to. The earlier ``pose3d`` package is extracted with ``git
archive`` into a temporary folder under another name, so both import side by side. Paper recipe
widths and batch sizes (64 frames, or 64 windows of 81 frames), synthetic data; evaluation runs over
8192 frames or 128 windows in the batches each commit's ``predict`` uses on the CPU (then 512 frames
or 64 windows; today ``pose3d.models.predict.EVAL_BATCH``). Prints samples/s and the ratio per model.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import torch

from pose3d.benchmark.measure import alternate
from pose3d.models import MODELS, build
from pose3d.models.predict import eval_batch
from pose3d.models.recipes import Recipe
from pose3d.training.step import TrainStep, build_optimizer

ROOT = Path(__file__).resolve().parent.parent


def import_commit(commit: str, folder: Path) -> ModuleType:
    """The ``pose3d`` package of ``commit``, importable as ``pose3d_then``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "pose3d"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    package = folder / "pose3d_then"
    (folder / "pose3d").rename(package)
    for source in package.rglob("*.py"):
        text = source.read_text()
        source.write_text(re.sub(r"\b(from|import) pose3d\b", r"\1 pose3d_then", text))
    sys.path.insert(0, str(folder))
    for module in ("pose3d_then.models", "pose3d_then.models.predict", "pose3d_then.training.loop"):
        importlib.import_module(module)
    return importlib.import_module("pose3d_then")


def synthetic(name: str, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    spec = MODELS[name]
    shape = (batch, spec.num_joints) if not spec.temporal else (batch, spec.frames, spec.num_joints)
    inputs, targets = torch.randn(*shape, 2), torch.randn(*shape, 3) * 0.3
    intrinsics = torch.rand(batch, 11) + 0.5 if spec.predicts_root else None
    if spec.predicts_root:
        targets[..., 0, 2] += 4.0  # the root in front of the camera
    return inputs, targets, intrinsics


def compare(name: str, then: ModuleType, rounds: int) -> str:
    settings = {**MODELS[name].recipe("paper"), "compile": False}
    x, y, k = synthetic(name, settings["batch_size"])
    kind = torch.optim.Adam if settings["optimizer"] == "adam" else torch.optim.AdamW

    torch.manual_seed(0)
    old = then.models.build(name, **settings["model_options"]).train()
    old_optimizer = kind(
        old.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"], amsgrad=settings["amsgrad"]
    )

    def old_step() -> None:  # the loop of the earlier commit: eager, per-parameter Adam and clipping
        loss = then.training.loop.compute_loss(name, old(x).float(), y, x, k, settings["loss"])
        old_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if settings["grad_clip"]:
            torch.nn.utils.clip_grad_norm_(old.parameters(), max_norm=settings["grad_clip"])
        old_optimizer.step()

    torch.manual_seed(0)
    new = build(name, **settings["model_options"]).train()
    recipe = Recipe.from_dict(settings)
    step = TrainStep(new, build_optimizer(new, recipe, "fast"), recipe, "fast", torch.device("cpu"))

    single = not MODELS[name].temporal
    test = synthetic(name, 8192 if single else 128)[0]
    old_eval = then.models.build(name, **settings["model_options"]).eval()
    new_eval = build(name, **settings["model_options"]).eval()
    old_batch = then.models.predict.FRAME_BATCH if single else then.models.predict.WINDOW_BATCH
    new_batch = eval_batch(torch.device("cpu"))[0 if single else 1]

    def eval_then() -> None:
        with torch.no_grad():  # as the earlier commit predicted
            for start in range(0, len(test), old_batch):
                old_eval(test[start : start + old_batch])

    def eval_now() -> None:
        with torch.inference_mode():
            for start in range(0, len(test), new_batch):
                new_eval(test[start : start + new_batch])

    train_runs: dict[str, Callable[[], object]] = {"train_then": old_step, "train_now": lambda: step(x, y, k)}
    eval_runs: dict[str, Callable[[], object]] = {"eval_then": eval_then, "eval_now": eval_now}
    cpu = torch.device("cpu")
    for run in (*train_runs.values(), *eval_runs.values()):  # warm-up
        run()
    median = alternate(train_runs, 20 if single else 1, rounds, cpu) | alternate(eval_runs, 1, rounds, cpu)
    batch, test_batch = settings["batch_size"], len(test)
    return (
        f"{name:16s} train {batch / median['train_then']:9.1f} -> {batch / median['train_now']:9.1f} samples/s "
        f"x{median['train_then'] / median['train_now']:.2f} | eval {test_batch / median['eval_then']:9.1f} -> "
        f"{test_batch / median['eval_now']:9.1f} samples/s x{median['eval_then'] / median['eval_now']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="9eefcde", help="the earlier commit (default: before the speed work)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (the median counts)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        then = import_commit(args.commit, Path(folder))
        print(f"{args.commit} -> today, {args.threads} torch threads, paper widths, batch 64", flush=True)
        for name in args.models:
            print(compare(name, then, args.rounds), flush=True)


if __name__ == "__main__":
    main()
