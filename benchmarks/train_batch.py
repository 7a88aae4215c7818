"""Training throughput against the batch size, every size measured side by side (alternating rounds).

    python benchmarks/train_batch.py [--threads 1] [--widths demo paper] [--models ...]

Prints, per model and recipe width, the training samples/s (frames, or 81-frame windows for
TGraphNet) of the fast step at several batch sizes on the same synthetic data, and each size's ratio
to the recipe's batch. On a CPU where the ratios stay near 1, a larger batch cannot make a recipe
finish sooner: only fewer samples can, and that is a change of what is trained.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from pose3d.benchmark.measure import alternate
from pose3d.benchmark.sweep import sweep_line, sweep_main
from pose3d.benchmark.workload import SyntheticData
from pose3d.models import MODELS, build
from pose3d.models.recipes import Recipe
from pose3d.training.step import TrainStep, build_optimizer

FRAME_SIZES = (64, 128, 256, 512)
WINDOW_SIZES = (16, 32, 64)
#: Samples each timed call trains on, whatever the batch size.
FRAMES_PER_CALL = 2048
WINDOWS_PER_CALL = 64


def steps_of(name: str, width: str, size: int, data: SyntheticData) -> tuple[Callable[[], object], int]:
    """A call that trains a fresh model of ``name`` on about the same number of samples whatever ``size``,
    in batches of ``size``, and the number of samples it trains on."""
    recipe = Recipe.from_dict(MODELS[name].recipe(width))
    torch.manual_seed(0)
    model = build(name, **recipe.model_options).train()
    device = torch.device("cpu")
    step = TrainStep(model, build_optimizer(model, recipe, "fast"), recipe, "fast", device)
    per_call = WINDOWS_PER_CALL if MODELS[name].temporal else FRAMES_PER_CALL
    batches = [data.batch(size) for _ in range(max(1, per_call // size))]
    step(*batches[0])  # warm-up

    def run() -> None:
        for batch in batches:
            step(*batch)

    return run, len(batches) * size


def sweep(name: str, width: str, rounds: int) -> str:
    """One line: samples/s per batch size and the ratio to the recipe's batch."""
    single = not MODELS[name].temporal
    data = SyntheticData(name, 20_000, torch.device("cpu"))
    chosen = MODELS[name].recipe(width)["batch_size"]
    sizes = sorted({*(FRAME_SIZES if single else WINDOW_SIZES), chosen})
    runs = {size: steps_of(name, width, size, data) for size in sizes}
    seconds = alternate({str(size): run for size, (run, _) in runs.items()}, 1, rounds, torch.device("cpu"))
    rates = {size: samples / seconds[str(size)] for size, (_, samples) in runs.items()}
    return sweep_line(name, width, "frames/s" if single else "windows/s", rates, chosen)


if __name__ == "__main__":
    sweep_main(__doc__.splitlines()[0], sweep, ["demo"], "the recipe's batch")
