"""Importing release-format checkpoints (names and layout as the releases save them) and loading ours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pose3d.core.errors import InputError
from pose3d.models import MODELS, build
from pose3d.runs import Checkpoint
from pose3d.runs.release import import_checkpoint

#: Keys and shapes of the latest TGraphNet release's state dict (81 frames, width 128, kernel 3).
TGRAPHNET_RELEASE_SHAPES = {
    "adj_v": (4, 51, 51),
    "adj_e": (48, 48),
    "merging_layers.2.0.adj_e": (48, 48),
    "downsample_layers.0.graph_stages.0.residual_gc.weight": (2, 512),
    "downsample_layers.2.tcn.conv.weight": (256, 256, 1, 3),
    "downsample_layers.3.graph_stages.1.gcn.norm.running_var": (256,),
    "upsample_layers.1.0.graph_stages.0.residual_gc.weight": (256, 512),
    "merging_layers.0.0.graph_stages.0.tcn.0.weight": (128, 128, 1, 3),
    "post_merge.graph_stages.0.tcn.1.weight": (128,),
    "merge_norm.num_batches_tracked": (),
    "post_node.weight": (3, 128, 1, 5),
    "post_traj.bias": (3,),
}
TGRAPHNET_RELEASE_KEYS = 278  # incl. the shared adj_v / adj_e registered again in each of 11 STGConv
SEMGCN_RELEASE_SHAPES = {
    "gconv_input.1.nonlocal.concat_project.0.weight": (1, 128, 1, 1),
    "gconv_input.1.nonlocal.g.0.weight": (64, 128, 1),
    "gconv_layers.1.nonlocal.W.1.running_mean": (128,),
    "gconv_layers.2.gconv1.gconv.e": (1, 46),
    "gconv_output.W": (2, 128, 3),
}
LINEAR_RELEASE_SHAPES = {
    "w1.weight": (1024, 32),
    "linear_stages.1.batch_norm2.running_var": (1024,),
    "w2.weight": (45, 1024),
}
STGCONV_PREFIXES = (
    [f"downsample_layers.{i}" for i in range(4)]
    + [f"upsample_layers.{i}.0" for i in range(3)]
    + [f"merging_layers.{i}.0" for i in range(3)]
    + ["post_merge"]
)


def randomised(name: str, **options: object) -> torch.nn.Module:
    """A model whose weights and BN statistics are all away from their initial values."""
    torch.manual_seed(7)
    model = build(name, **options)
    with torch.no_grad():
        for param in model.parameters():
            param.mul_(1 + 0.2 * torch.randn_like(param)).add_(0.02 * torch.randn_like(param))
        for key, buffer in model.named_buffers():
            if key.endswith("running_mean"):
                buffer.normal_(0, 0.1)
            elif key.endswith("running_var"):
                buffer.uniform_(0.5, 1.5)
    return model.eval()


def release_semgcn_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """SemGCN's release stores the non-local block under the attribute ``nonlocal``."""
    return {key.replace(".block.", ".nonlocal."): value for key, value in state.items()}


def _release_tgraphnet_key(key: str) -> str:
    parts = key.split(".")
    inside = {"temporal": "tcn", "shortcut": "residual_gc"}
    if parts[0] == "affinity":
        return "adj_v"
    if parts[0] == "down" and parts[2] == "blocks":
        prefix, rest = f"downsample_layers.{parts[1]}.graph_stages.{parts[3]}", parts[4:]
    elif parts[0] == "down":  # the pooling TCN
        prefix, rest = f"downsample_layers.{parts[1]}.tcn", parts[3:]
    elif parts[0] in ("up", "merge"):
        layers = {"up": "upsample_layers", "merge": "merging_layers"}[parts[0]]
        prefix, rest = f"{layers}.{parts[1]}.0.graph_stages.0", parts[2:]
    elif parts[0] == "post_merge":
        prefix, rest = "post_merge.graph_stages.0", parts[1:]
    else:
        prefix, rest = {"head": "post_node", "root_head": "post_traj"}.get(parts[0], parts[0]), parts[1:]
    return ".".join([prefix, *(inside.get(part, part) for part in rest)])


def release_tgraphnet_state(
    state: dict[str, torch.Tensor], layer_copies: bool = True, root_head: bool = True
) -> dict[str, torch.Tensor]:
    """The latest release registers its shared adj_v / adj_e again in every STGConv; earlier
    releases had neither those copies nor the root head (post_traj)."""
    release = {_release_tgraphnet_key(key): value for key, value in state.items()}
    release["adj_e"] = torch.rand(48, 48)
    if layer_copies:
        for prefix in STGCONV_PREFIXES:
            release[f"{prefix}.adj_v"], release[f"{prefix}.adj_e"] = release["adj_v"], release["adj_e"]
    if not root_head:
        del release["post_traj.weight"], release["post_traj.bias"]
    return release


