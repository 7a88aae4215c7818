"""MotionAGFormer (Mehraban et al., WACV 2024): parallel attention and graph streams, fused per token.

Every layer runs two branches on (B, T, J, C) features and mixes them with a learnt softmax weight:
spatial then temporal self-attention, and spatial then temporal graph convolution. The spatial graph
is the release's directed Human3.6M-17 graph (:data:`NEIGHBOURS`, no self-loops); the temporal graph
links each frame of a joint to its ``neighbour_num`` most similar frames (dot product of features).

Inputs (B, T, 17, 3) hold (x, y, confidence) per joint in Human3.6M-17 order; outputs are (B, T, 17, 3),
one pose per input frame. T must be ``n_frames``: the temporal GCN's batch norm has a channel per frame.
Parameter names, module order and initialisation equal the release's (the same seed gives the same
weights), so its checkpoints load with ``load_state_dict(strict=True)`` (``pose3d import-checkpoint``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pose3d.core.errors import InputError
from pose3d.models.registry import MOTIONAGFORMER_SIZES

#: Joints each Human3.6M-17 joint aggregates from in the release's spatial GCN (row i of the adjacency).
#: Directed as released: the thorax (8) hears neither shoulder (11, 14), the pelvis (0) not the left hip (4),
#: although each of those hears them.
NEIGHBOURS: dict[int, tuple[int, ...]] = {
    0: (1, 7),
    1: (2, 0),
    2: (3, 1),
    3: (2,),
    4: (5, 0),
    5: (6, 4),
    6: (5,),
    7: (0, 8),
    8: (7, 9),
    9: (8, 10),
    10: (9,),
    11: (12, 8),
    12: (13, 11),
    13: (12,),
    14: (15, 8),
    15: (16, 14),
    16: (15,),
}
JOINTS = len(NEIGHBOURS)

#: Options of the released Human3.6M models, by size (the registry's entry holds them).
SIZES = MOTIONAGFORMER_SIZES

ACTIVATIONS: dict[str, type[nn.Module]] = {"gelu": nn.GELU, "relu": nn.ReLU}


@dataclass(frozen=True)
class BlockOptions:
    """The options every MotionAGFormer layer shares (see :class:`MotionAGFormer`)."""

    mlp_ratio: float
    act_layer: type[nn.Module]
    attn_drop: float
    drop: float
    drop_path: float
    num_heads: int
    qkv_bias: bool
    qk_scale: float | None
    use_layer_scale: bool
    layer_scale_init_value: float
    use_adaptive_fusion: bool
    hierarchical: bool
    use_temporal_similarity: bool
    temporal_connection_len: int
    use_tcn: bool
    graph_only: bool
    neighbour_num: int
    n_frames: int

    def temporal_gcn(self, dim: int) -> GCN:
        """The temporal graph convolution over ``n_frames`` nodes."""
        return GCN(
            dim,
            self.n_frames,
            "temporal",
            self.neighbour_num,
            self.use_temporal_similarity,
            self.temporal_connection_len,
        )


def _size_of(state: Mapping[str, torch.Tensor]) -> dict[str, int]:
    """Layers, feature width and window a state dict was trained with, read from its shapes."""
    found: dict[str, int] = {"n_layers": len({key.split(".")[1] for key in state if key.startswith("layers.")})}
    embed = state.get("joints_embed.weight")
    if embed is not None and embed.ndim == 2:
        found["dim_feat"], found["dim_in"] = int(embed.shape[0]), int(embed.shape[1])
    frames = state.get("layers.0.graph_temporal.mixer.batch_norm.weight")  # one channel per frame
    if frames is not None and frames.ndim == 1:
        found["n_frames"] = int(frames.shape[0])
    return found


def prepare_release(path: Path, state: dict[str, torch.Tensor], options: dict[str, Any], spec: Any) -> dict:
    """Released weights checked against the size asked for (before a network of the wrong size is built):
    the size is read from the weights, and a mismatch names the size (or option) to set."""
    found = _size_of(state)
    differ = {key: value for key, value in found.items() if options.get(key) != value}
    if differ:
        sizes = [name for name, preset in SIZES.items() if all(preset[k] == v for k, v in found.items())]
        what = ", ".join(f"{key} {value}" for key, value in found.items())
        fix = f"--size {sizes[0]}" if sizes else ", ".join(f"{key}: {value}" for key, value in differ.items())
        raise InputError(path, f"checkpoint has {what}; set {fix}")
    return state


def spatial_adjacency() -> torch.Tensor:
    """The release's 0/1 spatial adjacency: ``A[i, j] = 1`` when joint i aggregates from joint j."""
    adj = torch.zeros(JOINTS, JOINTS)
    for i, neighbours in NEIGHBOURS.items():
        adj[i, list(neighbours)] = 1.0
    return adj


