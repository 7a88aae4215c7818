"""Reference data of the official MotionAGFormer for ``tests/test_motionagformer.py``.

    python benchmarks/motionagformer_reference.py /path/to/MotionAGFormer [--out tests/data/motionagformer]

Run it with an interpreter that has torch and PyYAML; the official checkout (github.com/TaatiTeam/
MotionAGFormer) goes on ``sys.path``. Its model imports only ``DropPath`` from timm, which no released
configuration builds (``drop_path`` is 0), so a stand-in that refuses to be built replaces timm when
timm does not import. Writes, in float32 and eval mode unless said otherwise:

* ``reference.json``: the official parameter count and options (pose3d's keyword names: the release's
  ``qkv_scale`` is ``qk_scale``) of each released size from ``configs/h36m``, and every case below with
  its options, input seed and the smallest similarity gap measured in it;
* ``graphs.pt``: the official spatial adjacency (raw and normalised) and two fixed temporal chains;
* ``<case>.pt``: a state dict, an input, the official output in eval mode (``output``) and in train
  mode (``output_train``, batch statistics; dropouts are 0). Cases are each size at reduced depth
  (``xs`` 2 layers, ``s`` 1, ``b`` 1, which is also ``l`` at that depth) and tiny networks for the
  options the sizes leave off (MS-TCN, graph-only, hierarchical, no layer scale or fusion, fixed
  temporal graph, ...). The seeded initialisation is then randomised (layer scales, norms, batch-norm
  statistics, fusion, positional embedding) so that every part moves the output, and stored as int8
  ``codes`` with a float32 scale per tensor (``scales``) to keep the files small: the official
  outputs are those of the weights ``codes.float() * scale``, which is what the test loads.

Clear top-k choices: the temporal GCN keeps each frame's ``neighbour_num`` (k) largest feature dot
products, so a near-tie between the k-th and (k+1)-th would let rounding change the graph. Inputs
are therefore built from groups: every joint's (x, y, confidence) of a frame is a point of a coarse
3D grid (a random point per joint and group) and the k frames of a group (at random positions in
time) share it exactly, so up to the first temporal GCN their features are identical and every row's
k-th and (k+1)-th values belong to different grid points. When k does not divide the frames (k = 2,
odd T) three frames are left over; they sit two grid spacings off the grid, at distances d, 2 d and
3 d from each other (d = 0.6 spacings), so that each has one clearly nearest frame. The LayerNorm
before each temporal GCN keeps unit scale and zero shift, so features have equal norms and dot
products rank by distance. Every temporal GCN is then checked with forward hooks in both modes: for
every row (batch, joint, frame), the gap between its k-th and (k+1)-th largest similarity over the
row's largest magnitude must exceed ``MARGIN``; the first input seed that passes is kept.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import inspect
import json
import math
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
MARGIN = 1e-3
CONFIGS = {"xs": "xsmall", "s": "small", "b": "base", "l": "large"}
PUBLISHED_MILLIONS = {"xs": 2.2, "s": 4.8, "b": 11.7, "l": 19.0}
_TINY: dict[str, Any] = {"n_layers": 2, "dim_feat": 16, "dim_rep": 32, "num_heads": 2, "n_frames": 9}
#: case -> (size whose options it starts from, overrides, batch).
CASES: dict[str, tuple[str, dict[str, Any], int]] = {
    "xs": ("xs", {"n_layers": 2}, 2),
    "s": ("s", {"n_layers": 1}, 1),
    "b": ("b", {"n_layers": 1}, 1),
    "tcn": ("xs", {**_TINY, "use_tcn": True}, 2),
    "graph_only": ("xs", {**_TINY, "n_layers": 1, "graph_only": True, "neighbour_num": 3}, 2),
    "graph_only_tcn": ("xs", {**_TINY, "graph_only": True, "use_tcn": True}, 2),
    "hierarchical": ("xs", {**_TINY, "dim_feat": 32, "hierarchical": True, "neighbour_num": 3}, 2),
    "plain": (
        "xs",
        {
            **_TINY,
            "use_layer_scale": False,
            "use_adaptive_fusion": False,
            "use_temporal_similarity": False,
            "temporal_connection_len": 2,
            "qkv_bias": True,
            "qkv_scale": 0.3,
            "act_layer": "relu",
            "mlp_ratio": 2,
        },
        2,
    ),
}


class Official:
    """The release's model code, imported from a checkout."""

    def __init__(self, repo: Path) -> None:
        try:
            importlib.import_module("timm.models.layers")
        except (ImportError, RuntimeError):
            sys.modules.update({name: types.ModuleType(name) for name in ("timm", "timm.models", "timm.models.layers")})
            sys.modules["timm.models.layers"].DropPath = _RefusedDropPath  # type: ignore[attr-defined]
        sys.path.insert(0, str(repo))
        self.repo = repo
        self.load_model = importlib.import_module("utils.learning").load_model
        self.GCN = importlib.import_module("model.modules.graph").GCN
        network = importlib.import_module("model.MotionAGFormer").MotionAGFormer
        #: The constructor's options, which are also the config files' keys.
        self.options = list(inspect.signature(network).parameters)

    def config(self, size: str) -> dict[str, Any]:
        """The model options of a released size, as its configs/h36m file gives them."""
        cfg = yaml.safe_load((self.repo / "configs" / "h36m" / f"MotionAGFormer-{CONFIGS[size]}.yaml").read_text())
        return {key: cfg[key] for key in self.options}

    def build(self, cfg: dict[str, Any]) -> nn.Module:
        """The network of ``cfg`` through the release's own config reader."""
        model: nn.Module = self.load_model(types.SimpleNamespace(**cfg, model_name="MotionAGFormer"))
        return model


