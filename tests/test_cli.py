"""The pose3d command: stages run without Snakemake, bad input exits 2 with a one-line message."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import pose3d
from pose3d.cli import build_parser, main


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


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _all_parsers(sub)
    return found


def test_every_option_has_help() -> None:
    missing = [
        f"{sub.prog} {'/'.join(action.option_strings)}"
        for sub in _all_parsers(build_parser())
        for action in sub._actions
        if action.option_strings and not action.help
    ]
    assert missing == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"pose3d {pose3d.__version__}"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (
            ["train", "--config", "config.yaml", "--model", "semgnc", "--input", "cpn"],
            "--model: invalid choice: 'semgnc'",
        ),
        (["train", "--config", "config.yaml", "--model", "semgcn", "--input", "cpm"], "--input: invalid choice: 'cpm'"),
        (["evaluate", "--config", "c.yaml", "--model", "tgraphnet_trj", "--input", "gt"], "invalid choice"),
        (["import-checkpoint", "--model", "linar", "--source", "a", "--out", "b"], "--model: invalid choice"),
        (["import-checkpoint", "--model", "tgraphnet", "--kernel-size", "4", "--source", "a", "--out", "b"], "4"),
        (["demo-data", "--size", "huge"], "--size: invalid choice: 'huge'"),
        (["trian"], "invalid choice: 'trian'"),
        (["train", "--config", "c.yaml", "--model", "semgcn", "--input", "gt", "--threads", "0"], "--threads"),
    ],
)
def test_mistakes_fail_fast_in_one_line_before_loading_anything(argv: list[str], fragment: str) -> None:
    """Choices are checked by the parser, in a fresh interpreter, before torch is even imported."""
    paths = ["--poses-3d", "missing.parquet", "--poses-2d", "missing.parquet", "--out", "never.pt"]
    argv = argv + paths if argv[0] in ("train", "evaluate") else argv
    probe = (
        "import sys; from pose3d.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as stop:\n"
        "    assert 'torch' not in sys.modules, 'torch imported before the arguments were checked'\n"
        "    sys.exit(stop.code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pose3d: error: ") and fragment in lines[0]
    if "invalid choice" in fragment:
        assert "choose from" in lines[0]
