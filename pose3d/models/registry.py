"""The model registry: one :class:`ModelSpec` entry per model, and the families other packages add.

A family outside pose3d registers its specs through the ``pose3d.models`` entry-point group (each
entry point names a ``ModelSpec`` or a sequence of them); the config schema, the CLI, the charts and
the workflow then know it like a built-in one. Importing this module imports no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from pose3d.core.errors import InputError
from pose3d.data.skeleton import H36M_16, H36M_17
from pose3d.models import recipes
from pose3d.models.spec import ModelSpec, ReleaseImport

#: Entry-point group through which installed packages add model families.
ENTRY_POINT_GROUP = "pose3d.models"

_COUNT = {"$ref": "#/$defs/count"}
_DROPOUT = {"$ref": "#/$defs/dropout"}


def _options(**properties: Any) -> Mapping[str, Any]:
    """JSON schema of a network's ``model_options``: exactly these keys."""
    return MappingProxyType({"type": "object", "properties": properties, "additionalProperties": False})


def _recipe(base: str, **properties: Any) -> Mapping[str, Any]:
    """JSON schema of a recipe: the keys of ``$defs/<base>`` and this family's own."""
    return MappingProxyType({"$ref": f"#/$defs/{base}", "properties": properties})


_SEMGCN_OPTIONS = _options(hid_dim=_COUNT, num_layers=_COUNT, dropout=_DROPOUT)
_SEMGCN_DEFAULTS = MappingProxyType({"hid_dim": 128, "num_layers": 4, "dropout": 0.0})
_SEMGCN_RELEASE = ReleaseImport(renames=((r"\.nonlocal\.", ".block."),))
_TGRAPHNET_OPTIONS = _options(channels=_COUNT, kernel_size={"type": "integer", "enum": [3, 5]}, dropout=_DROPOUT)
_TGRAPHNET_DEFAULTS = MappingProxyType({"channels": 128, "kernel_size": 3, "dropout": 0.1})
_TGRAPHNET_RELEASE = ReleaseImport(
    renames=(
        (r"^downsample_layers\.(\d+)\.graph_stages\.(\d+)\.", r"down.\1.blocks.\2."),
        (r"^downsample_layers\.(\d+)\.tcn\.", r"down.\1.pool."),
        (r"^upsample_layers\.(\d+)\.0\.graph_stages\.0\.", r"up.\1."),
        (r"^merging_layers\.(\d+)\.0\.graph_stages\.0\.", r"merge.\1."),
        (r"^post_merge\.graph_stages\.0\.", "post_merge."),
        (r"^post_node\.", "head."),
        (r"^post_traj\.", "root_head."),
        (r"^adj_v$", "affinity"),
        (r"\.tcn\.(\d+)\.", r".temporal.\1."),
        (r"\.residual_gc\.", ".shortcut."),
    ),
    prepare="pose3d.models.tgraphnet:prepare_release",
)
_MOTIONAGFORMER_COMMON = {
    "dim_in": 3,
    "dim_rep": 512,
    "dim_out": 3,
    "mlp_ratio": 4.0,
    "act_layer": "gelu",
    "attn_drop": 0.0,
    "drop": 0.0,
    "drop_path": 0.0,
    "use_layer_scale": True,
    "layer_scale_init_value": 1e-5,
    "use_adaptive_fusion": True,
    "num_heads": 8,
    "qkv_bias": False,
    "qk_scale": None,
    "hierarchical": False,
    "num_joints": 17,
    "use_temporal_similarity": True,
    "temporal_connection_len": 1,
    "use_tcn": False,
    "graph_only": False,
    "neighbour_num": 2,
}
#: MotionAGFormer's released Human3.6M sizes (configs/h36m): XS 27 frames (2.2 M parameters), S 81 frames
#: (4.8 M), B 243 frames (11.7 M), L 243 frames (19.0 M).
MOTIONAGFORMER_SIZES = MappingProxyType(
    {
        "xs": MappingProxyType({**_MOTIONAGFORMER_COMMON, "n_layers": 12, "dim_feat": 64, "n_frames": 27}),
        "s": MappingProxyType({**_MOTIONAGFORMER_COMMON, "n_layers": 26, "dim_feat": 64, "n_frames": 81}),
        "b": MappingProxyType({**_MOTIONAGFORMER_COMMON, "n_layers": 16, "dim_feat": 128, "n_frames": 243}),
        "l": MappingProxyType({**_MOTIONAGFORMER_COMMON, "n_layers": 26, "dim_feat": 128, "n_frames": 243}),
    }
)
_FLAG = {"type": "boolean"}
_POSITIVE = {"$ref": "#/$defs/positive"}
_MOTIONAGFORMER_OPTIONS = _options(
    size={"type": "string", "enum": list(MOTIONAGFORMER_SIZES)},
    n_layers=_COUNT,
    dim_in={"type": "integer", "enum": [2, 3]},
    dim_feat=_COUNT,
    dim_rep=_COUNT,
    dim_out={"type": "integer", "enum": [3]},
    mlp_ratio=_POSITIVE,
    act_layer={"type": "string", "enum": ["gelu", "relu"]},
    attn_drop=_DROPOUT,
    drop=_DROPOUT,
    drop_path=_DROPOUT,
    use_layer_scale=_FLAG,
    layer_scale_init_value=_POSITIVE,
    use_adaptive_fusion=_FLAG,
    num_heads=_COUNT,
    qkv_bias=_FLAG,
    qk_scale={"type": ["number", "null"], "exclusiveMinimum": 0},
    hierarchical=_FLAG,
    num_joints={"type": "integer", "enum": [17]},
    use_temporal_similarity=_FLAG,
    temporal_connection_len=_COUNT,
    use_tcn=_FLAG,
    graph_only=_FLAG,
    neighbour_num=_COUNT,
    n_frames=_COUNT,
)

