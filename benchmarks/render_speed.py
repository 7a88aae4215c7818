"""Time to render a 60-frame skeleton animation (2D input, ground truth, prediction), GIF and MP4.

    python benchmarks/render_speed.py [--frames 60] [--size 320] [--repeat 3]

Poses are synthetic (a random walk of a 16-joint skeleton): the renderer's cost does not depend on
where poses come from. Prints seconds and frames/s per format, best of ``--repeat``, beside the cost
of redrawing the whole figure for every frame (what blitting the skeletons over a saved background saves).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from pose3d.data.skeleton import H36M_16
from pose3d.visualization.animation import RenderOptions, Scene, _Figure, render_animation


def synthetic_scene(frames: int) -> Scene:
    rng = np.random.default_rng(0)
    rest = rng.normal(0.0, 0.35, size=(16, 3))
    rest[0] = 0.0
    poses = rest + np.cumsum(rng.normal(0.0, 0.01, size=(frames, 16, 3)), axis=0)
    poses[:, 0] = 0.0
    keypoints = 500 + 300 * poses[..., :2]
    return Scene(H36M_16, keypoints, (1000, 1000), {"Ground truth": poses, "prediction": poses * 1.05}, azimuth=70.0)


def best(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--size", type=int, default=320, help="pixels per panel")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scene = synthetic_scene(args.frames)
    options = RenderOptions(size=args.size)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".gif", ".mp4"):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                render_animation(scene, Path(tmp) / f"a{suffix}", options)
                times.append(time.perf_counter() - start)
            rate = args.frames / best(times)
            print(f"{suffix[1:]:>4}: {best(times):6.2f} s for {args.frames} frames ({rate:6.1f} frames/s)")
    figure = _Figure(scene, options)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for _ in range(args.frames):
            figure.canvas.draw()  # the full redraw that blitting avoids
            np.asarray(figure.canvas.buffer_rgba())
        times.append(time.perf_counter() - start)
    figure.close()
    rate = args.frames / best(times)
    print(f"full figure redraw per frame instead, no encoding: {best(times):6.2f} s ({rate:6.1f} frames/s)")


if __name__ == "__main__":
    main()