def save_semgcn_release(path: Path, state: dict[str, torch.Tensor]) -> Path:
    """As SemGCN's save_ckpt writes ``ckpt_*.pth.tar``."""
    torch.save(
        {
            "epoch": 30,
            "lr": 0.00096,
            "step": 732000,
            "state_dict": state,
            "optimizer": {"state": {}, "param_groups": []},
            "error": np.float64(40.78),
        },
        path,
    )
    return path


def save_tgraphnet_release(path: Path, state: dict[str, torch.Tensor]) -> Path:
    """As TGraphNet's save_checkpoint_pos_ori writes ``*.pth.tar``."""
    torch.save(
        {
            "epoch": 16,
            "state_dict": state,
            "optim_dict": {},
            "lr_dict": {},
            "last_best_err": np.float64(46.4),
            "last_best_geod_err": np.float64(0.0),
        },
        path,
    )
    return path


def assert_same_outputs(source: torch.nn.Module, imported: torch.nn.Module, name: str) -> None:
    spec = MODELS[name]
    shape = (4, spec.num_joints, 2) if spec.frames == 1 else (2, spec.frames, spec.num_joints, 2)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert torch.equal(source(x), imported(x))


def test_release_layouts_have_the_verified_names_and_shapes() -> None:
    tgraphnet = release_tgraphnet_state(build("tgraphnet_traj").state_dict())
    assert len(tgraphnet) == TGRAPHNET_RELEASE_KEYS
    assert {k: tuple(tgraphnet[k].shape) for k in TGRAPHNET_RELEASE_SHAPES} == TGRAPHNET_RELEASE_SHAPES
    semgcn = release_semgcn_state(build("semgcn_nonlocal").state_dict())
    assert {k: tuple(semgcn[k].shape) for k in SEMGCN_RELEASE_SHAPES} == SEMGCN_RELEASE_SHAPES
    linear = build("linear").state_dict()
    assert {k: tuple(linear[k].shape) for k in LINEAR_RELEASE_SHAPES} == LINEAR_RELEASE_SHAPES


@pytest.mark.parametrize("name", ["linear", "semgcn", "semgcn_nonlocal"])
def test_semgcn_release_imports_with_equal_outputs(tmp_path: Path, name: str) -> None:
    source = randomised(name)
    release = save_semgcn_release(tmp_path / f"ckpt_{name}.pth.tar", release_semgcn_state(source.state_dict()))
    import_checkpoint(release, name, tmp_path / "ours.pt")
    saved = Checkpoint.load(tmp_path / "ours.pt")
    model = saved.network()
    assert saved.model == name and saved.options == dict(MODELS[name].defaults)
    assert saved.meta == {"source": release.name, "epoch": 30.0, "step": 732000.0, "lr": 0.00096, "error": 40.78}
    assert not model.training
    assert_same_outputs(source, model, name)


def test_tgraphnet_release_imports_with_equal_outputs(tmp_path: Path) -> None:
    source = randomised("tgraphnet_traj")
    state = {f"module.{k}": v for k, v in release_tgraphnet_state(source.state_dict()).items()}  # DataParallel
    release = save_tgraphnet_release(tmp_path / "global_pos.pth.tar", state)
    import_checkpoint(release, "tgraphnet_traj", tmp_path / "ours.pt")
    saved = Checkpoint.load(tmp_path / "ours.pt")
    model = saved.network()
    assert saved.meta["last_best_err"] == 46.4
    assert_same_outputs(source, model, "tgraphnet_traj")


def test_earlier_tgraphnet_release_with_kernel5_imports(tmp_path: Path) -> None:
    source = randomised("tgraphnet", channels=16, kernel_size=5)
    state = release_tgraphnet_state(source.state_dict(), layer_copies=False, root_head=False)
    release = tmp_path / "root_rel.pth.tar"
    torch.save(state, release)  # a bare state dict
    with pytest.raises(InputError, match=r"root_rel\.pth\.tar: checkpoint has temporal kernel 5; set kernel_size: 5"):
        import_checkpoint(release, "tgraphnet", tmp_path / "ours.pt", channels=16)
    assert not (tmp_path / "ours.pt").exists()
    import_checkpoint(release, "tgraphnet", tmp_path / "ours.pt", channels=16, kernel_size=5)
    saved = Checkpoint.load(tmp_path / "ours.pt")
    model = saved.network()
    assert saved.options == {"channels": 16, "kernel_size": 5, "dropout": 0.1}
    assert torch.equal(model.root_head.weight, torch.zeros(3, 16, 1, 5))  # absent from the file, unused
    assert_same_outputs(source, model, "tgraphnet")


