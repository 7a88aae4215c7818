"""Tests for pose3d.training.losses: zero on identical inputs, hand-computed cases, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pose3d.data.camera import intrinsics, normalize_screen, project
from pose3d.training import losses


@pytest.fixture()
def sequence() -> torch.Tensor:
    """A (2, 30, 17, 3) sequence batch in metres, seeded."""
    gen = torch.Generator().manual_seed(0)
    return torch.randn(2, 30, 17, 3, generator=gen, dtype=torch.float64) * 0.3


def test_mpjpe_loss_hand_case_and_zero() -> None:
    target = torch.zeros(1, 2, 3, dtype=torch.float64)
    pred = target.clone()
    pred[0, 0] = torch.tensor([3.0, 4.0, 0.0])
    assert losses.mpjpe_loss(pred, target).item() == pytest.approx(2.5)
    assert losses.mpjpe_loss(target, target).item() == 0.0


def test_mpjpe_loss_gradients_flow(sequence: torch.Tensor) -> None:
    pred = (sequence + 0.01).requires_grad_()
    losses.mpjpe_loss(pred, sequence).backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    # Zeroed roots (identical joints) must not poison the gradient with NaN.
    exact = sequence.clone().requires_grad_()
    losses.mpjpe_loss(exact, sequence).backward()
    assert torch.isfinite(exact.grad).all()


def test_motion_loss_hand_case() -> None:
    # One joint: frames x, y, z axes; ground truth stands still (all cross products zero).
    pred = torch.eye(3, dtype=torch.float64).reshape(1, 3, 1, 3)
    target = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64).expand(1, 3, 1, 3)
    # k=1: x*y = z, y*z = x -> mean |.| over 2 frames x 3 = 1/3; k=2: x*z = -y -> 1/3; averaged: 1/3.
    assert losses.motion_loss(pred, target, intervals=(1, 2)).item() == pytest.approx(1 / 3)
    assert losses.motion_loss(pred, target, intervals=(2,)).item() == pytest.approx(1 / 3)


def test_motion_loss_zero_positive_and_gradients(sequence: torch.Tensor) -> None:
    assert losses.motion_loss(sequence, sequence).item() == 0.0
    pred = (sequence * 1.1).requires_grad_()
    value = losses.motion_loss(pred, sequence)
    assert value.item() > 0.0
    value.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


def test_motion_loss_sees_time_reversal(sequence: torch.Tensor) -> None:
    # Cross products of frames t and t+k change sign when time is reversed: the loss must see that.
    reversed_seq = sequence.flip(1)
    assert losses.motion_loss(reversed_seq, sequence).item() > 0.0


def test_motion_loss_needs_enough_frames(sequence: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="intervals"):
        losses.motion_loss(sequence[:, :24], sequence[:, :24])


def test_weighted_root_loss_hand_case() -> None:
    target = torch.tensor([[0.0, 0.0, 2.0], [0.0, 0.0, 10.0]], dtype=torch.float64)
    pred = torch.tensor([[3.0, 4.0, 2.0], [0.0, 0.0, 10.0]], dtype=torch.float64, requires_grad=True)
    value = losses.weighted_root_loss(pred, target)
    assert value.item() == pytest.approx((5.0 / 2.0 + 0.0) / 2)
    # Unit-free: millimetres give the same value as metres.
    assert losses.weighted_root_loss(pred * 1000, target * 1000).item() == pytest.approx(value.item())
    value.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    assert losses.weighted_root_loss(target, target).item() == 0.0


def test_reprojection_loss_hand_case() -> None:
    cam = torch.tensor([[1000.0, 1000.0, 500.0, 500.0, 0, 0, 0, 0, 0, 1000.0, 1000.0]], dtype=torch.float64)
    pose = torch.tensor([[[0.0, 0.0, 1.0], [0.1, 0.0, 1.0]]], dtype=torch.float64)  # pixels (500,500), (600,500)
    expected_2d = torch.tensor([[[0.0, 0.0], [0.2, 0.0]]], dtype=torch.float64)
    assert losses.reprojection_loss(pose, expected_2d, cam).item() == pytest.approx(0.0, abs=1e-12)
    assert losses.reprojection_loss(pose, expected_2d + torch.tensor([0.0, 0.03]), cam).item() == pytest.approx(0.03)


def test_reprojection_loss_matches_numpy_camera(sequence: torch.Tensor) -> None:
    cams = [intrinsics(0), intrinsics(1)]  # 1000x1002 and 1000x1000
    pose = sequence.clone()
    pose[..., 2] += 5.0  # in front of the camera
    inputs = np.stack(
        [
            normalize_screen(project(pose[b].numpy(), cam.as_vector()), cam.res_w, cam.res_h)
            for b, cam in enumerate(cams)
        ]
    )
    params = torch.tensor(np.stack([[*cam.as_vector(), cam.res_w, cam.res_h] for cam in cams]))
    input_2d = torch.from_numpy(inputs)
    assert losses.reprojection_loss(pose, input_2d, params).item() == pytest.approx(0.0, abs=1e-10)
    pred = (pose + 0.02).requires_grad_()
    value = losses.reprojection_loss(pred, input_2d, params)
    assert value.item() > 0.0
    value.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    # Without a time axis (single-frame batches) it works the same.
    frame = losses.reprojection_loss(pose[:, 0], input_2d[:, 0], params)
    assert frame.item() == pytest.approx(0.0, abs=1e-10)


def test_reprojection_loss_rejects_bad_intrinsics(sequence: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="intrinsics"):
        losses.reprojection_loss(sequence, sequence[..., :2], torch.zeros(2, 9))


def test_n_mpjpe_ignores_scale_and_mpjpe_does_not(sequence: torch.Tensor) -> None:
    assert losses.n_mpjpe_loss(sequence * 1.7, sequence).item() == pytest.approx(0.0, abs=1e-12)
    assert losses.mpjpe_loss(sequence * 1.7, sequence).item() > 0.1
    shifted = sequence + torch.tensor([0.1, 0.0, 0.0], dtype=sequence.dtype)
    assert losses.n_mpjpe_loss(shifted, sequence).item() > 0.0  # a shift is no scale


def test_velocity_loss_sees_motion_not_offsets(sequence: torch.Tensor) -> None:
    offset = sequence + torch.tensor([0.5, -0.2, 0.3], dtype=sequence.dtype)
    assert losses.velocity_loss(offset, sequence).item() == pytest.approx(0.0, abs=1e-12)
    still = sequence[:, :1].expand_as(sequence)
    step = torch.linalg.vector_norm(sequence[:, 1:] - sequence[:, :-1], dim=-1).mean()
    assert losses.velocity_loss(still, sequence).item() == pytest.approx(step.item())


def test_motionagformer_loss_is_its_weighted_sum(sequence: torch.Tensor) -> None:
    pred = sequence * 0.9 + 0.01
    total = losses.compute_loss(pred, sequence, sequence[..., :2], None, "mpjpe_nmpjpe_velocity")
    parts = (
        losses.mpjpe_loss(pred, sequence),
        losses.n_mpjpe_loss(pred, sequence),
        losses.velocity_loss(pred, sequence),
    )
    assert total.item() == pytest.approx((parts[0] + 0.5 * parts[1] + 20 * parts[2]).item())