#: TGraphNet's temporal kernel is a workflow-wide setting (``training.tgraphnet_kernel``).
_TGRAPHNET_CONFIG = MappingProxyType({"kernel_size": "tgraphnet_kernel"})

BUILT_IN: tuple[ModelSpec, ...] = (
    # Martinez et al. 2017 fully connected baseline.
    ModelSpec(
        name="linear",
        network="pose3d.models.linear:LinearModel",
        network_args=MappingProxyType({"num_joints": H36M_16.num_joints}),
        skeleton=H36M_16,
        frames=1,
        predicts_root=False,
        defaults=MappingProxyType({"linear_size": 1024, "num_stages": 2, "dropout": 0.5}),
        options_schema=_options(linear_size=_COUNT, num_stages=_COUNT, dropout=_DROPOUT),
        recipes=recipes.profiles("linear"),
        recipe_schema=_recipe("single_frame"),
        color="#0072B2",
        train_priority=1,
    ),
    # SemGCN (Zhao et al. 2019).
    ModelSpec(
        name="semgcn",
        network="pose3d.models.semgcn:SemGCN",
        network_args=MappingProxyType({"skeleton": H36M_16, "non_local": False}),
        skeleton=H36M_16,
        frames=1,
        predicts_root=False,
        defaults=_SEMGCN_DEFAULTS,
        options_schema=_SEMGCN_OPTIONS,
        recipes=recipes.profiles("semgcn"),
        recipe_schema=_recipe("single_frame"),
        color="#E69F00",
        train_priority=3,
        release=_SEMGCN_RELEASE,
    ),
    # SemGCN with non-local blocks.
    ModelSpec(
        name="semgcn_nonlocal",
        network="pose3d.models.semgcn:SemGCN",
        network_args=MappingProxyType({"skeleton": H36M_16, "non_local": True}),
        skeleton=H36M_16,
        frames=1,
        predicts_root=False,
        defaults=_SEMGCN_DEFAULTS,
        options_schema=_SEMGCN_OPTIONS,
        recipes=recipes.profiles("semgcn_nonlocal"),
        recipe_schema=_recipe("single_frame"),
        color="#009E73",
        train_priority=4,
        release=_SEMGCN_RELEASE,
    ),
    # TGraphNet, U-shaped spatio-temporal GCN, 81 frames.
    ModelSpec(
        name="tgraphnet",
        network="pose3d.models.tgraphnet:TGraphNet",
        network_args=MappingProxyType({"skeleton": H36M_17}),
        skeleton=H36M_17,
        frames=81,
        predicts_root=False,
        defaults=_TGRAPHNET_DEFAULTS,
        options_schema=_TGRAPHNET_OPTIONS,
        recipes=recipes.profiles("tgraphnet"),
        recipe_schema=_recipe("windows", loss={"type": "string", "enum": ["mpjpe_motion", "mse"]}),
        color="#CC79A7",
        train_priority=2,
        config_options=_TGRAPHNET_CONFIG,
        release=_TGRAPHNET_RELEASE,
    ),
    # TGraphNet with a trajectory head (camera-space root).
    ModelSpec(
        name="tgraphnet_traj",
        network="pose3d.models.tgraphnet:TGraphNet",
        network_args=MappingProxyType({"skeleton": H36M_17, "predict_root": True}),
        skeleton=H36M_17,
        frames=81,
        predicts_root=True,
        defaults=_TGRAPHNET_DEFAULTS,
        options_schema=_TGRAPHNET_OPTIONS,
        recipes=recipes.profiles("tgraphnet_traj"),
        recipe_schema=_recipe(
            "windows",
            loss={"type": "string", "enum": ["mpjpe_motion_traj"]},
            root_start={"enum": [None, "train_mean"]},
        ),
        color="#D55E00",
        train_priority=5,
        config_options=_TGRAPHNET_CONFIG,
        release=_TGRAPHNET_RELEASE,
    ),
    # MotionAGFormer (WACV 2024): attention and graph streams, every frame of the window.
    ModelSpec(
        name="motionagformer",
        network="pose3d.models.motionagformer:MotionAGFormer",
        skeleton=H36M_17,
        frames=27,
        predicts_root=False,
        defaults=MappingProxyType({"size": "xs", **MOTIONAGFORMER_SIZES["xs"]}),
        sizes=MOTIONAGFORMER_SIZES,
        frames_option="n_frames",
        input_channels=3,
        options_schema=_MOTIONAGFORMER_OPTIONS,
        recipes=recipes.profiles("motionagformer"),
        recipe_schema=_recipe(
            "recipe", loss={"type": "string", "enum": ["mpjpe_nmpjpe_velocity", "mse"]}, flip={"type": "boolean"}
        ),
        color="#56B4E9",
        train_priority=6,
        release=ReleaseImport(prepare="pose3d.models.motionagformer:prepare_release"),
    ),
)


