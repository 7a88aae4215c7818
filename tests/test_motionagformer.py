"""MotionAGFormer against the official code: parameter counts, outputs for the same weights, graphs.

The reference data comes from ``benchmarks/motionagformer_reference.py`` run on the release
(TaatiTeam/MotionAGFormer); its docstring says how the inputs keep the temporal top-k choices clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from pose3d.core.errors import InputError
from pose3d.models.motionagformer import (
    SIZES,
    MotionAGFormer,
    chain_adjacency,
    normalize_digraph,
    spatial_adjacency,
)
from pose3d.runs import Checkpoint
from pose3d.runs.release import import_checkpoint

DATA = Path(__file__).parent / "data" / "motionagformer"
REFERENCE: dict[str, Any] = json.loads((DATA / "reference.json").read_text())


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """These networks are small: one thread is faster than two that wait on each other on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load(name: str) -> dict[str, Any]:
    return torch.load(DATA / f"{name}.pt", weights_only=True)


def official_weights(stored: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The float32 weights the official outputs were computed with (int8 codes times a scale per tensor)."""
    scales = stored["scales"]
    return {k: v.float() * scales[k] if k in scales else v for k, v in stored["codes"].items()}


def n_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("size", ["xs", "s", "b", "l"])
def test_sizes_match_the_release(size: str) -> None:
    official = REFERENCE["sizes"][size]
    assert SIZES[size] == official["options"]
    count = n_parameters(MotionAGFormer(**SIZES[size]))
    assert count == official["official_parameters"]
    assert round(count / 1e6, 1) == official["published_millions"]


@pytest.mark.parametrize("case", list(REFERENCE["cases"]))
@pytest.mark.parametrize("mode", ["output", "output_train"])
def test_outputs_equal_the_official_ones(case: str, mode: str) -> None:
    stored = load(case)
    model = MotionAGFormer(**REFERENCE["cases"][case]["options"])
    model.load_state_dict(official_weights(stored), strict=True)
    model.train(mode == "output_train")
    with torch.no_grad():
        out = model(stored["input"])
    expected = stored[mode]
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5 * expected.abs().max().item())


def test_a_released_checkpoint_imports_and_predicts_the_official_outputs(tmp_path: Path) -> None:
    """``pose3d import-checkpoint`` of a release-layout file (weights under ``model``, DataParallel's
    ``module.`` prefixes): the size is read from the weights, and the imported model gives the official outputs."""
    stored = load("xs")
    release = tmp_path / "best_epoch.pth.tr"
    torch.save({"epoch": 60, "model": {f"module.{k}": v for k, v in official_weights(stored).items()}}, release)
    layers = REFERENCE["cases"]["xs"]["options"]["n_layers"]
    with pytest.raises(InputError, match=rf"checkpoint has n_layers {layers}, dim_feat 64, dim_in 3, n_frames 27"):
        import_checkpoint(release, "motionagformer", tmp_path / "ours.pt", size="s", n_layers=layers)
    import_checkpoint(release, "motionagformer", tmp_path / "ours.pt", size="xs", n_layers=layers)
    saved = Checkpoint.load(tmp_path / "ours.pt")
    assert saved.options["size"] == "xs" and saved.window == (27, 0) and saved.meta["epoch"] == 60.0
    with torch.no_grad():
        out = saved.network()(stored["input"])
    torch.testing.assert_close(out, stored["output"], rtol=1e-5, atol=1e-5 * stored["output"].abs().max().item())


def test_graphs_equal_the_official_ones() -> None:
    graphs = load("graphs")
    adj = spatial_adjacency()
    assert torch.equal(adj, graphs["spatial"])
    assert not torch.equal(adj, adj.T)  # the release's graph is directed: no bone list gives it
    torch.testing.assert_close(normalize_digraph(adj), graphs["spatial_normalized"], rtol=0, atol=1e-7)
    for n in (1, 2):
        assert torch.equal(chain_adjacency(9, n), graphs[f"chain_9_{n}"])
    model = MotionAGFormer(**SIZES["xs"])
    assert torch.equal(model.get_buffer("layers.0.graph_spatial.mixer.adj"), graphs["spatial"])


def test_training_step_on_a_tiny_network() -> None:
    torch.manual_seed(0)
    model = MotionAGFormer(n_layers=2, dim_in=3, dim_feat=16, dim_rep=32, num_heads=2, n_frames=5, drop_path=0.1)
    x = torch.randn(2, 5, 17, 3)
    out = model(x)
    assert out.shape == (2, 5, 17, 3)
    out.square().mean().backward()
    assert all(p.grad is not None and p.grad.isfinite().all() for p in model.parameters())
    with pytest.raises(ValueError, match="expected"):
        model(torch.randn(2, 7, 17, 3))
