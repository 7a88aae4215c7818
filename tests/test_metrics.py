"""Tests for pose3d.evaluation.metrics with hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from pose3d.data.skeleton import H36M_17_3DHP_14
from pose3d.evaluation import metrics


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotation matrix about ``axis`` (Rodrigues)."""
    a = axis / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


@pytest.fixture()
def poses() -> np.ndarray:
    """Ten random non-planar 17-joint poses in millimetres."""
    return np.random.default_rng(0).normal(scale=300.0, size=(10, 17, 3))


def test_mpjpe_known_distances() -> None:
    target = np.zeros((2, 3, 2, 3))
    pred = target.copy()
    pred[..., 0, :] = [3.0, 4.0, 0.0]  # joint 0 off by 5, joint 1 exact
    out = metrics.mpjpe(pred, target)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, 2.5)
    np.testing.assert_allclose(metrics.mpjpe(pred, target, joints=[0]), 5.0)
    np.testing.assert_allclose(metrics.mpjpe(pred, target, joints=[1]), 0.0)


def test_root_align_zeroes_root(poses: np.ndarray) -> None:
    aligned = metrics.root_align(poses)
    np.testing.assert_allclose(aligned[:, 0], 0.0)
    np.testing.assert_allclose(aligned[:, 5] - aligned[:, 3], poses[:, 5] - poses[:, 3])
    np.testing.assert_allclose(metrics.root_align(poses, root=2)[:, 2], 0.0)


def test_shape_mismatch_rejected() -> None:
    with pytest.raises(ValueError, match="equal"):
        metrics.mpjpe(np.zeros((4, 17, 3)), np.zeros((4, 16, 3)))


def test_p_mpjpe_recovers_similarity(poses: np.ndarray) -> None:
    rotations = np.stack([_rotation(np.array([1.0, 2.0, 3.0 + i]), 0.3 * i + 0.1) for i in range(len(poses))])
    scale = 1.7
    shift = np.array([100.0, -50.0, 4000.0])
    pred = scale * poses @ rotations + shift
    assert metrics.mpjpe(pred, poses).min() > 100.0
    np.testing.assert_allclose(metrics.p_mpjpe(pred, poses), 0.0, atol=1e-8)
    np.testing.assert_allclose(metrics.procrustes_align(pred, poses), poses, atol=1e-8)


def test_p_mpjpe_does_not_undo_reflection(poses: np.ndarray) -> None:
    mirrored = poses * np.array([-1.0, 1.0, 1.0])
    err = metrics.p_mpjpe(mirrored, poses)
    assert err.shape == (len(poses),)
    assert np.all(err > 50.0)  # a reflection is not a rotation: a clear residual is left


def test_p_mpjpe_never_worse_than_mpjpe(poses: np.ndarray) -> None:
    pred = poses + np.random.default_rng(1).normal(scale=40.0, size=poses.shape)
    p_err = metrics.p_mpjpe(pred, poses)
    assert np.all(p_err <= metrics.mpjpe(pred, poses) + 1e-9)
    assert np.all(p_err > 0.0)


def test_p_mpjpe_joint_subset_aligns_on_subset(poses: np.ndarray) -> None:
    pred = poses.copy()
    pred[:, 0] += 500.0  # joint 0 (the hip) is wrong, the 14 evaluated joints are exact
    assert np.all(metrics.p_mpjpe(pred, poses) > 1.0)
    np.testing.assert_allclose(metrics.p_mpjpe(pred, poses, joints=H36M_17_3DHP_14), 0.0, atol=1e-8)


def test_p_mpjpe_degenerate_prediction_is_finite() -> None:
    target = np.array([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])
    pred = np.zeros_like(target)  # every joint at one point
    err = metrics.p_mpjpe(pred, target)
    expected = metrics.mpjpe(np.broadcast_to(target.mean(axis=1, keepdims=True), target.shape), target)
    np.testing.assert_allclose(err, expected)


def test_n_mpjpe_known_scale(poses: np.ndarray) -> None:
    np.testing.assert_allclose(metrics.n_mpjpe(0.5 * poses, poses), 0.0, atol=1e-9)
    # Hand case: s = <p,t>/<p,p> = 2/4, scaled pred = [[1,0,0],[0,0,0]], errors 0 and 1.
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    pred = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(metrics.n_mpjpe(pred, target), 0.5)


def test_mpjve_constant_offset_and_drift(poses: np.ndarray) -> None:
    out = metrics.mpjve(poses + np.array([10.0, 20.0, -5.0]), poses)
    assert out.shape == (len(poses) - 1,)
    np.testing.assert_allclose(out, 0.0, atol=1e-9)
    drift = poses + np.arange(len(poses))[:, None, None] * np.array([3.0, 4.0, 0.0])
    np.testing.assert_allclose(metrics.mpjve(drift, poses), 5.0)


def _with_errors(errors: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """A single frame whose joint j is off by errors[j] along y."""
    target = np.zeros((1, len(errors), 3))
    pred = target.copy()
    pred[0, :, 1] = errors
    return pred, target


def test_pck_hand_built() -> None:
    pred, target = _with_errors([0.0, 100.0, 150.0, 151.0])
    np.testing.assert_allclose(metrics.pck(pred, target), [0.75])
    np.testing.assert_allclose(metrics.pck(pred, target, threshold=100.0), [0.5])
    np.testing.assert_allclose(metrics.pck(pred, target, joints=[2, 3]), [0.5])


def test_auc_hand_built() -> None:
    pred, target = _with_errors([0.0, 100.0, 150.0, 151.0])
    # PCK at 0, 50, 100, 150 = 1/4, 1/4, 2/4, 3/4 -> mean 7/16.
    np.testing.assert_allclose(metrics.auc(pred, target, thresholds=np.array([150.0, 0.0, 100.0, 50.0])), [7 / 16])


def test_auc_is_mean_pck_over_thresholds(poses: np.ndarray) -> None:
    pred = poses + np.random.default_rng(2).normal(scale=60.0, size=poses.shape)
    for thresholds in (metrics.AUC_THRESHOLDS_MM, np.arange(0, 155)):
        expected = np.mean([metrics.pck(pred, poses, threshold=t) for t in thresholds], axis=0)
        np.testing.assert_allclose(metrics.auc(pred, poses, thresholds=thresholds), expected)
    assert metrics.AUC_THRESHOLDS_MM[0] == 0 and metrics.AUC_THRESHOLDS_MM[-1] == 150
    assert len(metrics.AUC_THRESHOLDS_MM) == 31
