"""The pose3d command: stages run without Snakemake, bad input exits 2 with a one-line message."""

from __future__ import annotations

from pathlib import Path

import pytest

from pose3d.cli import main


def test_bad_input_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "poses_3d.parquet"
    assert main(["convert", "h36m", "--root", str(tmp_path), "--subjects", "S1", "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert str(tmp_path) in message and "S1" in message
    assert not out.exists()


def test_train_from_config_file(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    repo_config = (Path(__file__).parents[1] / "config.yaml").read_text()
    config.write_text(repo_config.replace("overrides: {}", "overrides: {linear: {epochs: 1, samples_per_epoch: 128}}"))
    out = tmp_path / "linear.pt"
    assert (
        main(
            [
                "train",
                "--config",
                str(config),
                "--model",
                "linear",
                "--input",
                "cpn",
                "--poses-3d",
                str(tiny_tables["poses_3d"]),
                "--poses-2d",
                str(tiny_tables["poses_2d_cpn"]),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.exists()
