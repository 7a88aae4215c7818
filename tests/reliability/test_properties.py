"""Property-based tests (hypothesis) of the safe loaders, the array readers' boundary checks and the metrics."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import write_cdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pose3d.core.errors import InputError
from pose3d.core.safe_load import load_npz, load_pickle
from pose3d.data.convert.cdf import read_pose
from pose3d.data.convert.checks import as_numeric
from pose3d.data.convert.pose_tables import check_keypoints
from pose3d.evaluation.metrics import auc, mpjpe, mpjve, n_mpjpe, p_mpjpe, pck

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numeric_dtypes = st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_])
numeric_arrays = hnp.arrays(numeric_dtypes, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) | st.binary(max_size=8)
)
plain_data = st.recursive(
    scalars | numeric_arrays,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3)
    ),
    max_leaves=12,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        nan_ok = a.dtype.kind == "f"
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=nan_ok)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@QUICK
@given(data=plain_data, protocol=st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_restricted_unpickler_reads_back_any_plain_data(tmp_path: Path, data: Any, protocol: int) -> None:
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    assert same(load_pickle(path), data)


@QUICK
@given(arrays=st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), numeric_arrays, min_size=1, max_size=3))
def test_npz_without_pickle_reads_back_any_numeric_archive(tmp_path: Path, arrays: dict[str, np.ndarray]) -> None:
    path = tmp_path / "a.npz"
    np.savez_compressed(path, **arrays, nested=np.array({"S1": list(arrays.values())}, dtype=object))
    loaded = load_npz(path)
    assert all(same(loaded[k], v) for k, v in arrays.items())
    assert same(loaded["nested"].item(), {"S1": list(arrays.values())})


junk = (
    plain_data
    | hnp.arrays(st.sampled_from(["U3", "S2", "O", "c8", "M8[s]"]), hnp.array_shapes(max_dims=3, max_side=3))
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)


@QUICK
@given(value=junk)
def test_numeric_check_returns_real_arrays_or_an_input_error(value: Any) -> None:
    try:
        array = as_numeric(value, "f.npz", "value")
    except InputError as err:
        assert str(err).startswith("f.npz: value should be a numeric array, found ")
    else:
        assert isinstance(array, np.ndarray) and array.dtype.kind in "biuf"


@QUICK
@given(
    track=hnp.arrays(st.sampled_from([np.float32, np.float64, np.int16]), hnp.array_shapes(max_dims=4, max_side=6))
    | hnp.arrays(np.float64, st.tuples(st.integers(0, 8), st.just(3), st.just(2))),
    mocap_length=st.integers(1, 6),
)
def test_keypoint_tracks_are_trimmed_or_refused(track: np.ndarray, mocap_length: int) -> None:
    try:
        kept = check_keypoints(track, "cpn.npz", "S1 'Walking' camera 54138969", 3, mocap_length)
    except InputError as err:
        assert str(err).startswith("cpn.npz: S1 'Walking' camera 54138969: ")
    else:
        assert kept.dtype == np.float32 and kept.shape == (mocap_length, 3, 2)
        np.testing.assert_array_equal(kept, track[:mocap_length].astype(np.float32))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pose=hnp.arrays(
        np.float64,
        st.sampled_from([(3, 96), (5, 96), (4, 48), (2, 32, 3), (6, 95), (1, 192)]),
        elements=st.floats(-1e4, 1e4) | st.just(np.nan),
    )
)
def test_cdf_pose_is_read_exactly_or_refused(tmp_path: Path, pose: np.ndarray) -> None:
    path = write_cdf(tmp_path / "Walking.cdf", pose)
    try:
        read = read_pose(path, 96)
    except InputError as err:
        assert str(err).startswith(f"{path}: 'Pose' has ")
        assert pose.shape[1:] != (96,) or not np.isfinite(pose).all()
    else:
        assert pose.shape[1:] == (96,)
        np.testing.assert_array_equal(read, pose)


# ---- metrics ---------------------------------------------------------------------------------------

poses = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 4), st.integers(3, 8), st.just(3)), elements=st.floats(-1e3, 1e3)
)


def rotation(angles: tuple[float, float, float]) -> np.ndarray:
    a, b, c = angles
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


angles = st.tuples(*[st.floats(-np.pi, np.pi)] * 3)


@QUICK
@given(pred=poses, shift=st.floats(-1e3, 1e3))
def test_mpjpe_is_a_distance(pred: np.ndarray, shift: float) -> None:
    target = pred[::-1].copy() if len(pred) > 1 else pred + 1.0
    assert np.all(mpjpe(pred, pred) == 0)
    np.testing.assert_allclose(mpjpe(pred, target), mpjpe(target, pred))
    np.testing.assert_allclose(mpjpe(pred + shift, target + shift), mpjpe(pred, target), atol=1e-6)
    assert np.all(mpjpe(pred, target) >= 0)


@QUICK
@given(target=poses, angle=angles, scale=st.floats(0.1, 10), shift=st.floats(-1e3, 1e3))
def test_aligned_errors_ignore_the_alignment_they_remove(
    target: np.ndarray, angle: tuple[float, float, float], scale: float, shift: float
) -> None:
    spread = np.linalg.norm(target - target.mean(axis=-2, keepdims=True), axis=-1).max(axis=-1)
    if np.any(spread < 1.0):  # degenerate poses (all joints in one point) have no defined rotation
        return
    moved = scale * target @ rotation(angle) + shift
    np.testing.assert_allclose(p_mpjpe(moved, target), 0.0, atol=1e-6 * spread.max())
    np.testing.assert_allclose(n_mpjpe(scale * target, target), 0.0, atol=1e-6 * spread.max())
    np.testing.assert_allclose(mpjve(target + shift, target), 0.0, atol=1e-6)


@QUICK
@given(pred=poses, noise=st.floats(0, 200), low=st.floats(0, 300), high=st.floats(0, 300))
def test_pck_and_auc_are_fractions_and_pck_grows_with_the_threshold(
    pred: np.ndarray, noise: float, low: float, high: float
) -> None:
    target = pred + noise
    low, high = sorted((low, high))
    assert np.all((pck(pred, target, low) >= 0) & (pck(pred, target, low) <= pck(pred, target, high)))
    assert np.all(pck(pred, target, high) <= 1) and np.all(pck(pred, target, np.inf) == 1)
    assert np.all((auc(pred, target) >= 0) & (auc(pred, target) <= 1))


@pytest.mark.parametrize("shape", [(2, 17, 3), (17, 3)])
def test_metrics_refuse_mismatched_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="must be equal"):
        mpjpe(np.zeros(shape), np.zeros((3, 16, 3)))
