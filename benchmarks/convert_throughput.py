"""Throughput of the Human3.6M mocap conversion beside its floor, a bare cdflib read of every file.

    python benchmarks/convert_throughput.py [ROOT] [--subjects S1 S5 ...] [--repeat 2]

ROOT (default resources/demo-full/h36m) holds S*/MyPoseFeatures/D3_Positions/*.cdf. Prints mocap
frames/s and MB/s of CDF input for both; the best of ``--repeat`` runs counts (the first run also
warms the file cache).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import cdflib

from pose3d.benchmark.measure import best_seconds
from pose3d.core.errors import InputError
from pose3d.data.convert.h36m import convert_positions
from pose3d.data.h36m import SUBJECTS_3D, feature_files, subject_dir

DEFAULT_ROOT = Path("resources/demo-full/h36m")


def _bare_read(files: list[Path]) -> Callable[[], int]:
    def run() -> int:
        return sum(cdflib.CDF(path).varget("Pose").size // 96 for path in files)

    return run


def _convert(root: Path, subjects: list[str]) -> Callable[[], None]:
    def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            convert_positions(root, subjects, Path(tmp) / "poses_3d.parquet")

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--subjects", nargs="+", help="default: every subject with 3D found under ROOT")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(
            f"{args.root}: no such folder. Create a full-size demo dataset with\n"
            "    pose3d demo-data --size full --out resources/demo-full\n"
            "or pass the folder of your Human3.6M download.",
            file=sys.stderr,
        )
        return 1
    subjects = args.subjects or [s for s in SUBJECTS_3D if _has_subject(args.root, s)]
    try:
        files = [path for s in subjects for path in feature_files(args.root, s, "D3_Positions").values()]
    except InputError as err:
        print(err, file=sys.stderr)
        return 1
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    frames = _bare_read(files)()
    print(f"{args.root}: {len(subjects)} subjects, {len(files)} files, {frames:,} mocap frames, {megabytes:,.1f} MB")
    print(f"{'':24}{'seconds':>10}{'frames/s':>14}{'MB/s':>10}")
    for name, run in (("bare cdflib read", _bare_read(files)), ("convert_positions", _convert(args.root, subjects))):
        seconds = best_seconds(run, args.repeat)
        print(f"{name:24}{seconds:10.2f}{frames / seconds:14,.0f}{megabytes / seconds:10.1f}")
    return 0


def _has_subject(root: Path, subject: str) -> bool:
    try:
        subject_dir(root, subject)
    except InputError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