class _RefusedDropPath(nn.Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("timm is needed for drop_path > 0")


def pose3d_options(cfg: dict[str, Any]) -> dict[str, Any]:
    """The same options under pose3d's keyword names."""
    return {("qk_scale" if k == "qkv_scale" else k): v for k, v in cfg.items()}


@torch.no_grad()
def randomise(model: nn.Module, seed: int) -> None:
    """Move every parameter and statistic off its initial value; keep the temporal GCNs' LayerNorm plain."""
    g = torch.Generator().manual_seed(seed)

    def fill(t: torch.Tensor, mean: float, std: float) -> None:
        t.copy_(mean + std * torch.randn(t.shape, generator=g))

    for name, module in model.named_modules():
        norm = isinstance(module, nn.LayerNorm | nn.modules.batchnorm._BatchNorm)
        if norm and not name.endswith("graph_temporal.norm1"):
            fill(module.weight, 1.0, 0.2)
            fill(module.bias, 0.0, 0.1)
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            assert module.running_mean is not None and module.running_var is not None
            fill(module.running_mean, 0.0, 0.1)
            module.running_var.copy_(torch.empty(module.running_var.shape).uniform_(0.5, 1.5, generator=g))
    for name, p in model.named_parameters():
        if "layer_scale" in name:
            p.copy_(torch.empty(p.shape).uniform_(0.2, 0.6, generator=g))
        elif name.endswith("fusion.weight") or name == "pos_embed":
            fill(p, 0.0, 0.2)


def quantise(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """int8 codes and float32 scales of the floating tensors; ``codes.float() * scale`` is the stored value."""
    codes, scales = {}, {}
    for name, t in state.items():
        if not t.is_floating_point():
            codes[name] = t
            continue
        scales[name] = (t.abs().max() / 127).clamp_min(1e-12)
        codes[name] = (t / scales[name]).round().clamp(-127, 127).to(torch.int8)
    return codes, scales


def dequantise(codes: dict[str, torch.Tensor], scales: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: codes[name].float() * scales[name] if name in scales else t for name, t in codes.items()}


def grid(groups: int) -> tuple[torch.Tensor, float]:
    """At least ``groups`` (x, y, confidence) points, x and y in [-1, 1], confidence in [0.3, 1]; their spacing."""
    n = 2
    while n * n * max(2, math.ceil(n / 3)) < groups:
        n += 1
    m = max(2, math.ceil(n / 3))
    points = torch.cartesian_prod(torch.linspace(-1, 1, n), torch.linspace(-1, 1, n), torch.linspace(0.3, 1.0, m))
    return points, min(2 / (n - 1), 0.7 / (m - 1))


def grouped_input(batch: int, frames: int, k: int, seed: int) -> torch.Tensor:
    """(batch, frames, 17, 3) poses in groups of k identical frames (see the module docstring)."""
    g = torch.Generator().manual_seed(seed)
    leftover = frames % k
    if leftover and (k, leftover) != (2, 1):
        raise ValueError(f"no grouping of {frames} frames for k = {k}")
    groups = (frames - 3) // 2 if leftover else frames // k
    points, spacing = grid(groups)
    x = torch.empty(batch, frames, 17, 3)
    for b in range(batch):
        order = torch.randperm(frames, generator=g)
        for j in range(17):
            slots = points[torch.randperm(len(points), generator=g)[:groups]]
            x[b, order[: groups * k], j] = slots.repeat_interleave(k, dim=0)
            if leftover:  # two spacings beyond the x = 1 face: y = -1.5 d, -0.5 d, 1.5 d (distances d, 2 d, 3 d)
                d = 0.6 * spacing
                at = torch.tensor([[1.0 + 2 * spacing, y * d, slots[0, 2].item()] for y in (-1.5, -0.5, 1.5)])
                x[b, order[groups * k :], j] = at
    return x


def similarity_gaps(official: Official, model: nn.Module, x: torch.Tensor) -> list[float]:
    """Smallest relative k-th / (k+1)-th similarity gap of each similarity-graph GCN call in ``model(x)``."""
    gaps: list[float] = []

    def hook(module: Any, inputs: tuple[torch.Tensor, ...]) -> None:
        b, t, j, c = inputs[0].shape
        nodes = inputs[0].transpose(1, 2).reshape(-1, t, c)
        values = (nodes @ nodes.transpose(1, 2)).sort(dim=-1, descending=True)[0]
        k = module.neighbour_num
        gaps.append(((values[..., k - 1] - values[..., k]) / values.abs().amax(dim=-1)).min().item())

    handles = [
        m.register_forward_pre_hook(hook)
        for m in model.modules()
        if isinstance(m, official.GCN) and m.mode == "temporal" and m.use_temporal_similarity
    ]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return gaps


def build_case(official: Official, cfg: dict[str, Any], batch: int, seed: int) -> dict[str, Any]:
    """Official model, input and outputs of one case; the input is the first seed whose gaps all pass."""
    torch.manual_seed(seed)
    model = official.build(cfg)
    randomise(model, seed)
    codes, scales = quantise(model.state_dict())
    model.load_state_dict(dequantise(codes, scales))
    model.eval()
    trainer = copy.deepcopy(model).train()
    k = cfg["neighbour_num"] if cfg["use_temporal_similarity"] and not cfg["use_tcn"] else 2
    for input_seed in range(seed, seed + 20):
        x = grouped_input(batch, cfg["n_frames"], k, input_seed)
        gaps = similarity_gaps(official, model, x) + similarity_gaps(official, trainer, x)
        if min(gaps, default=1.0) > MARGIN:
            break
    else:
        raise RuntimeError(f"no input with similarity gaps above {MARGIN}: {gaps}")
    with torch.no_grad():
        output, output_train = model(x), trainer(x)
    tensors = {"codes": codes, "scales": scales, "input": x, "output": output, "output_train": output_train}
    return {"tensors": tensors, "input_seed": input_seed, "min_relative_gap": [round(g, 6) for g in gaps]}


def graphs(gcn: Any) -> dict[str, torch.Tensor]:
    """The official spatial adjacency, raw and normalised, and its fixed temporal chains over 9 frames."""
    spatial = gcn(4, 4, num_nodes=17, mode="spatial").adj
    chains = {
        f"chain_9_{n}": gcn(
            4, 4, num_nodes=9, mode="temporal", use_temporal_similarity=False, temporal_connection_len=n
        ).adj
        for n in (1, 2)
    }
    return {"spatial": spatial, "spatial_normalized": gcn.normalize_digraph(spatial[None])[0], **chains}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="checkout of github.com/TaatiTeam/MotionAGFormer")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "motionagformer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--commit", help="the checkout's commit, recorded when it is not a git work tree")
    args = parser.parse_args()
    official = Official(args.repo)
    args.out.mkdir(parents=True, exist_ok=True)
    git = subprocess.run(["git", "-C", str(args.repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = git.stdout.strip() if git.returncode == 0 else args.commit
    summary: dict[str, Any] = {"source": {"repository": "TaatiTeam/MotionAGFormer", "commit": commit}}
    summary["sizes"] = {}
    for size in CONFIGS:
        cfg = official.config(size)
        count = sum(p.numel() for p in official.build(cfg).parameters())
        summary["sizes"][size] = {
            "config": f"configs/h36m/MotionAGFormer-{CONFIGS[size]}.yaml",
            "official_parameters": count,
            "published_millions": PUBLISHED_MILLIONS[size],
            "options": pose3d_options(cfg),
        }
        print(f"{size}: {count:,} parameters")
    summary["margin"], summary["cases"] = MARGIN, {}
    for name, (size, overrides, batch) in CASES.items():
        cfg = {**official.config(size), **overrides}
        case = build_case(official, cfg, batch, args.seed)
        torch.save(case.pop("tensors"), args.out / f"{name}.pt")
        summary["cases"][name] = {"options": pose3d_options(cfg), "batch": batch, **case}
        print(f"{name}: input seed {case['input_seed']}, smallest gaps {case['min_relative_gap']}")
    torch.save(graphs(official.GCN), args.out / "graphs.pt")
    (args.out / "reference.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
