"""Martinez et al. (2017) fully connected baseline, as released with SemGCN."""

from __future__ import annotations

import torch
from torch import nn


class LinearStage(nn.Module):
    """Two Linear-BN-ReLU-Dropout layers with an identity shortcut."""

    def __init__(self, size: int, dropout: float) -> None:
        super().__init__()
        self.w1 = nn.Linear(size, size)
        self.batch_norm1 = nn.BatchNorm1d(size)
        self.w2 = nn.Linear(size, size)
        self.batch_norm2 = nn.BatchNorm1d(size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dropout(torch.relu(self.batch_norm1(self.w1(x))))
        y = self.dropout(torch.relu(self.batch_norm2(self.w2(y))))
        return x + y


class LinearModel(nn.Module):
    """Lifts (B, J, 2) to (B, J, 3); predicts J-1 joints and re-inserts the hip as zeros at index 0."""

    def __init__(
        self, num_joints: int = 16, linear_size: int = 1024, num_stages: int = 2, dropout: float = 0.5
    ) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.w1 = nn.Linear(num_joints * 2, linear_size)
        self.batch_norm1 = nn.BatchNorm1d(linear_size)
        self.linear_stages = nn.ModuleList(LinearStage(linear_size, dropout) for _ in range(num_stages))
        self.w2 = nn.Linear(linear_size, (num_joints - 1) * 3)
        self.dropout = nn.Dropout(dropout)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        y = self.dropout(torch.relu(self.batch_norm1(self.w1(x.reshape(batch, -1)))))
        for stage in self.linear_stages:
            y = stage(y)
        joints = self.w2(y).reshape(batch, self.num_joints - 1, 3)
        return torch.cat([joints.new_zeros(batch, 1, 3), joints], dim=1)
