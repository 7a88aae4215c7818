"""What counts as a number where pose3d reads one from a file or a setting."""

from __future__ import annotations

from typing import Any, TypeGuard


def is_whole(value: Any) -> TypeGuard[int]:
    """A whole number written as one: an ``int`` but not a ``bool`` (``True`` is no count; ``2.0`` is no index)."""
    return isinstance(value, int) and not isinstance(value, bool)
