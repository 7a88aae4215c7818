"""MotionAGFormer's training step and evaluation, pose3d beside the official code, measured in one run.

    python benchmarks/motionagformer_speed.py /path/to/MotionAGFormer [--sizes xs s b l] [--threads 1]

The official checkout (github.com/TaatiTeam/MotionAGFormer) is imported as
``benchmarks/motionagformer_reference.py`` imports it. Per released size, on the same random
(x, y, confidence) windows of the size's length at the release's batch of 16:

* **train**: one optimiser step. Official: its model, the seven loss terms its ``train_one_epoch``
  computes (four of them weighted 0 in the H36M configs) and their ``.item()`` reads, AdamW.
  pose3d: :class:`~pose3d.training.step.TrainStep` with the paper recipe, eager (``plain``) and, with
  ``--fast``, the fused optimiser and compiled loss (``fast``; compiling is not timed).
* **eval**: the forward pass without gradients (both evaluations run it twice per batch for flip
  test-time augmentation, so the ratio is that of the evaluation).

The runs alternate round by round (:func:`pose3d.benchmark.measure.alternate`), so a change in the
machine's load hits them alike; read the ratios. Prints windows per second and pose3d / official.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from motionagformer_reference import Official, pose3d_options  # noqa: E402

from pose3d.benchmark.measure import alternate  # noqa: E402
from pose3d.models import MODELS, build  # noqa: E402
from pose3d.models.recipes import Recipe  # noqa: E402
from pose3d.training.step import TrainStep, build_optimizer  # noqa: E402

BATCH = 16


def official_step(official: Official, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One step of the release's ``train_one_epoch`` on a fixed batch (no data loading, no progress bar)."""
    loss = importlib.import_module("loss.pose3d")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-4, weight_decay=0.01)

    def step() -> None:
        target = y - y[..., 0:1, :]
        pred = model(x)
        optimizer.zero_grad()
        terms = [
            loss.loss_mpjpe(pred, target),
            0.5 * loss.n_mpjpe(pred, target),
            20.0 * loss.loss_velocity(pred, target),
            0.0 * loss.loss_limb_var(pred),
            0.0 * loss.loss_limb_gt(pred, target),
            0.0 * loss.loss_angle(pred, target),
            0.0 * loss.loss_angle_velocity(pred, target),
        ]
        for term in terms:
            term.item()
        total = sum(terms)
        assert isinstance(total, torch.Tensor)
        total.backward()
        optimizer.step()

    return step


def pose3d_step(size: str, implementation: str, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One step of pose3d's training of the paper recipe at ``size``."""
    recipe = Recipe.from_dict({**MODELS["motionagformer"].recipe("paper"), "model_options": {"size": size}})
    model = build("motionagformer", size=size).train()
    step = TrainStep(model, build_optimizer(model, recipe, implementation), recipe, implementation, torch.device("cpu"))
    target = y - y[..., 0:1, :]
    step(x, target, None)  # compiles the fast loss before timing starts

    def run() -> None:
        step(x, target, None)

    return run


def forward(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """The evaluation's forward pass of one batch."""
    model.eval()

    def run() -> None:
        with torch.no_grad():
            model(x)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("official", type=Path, help="checkout of TaatiTeam/MotionAGFormer")
    parser.add_argument("--sizes", nargs="+", default=["xs", "s", "b", "l"], choices=["xs", "s", "b", "l"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="also time pose3d's fast step (compiles first)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    official = Official(args.official)
    print(f"threads {args.threads}, batch {BATCH}, {args.rounds} alternating rounds; windows/s")
    print(f"{'size':<5}{'frames':>7}  {'stage':<14}{'official':>10}{'pose3d':>10}{'ratio':>7}")
    for size in args.sizes:
        cfg = official.config(size)
        frames = cfg["n_frames"]
        generator = torch.Generator().manual_seed(0)
        x = torch.rand(BATCH, frames, 17, 3, generator=generator) * 2 - 1
        y = torch.randn(BATCH, frames, 17, 3, generator=generator) * 0.3
        torch.manual_seed(0)
        theirs = official.build(cfg)
        ours = build("motionagformer", **pose3d_options(cfg))
        implementations = ["plain", "fast"] if args.fast else ["plain"]
        train: dict[str, Callable[[], object]] = {"official": official_step(official, theirs.train(), x, y)}
        train.update({f"pose3d {name}": pose3d_step(size, name, x, y) for name in implementations})
        evaluation: dict[str, Callable[[], object]] = {"official": forward(theirs, x), "pose3d": forward(ours, x)}
        for stage, runs in (("train", train), ("eval", evaluation)):
            seconds = alternate(runs, repeats=1, rounds=args.rounds, device=torch.device("cpu"))
            for name, value in seconds.items():
                if name == "official":
                    continue
                label = stage if name == "pose3d" else f"{stage} ({name.split()[1]})"
                print(
                    f"{size:<5}{frames:>7}  {label:<14}{BATCH / seconds['official']:>10.2f}"
                    f"{BATCH / value:>10.2f}{seconds['official'] / value:>7.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
