"""The README's "Lift your own keypoints" commands, run exactly as written on the tiny demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from keypoint_files import Person, coco_json
from PIL import Image
from workflow_helpers import REPO, small_config

from pose3d.core.safe_load import load_npz

pytestmark = pytest.mark.slow


def readme_blocks(section: str) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block in a README section."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", body, flags=re.S)


def test_readme_lift_commands(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    blocks = readme_blocks("Lift your own keypoints")
    entries = yaml.safe_load(next(text for lang, text in blocks if lang == "yaml"))["lift"]
    commands = [line for lang, text in blocks if lang == "bash" for line in text.strip().splitlines()]
    assert [c.split()[0] for c in commands] == ["snakemake", "pose3d"]

    for name in ("Snakefile", "workflow", "envs"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(small_config(lift=entries), sort_keys=False))
    raw = load_npz(tiny_tables["poses_3d"].parent / "raw/data_2d_h36m_detectron_pt_coco.npz")
    track = raw["positions_2d"].item()["S9"]["Walking 1"][0]  # the demo's COCO detections, camera 54138969
    scores = np.ones((*track.shape[:-1], 1))
    coco_json(
        tmp_path / "detectron2_results.json", [Person(np.arange(len(track)), np.concatenate([track, scores], -1))]
    )

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    outputs = []
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        table = pq.read_table(tmp_path / "results/lift/my_video/poses_3d.parquet")
        assert table.column("frame").to_pylist() == list(range(len(track)))
        outputs.append(table.column("positions").to_pylist())
        if command.startswith("pose3d"):
            assert "lifted 1 person" in done.stdout and "frames/s" in done.stdout
            with Image.open(tmp_path / "results/lift/my_video/animation.gif") as gif:
                assert gif.n_frames == len(track)  # every lifted frame animated
                assert len(np.unique(np.asarray(gif.convert("L")))) > 2  # drawn, not blank
    assert outputs[0] == outputs[1]  # the workflow rule and the command give the same poses