def _installed() -> list[ModelSpec]:
    """Specs that installed packages add through :data:`ENTRY_POINT_GROUP`."""
    found: list[ModelSpec] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        loaded = point.load()
        specs = [loaded] if isinstance(loaded, ModelSpec) else list(loaded)
        if not all(isinstance(spec, ModelSpec) for spec in specs):
            raise TypeError(f"entry point {point.value} ({ENTRY_POINT_GROUP}) does not name ModelSpec objects")
        found += specs
    return found


def _registry(specs: Iterable[ModelSpec]) -> Mapping[str, ModelSpec]:
    registry: dict[str, ModelSpec] = {}
    for spec in specs:
        if spec.name in registry:
            raise ValueError(f"model {spec.name!r} is registered twice")
        registry[spec.name] = spec
    return MappingProxyType(registry)


#: Every model pose3d knows, by name: the built-in ones in order, then installed families.
MODELS: Mapping[str, ModelSpec] = _registry([*BUILT_IN, *_installed()])


class UnknownModel(InputError):
    """A model name the registry does not hold: the one error for it, wherever the name came from."""

    def __init__(self, source: str | Any, name: object) -> None:
        super().__init__(source, f"unknown model {name!r} (known: {', '.join(MODELS)})")


def get(name: object, source: str | Any = "model") -> ModelSpec:
    """The spec of model ``name``; :class:`UnknownModel` naming ``source`` (a file or key) otherwise."""
    if not isinstance(name, str) or name not in MODELS:
        raise UnknownModel(source, name)
    return MODELS[name]
