"""The five lifting models, as released, behind one registry: ``build(name, **options)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType

from torch import nn

from pose3d.config.choices import MODEL_NAMES
from pose3d.data.skeleton import H36M_16, H36M_17, Skeleton
from pose3d.models.linear import LinearModel
from pose3d.models.semgcn import SemGCN
from pose3d.models.tgraphnet import WINDOW, TGraphNet


@dataclass(frozen=True)
class ModelSpec:
    """What a trainer needs to know about a model besides its weights.

    ``frames``: input and output window length (1: single-frame (B, J, 2) -> (B, J, 3); else
    (B, frames, J, 2) -> (B, frames, J, 3)). ``predicts_root``: output joint 0 is the camera-space
    root position (joints 1.. stay root-relative); otherwise joint 0 is exactly 0 (linear,
    tgraphnet) or a root-relative prediction trained towards 0 (SemGCN, whose release centres
    outputs on it before scoring). ``defaults``: release values of the options ``build`` accepts.
    """

    name: str
    skeleton: Skeleton = field(repr=False)
    frames: int
    predicts_root: bool
    defaults: Mapping[str, object] = field(compare=False)
    factory: Callable[..., nn.Module] = field(repr=False, compare=False)

    @property
    def num_joints(self) -> int:
        return self.skeleton.num_joints

    @property
    def layout(self) -> str:
        """Joint layout name in pose3d.data.skeleton.LAYOUTS."""
        return self.skeleton.name


_LINEAR = MappingProxyType({"linear_size": 1024, "num_stages": 2, "dropout": 0.5})
_SEMGCN = MappingProxyType({"hid_dim": 128, "num_layers": 4, "dropout": 0.0})
_TGRAPHNET = MappingProxyType({"channels": 128, "kernel_size": 3, "dropout": 0.1})

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("linear", H36M_16, 1, False, _LINEAR, partial(LinearModel, num_joints=H36M_16.num_joints)),
        ModelSpec("semgcn", H36M_16, 1, False, _SEMGCN, partial(SemGCN, H36M_16, non_local=False)),
        ModelSpec("semgcn_nonlocal", H36M_16, 1, False, _SEMGCN, partial(SemGCN, H36M_16, non_local=True)),
        ModelSpec("tgraphnet", H36M_17, WINDOW, False, _TGRAPHNET, partial(TGraphNet, H36M_17)),
        ModelSpec("tgraphnet_traj", H36M_17, WINDOW, True, _TGRAPHNET, partial(TGraphNet, H36M_17, predict_root=True)),
    )
}
assert tuple(MODELS) == MODEL_NAMES, "pose3d.config.choices.MODEL_NAMES must list the registry's models in order"


def build(name: str, **options: object) -> nn.Module:
    """Construct model ``name`` with release defaults overridden by ``options``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    spec = MODELS[name]
    unknown = set(options) - set(spec.defaults)
    if unknown:
        raise ValueError(f"model {name!r} has no option(s) {sorted(unknown)}; options: {sorted(spec.defaults)}")
    return spec.factory(**{**spec.defaults, **options})
