"""Non-local block with concatenation attention over joints (SemGCN's non-local variant)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _param(module: nn.Module, name: str) -> torch.Tensor:
    """A parameter of a layer held in an ``nn.Sequential`` (typed, for the checker)."""
    return module.get_parameter(name)


class NonLocalBlock(nn.Module):
    """``z = W(f g) + x`` over the node axis of channels-last (B, N, C) features.

    ``f_ij = ReLU(w^T [theta_i; phi_j]) / N'`` (no softmax); ``phi`` and ``g`` are max-pooled over
    runs of ``sub_sample`` consecutive nodes, so N' = N / sub_sample. The output BN starts at zero:
    the block starts as identity. Parameters keep the release's 1x1-convolution modules and names;
    the forward applies their weights as one matmul on channels-last features (no transposes).
    """

    def __init__(self, channels: int, sub_sample: int = 2) -> None:
        super().__init__()
        inter = channels // 2
        self.inter_channels = inter
        self.sub_sample = sub_sample
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
        batch, nodes, _ = x.shape
        convs = (self.theta, self.phi[0], self.g[0])
        weight = torch.cat([_param(conv, "weight")[..., 0] for conv in convs])
        bias = torch.cat([_param(conv, "bias") for conv in convs])
        theta_x, pooled = F.linear(x, weight, bias).split([self.inter_channels, 2 * self.inter_channels], dim=-1)
        # Max over each run of sub_sample nodes (MaxPool1d along the node axis).
        pooled = pooled.reshape(batch, nodes // self.sub_sample, self.sub_sample, -1).max(dim=2).values
        phi_x, g_x = pooled.chunk(2, dim=-1)  # (B, N', C')
        w = _param(self.concat_project[0], "weight").reshape(2, self.inter_channels)
        # w^T [theta_i; phi_j] splits into a theta term per i plus a phi term per j.
        scores = (theta_x @ w[0]).unsqueeze(2) + (phi_x @ w[1]).unsqueeze(1)
        affinity = torch.relu(scores) / phi_x.shape[1]  # (B, N, N')
        y = F.linear(affinity @ g_x, _param(self.W[0], "weight")[..., 0], _param(self.W[0], "bias"))
        return self.W[1](y.reshape(-1, y.shape[-1])).reshape(y.shape) + x
