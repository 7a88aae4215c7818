"""Lifting speed of every model: batched (what ``pose3d lift`` does) beside one frame or window per call.

    python benchmarks/lift_speed.py [--frames 3000] [--profile paper] [--threads 2] [--repeat 2]

Each model is built at the profile's size (``paper``: the released sizes; ``demo``: what the demo
trains) with its initial weights (speed does not depend on their values) and lifts a random
``--frames``-long video of screen-normalised keypoints. Prints frames/s, best of ``--repeat`` runs;
the unbatched column runs on the first 200 frames.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial

import numpy as np
import torch

from pose3d.benchmark.measure import best_seconds
from pose3d.config.choices import MODEL_NAMES, PROFILES
from pose3d.models import MODELS, build
from pose3d.models.predict import predict_keypoints
from pose3d.models.windows import test_windows

UNBATCHED_FRAMES = 200


@torch.no_grad()
def _one_at_a_time(model: torch.nn.Module, name: str, keypoints: np.ndarray) -> None:
    """One frame (single-frame models) or one test window (TGraphNet) per forward pass."""
    inputs = torch.as_tensor(keypoints)
    spec = MODELS[name]
    if not spec.temporal:
        for row in range(len(inputs)):
            model(inputs[row : row + 1])
    else:
        chunk, pad = spec.test_window()
        windows, _ = test_windows(np.array([0, len(inputs)]), chunk=chunk, pad=pad)
        for window in torch.as_tensor(windows):
            model(inputs[window][None])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=3000, help="video length (default 3000: a minute at 50 Hz)")
    parser.add_argument("--profile", choices=PROFILES, default="paper", help="model sizes (default: released)")
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device("cpu")
    print(f"{args.frames} frames, {args.profile} sizes, {torch.get_num_threads()} CPU threads")
    print(f"{'model':18}{'params':>10}{'batched frames/s':>20}{'one per call':>16}{'ratio':>8}")
    for name in args.models:
        spec = MODELS[name]
        model = build(name, **spec.recipe(args.profile)["model_options"]).eval()
        params = sum(p.numel() for p in model.parameters())
        keypoints = np.random.default_rng(0).uniform(-1, 1, (args.frames, spec.num_joints, 2)).astype(np.float32)
        starts = np.array([0, args.frames])
        batched = args.frames / best_seconds(
            partial(predict_keypoints, model, spec, keypoints, starts, device, *spec.test_window()), args.repeat
        )
        first = keypoints[:UNBATCHED_FRAMES]
        single = len(first) / best_seconds(partial(_one_at_a_time, model, name, first), args.repeat)
        print(f"{name:18}{params:>10,}{batched:>20,.0f}{single:>16,.0f}{batched / single:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
