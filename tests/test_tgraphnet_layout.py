"""TGraphNet on channels-last memory computes what its earlier (B, C, J, T) layout did: same outputs,
gradients and dropout masks, in float64, for both models and both temporal kernels."""

from __future__ import annotations

import pytest
import torch
from tgraphnet_before import TGraphNet as TGraphNetBefore

from pose3d.data.skeleton import H36M_17
from pose3d.models import build


def pair(name: str, kernel_size: int, dropout: float) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The model and its earlier implementation with the same float64 parameters: the initial ones perturbed,
    so that no BN weight is 1 and no bias 0, and random BN statistics."""
    torch.manual_seed(0)
    model = build(name, channels=8, kernel_size=kernel_size, dropout=dropout).double()
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if key.endswith("running_var"):
                value.uniform_(0.5, 1.5)
            elif value.is_floating_point():
                value.add_(0.1 * torch.randn_like(value))
    before = TGraphNetBefore(H36M_17, 8, kernel_size, dropout, predict_root=name == "tgraphnet_traj").double()
    before.load_state_dict(model.state_dict())
    return model, before


def run(model: torch.nn.Module, x: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Output and all parameter gradients (of a fixed random projection of the output), dropout from ``seed``."""
    torch.manual_seed(seed)
    out = model(x)
    projection = torch.randn(out.shape, generator=torch.Generator().manual_seed(1), dtype=out.dtype)
    model.zero_grad()
    (out * projection).sum().backward()
    return out.detach(), torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


@pytest.mark.parametrize("name", ["tgraphnet", "tgraphnet_traj"])
@pytest.mark.parametrize("kernel_size", [3, 5])
@pytest.mark.parametrize(("mode", "dropout"), [("train", 0.0), ("train", 0.2), ("eval", 0.2)])
def test_matches_the_earlier_layout(name: str, kernel_size: int, mode: str, dropout: float) -> None:
    model, before = pair(name, kernel_size, dropout)
    model.train(mode == "train")
    before.train(mode == "train")
    x = torch.randn(3, 81, 17, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    out, grads = run(model, x, seed=3)
    expected, expected_grads = run(before, x, seed=3)
    assert out.abs().max() > 0.1
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12 * expected.abs().max())
    torch.testing.assert_close(grads, expected_grads, rtol=0, atol=1e-12 * expected_grads.abs().max())