def test_width_mismatch_names_the_option(tmp_path: Path) -> None:
    release = tmp_path / "narrow.pth.tar"
    torch.save({"model_pos": release_tgraphnet_state(build("tgraphnet", channels=16).state_dict())}, release)
    with pytest.raises(InputError, match="checkpoint has 16 channels; set channels: 16"):
        import_checkpoint(release, "tgraphnet", tmp_path / "ours.pt", channels=8)


def test_unknown_and_missing_keys_name_the_file(tmp_path: Path) -> None:
    state = release_semgcn_state(build("semgcn").state_dict())
    state["gconv_layers.9.gconv1.gconv.W"] = torch.zeros(2, 128, 128)
    del state["gconv_output.bias"]
    release = save_semgcn_release(tmp_path / "ckpt_semgcn.pth.tar", state)
    with pytest.raises(
        InputError,
        match=r"ckpt_semgcn\.pth\.tar: parameter names do not match: "
        r"unknown \['gconv_layers\.9\.gconv1\.gconv\.W'\], missing \['gconv_output\.bias'\]",
    ):
        import_checkpoint(release, "semgcn", tmp_path / "ours.pt")
    assert not (tmp_path / "ours.pt").exists()


def test_semgcn_checkpoint_into_nonlocal_model_is_refused(tmp_path: Path) -> None:
    release = save_semgcn_release(tmp_path / "ckpt_semgcn.pth.tar", build("semgcn").state_dict())
    with pytest.raises(InputError, match="parameter names do not match"):
        import_checkpoint(release, "semgcn_nonlocal", tmp_path / "ours.pt")


def test_wrong_shape_names_the_parameter(tmp_path: Path) -> None:
    state = build("linear").state_dict()
    state["w1.weight"] = torch.zeros(1024, 30)  # an input without the hip
    release = save_semgcn_release(tmp_path / "ckpt_linear.pth.tar", state)
    with pytest.raises(InputError, match=r"w1\.weight has shape \(1024, 30\), expected \(1024, 32\)"):
        import_checkpoint(release, "linear", tmp_path / "ours.pt")


def test_per_layer_affinities_are_refused(tmp_path: Path) -> None:
    state = release_tgraphnet_state(build("tgraphnet", channels=8).state_dict())
    state["post_merge.adj_v"] = state["adj_v"] + 1
    release = save_tgraphnet_release(tmp_path / "odd.pth.tar", state)
    with pytest.raises(InputError, match="post_merge.adj_v differs from the shared adj_v"):
        import_checkpoint(release, "tgraphnet", tmp_path / "ours.pt", channels=8)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not a checkpoint", "cannot read as a torch checkpoint"),
        ({"epoch": 3, "notes": "no weights"}, "no state dict found"),
    ],
)
def test_unreadable_files_raise_input_error(tmp_path: Path, content: object, problem: str) -> None:
    release = tmp_path / "broken.pth.tar"
    if isinstance(content, bytes):
        release.write_bytes(content)
    else:
        torch.save(content, release)
    with pytest.raises(InputError, match=rf"broken\.pth\.tar: {problem}"):
        import_checkpoint(release, "semgcn", tmp_path / "ours.pt")
    with pytest.raises(InputError, match=r"broken\.pth\.tar: "):
        Checkpoint.load(release)


def test_missing_source_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="absent.pth.tar: no such checkpoint file"):
        import_checkpoint(tmp_path / "absent.pth.tar", "linear", tmp_path / "ours.pt")


def test_load_checkpoint_rejects_weights_for_other_options(tmp_path: Path) -> None:
    path = tmp_path / "ours.pt"
    torch.save({"model": "semgcn", "options": {"hid_dim": 64}, "state_dict": build("semgcn").state_dict()}, path)
    with pytest.raises(InputError, match="ours.pt: weights do not fit model 'semgcn'"):
        Checkpoint.load(path)
    torch.save({"model": "semgcn", "state_dict": {}}, path)
    with pytest.raises(InputError, match="not a pose3d checkpoint"):
        Checkpoint.load(path)


def test_release_scalars_a_float_cannot_hold_are_left_out_of_meta(tmp_path: Path) -> None:
    """Training scalars are copied as floats; a 400-digit epoch or a NaN error is not copied (and is no error)."""
    source = tmp_path / "release.pth.tar"
    torch.save(
        {"state_dict": build("semgcn").state_dict(), "epoch": 10**400, "lr": 1e-3, "error": float("nan")}, source
    )
    import_checkpoint(source, "semgcn", tmp_path / "ours.pt")
    assert Checkpoint.load(tmp_path / "ours.pt").meta == {"source": source.name, "lr": 1e-3}
