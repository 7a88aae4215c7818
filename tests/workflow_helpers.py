"""Run the real Snakemake workflow in a scratch folder with a small config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]

#: Training settings that make every model finish in seconds on the tiny demo.
QUICK_TRAINING: dict[str, dict[str, Any]] = {
    "linear": {"epochs": 1, "samples_per_epoch": 2048},
    "semgcn": {"epochs": 1, "samples_per_epoch": 2048},
    "semgcn_nonlocal": {"epochs": 1, "samples_per_epoch": 1024},
    "tgraphnet": {"epochs": 1, "samples_per_epoch": 64, "model_options": {"channels": 16}},
    "tgraphnet_traj": {"epochs": 1, "samples_per_epoch": 64, "model_options": {"channels": 16}},
    "motionagformer": {
        "epochs": 1,
        "samples_per_epoch": 64,
        "model_options": {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 16, "n_frames": 9},
    },
}


def small_config(**changes: Any) -> dict[str, Any]:
    """The repository's config.yaml on the tiny demo with quick training; top-level keys replaced by ``changes``."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["demo"]["size"] = "tiny"
    config["training"]["overrides"] = QUICK_TRAINING
    config["mlflow"] = {"tracking_uri": "sqlite:///mlflow.db", "experiment": "pose3d-test"}
    config["visualization"].update(frames=6, downsample=4, size=160, fps=10)
    config.update(changes)
    return config


def snakemake_command(workdir: Path, *args: str, config: dict[str, Any] | None = None) -> list[str]:
    """``snakemake -s <repo>/Snakefile -d workdir ARGS``, writing ``config`` to workdir/config.yaml first."""
    if config is not None:
        (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        *args,
    ]


def snakemake_env() -> dict[str, str]:
    """The environment of a workflow run: this interpreter's scripts (pose3d) first on PATH."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def run_snakemake(
    workdir: Path, *args: str, config: dict[str, Any] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake to the end (see :func:`snakemake_command`); raise with its output when it fails."""
    command = snakemake_command(workdir, *args, config=config)
    result = subprocess.run(command, cwd=workdir, env=snakemake_env(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def job_counts(output: str) -> dict[str, int]:
    """The jobs Snakemake planned or ran, from the "Job stats" table it prints ({} when nothing to do)."""
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    counts = Counter[str]()
    for line in table.splitlines():
        match = re.fullmatch(r"\s*([a-z_0-9]+)\s+(\d+)\s*", line)
        if match and match[1] != "total":
            counts[match[1]] += int(match[2])
    return dict(counts)


def yaml_bomb(key: str, levels: int = 9) -> str:
    """YAML setting ``key`` to a "billion laughs": each anchor lists the one before ten times, so a few hundred
    bytes hold 10**levels strings."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join([*lines, f"{key}: *l{levels - 1}", ""])
