"""Training and evaluation throughput of every model, plain eager beside the fast paths: ``pose3d bench``.

    python benchmarks/bench.py [--size tiny|full] [--device cpu|cuda] [--models ...] [--threads N]

Same options as ``pose3d bench --help``; JSON under results/bench/.
"""

from __future__ import annotations

import sys

from pose3d.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
