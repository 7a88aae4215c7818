"""The registered models: release sizes, shapes, determinism, and the graph behaviour each one relies on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pose3d.data.skeleton import H36M_16, H36M_17
from pose3d.models import MODELS, build
from pose3d.models.graph import SEMGCN_JOINT_GROUPS, bone_adjacency, semgcn_mask, tgraphnet_partitions
from pose3d.models.nonlocal_block import NonLocalBlock
from pose3d.models.semgcn import GroupedNonLocal, SemGraphConv

#: Parameter counts of the released models (TGraphNet without its unused 48x48 edge adjacency).
RELEASED_SIZES = {
    "linear": 4_288_557,
    "semgcn": 267_343,
    "semgcn_nonlocal": 434_703,
    "tgraphnet": 3_983_146,
    "tgraphnet_traj": 3_983_146,
    "motionagformer": 2_241_531,  # size XS; every size is checked against the official code in test_motionagformer
}
#: The earlier TGraphNet release behind the published numbers (temporal kernel 5), with the unused 48x48 matrix.
RELEASED_KERNEL5_WITH_UNUSED = 4_935_722
SMALL_TGRAPHNET = {"channels": 8}


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def sample_input(name: str, batch: int = 2, seed: int = 0) -> torch.Tensor:
    spec = MODELS[name]
    joints = (spec.num_joints, spec.input_channels)
    shape = (batch, *joints) if not spec.temporal else (batch, spec.frames, *joints)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


#: Narrow widths per family, so each test network builds and runs in well under a second.
SMALL = {
    "tgraphnet": SMALL_TGRAPHNET,
    "tgraphnet_traj": SMALL_TGRAPHNET,
    "motionagformer": {"n_layers": 2, "dim_feat": 16},
}


def small(name: str, **options: object) -> torch.nn.Module:
    return build(name, **SMALL.get(name, {}), **options)


@pytest.mark.parametrize("name", sorted(RELEASED_SIZES))
def test_parameter_count_matches_release(name: str) -> None:
    assert count(build(name)) == RELEASED_SIZES[name]


def test_tgraphnet_kernel5_size_differs_from_facts_by_the_unused_matrix() -> None:
    assert RELEASED_KERNEL5_WITH_UNUSED - count(build("tgraphnet", kernel_size=5)) == 48 * 48


@pytest.mark.parametrize("name", sorted(MODELS))
def test_output_shape(name: str) -> None:
    spec = MODELS[name]
    out = small(name).eval()(sample_input(name, batch=3))
    expected = (3, spec.num_joints, 3) if not spec.temporal else (3, spec.frames, spec.num_joints, 3)
    assert out.shape == expected
    assert torch.isfinite(out).all()


def test_demo_width_tgraphnet_runs_and_is_smaller() -> None:
    narrow = build("tgraphnet", channels=32)
    assert count(narrow) < count(build("tgraphnet")) / 10
    assert narrow.eval()(sample_input("tgraphnet")).shape == (2, 81, 17, 3)


def test_linear_reinserts_hip_as_zeros() -> None:
    out = build("linear").eval()(sample_input("linear"))
    assert torch.equal(out[:, 0], torch.zeros(2, 3))
    assert out[:, 1:].abs().sum() > 0


def test_tgraphnet_root_is_zero_unless_predicted() -> None:
    torch.manual_seed(0)
    relative, trajectory = small("tgraphnet").eval(), small("tgraphnet_traj").eval()
    trajectory.load_state_dict(relative.state_dict())
    x = sample_input("tgraphnet")
    out, with_root = relative(x), trajectory(x)
    assert torch.equal(out[:, :, 0], torch.zeros(2, 81, 3))
    assert torch.equal(out[:, :, 1:], with_root[:, :, 1:])
    assert (with_root[:, :, 0] != 0).all()
    assert MODELS["tgraphnet_traj"].predicts_root and not MODELS["tgraphnet"].predicts_root


def test_tgraphnet_rejects_other_windows() -> None:
    with pytest.raises(ValueError, match="expects"):
        small("tgraphnet")(torch.zeros(1, 27, 17, 2))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forward_is_deterministic_on_cpu(name: str) -> None:
    outputs = []
    for _ in range(2):
        torch.manual_seed(1234)
        model = small(name).train()  # train mode: dropout and batch statistics included
        outputs.append(model(sample_input(name, batch=4)))
    assert torch.equal(outputs[0], outputs[1])


def test_build_rejects_unknown_names_and_options() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        build("videopose")
    with pytest.raises(ValueError, match="no option"):
        build("semgcn", kernel_size=5)


def test_nonlocal_block_starts_as_identity() -> None:
    torch.manual_seed(0)
    x = torch.randn(5, 16, 128)
    block = NonLocalBlock(128, sub_sample=2)
    assert torch.equal(block.train()(x), x)
    assert torch.equal(block.eval()(x), x)
    grouped = GroupedNonLocal(128, SEMGCN_JOINT_GROUPS).eval()
    assert torch.equal(grouped(x), x)


def test_nonlocal_block_mixes_joints_once_trained() -> None:
    torch.manual_seed(0)
    block = NonLocalBlock(16, sub_sample=2).eval()
    torch.nn.init.ones_(block.W[1].weight)
    x = torch.randn(1, 8, 16)
    changed = x.clone()
    changed[0, 7] += 1.0
    difference = (block(changed) - block(x))[0].abs().sum(dim=1)
    assert difference[:7].sum() > 0  # joint 7's features reach other joints


def test_semgcn_edge_softmax_is_masked_to_the_graph() -> None:
    mask = torch.from_numpy(semgcn_mask(H36M_16))
    layer = SemGraphConv(4, 6, mask)
    with torch.no_grad():
        layer.e.normal_()
    weights = layer.edge_weights()
    assert torch.equal(weights[~mask], torch.zeros(int((~mask).sum())))
    assert (weights[mask] > 0).all()
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(16))
    # Changing one joint's input only changes that joint and its bone neighbours.
    x = torch.randn(1, 16, 4)
    changed = x.clone()
    changed[0, 9] += 1.0  # Head: neighbour of Thorax (8) only
    moved = (layer(changed) - layer(x))[0].abs().sum(dim=1) > 0
    assert moved.nonzero().flatten().tolist() == [8, 9]


def test_semgcn_edge_weights_start_uniform_over_neighbours() -> None:
    mask = torch.from_numpy(semgcn_mask(H36M_16))
    weights = SemGraphConv(2, 3, mask).edge_weights()
    degree = mask.sum(dim=1, keepdim=True).float()
    torch.testing.assert_close(weights, mask.float() / degree)


def test_tgraphnet_partitions_follow_the_skeleton() -> None:
    parts = tgraphnet_partitions(H36M_17, frames=3)
    assert parts.shape == (4, 51, 51)
    bones = np.kron(np.eye(3), bone_adjacency(H36M_17))
    # self and symmetric partitions are symmetric; parent and child partitions are each other's transpose
    np.testing.assert_array_equal(parts[0], parts[0].T)
    np.testing.assert_array_equal(parts[3], parts[3].T)
    np.testing.assert_array_equal(parts[1], parts[2].T)
    np.testing.assert_array_equal((parts[1] + parts[2]) > 0, bones > 0)
    assert parts[1][4, 0] > 0 and parts[1][0, 4] == 0  # LHip hears the Hip, its parent
    assert parts[3][1, 4] > 0 and parts[3][14, 11] > 0  # RHip-LHip, RShoulder-LShoulder
    # No partition links different frames; the temporal links only enter the degree normaliser.
    frame = np.arange(51) // 17
    assert not parts[:, frame[:, None] != frame[None, :]].any()
    # Middle-frame Hip: self, 3 bones, 2 temporal links -> degree 6; its self weight is 1/6.
    assert parts[0][17, 17] == pytest.approx(1 / 6)
    assert parts[0][0, 0] == pytest.approx(1 / 5)


def test_tgraphnet_every_output_frame_sees_every_input_frame() -> None:
    torch.manual_seed(0)
    model = small("tgraphnet_traj").eval()
    # Batch element t scores output frame t only, so one backward pass gives all 81 Jacobian rows.
    x = sample_input("tgraphnet_traj", batch=81).requires_grad_()
    out = model(x)
    out[torch.arange(81), torch.arange(81)].sum().backward()
    reach = x.grad.abs().sum(dim=(2, 3))  # (output frame, input frame)
    assert (reach > 0).all()


def test_tgraphnet_affinity_is_one_shared_learnable_parameter() -> None:
    model = small("tgraphnet")
    names = [name for name, _ in model.named_parameters() if "affinity" in name]
    assert names == ["affinity"]
    model(sample_input("tgraphnet")).square().mean().backward()
    assert model.affinity.grad.abs().sum() > 0


@pytest.mark.parametrize("batch_shape", [(5,), (2, 3)])
def test_semgcn_graph_conv_computes_the_released_formula(batch_shape: tuple[int, ...]) -> None:
    """``(M * I) @ (X W0) + (M * (1 - I)) @ (X W1) + b`` per sample, as the release writes it (float64)."""
    torch.manual_seed(0)
    mask = torch.from_numpy(semgcn_mask(H36M_16))
    layer = SemGraphConv(4, 6, mask).double()
    with torch.no_grad():
        layer.e.normal_()
    x = torch.randn(*batch_shape, 16, 4, dtype=torch.float64)
    weights, eye = layer.edge_weights(), torch.eye(16, dtype=torch.float64)
    expected = (weights * eye) @ (x @ layer.W[0]) + (weights * (1 - eye)) @ (x @ layer.W[1]) + layer.bias
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)
