"""TGraphNet: U-shaped spatio-temporal GCN lifting 81 frames of 2D poses to 81 frames of 3D poses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from pose3d.core.errors import InputError
from pose3d.data.skeleton import H36M_17, Skeleton
from pose3d.models.graph import PARTITIONS, tgraphnet_partitions

#: Frames per graph: each GCN layer joins this many consecutive poses into one graph.
GRAPH_FRAMES = 3
#: Temporal stride of each downsampling step.
POOL = 3
#: Frames of the input and output window.
WINDOW = 81


def _temporal(layer: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Apply a (B, C, T, J) layer to channels-last (B, T, J, C) features.

    The permuted view is in torch's channels_last memory format, which convolutions, batch norm and
    interpolation read and write as it is: no copies either way.
    """
    return layer(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def _time_conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """``conv``, a Conv(1, k) along time of (B, C, J, T) features, on (B, T, J, C) ones (kernel (k, 1))."""
    padding = conv.padding if isinstance(conv.padding, str) else conv.padding[::-1]
    weight = conv.weight.transpose(2, 3)
    return _temporal(lambda y: F.conv2d(y, weight, conv.bias, conv.stride[::-1], padding), x)


def _dropout(dropout: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``dropout`` of (B, T, J, C) features with its mask drawn in the order of a contiguous (B, C, J, T)
    tensor, so that a seed gives the masks of the (B, C, J, T) layout the layers used before."""
    if not dropout.training:
        return x
    mask = dropout(x.new_ones(x.permute(0, 3, 2, 1).shape))
    return x * mask.permute(0, 3, 2, 1)


def _upsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Linear interpolation along time (align_corners, as the released bilinear upsampling)."""
    return _temporal(lambda y: F.interpolate(y, scale_factor=(factor, 1), mode="bilinear", align_corners=True), x)


class GraphConv(nn.Module):
    """``Dropout(ReLU(BN(sum_g A_g (H W_g) + b)))`` on graphs of ``GRAPH_FRAMES`` poses.

    ``weight`` is (C_in, G * C_out); columns ``g * C_out : (g + 1) * C_out`` belong to partition g.
    """

    def __init__(self, in_channels: int, out_channels: int, dropout: float) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.weight = nn.Parameter(torch.empty(in_channels, len(PARTITIONS) * out_channels))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.norm = nn.BatchNorm1d(out_channels)
        self.dropout = nn.Dropout(dropout)
        nn.init.kaiming_uniform_(self.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor, affinity: torch.Tensor) -> torch.Tensor:
        batch, frames, joints, channels = x.shape
        groups, nodes = affinity.shape[0], affinity.shape[1]
        graphs = batch * frames * joints // nodes
        if channels**2 < self.out_channels:
            # Few input channels (the 2D poses): mix the nodes first, as one matmul of the flattened graphs
            # with [A_0 | .. | A_3]^T (x) I_Cin (Cin**2 multiplies per node and partition instead of Cout),
            # then one matmul with the stacked [W_0; ..; W_3].
            eye = torch.eye(channels, dtype=affinity.dtype, device=affinity.device)
            mix = torch.kron(affinity.permute(2, 1, 0).reshape(nodes, nodes * groups), eye)
            mixed = (x.reshape(graphs, nodes * channels) @ mix).reshape(-1, groups * channels)
            stacked = self.weight.reshape(channels, groups, -1).transpose(0, 1).reshape(groups * channels, -1)
            out = mixed @ stacked
        else:
            # sum_g A_g (H W_g) as one matmul H [W_0 | .. | W_3] and a node mix [A_0 | .. | A_3] over
            # (node, partition) pairs, batched over the graphs: no transposes of the features. The mix is cast
            # before it is expanded, as autocast would cast (and so materialise) the expanded one.
            transformed = (x @ self.weight).reshape(graphs, nodes * groups, self.out_channels)
            mix = affinity.permute(1, 2, 0).reshape(nodes, nodes * groups).to(transformed.dtype)
            out = torch.bmm(mix.expand(graphs, -1, -1), transformed)
        out = self.dropout(torch.relu(self.norm(out.reshape(-1, self.out_channels) + self.bias)))
        return out.reshape(batch, frames, joints, self.out_channels)


class ResidualBlock(nn.Module):
    """GCN -> Conv(1, k) along time -> BN -> Dropout, plus identity or a GCN shortcut; no ReLU after."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.gcn = GraphConv(in_channels, out_channels, dropout)
        self.temporal = nn.Sequential(
            nn.Conv2d(out_channels, out_channels, (1, kernel_size), padding="same"),
            nn.BatchNorm2d(out_channels),
            nn.Dropout(dropout),
        )
        self.shortcut = GraphConv(in_channels, out_channels, dropout) if in_channels != out_channels else None

    def forward(self, x: torch.Tensor, affinity: torch.Tensor) -> torch.Tensor:
        residual = x if self.shortcut is None else self.shortcut(x, affinity)
        conv, norm, dropout = self.temporal
        assert isinstance(conv, nn.Conv2d)
        out = _temporal(norm, _time_conv(conv, self.gcn(x, affinity)))
        return _dropout(dropout, out) + residual


class TemporalPool(nn.Module):
    """BN -> Conv(1, 3) with stride 3 along time -> ReLU -> Dropout."""

    def __init__(self, channels: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, channels, (1, POOL), stride=(1, POOL))
        self.dropout = nn.Dropout(dropout)
        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")
        nn.init.zeros_(self.conv.get_parameter("bias"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _dropout(self.dropout, torch.relu(_time_conv(self.conv, _temporal(self.norm, x))))


class Level(nn.Module):
    """Residual blocks at one temporal resolution, then optional downsampling."""

    def __init__(
        self, in_channels: int, out_channels: int, stages: int, pool: bool, kernel_size: int, dropout: float
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            ResidualBlock(in_channels if s == 0 else out_channels, out_channels, kernel_size, dropout)
            for s in range(stages)
        )
        self.pool = TemporalPool(out_channels, dropout) if pool else None

    def forward(self, x: torch.Tensor, affinity: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features at this resolution and the (possibly downsampled) input of the next level."""
        for block in self.blocks:
            x = block(x, affinity)
        return x, (x if self.pool is None else self.pool(x))


class TGraphNet(nn.Module):
    """(B, 81, J, 2) -> (B, 81, J, 3).

    Down path 81 -> 27 -> 9 -> 3 frames; up path back to 81 adding the skips; each up level also
    feeds a merge branch upsampled straight to 81 frames; sum -> BN -> residual block -> Conv(1, 5)
    per joint. One dense (4, 3J, 3J) affinity is learnt, shared by every layer.

    Output joints 1.. are root-relative. Joint 0 is the camera-space root position predicted by a
    second Conv(1, 5) head on joint 0's features when ``predict_root``, else exactly 0 (the release
    zeroes it before every loss and metric). The release builds that head in both models, so the
    root-relative model keeps it too: it then has the released size and state dict, unused.
    """

    def __init__(
        self,
        skeleton: Skeleton = H36M_17,
        channels: int = 128,
        kernel_size: int = 3,
        dropout: float = 0.1,
        predict_root: bool = False,
    ) -> None:
        super().__init__()
        c = channels
        widths = [(2, c), (c, c), (c, 2 * c), (2 * c, 2 * c)]
        stages = [1, 2, 2, 2]
        self.num_joints = skeleton.num_joints
        self.predict_root = predict_root
        self.affinity = nn.Parameter(torch.from_numpy(tgraphnet_partitions(skeleton, GRAPH_FRAMES)))
        self.down = nn.ModuleList(
            Level(cin, cout, n, pool=i < len(widths) - 1, kernel_size=kernel_size, dropout=dropout)
            for i, ((cin, cout), n) in enumerate(zip(widths, stages))
        )
        up_widths = [(cout, cin) for cin, cout in reversed(widths[1:])]
        self.up = nn.ModuleList(ResidualBlock(cin, cout, kernel_size, dropout) for cin, cout in up_widths)
        self.merge = nn.ModuleList(ResidualBlock(cout, c, kernel_size, dropout) for _, cout in up_widths)
        self.merge_norm = nn.BatchNorm1d(c)
        self.post_merge = ResidualBlock(c, c, kernel_size, dropout)
        self.head = nn.Conv2d(c, 3, (1, 5), padding="same")
        self.root_head = nn.Conv2d(c, 3, (1, 5), padding="same")

    @torch.no_grad()
    def start_root_at(self, position: torch.Tensor) -> None:
        """Make the untrained root head predict ``position`` (3,) in metres: its bias, weights unchanged.

        A freshly initialised head predicts roots near the camera centre (z close to 0), where the
        trajectory model's reprojection loss has no useful gradient; starting at a typical root
        position (the training set's mean) puts it in range from the first step.
        """
        bias = self.root_head.bias
        assert bias is not None
        bias.copy_(torch.as_tensor(position, dtype=bias.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1:] != (WINDOW, self.num_joints, 2):
            raise ValueError(f"TGraphNet expects (B, {WINDOW}, {self.num_joints}, 2), got {tuple(x.shape)}")
        skips = []
        for level in self.down:
            skip, x = level(x, self.affinity)
            skips.append(skip)
        skips.pop()  # the bottom level's output is x itself
        out = torch.zeros((), dtype=x.dtype, device=x.device)
        for block, merge in zip(self.up, self.merge):
            x = block(x, self.affinity)
            out = out + _upsample(merge(x, self.affinity), WINDOW // x.shape[1])
            x = _upsample(x, POOL) + skips.pop()
        x = x + out
        x = self.merge_norm(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        x = self.post_merge(x, self.affinity)
        poses = _time_conv(self.head, x)[:, :, 1:]
        root = (
            _time_conv(self.root_head, x[:, :, :1])
            if self.predict_root
            else poses.new_zeros(poses.shape[0], poses.shape[1], 1, 3)
        )
        return torch.cat([root, poses], dim=2)


#: Shape of the release's edge adjacency, a parameter its forward never uses.
_UNUSED_EDGE_ADJACENCY = (48, 48)


def _drop_unused(path: Path, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop what the release stores but never uses: the 48x48 edge adjacency, and the copies of the
    shared affinity (``adj_v``, ours ``affinity``) that each of its layers registers again."""
    kept = {}
    for key, value in state.items():
        if key == "adj_e" or key.endswith(".adj_e"):
            if tuple(value.shape) != _UNUSED_EDGE_ADJACENCY:
                raise InputError(path, f"{key} has shape {tuple(value.shape)}, expected {_UNUSED_EDGE_ADJACENCY}")
        elif key.endswith(".adj_v"):
            if "affinity" in state and not torch.equal(value, state["affinity"]):
                raise InputError(path, f"{key} differs from the shared adj_v; per-layer affinities are not supported")
        else:
            kept[key] = value
    return kept


def _check_widths(path: Path, state: dict[str, torch.Tensor], options: dict[str, Any]) -> None:
    """Name the option to set when the file was trained with another kernel or width (before a model of
    the wrong width is built: it may not fit in memory)."""
    kernels = {v.shape[-1] for k, v in state.items() if k.endswith(".temporal.0.weight") and v.ndim == 4}
    if len(kernels) == 1 and (kernel := kernels.pop()) != options["kernel_size"]:
        raise InputError(path, f"checkpoint has temporal kernel {kernel}; set kernel_size: {kernel}")
    first = state.get("down.0.blocks.0.gcn.bias")  # the first level is ``channels`` wide
    if first is not None and first.ndim == 1 and (width := first.shape[0]) != options["channels"]:
        raise InputError(path, f"checkpoint has {width} channels; set channels: {width}")
    head = state.get("head.weight")
    if head is not None and head.ndim == 4 and (channels := head.shape[1]) != options["channels"]:
        raise InputError(path, f"checkpoint has {channels} channels; set channels: {channels}")


def prepare_release(path: Path, state: dict[str, torch.Tensor], options: dict[str, Any], spec: Any) -> dict:
    """A released TGraphNet state (names already ours) made to fit :class:`TGraphNet`: unused entries
    dropped, widths checked, and a zero root head for releases from before the trajectory model (the
    root-relative model ignores its output)."""
    state = _drop_unused(path, state)
    _check_widths(path, state, options)
    if not spec.predicts_root and "root_head.weight" not in state:
        state["root_head.weight"] = torch.zeros(3, options["channels"], 1, 5)
        state["root_head.bias"] = torch.zeros(3)
    return state
