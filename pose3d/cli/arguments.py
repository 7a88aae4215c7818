"""Argument types several subcommands share (argparse turns their ``ArgumentTypeError`` into a usage error)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


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
