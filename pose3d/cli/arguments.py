"""Argument types several subcommands share (argparse turns their ``ArgumentTypeError`` into a usage error)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pose3d.core.errors import InputError, one_line


def positive_int(text: str) -> int:
    """A whole number of at least 1 (thread counts)."""
    return count(1)(text)


def file_ending(*suffixes: str) -> Callable[[str], str]:
    """A parser of an output file name (:func:`path`) that must end in one of ``suffixes`` (the format
    written), checked before any work."""

    def parse(text: str) -> str:
        if Path(path(text)).suffix not in suffixes:
            raise argparse.ArgumentTypeError(f"{text}: the file name must end in {' or '.join(suffixes)}")
        return text

    return parse


def outputs(parser: argparse.ArgumentParser, files: Sequence[str] = (), folders: Sequence[str] = ()) -> None:
    """Declare the options of ``parser`` that name its output files and folders (by ``dest``);
    :func:`check_outputs_of` checks them all before the command does any work."""
    parser.set_defaults(output_files=tuple(files), output_folders=tuple(folders))


def check_outputs_of(args: argparse.Namespace) -> None:
    """Refuse, before any work, the declared outputs (:func:`outputs`) that cannot be written, and two that name
    one path; the message names the option the user gave."""
    from pose3d.core.atomic import check_folder, check_outputs

    given = [(dest, getattr(args, dest)) for dest in getattr(args, "output_files", ()) if getattr(args, dest)]
    check_outputs([value for _, value in given], [_option(dest) for dest, _ in given])
    for dest in getattr(args, "output_folders", ()):
        if getattr(args, dest):
            check_folder(getattr(args, dest))


def check_device_of(args: argparse.Namespace) -> None:
    """Refuse ``--device cuda`` without a CUDA device before any work, naming the option (torch loads only then)."""
    if getattr(args, "device", None) == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise InputError("--device", "'cuda' but torch sees no CUDA device (use auto or cpu)")


def _option(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def config_setting(kind: type, *keys: str) -> Callable[[str], Any]:
    """A parser of a ``kind`` number within the config schema's range for the setting at ``keys`` (NaN is
    refused). The schema is read when the option is given, so that ``pose3d`` starts without YAML."""

    def parse(text: str) -> Any:
        from pose3d.config.schema import setting_range

        low, high = setting_range(*keys)
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {'whole ' if kind is int else ''}number: {text!r}") from None
        if not low <= value <= high:
            allowed = f"at least {low}" if high == math.inf else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text}")
        return value

    return parse


def path(text: str) -> str:
    """A file or folder path: not empty or blank (an empty one would silently mean the current folder), no NUL
    character (no file can have one). Every path option of every command uses this type."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r}: a path cannot hold a NUL character")
    return text


def count(low: int, high: int | None = None) -> Callable[[str], int]:
    """A parser of a whole number from ``low`` (to ``high``), for counts such as rounds and frames."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low or (high is not None and value > high):
            allowed = f"at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {one_line(text, 40)}")
        return value

    return parse


def finite(low: float, high: float = math.inf) -> Callable[[str], float]:
    """A parser of a finite number from ``low`` to ``high`` (NaN and infinity are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            allowed = f"a finite number of at least {low}" if high == math.inf else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text}")
        return value

    return parse
