"""Which postures the demo data covers: trunk tilt, knee and elbow flexion, wrist and pelvis height, joint spread.

    python benchmarks/demo_coverage.py [--size small] [--seed 0]
    python benchmarks/demo_coverage.py --root resources/demo/h36m     # any Human3.6M-format folder

Without ``--root`` the demo motion of every Human3.6M subject is generated in memory (the same poses
``pose3d demo-data`` writes); with it the D3_Positions CDFs under ROOT are read, so the real recordings can
be described the same way. Prints, for the test subjects (S9, S11) and the training subjects, per action
and overall: percentiles and the share of frames beyond thresholds of each feature, and the per-joint
position spread.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cdflib

from pose3d.data.h36m import SKIPPED_SEQUENCES, SUBJECTS_3D, TEST_SUBJECTS, action_of, feature_files
from pose3d.demo.coverage import Coverage
from pose3d.demo.sequences import SIZES, subject_sequences
from pose3d.demo.writer import sequence_motion, subject_body


def _group(subject: str) -> str:
    return "test" if subject in TEST_SUBJECTS else "train"


def generated(size: str, seed: int) -> Coverage:
    """Coverage of the demo motion generated in memory."""
    coverage = Coverage()
    for subject in sorted(SUBJECTS_3D, key=lambda s: (s not in TEST_SUBJECTS, int(s[1:]))):
        body = subject_body(subject, seed)
        for seq in subject_sequences(subject):
            if (subject, seq.name) in SKIPPED_SEQUENCES:  # as every pipeline does
                continue
            motion, frames = sequence_motion(subject, seq, body, size, seed)
            coverage.add(_group(subject), seq.action, motion.positions[:frames])
    return coverage


def recorded(root: Path) -> Coverage:
    """Coverage of the D3_Positions files (millimetres) under a Human3.6M-format folder."""
    coverage = Coverage()
    for subject in sorted(SUBJECTS_3D, key=lambda s: (s not in TEST_SUBJECTS, int(s[1:]))):
        for name, path in feature_files(root, subject, "D3_Positions").items():
            pose = cdflib.CDF(path).varget("Pose").reshape(-1, 32, 3) / 1000.0
            coverage.add(_group(subject), action_of(name), pose)
    return coverage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, default="small", help="demo size to generate (default: small)")
    parser.add_argument("--seed", type=int, default=0, help="demo seed (default: 0)")
    parser.add_argument("--root", type=Path, help="read D3_Positions CDFs under this folder instead of generating")
    args = parser.parse_args(argv)
    coverage = recorded(args.root) if args.root else generated(args.size, args.seed)
    source = str(args.root) if args.root else f"demo size {args.size}, seed {args.seed}"
    print(f"# Posture coverage of {source}\n")
    print(coverage.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
