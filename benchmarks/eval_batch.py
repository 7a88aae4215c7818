"""Evaluation throughput against the batch size, every size measured side by side (alternating rounds).

    python benchmarks/eval_batch.py [--threads 1] [--widths demo paper] [--models ...]

Prediction runs in batches of ``pose3d.models.predict.EVAL_BATCH`` (frames for single-frame models,
81-frame windows for TGraphNet). This prints, per model and recipe width, the samples/s of an
inference-mode forward pass over the same synthetic test set at several batch sizes, and each
size's ratio to the batch predicting uses on this device, so the choice can be checked on any CPU.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from pose3d.benchmark.measure import alternate
from pose3d.benchmark.sweep import sweep_line, sweep_main
from pose3d.models import MODELS, build
from pose3d.models.predict import eval_batch

FRAME_SIZES = (64, 256, 1024, 8192)
WINDOW_SIZES = (4, 16, 64, 128)


def sweep(name: str, width: str, rounds: int) -> str:
    """One line: samples/s per batch size and the ratio to the batch ``predict`` uses."""
    spec = MODELS[name]
    single = not spec.temporal
    shape = (8192, spec.num_joints, 2) if single else (128, spec.frames, spec.num_joints, 2)
    test = torch.randn(*shape)
    model = build(name, **spec.recipe(width)["model_options"]).eval()
    chosen = eval_batch(torch.device("cpu"))[0 if single else 1]
    sizes = sorted({*(FRAME_SIZES if single else WINDOW_SIZES), chosen})

    def predict_in(size: int) -> Callable[[], object]:
        def run() -> None:
            for start in range(0, len(test), size):
                model(test[start : start + size])

        return run

    with torch.inference_mode():
        model(test[:chosen])  # warm-up
        seconds = alternate({str(size): predict_in(size) for size in sizes}, 1, rounds, torch.device("cpu"))
    rates = {size: len(test) / seconds[str(size)] for size in sizes}
    return sweep_line(name, width, "frames/s" if single else "windows/s", rates, chosen)


if __name__ == "__main__":
    sweep_main(__doc__.splitlines()[0], sweep, ["demo", "paper"], "the batch predicting uses")
