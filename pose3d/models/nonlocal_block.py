"""Non-local block with concatenation attention over joints (SemGCN's non-local variant)."""

from __future__ import annotations

import torch
from torch import nn


def _param(module: nn.Module, name: str) -> torch.Tensor:
    """A parameter of a layer held in an ``nn.Sequential`` (typed, for the checker)."""
    return module.get_parameter(name)


class NonLocalBlock(nn.Module):
    """``z = W(f g) + x`` over the node axis of (B, C, N) features.

    ``f_ij = ReLU(w^T [theta_i; phi_j]) / N'`` (no softmax); ``phi`` and ``g`` are max-pooled by
    ``sub_sample`` so N' = N / sub_sample. The output BN starts at zero: the block starts as identity.
    """

    def __init__(self, channels: int, sub_sample: int = 2) -> None:
        super().__init__()
        inter = channels // 2
        self.inter_channels = inter
        self.g = nn.Sequential(nn.Conv1d(channels, inter, 1), nn.MaxPool1d(sub_sample))
        self.theta = nn.Conv1d(channels, inter, 1)
        self.phi = nn.Sequential(nn.Conv1d(channels, inter, 1), nn.MaxPool1d(sub_sample))
        self.concat_project = nn.Sequential(nn.Conv2d(2 * inter, 1, 1, bias=False), nn.ReLU())
        self.W = nn.Sequential(nn.Conv1d(inter, channels, 1), nn.BatchNorm1d(channels))
        for conv in (self.g[0], self.theta, self.phi[0], self.W[0]):
            nn.init.kaiming_normal_(_param(conv, "weight"))
            nn.init.zeros_(_param(conv, "bias"))
        nn.init.kaiming_normal_(_param(self.concat_project[0], "weight"))
        nn.init.zeros_(_param(self.W[1], "weight"))
        nn.init.zeros_(_param(self.W[1], "bias"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g_x = self.g(x)  # (B, C', N')
        theta_x = self.theta(x)  # (B, C', N)
        phi_x = self.phi(x)  # (B, C', N')
        w = _param(self.concat_project[0], "weight").reshape(2, self.inter_channels)
        # w^T [theta_i; phi_j] splits into a theta term per i plus a phi term per j.
        scores = (w[0] @ theta_x).unsqueeze(2) + (w[1] @ phi_x).unsqueeze(1)
        affinity = torch.relu(scores) / phi_x.shape[-1]  # (B, N, N')
        y = torch.matmul(affinity, g_x.transpose(1, 2)).transpose(1, 2)
        return self.W(y) + x
