"""Write people's motion as BVH files and say what went where."""

from __future__ import annotations

from pathlib import Path

from pose3d.core.atomic import check_writable
from pose3d.export.bvh import solve, write_bvh
from pose3d.export.sources import PersonMotion


def out_paths(motions: list[PersonMotion], out: str | Path) -> list[Path]:
    """``out`` for one motion; for several, ``out`` with each person added to its name (``x_person3.bvh``)."""
    out = Path(out)
    if len(motions) == 1:
        return [out]
    return [out.with_name(f"{out.stem}_{m.label.replace(' ', '')}{out.suffix}") for m in motions]


def export_bvh(motions: list[PersonMotion], out: str | Path, fps: float) -> str:
    """Write each motion as BVH (see :func:`out_paths`); returns one line per file written."""
    paths = out_paths(motions, out)
    for path in paths:
        check_writable(path)  # before any work, so a bad path leaves nothing half done
    lines = []
    for motion, path in zip(motions, paths):
        write_bvh(solve(motion.skeleton, motion.positions, motion.trajectory, fps), path)
        root = "the predicted camera-frame trajectory" if motion.trajectory is not None else "fixed at the origin"
        line = (
            f"wrote {path}: {motion.label}, frames {motion.frames[0]}-{motion.frames[-1]} ({len(motion.frames)} at "
            f"{fps:g} fps), root {root}; Y up, centimetres"
        )
        if motion.undetected:
            line += f"; {motion.undetected} frames without a detection, interpolated by the lift"
        if motion.held:
            line += f"; {motion.held} frames with no pose (a long gap), last pose held"
        lines.append(line)
    return "\n".join(lines)
