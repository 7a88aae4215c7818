"""The workflow refuses a config path it cannot read before any job, with `pose3d`'s one line (real Snakemake)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from workflow_helpers import run_snakemake, small_config

TARGET = "results/tables/mpjpe.csv"


def lift_entry(**entry: Any) -> Callable[[dict, Path], None]:
    """A config change adding the `lift` entry my_video (its keypoints an existing file unless given)."""

    def change(config: dict, workdir: Path) -> None:
        (workdir / "clip.json").write_text("[]")
        config["lift"] = {"my_video": {"keypoints": "clip.json", **entry}}

    return change


def data(key: str, value: str, make: str | None = None) -> Callable[[dict, Path], None]:
    """A config change setting data.<key> to ``value``, made first as a "file" or "folder" when ``make`` says."""

    def change(config: dict, workdir: Path) -> None:
        if make == "file":
            (workdir / value).write_text("not a folder")
        elif make == "folder":
            (workdir / value).mkdir()
        config["data"][key] = value

    return change


def needs_sh(config: dict, workdir: Path) -> None:
    config["inputs"] = ["cpn", "sh"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (data("cpn", "missing.npz"), "data.cpn: 'missing.npz' does not exist"),
        (data("h36m", "h36m.cdf", make="file"), "data.h36m: 'h36m.cdf' is a file; a folder is needed"),
        (data("3dpw", "pw3d", make="folder"), "data.3dpw: 'pw3d' is a folder; a file is needed"),
        (data("h36m", "  "), "data.h36m: must not be empty"),
        (data("sh", " "), "data.sh: must not be empty"),
        (needs_sh, 'data.sh: is "" (skipped), but inputs names sh: set it to the raw input'),
        (
            lift_entry(keypoints="gone.json", model="linear", input="cpn"),
            "lift.my_video.keypoints: 'gone.json' does not exist",
        ),
        (lift_entry(checkpoint="missing.pt"), "lift.my_video.checkpoint: 'missing.pt' does not exist"),
        (lift_entry(format="openpose", checkpoint="clip.json"), "lift.my_video.keypoints: 'clip.json' is a file"),
        (lift_entry(checkpoint=" "), "lift.my_video.checkpoint: must not be empty"),
    ],
    ids=[
        "missing-file",
        "file-for-folder",
        "folder-for-file",
        "blank-required",
        "blank-optional",
        "skipped-but-needed",
        "lift-keypoints-missing",
        "lift-checkpoint-missing",
        "openpose-file",
        "lift-blank",
    ],
)
def test_bad_config_path_stops_before_any_job(
    tmp_path: Path, change: Callable[[dict, Path], None], problem: str
) -> None:
    config = small_config()
    change(config, tmp_path)
    result = run_snakemake(tmp_path, "-n", TARGET, config=config, check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("pose3d: error:")]
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(errors) == 1 and errors[0].startswith(f"pose3d: error: config: {problem}"), result.stderr
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    assert "Building DAG" not in result.stdout + result.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


def test_target_of_a_skipped_raw_input_is_one_line(tmp_path: Path) -> None:
    """Asking for the 3DHP table when data.3dhp is "" stops with one line, not an InputFunctionException."""
    config = small_config()
    config["data"]["3dhp"] = ""
    result = run_snakemake(tmp_path, "-n", "results/data/3dhp/test.parquet", config=config, check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        'pose3d: error: config: data.3dhp: is "" (skipped): set it to the raw file or folder to build this target'
    )
    assert "Exception" not in result.stderr and not (tmp_path / "results").exists()


def test_paths_the_workflow_makes_and_skipped_inputs_pass(tmp_path: Path) -> None:
    """The demo data (written by demo_data), a checkpoint the workflow trains and "" for optional inputs pass."""
    config = small_config()
    config["data"].update({"sh": "", "3dhp": ""})
    (tmp_path / "clip.json").write_text("[]")
    config["lift"] = {"my_video": {"keypoints": "clip.json", "checkpoint": "results/models/linear-cpn/model.pt"}}
    result = run_snakemake(tmp_path, "-n", TARGET, config=config)
    assert "demo_data" in result.stdout and "pose3d: error" not in result.stderr
