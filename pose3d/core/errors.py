"""The one exception type for bad input files and settings, and how its message stays one line."""

from __future__ import annotations

import re
from pathlib import Path

#: Terminal escape sequences (colours, cursor moves) and other control characters.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|[\x00-\x08\x0b-\x1f\x7f]")
MAX_LENGTH = 300


def one_line(text: object, limit: int = MAX_LENGTH) -> str:
    """``text`` as one readable line: escape codes removed, whitespace collapsed, cut at ``limit`` characters."""
    line = " ".join(_CONTROL.sub("", str(text)).split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


class InputError(ValueError):
    """An input file or setting is missing or malformed; the message names the file (or key) and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
