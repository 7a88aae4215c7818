"""pose3d.core.numbers: one definition of a whole number (an int written as one, never a bool)."""

from __future__ import annotations

import numpy as np
import pytest

from pose3d.core.numbers import is_whole


@pytest.mark.parametrize("value", [0, 1, -3, 2**70])
def test_ints_are_whole(value: object) -> None:
    assert is_whole(value)


@pytest.mark.parametrize("value", [True, False, 2.0, 1.5, "2", None, [2], np.int64(2)])
def test_bools_floats_text_and_numpy_scalars_are_not(value: object) -> None:
    assert not is_whole(value)
