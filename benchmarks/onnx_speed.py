"""Lifting speed of torch beside onnxruntime on the CPU, every model in one run (``pose3d export onnx``).

    python benchmarks/onnx_speed.py [--frames 1000] [--profile paper] [--threads 2] [--repeat 2]

Each model is built at the profile's size (``paper``: the released sizes; ``demo``: what the demo
trains) with its initial weights, exported to ONNX, and lifts a random ``--frames``-long video of
screen-normalised keypoints (and confidences) both ways, as ``pose3d lift`` does (the same windows and
batches). Prints frames/s, best of ``--repeat`` runs, with both runtimes on the same number of threads,
and the largest difference of the two predictions relative to the largest coordinate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import torch

from pose3d.benchmark.measure import best_seconds
from pose3d.config.choices import MODEL_NAMES, PROFILES
from pose3d.export.onnx import export_onnx
from pose3d.export.onnx_runtime import OnnxPredictor
from pose3d.models import MODELS, build
from pose3d.runs import Checkpoint, Predictor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1000, help="video length (default 1000: 20 s at 50 Hz)")
    parser.add_argument("--profile", choices=PROFILES, default="paper", help="model sizes (default: released)")
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="CPU threads of both runtimes")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{args.frames} frames, {args.profile} sizes, {args.threads} CPU threads each (load average {load})")
    print(f"{'model':18}{'params':>12}{'torch frames/s':>16}{'onnxruntime':>13}{'ratio':>8}{'rel. diff':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models:
            spec = MODELS[name]
            options = spec.options(spec.recipe(args.profile)["model_options"])
            network = build(name, **options)
            params = sum(p.numel() for p in network.parameters())
            checkpoint = Path(folder) / f"{name}.pt"
            Checkpoint(name, options, network.state_dict(), "h36m", spec.test_window(options)).save(checkpoint)
            export_onnx(checkpoint, Path(folder) / f"{name}.onnx")
            rng = np.random.default_rng(0)
            keypoints = rng.uniform(-1, 1, (args.frames, spec.num_joints, 2)).astype(np.float32)
            scores = rng.uniform(0, 1, (args.frames, spec.num_joints)).astype(np.float32)
            starts = np.array([0, args.frames])
            runtimes = (
                Predictor.from_checkpoint(checkpoint),
                OnnxPredictor.load(Path(folder) / f"{name}.onnx", threads=args.threads),
            )
            speeds, poses = [], []
            for runtime in runtimes:
                poses.append(runtime.keypoints(keypoints, starts, scores))
                speeds.append(
                    args.frames / best_seconds(partial(runtime.keypoints, keypoints, starts, scores), args.repeat)
                )
            difference = np.abs(poses[1] - poses[0]).max() / np.abs(poses[0]).max()
            print(
                f"{name:18}{params:>12,}{speeds[0]:>16,.0f}{speeds[1]:>13,.0f}{speeds[1] / speeds[0]:>8.1f}"
                f"{difference:>11.1e}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
