"""Argument types several subcommands share (argparse turns their ``ArgumentTypeError`` into a usage error)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any


def positive_int(text: str) -> int:
    """A whole number of at least 1 (thread counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def file_ending(*suffixes: str) -> Callable[[str], str]:
    """A parser of an output file name that must end in one of ``suffixes`` (the format written), checked
    before any work."""

    def parse(text: str) -> str:
        if Path(text).suffix not in suffixes:
            raise argparse.ArgumentTypeError(f"{text}: the file name must end in {' or '.join(suffixes)}")
        return text

    return parse


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


def nonempty(text: str) -> str:
    """A path that is not empty (an empty one would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text
