"""SemGCN (Zhao et al., CVPR 2019): semantic graph convolutions, optionally with non-local blocks."""

from __future__ import annotations

import math

import torch
from torch import nn

from pose3d.data.skeleton import H36M_16, Skeleton
from pose3d.models.graph import SEMGCN_JOINT_GROUPS, grouped_order, semgcn_mask
from pose3d.models.nonlocal_block import NonLocalBlock


class SemGraphConv(nn.Module):
    """Graph convolution with learnable edge weights: softmax over each joint's row of ``A + I``.

    ``out = (M * I) @ (X W0) + (M * (1 - I)) @ (X W1) + b`` with ``M = softmax_row(e on A + I)``,
    computed as one matmul ``X [W0 | W1]`` and one batched node mix ``[M * I | M * (1 - I)]``.
    """

    mask: torch.Tensor
    split: torch.Tensor

    def __init__(self, in_features: int, out_features: int, mask: torch.Tensor) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.empty(2, in_features, out_features))
        nn.init.xavier_uniform_(self.W, gain=1.414)
        self.e = nn.Parameter(torch.ones(1, int(mask.sum())))
        bound = 1.0 / math.sqrt(out_features)
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))
        self.register_buffer("mask", mask, persistent=False)
        eye = torch.eye(len(mask))
        self.register_buffer("split", torch.stack([eye, 1.0 - eye], dim=-1), persistent=False)

    def edge_weights(self) -> torch.Tensor:
        """Row-softmax of the edge logits, zero off the graph: (J, J)."""
        logits = torch.full(self.mask.shape, float("-inf"), dtype=self.e.dtype, device=self.e.device)
        return torch.softmax(logits.masked_scatter(self.mask, self.e), dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        joints = self.mask.shape[0]
        # mix[i, 2 j + k]: weight of joint j's features transformed by W_k in joint i's output.
        mix = (self.edge_weights().unsqueeze(-1) * self.split).reshape(joints, 2 * joints)
        weight = self.W.transpose(0, 1).reshape(self.W.shape[1], -1)  # [W0 | W1]
        features = (x @ weight).reshape(-1, 2 * joints, self.W.shape[2])
        # One batched matmul with the mix broadcast (a stride-0 view): ``mix @ features`` would
        # transpose and copy the features (and their gradient) to fold the batch into one matmul.
        out = torch.bmm(mix.expand(features.shape[0], -1, -1), features) + self.bias
        return out.reshape(*x.shape[:-1], -1)


class GraphConvBlock(nn.Module):
    """SemGraphConv -> BatchNorm over channels -> ReLU (with dropout when asked, as released)."""

    def __init__(self, in_features: int, out_features: int, mask: torch.Tensor, dropout: float) -> None:
        super().__init__()
        self.gconv = SemGraphConv(in_features, out_features, mask)
        self.bn = nn.BatchNorm1d(out_features)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gconv(x)
        # (B * J, C) rows: the same per-channel statistics as BatchNorm1d over (B, C, J), no transposes.
        x = self.bn(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        if self.dropout is not None:
            x = self.dropout(torch.relu(x))
        return torch.relu(x)


class ResidualGraphBlock(nn.Module):
    """``x + GC(GC(x))``."""

    def __init__(self, channels: int, mask: torch.Tensor, dropout: float) -> None:
        super().__init__()
        self.gconv1 = GraphConvBlock(channels, channels, mask, dropout)
        self.gconv2 = GraphConvBlock(channels, channels, mask, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.gconv2(self.gconv1(x))


class GroupedNonLocal(nn.Module):
    """Non-local block over joints reordered so that each group of joints is pooled together."""

    order: torch.Tensor
    restore: torch.Tensor

    def __init__(self, channels: int, groups: tuple[tuple[int, ...], ...]) -> None:
        super().__init__()
        order, restore = grouped_order(groups)
        self.block = NonLocalBlock(channels, sub_sample=len(groups[0]))
        self.register_buffer("order", torch.from_numpy(order), persistent=False)
        self.register_buffer("restore", torch.from_numpy(restore), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x[:, self.order])[:, self.restore]


class SemGCN(nn.Module):
    """(B, J, 2) -> (B, J, 3): input GC, residual GC blocks (each followed by a non-local block
    when ``non_local``), output SemGraphConv."""

    def __init__(
        self,
        skeleton: Skeleton = H36M_16,
        hid_dim: int = 128,
        num_layers: int = 4,
        non_local: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        mask = torch.from_numpy(semgcn_mask(skeleton))
        layers_in: list[nn.Module] = [GraphConvBlock(2, hid_dim, mask, dropout)]
        layers: list[nn.Module] = []
        if non_local:
            layers_in.append(GroupedNonLocal(hid_dim, SEMGCN_JOINT_GROUPS))
        for _ in range(num_layers):
            layers.append(ResidualGraphBlock(hid_dim, mask, dropout))
            if non_local:
                layers.append(GroupedNonLocal(hid_dim, SEMGCN_JOINT_GROUPS))
        self.gconv_input = nn.Sequential(*layers_in)
        self.gconv_layers = nn.Sequential(*layers)
        self.gconv_output = SemGraphConv(hid_dim, 3, mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gconv_output(self.gconv_layers(self.gconv_input(x)))
