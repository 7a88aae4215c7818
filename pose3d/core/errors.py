"""The one exception type for bad input files."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """An input file is missing or malformed; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
