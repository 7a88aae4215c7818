"""Training losses (torch) on (B, [T,] J, 3) camera-frame poses in metres.

MotionAGFormer's loss is MPJPE + 0.5 N-MPJPE + 20 x velocity error (its ``configs/h36m``). The others'
definitions follow the TGraphNet release (``src/loss/loss.py`` and ``src/models/train_seq_traj.py``):
the pose and motion losses are applied by the trainer to root-relative poses (root joint zeroed) in
metres; the trajectory model adds :func:`weighted_root_loss`, :func:`reprojection_loss` and
``0.001 * motion_loss`` on the root trajectory (B, T, 1, 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from pose3d.data.camera import project


def _check_shapes(pred: torch.Tensor, target: torch.Tensor) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must have equal shapes")


def mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance over all joints (and frames, samples)."""
    _check_shapes(pred, target)
    return torch.linalg.vector_norm(pred - target, dim=-1).mean()


def motion_loss(pred: torch.Tensor, target: torch.Tensor, intervals: Sequence[int] = (8, 12, 16, 24)) -> torch.Tensor:
    """TGraphNet motion loss on (B, T, J, 3) sequences.

    For each interval k, the per-joint cross products ``pose_t x pose_{t+k}`` of prediction and ground
    truth are compared by the mean absolute difference (over batch, t, joints and the 3 components);
    the result is averaged over the intervals. Needs T > max(intervals).
    """
    _check_shapes(pred, target)
    frames = pred.shape[-3]
    if not intervals or min(intervals) < 1 or max(intervals) >= frames:
        raise ValueError(f"intervals {tuple(intervals)} must lie in 1..{frames - 1} for {frames} frames")
    total = pred.new_zeros(())
    for k in intervals:
        moved_pred = torch.linalg.cross(pred[..., :-k, :, :], pred[..., k:, :, :], dim=-1)
        moved_target = torch.linalg.cross(target[..., :-k, :, :], target[..., k:, :, :], dim=-1)
        total = total + (moved_pred - moved_target).abs().mean()
    return total / len(intervals)


def n_mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MPJPE after scaling each predicted pose (its joints and 3 coordinates) by the least-squares factor
    that best fits the target: the scale-free error (MotionAGFormer's ``n_mpjpe``)."""
    _check_shapes(pred, target)
    scale = (pred * target).sum(dim=(-2, -1), keepdim=True) / (pred * pred).sum(dim=(-2, -1), keepdim=True)
    return mpjpe_loss(scale * pred, target)


def velocity_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance between predicted and true frame-to-frame joint motion of (B, T, J, 3)."""
    _check_shapes(pred, target)
    return mpjpe_loss(pred[..., 1:, :, :] - pred[..., :-1, :, :], target[..., 1:, :, :] - target[..., :-1, :, :])


def weighted_root_loss(pred_root: torch.Tensor, target_root: torch.Tensor) -> torch.Tensor:
    """Root position error weighted by the inverse ground-truth depth: mean of ``|pred - gt| / z_gt``.

    Shapes (..., 3), camera frame, ``z_gt > 0``. The ratio is unit-free, so metres (here) and the
    release's millimetres give the same value.
    """
    _check_shapes(pred_root, target_root)
    return (torch.linalg.vector_norm(pred_root - target_root, dim=-1) / target_root[..., 2]).mean()


def _normalize_screen(pixels: torch.Tensor, w: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """``x / w * 2 - [1, h / w]`` (see :func:`pose3d.data.camera.normalize_screen`); ``w``, ``h`` (..., 1)."""
    return pixels / w * 2.0 - torch.cat([torch.ones_like(w), h / w], dim=-1)


def reprojection_loss(
    pred_pose_cam: torch.Tensor, input_2d_norm: torch.Tensor, intrinsics: torch.Tensor
) -> torch.Tensor:
    """Mean 2D distance between the input keypoints and the projected predicted pose, in screen units.

    ``pred_pose_cam`` (B, [T,] J, 3): absolute camera-frame joints (root-relative pose plus the
    predicted root). ``input_2d_norm`` (B, [T,] J, 2): screen-normalised input 2D. ``intrinsics``
    (B, 11): f(2), c(2), k(3), p(2), w, h per sample. Projection includes lens distortion.
    """
    if pred_pose_cam.shape[:-1] != input_2d_norm.shape[:-1] or input_2d_norm.shape[-1] != 2:
        raise ValueError(f"pose {tuple(pred_pose_cam.shape)} and 2D {tuple(input_2d_norm.shape)} do not match")
    if intrinsics.shape != (pred_pose_cam.shape[0], 11):
        raise ValueError(f"intrinsics {tuple(intrinsics.shape)} must be (B, 11) for B={pred_pose_cam.shape[0]}")
    params = intrinsics.reshape(intrinsics.shape[0], *([1] * (pred_pose_cam.ndim - 2)), 11)
    pixels = project(pred_pose_cam, params[..., :9])
    projected = _normalize_screen(pixels, params[..., 9:10], params[..., 10:11])
    return torch.linalg.vector_norm(projected - input_2d_norm, dim=-1).mean()


def compute_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    inputs: torch.Tensor,
    intrinsics: torch.Tensor | None,
    loss: str,
) -> torch.Tensor:
    """The recipe's loss: MSE for single-frame models, MPJPE + motion (+ trajectory terms) for TGraphNet."""
    if loss == "mse":
        return torch.nn.functional.mse_loss(pred, target)
    if loss == "mpjpe_motion":
        return mpjpe_loss(pred, target) + motion_loss(pred, target)
    if loss == "mpjpe_motion_traj":
        if intrinsics is None:
            raise ValueError("the trajectory loss needs the clips' camera intrinsics")
        root_pred, root_target = pred[..., :1, :], target[..., :1, :]
        pose_pred = torch.cat([torch.zeros_like(root_pred), pred[..., 1:, :]], dim=-2)
        pose_target = torch.cat([torch.zeros_like(root_target), target[..., 1:, :]], dim=-2)
        return (
            mpjpe_loss(pose_pred, pose_target)
            + motion_loss(pose_pred, pose_target)
            + weighted_root_loss(root_pred[..., 0, :], root_target[..., 0, :])
            + reprojection_loss(pose_pred + root_pred, inputs, intrinsics)
            + 0.001 * motion_loss(root_pred, root_target)
        )
    if loss == "mpjpe_nmpjpe_velocity":  # MotionAGFormer's weights (lambda_scale 0.5, lambda_3d_velocity 20)
        return mpjpe_loss(pred, target) + 0.5 * n_mpjpe_loss(pred, target) + 20.0 * velocity_loss(pred, target)
    raise ValueError(f"unknown loss {loss!r}")