def chain_adjacency(frames: int, length: int) -> torch.Tensor:
    """Fixed temporal adjacency: frame i aggregates from frames i .. i + ``length`` (those that exist)."""
    adj = torch.zeros(frames, frames)
    for i in range(frames):
        adj[i, i : i + length + 1] = 1.0
    return adj


def similarity_adjacency(x: torch.Tensor, k: int) -> torch.Tensor:
    """(N, T, T) 0/1 graphs linking each frame of (N, T, C) features to its ``k`` largest dot products.

    Frames tied with the k-th largest are all kept, as released (``>=`` the k-th value).
    """
    similarity = x @ x.transpose(1, 2)
    threshold = similarity.topk(k=k, dim=-1, largest=True)[0][..., -1:]
    return (similarity >= threshold).float()


def normalize_digraph(adj: torch.Tensor) -> torch.Tensor:
    """``D^-1/2 A D^-1/2`` of (..., n, n) graphs, D the row sums (out-degrees) of A."""
    scale = adj.detach().sum(dim=-1) ** -0.5
    return scale.unsqueeze(-1) * adj * scale.unsqueeze(-2)


class DropPath(nn.Module):
    """Stochastic depth: zero a sample's whole residual branch with probability ``p`` while training."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * (mask / keep if keep > 0 else mask)


class Attention(nn.Module):
    """Multi-head self-attention over the joints of each frame (spatial) or the frames of each joint."""

    def __init__(self, dim: int, mode: str, o: BlockOptions) -> None:
        super().__init__()
        self.num_heads = o.num_heads
        self.scale = o.qk_scale or (dim // o.num_heads) ** -0.5
        self.mode = mode
        self.attn_drop = nn.Dropout(o.attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.qkv = nn.Linear(dim, dim * 3, bias=o.qkv_bias)
        self.proj_drop = nn.Dropout(o.drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, j, c = x.shape
        # (3, B, H, T, J, C / H)
        q, k, v = self.qkv(x).reshape(b, t, j, 3, self.num_heads, c // self.num_heads).permute(3, 0, 4, 1, 2, 5)
        if self.mode == "temporal":
            q, k, v = q.transpose(2, 3), k.transpose(2, 3), v.transpose(2, 3)  # (B, H, J, T, C / H)
        attn = self.attn_drop(((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1))
        out = attn @ v
        order = (0, 3, 2, 1, 4) if self.mode == "temporal" else (0, 2, 3, 1, 4)
        out = out.permute(*order).reshape(b, t, j, c)
        return self.proj_drop(self.proj(out))


class GCN(nn.Module):
    """``ReLU(x + BN(A_norm V(x) + U(x)))`` over the joints of each frame or the frames of each joint.

    The batch norm's channels are the graph's nodes (joints or frames). The temporal graph is either
    rebuilt from feature similarity on every call or the fixed chain of :func:`chain_adjacency`.
    """

    adj: torch.Tensor

    def __init__(
        self,
        dim: int,
        num_nodes: int,
        mode: str,
        neighbour_num: int = 4,
        use_temporal_similarity: bool = True,
        temporal_connection_len: int = 1,
    ) -> None:
        super().__init__()
        self.mode = mode
        self.neighbour_num = neighbour_num
        self.dynamic = mode == "temporal" and use_temporal_similarity
        self.relu = nn.ReLU()
        self.U = nn.Linear(dim, dim)
        self.V = nn.Linear(dim, dim)
        self.batch_norm = nn.BatchNorm1d(num_nodes)
        nn.init.normal_(self.U.weight, 0.0, (2.0 / dim) ** 0.5)
        nn.init.normal_(self.V.weight, 0.0, (2.0 / dim) ** 0.5)
        if mode == "spatial":
            adj = spatial_adjacency()
        else:  # none when it is rebuilt on every call
            adj = torch.zeros(0, 0) if self.dynamic else chain_adjacency(num_nodes, temporal_connection_len)
        self.register_buffer("adj", adj, persistent=False)  # not in the state dict, as released

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, j, c = x.shape
        nodes = x.transpose(1, 2).reshape(-1, t, c) if self.mode == "temporal" else x.reshape(-1, j, c)
        adj = similarity_adjacency(nodes, self.neighbour_num) if self.dynamic else self.adj
        out = self.relu(nodes + self.batch_norm(normalize_digraph(adj) @ self.V(nodes) + self.U(nodes)))
        return out.reshape(b, j, t, c).transpose(1, 2) if self.mode == "temporal" else out.reshape(b, t, j, c)


class TemporalConv(nn.Module):
    """Conv (k, 1) along time, 'same' padding for its dilation, then batch norm; on (B, C, T, J)."""

    def __init__(self, channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(channels, channels, (kernel_size, 1), padding=(pad, 0), dilation=(dilation, 1))
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


def _pointwise(dim: int, channels: int) -> list[nn.Module]:
    return [nn.Conv2d(dim, channels, kernel_size=1), nn.BatchNorm2d(channels)]


class MultiScaleTCN(nn.Module):
    """Four branches of ``dim / 4`` channels (dilated convs 1 and 2, a max pool, 1x1), concatenated, plus x."""

    def __init__(self, dim: int, kernel_size: int = 5, dilations: tuple[int, ...] = (1, 2)) -> None:
        super().__init__()
        branches = len(dilations) + 2
        if dim % branches:
            raise ValueError(f"MS-TCN needs a width divisible by {branches}, got {dim}")
        c = dim // branches
        convs = [
            nn.Sequential(*_pointwise(dim, c), nn.ReLU(inplace=True), TemporalConv(c, kernel_size, d))
            for d in dilations
        ]
        pool = nn.Sequential(
            *_pointwise(dim, c),
            nn.ReLU(inplace=True),
            nn.MaxPool2d((3, 1), stride=(1, 1), padding=(1, 0)),
            nn.BatchNorm2d(c),
        )
        self.branches = nn.ModuleList([*convs, pool, nn.Sequential(*_pointwise(dim, c))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 3, 1, 2)  # (B, C, T, J)
        out = torch.cat([branch(x) for branch in self.branches], dim=1) + x
        return out.permute(0, 2, 3, 1)


class AGFormerBlock(nn.Module):
    """Pre-norm transformer block whose token mixer is attention, a GCN or an MS-TCN, with layer scale."""

    def __init__(self, dim: int, mode: str, mixer: str, o: BlockOptions) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.mixer: nn.Module
        if mixer == "attention":
            self.mixer = Attention(dim, mode, o)
        elif mixer == "graph":
            self.mixer = GCN(dim, JOINTS, mode) if mode == "spatial" else o.temporal_gcn(dim)
        else:
            self.mixer = MultiScaleTCN(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, int(dim * o.mlp_ratio), o.act_layer, o.drop)
        self.drop_path = DropPath(o.drop_path) if o.drop_path > 0.0 else nn.Identity()
        self.use_layer_scale = o.use_layer_scale
        if self.use_layer_scale:
            self.layer_scale_1 = nn.Parameter(o.layer_scale_init_value * torch.ones(dim))
            self.layer_scale_2 = nn.Parameter(o.layer_scale_init_value * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = self.mixer(self.norm1(x))
        x = x + self.drop_path(self.layer_scale_1 * mixed if self.use_layer_scale else mixed)
        transformed = self.mlp(self.norm2(x))
        return x + self.drop_path(self.layer_scale_2 * transformed if self.use_layer_scale else transformed)


class MLP(nn.Module):
    """Linear -> activation -> dropout -> linear -> dropout."""

    def __init__(self, dim: int, hidden: int, act_layer: type[nn.Module], drop: float) -> None:
        super().__init__()
        self.act = act_layer()
        self.drop = nn.Dropout(drop)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class MotionAGFormerBlock(nn.Module):
    """Attention stream (spatial -> temporal) beside graph stream (spatial -> temporal), then fusion.

    ``hierarchical``: each stream gets half the channels, the graph stream also the attention stream's
    output, and the halves are concatenated (the fusion layer is then built but unused, as released).
    """

    def __init__(self, dim: int, o: BlockOptions) -> None:
        super().__init__()
        self.hierarchical = o.hierarchical
        dim = dim // 2 if self.hierarchical else dim
        self.att_spatial = AGFormerBlock(dim, "spatial", "attention", o)
        self.att_temporal = AGFormerBlock(dim, "temporal", "attention", o)
        self.graph_spatial: nn.Module
        self.graph_temporal: nn.Module
        if o.graph_only:
            self.graph_spatial = GCN(dim, JOINTS, "spatial")
            self.graph_temporal = MultiScaleTCN(dim) if o.use_tcn else o.temporal_gcn(dim)
        else:
            self.graph_spatial = AGFormerBlock(dim, "spatial", "graph", o)
            self.graph_temporal = AGFormerBlock(dim, "temporal", "ms-tcn" if o.use_tcn else "graph", o)
        self.use_adaptive_fusion = o.use_adaptive_fusion
        if self.use_adaptive_fusion:
            self.fusion = nn.Linear(dim * 2, 2)
            nn.init.zeros_(self.fusion.weight)
            nn.init.constant_(self.fusion.bias, 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hierarchical:
            half = x.shape[-1] // 2
            x_attn, x_graph = x[..., :half], x[..., half:]
            x_attn = self.att_temporal(self.att_spatial(x_attn))
            x_graph = self.graph_temporal(self.graph_spatial(x_graph + x_attn))
            return torch.cat((x_attn, x_graph), dim=-1)
        x_attn = self.att_temporal(self.att_spatial(x))
        x_graph = self.graph_temporal(self.graph_spatial(x))
        if not self.use_adaptive_fusion:
            return (x_attn + x_graph) * 0.5
        alpha = self.fusion(torch.cat((x_attn, x_graph), dim=-1)).softmax(dim=-1)
        return x_attn * alpha[..., 0:1] + x_graph * alpha[..., 1:2]


class MotionAGFormer(nn.Module):
    """(B, n_frames, 17, dim_in) 2D poses with confidence -> (B, n_frames, 17, dim_out) 3D poses.

    Options and defaults are the release's constructor's (``qk_scale`` is its ``qkv_scale``); the
    released models are ``MotionAGFormer(**SIZES[size])``. ``act_layer`` is a name of
    :data:`ACTIVATIONS` or a module class. ``drop_path`` is one rate for every block, as released.
    """

    def __init__(
        self,
        n_layers: int,
        dim_in: int,
        dim_feat: int,
        dim_rep: int = 512,
        dim_out: int = 3,
        mlp_ratio: float = 4.0,
        act_layer: str | type[nn.Module] = "gelu",
        attn_drop: float = 0.0,
        drop: float = 0.0,
        drop_path: float = 0.0,
        use_layer_scale: bool = True,
        layer_scale_init_value: float = 1e-5,
        use_adaptive_fusion: bool = True,
        num_heads: int = 4,
        qkv_bias: bool = False,
        qk_scale: float | None = None,
        hierarchical: bool = False,
        num_joints: int = 17,
        use_temporal_similarity: bool = True,
        temporal_connection_len: int = 1,
        use_tcn: bool = False,
        graph_only: bool = False,
        neighbour_num: int = 4,
        n_frames: int = 243,
    ) -> None:
        super().__init__()
        if num_joints != JOINTS:
            raise ValueError(f"MotionAGFormer's graph has the {JOINTS} Human3.6M joints, not {num_joints}")
        options = BlockOptions(
            mlp_ratio=mlp_ratio,
            act_layer=ACTIVATIONS[act_layer] if isinstance(act_layer, str) else act_layer,
            attn_drop=attn_drop,
            drop=drop,
            drop_path=drop_path,
            num_heads=num_heads,
            qkv_bias=qkv_bias,
            qk_scale=qk_scale,
            use_layer_scale=use_layer_scale,
            layer_scale_init_value=layer_scale_init_value,
            use_adaptive_fusion=use_adaptive_fusion,
            hierarchical=hierarchical,
            use_temporal_similarity=use_temporal_similarity,
            temporal_connection_len=temporal_connection_len,
            use_tcn=use_tcn,
            graph_only=graph_only,
            neighbour_num=neighbour_num,
            n_frames=n_frames,
        )
        self.n_frames, self.num_joints, self.dim_in = n_frames, num_joints, dim_in
        # The temporal GCN's batch norm has one channel per frame; with MS-TCN instead any length runs.
        self.fixed_frames = not use_tcn
        self.joints_embed = nn.Linear(dim_in, dim_feat)
        self.pos_embed = nn.Parameter(torch.zeros(1, num_joints, dim_feat))
        self.norm = nn.LayerNorm(dim_feat)
        self.layers = nn.Sequential(*(MotionAGFormerBlock(dim_feat, options) for _ in range(n_layers)))
        self.rep_logit = nn.Sequential(OrderedDict([("fc", nn.Linear(dim_feat, dim_rep)), ("act", nn.Tanh())]))
        self.head = nn.Linear(dim_rep, dim_out)

    def forward(self, x: torch.Tensor, return_rep: bool = False) -> torch.Tensor:
        """3D poses, or with ``return_rep`` the (B, T, J, dim_rep) motion representation before the head."""
        frames = self.n_frames if self.fixed_frames else x.shape[1]
        if x.shape[1:] != (frames, self.num_joints, self.dim_in):
            raise ValueError(f"expected (B, {frames}, {self.num_joints}, {self.dim_in}) inputs, got {tuple(x.shape)}")
        x = self.layers(self.joints_embed(x) + self.pos_embed)
        x = self.rep_logit(self.norm(x))
        return x if return_rep else self.head(x)
