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


# Values built to be real-valued arrays (as_numeric must return them as they are) or not (it must refuse them).
real_dtypes = st.sampled_from([np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.uint16])
real_arrays = hnp.arrays(real_dtypes, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
real_values = (
    real_arrays
    | real_arrays.map(lambda a: a.tolist())  # nested lists of Python numbers, rectangular
    | st.integers(-(2**62), 2**62)
    | st.floats()  # NaN and inf are numbers: finiteness is each reader's own check
)
ragged_lists = st.lists(st.integers(0, 9), max_size=3).flatmap(
    lambda row: (
        st.lists(st.integers(0, 9), max_size=4)
        .filter(lambda other: len(other) != len(row))
        .map(lambda other: [row, other])
    )
)
not_real_values = (
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.binary(max_size=8)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    | hnp.arrays(st.sampled_from(["U3", "S2", "c8", "M8[s]", np.bool_]), hnp.array_shapes(max_dims=3, max_side=3))
    | st.lists(st.integers(), min_size=1, max_size=3).map(lambda v: np.array(v, dtype=object))
    | st.lists(st.text(max_size=3), min_size=1, max_size=3)
    | ragged_lists
    | st.integers(min_value=2**64)  # beyond every integer dtype: an object array
)


@QUICK
@given(case=st.tuples(st.just(True), real_values) | st.tuples(st.just(False), not_real_values))
def test_numeric_check_accepts_exactly_the_real_arrays(case: tuple[bool, Any]) -> None:
    real, value = case
    if real:
        array = as_numeric(value, "f.npz", "value")
        assert isinstance(array, np.ndarray) and array.dtype.kind in "iuf"
        np.testing.assert_array_equal(array, np.asarray(value))
    else:
        with pytest.raises(InputError, match=r"^f\.npz: value should be a numeric array, found "):
            as_numeric(value, "f.npz", "value")


JOINTS = 3
#: What is wrong with a built track -> the words of the refusal that say so (None: nothing is wrong).
TRACK_DEFECTS = {
    None: None,
    "frames-after-the-mocap-are-junk": None,  # trimmed away, so accepted
    "shorter-than-the-mocap": "frames of 2D but",
    "other-joint-count": f"expected ({JOINTS} joints x 2) per frame",
    "not-2d": f"expected ({JOINTS} joints x 2) per frame",
    "other-rank": f"expected ({JOINTS} joints x 2) per frame",
    "non-finite-kept-frame": "non-finite keypoints in 1 frames",
    "beyond-float32": "non-finite keypoints in 1 frames",
    "text": "should be a numeric array",
}


@st.composite
def tracks(draw: st.DrawFn) -> tuple[str | None, np.ndarray, int]:
    """A 2D track, its defect (a key of TRACK_DEFECTS) and the mocap length it is checked against."""
    defect = draw(st.sampled_from(list(TRACK_DEFECTS)))
    mocap = draw(st.integers(1, 6))
    frames = draw(st.integers(0, mocap - 1) if defect == "shorter-than-the-mocap" else st.integers(mocap, mocap + 3))
    shape: tuple[int, ...] = (frames, JOINTS, 2)
    if defect == "other-joint-count":
        shape = (frames, draw(st.integers(1, 6).filter(lambda j: j != JOINTS)), 2)
    elif defect == "not-2d":
        shape = (frames, JOINTS, draw(st.sampled_from([1, 3])))
    elif defect == "other-rank":
        shape = draw(st.sampled_from([(frames,), (frames, JOINTS * 2), (frames, JOINTS, 2, 1)]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int16]))
    if defect in ("frames-after-the-mocap-are-junk", "non-finite-kept-frame", "beyond-float32"):
        dtype = np.float64
    track = draw(hnp.arrays(dtype, shape, elements=st.integers(-4000, 4000)))
    if defect == "frames-after-the-mocap-are-junk":
        frames = mocap + draw(st.integers(1, 3))
        track = np.concatenate([track[:mocap], np.full((frames - mocap, JOINTS, 2), np.nan)])
    elif defect in ("non-finite-kept-frame", "beyond-float32"):
        frame, joint, axis = draw(st.integers(0, mocap - 1)), draw(st.integers(0, JOINTS - 1)), draw(st.integers(0, 1))
        bad = draw(st.sampled_from([np.nan, np.inf, -np.inf])) if defect == "non-finite-kept-frame" else 1e39
        track[frame, joint, axis] = bad
    elif defect == "text":
        track = track.astype(str)
    return defect, track, mocap


@settings(max_examples=100, deadline=None)  # nine kinds of track, each drawn about ten times
@given(case=tracks())
def test_keypoint_tracks_are_trimmed_or_refused_for_what_is_wrong(case: tuple[str | None, np.ndarray, int]) -> None:
    defect, track, mocap_length = case
    reason = TRACK_DEFECTS[defect]
    if reason is None:
        kept = check_keypoints(track, "cpn.npz", "S1 'Walking' camera 54138969", JOINTS, mocap_length)
        assert kept.dtype == np.float32 and kept.shape == (mocap_length, JOINTS, 2)
        np.testing.assert_array_equal(kept, track[:mocap_length].astype(np.float32))
    else:
        with pytest.raises(InputError) as refused:
            check_keypoints(track, "cpn.npz", "S1 'Walking' camera 54138969", JOINTS, mocap_length)
        assert str(refused.value).startswith("cpn.npz: S1 'Walking' camera 54138969")
        assert reason in str(refused.value), (defect, str(refused.value))


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
