"""The fast training step computes what the plain one does; flip test-time augmentation; ``pose3d bench`` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_train import settings

from pose3d.data.loader import load_h36m
from pose3d.data.skeleton import H36M_16, H36M_17
from pose3d.evaluation.metrics import mpjpe
from pose3d.models import MODELS, build
from pose3d.models import predict as predict_module
from pose3d.models.predict import flip_averaged, mirror
from pose3d.models.targets import root_relative, root_relative_prediction
from pose3d.runs import Checkpoint, Predictor
from pose3d.training.loop import train


def predict(network: torch.nn.Module, model: str, clips, device: torch.device, flip: bool = False):
    """``network``'s predictions for ``clips`` with the release's test window."""
    spec = MODELS[model]
    return Predictor(network, spec, device, spec.test_window(), flip).clips(clips)


def train_error_mm(result: Checkpoint, model: str, clips) -> float:
    """MPJPE (mm) of a trained checkpoint's predictions on the clips it trained on."""
    pred = Predictor.from_checkpoint(result).clips(clips)
    pose = root_relative_prediction(pred, MODELS[model].predicts_root)
    return float(mpjpe(pose * 1000.0, root_relative(clips.positions) * 1000.0).mean())


@pytest.mark.parametrize(
    ("model", "changes"),
    [
        ("semgcn_nonlocal", {}),
        ("tgraphnet_traj", {}),
        ("linear", {"compile": True, "model_options": {"linear_size": 64}}),  # compiled step, dropout 0.5
    ],
)
def test_fast_and_plain_training_agree(tiny_tables: dict[str, Path], tmp_path: Path, model: str, changes: dict) -> None:
    """Same losses every epoch and the same error of the trained model, up to float rounding (which Adam's
    normalisation amplifies in parameters whose gradient is pure rounding noise, e.g. biases before BN).
    Measured noise: up to 2e-4 in the loss and 1e-3 in the error with one thread. A real difference in the
    update is far larger: a 2% higher learning rate moves semgcn_nonlocal's first-epoch loss by 1.4%,
    dropping the gradient clipping by 4%."""
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    plain = train(settings(model, implementation="plain", **changes), out=tmp_path / "plain/model.pt", **paths)
    fast = train(settings(model, implementation="fast", **changes), out=tmp_path / "fast/model.pt", **paths)
    assert [h["train_loss"] for h in fast.history] == pytest.approx([h["train_loss"] for h in plain.history], rel=1e-3)
    clips = load_h36m(
        paths["poses_3d"], paths["poses_2d"], list(plain.settings.train_subjects), num_joints=MODELS[model].num_joints
    )
    assert train_error_mm(fast, model, clips) == pytest.approx(train_error_mm(plain, model, clips), rel=5e-3)


def test_bf16_training_follows_the_float32_one(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    full = train(settings("semgcn", mixed_precision=False), out=tmp_path / "fp32/model.pt", **paths)
    half = train(settings("semgcn", mixed_precision=True), out=tmp_path / "bf16/model.pt", **paths)
    losses = [h["train_loss"] for h in half.history]
    assert losses != [h["train_loss"] for h in full.history]  # autocast really ran in bf16
    assert losses == pytest.approx([h["train_loss"] for h in full.history], rel=0.05)


def test_mirror_swaps_sides_and_negates_x() -> None:
    poses = torch.randn(4, 17, 3)
    flipped = mirror(poses, H36M_17)
    assert torch.equal(mirror(flipped, H36M_17), poses)
    left, right = list(H36M_17.left), list(H36M_17.right)
    assert torch.equal(flipped[:, left, 0], -poses[:, right, 0])
    assert torch.equal(flipped[:, right, 1:], poses[:, left, 1:])
    assert torch.equal(flipped[:, 0, 0], -poses[:, 0, 0])  # the hip is its own mirror joint


@pytest.mark.parametrize(
    ("name", "skeleton", "shape"), [("semgcn", H36M_16, (8, 16, 2)), ("tgraphnet", H36M_17, (2, 81, 17, 2))]
)
def test_flip_averaged_prediction_is_mirror_symmetric(name: str, skeleton, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    options = {"channels": 8} if name == "tgraphnet" else {}
    model = build(name, **options).eval()
    forward = flip_averaged(model, skeleton)
    inputs = torch.randn(shape)
    with torch.no_grad():
        assert torch.allclose(forward(mirror(inputs, skeleton)), mirror(forward(inputs), skeleton), atol=1e-5)
        assert not torch.allclose(model(mirror(inputs, skeleton)), mirror(model(inputs), skeleton), atol=1e-3)


def test_flip_test_changes_predictions_of_every_frame(tiny_tables: dict[str, Path]) -> None:
    clips = load_h36m(tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], ["S11"], num_joints=16)
    torch.manual_seed(0)
    model = build("semgcn")
    plain = predict(model, "semgcn", clips, torch.device("cpu"))
    flipped = predict(model, "semgcn", clips, torch.device("cpu"), flip=True)
    assert plain.shape == flipped.shape
    assert (abs(plain - flipped).max(axis=(1, 2)) > 0).all()


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize(("name", "options"), [("semgcn", {}), ("tgraphnet", {"channels": 8})])
def test_predictions_do_not_depend_on_the_evaluation_batch(
    tiny_tables: dict[str, Path], monkeypatch: pytest.MonkeyPatch, name: str, options: dict, flip: bool
) -> None:
    """Batches of 7 frames or 3 windows (ragged last batches, windows of several clips in one batch)
    predict what the CPU's default batches do, frame for frame."""
    clips = load_h36m(tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], ["S9", "S11"], MODELS[name].num_joints)
    torch.manual_seed(0)
    model = build(name, **options)
    default = predict(model, name, clips, torch.device("cpu"), flip=flip)
    monkeypatch.setitem(predict_module.EVAL_BATCH, "cpu", (7, 3))
    small = predict(model, name, clips, torch.device("cpu"), flip=flip)
    assert len(clips.keypoints) > 256 and small == pytest.approx(default, abs=1e-6)


def test_bench_tiny_writes_figures_for_every_model_and_variant(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    models = ["linear", "semgcn", "tgraphnet_traj"]
    command = [sys.executable, "-m", "pose3d.cli", "bench", "--size", "tiny", "--device", "cpu", "--threads", "1"]
    command += ["--models", *models, "--variants", "plain", "fast", "--rounds", "1", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(out.read_text())
    assert list(result["models"]) == models
    for name, figures in result["models"].items():
        assert figures["train_flop_per_step"] > 0 and figures["eval_flop_per_batch"] > 0
        assert figures["plain"]["train"]["speedup"] == 1.0
        for variant in ("plain", "fast"):
            assert figures[variant]["train"]["samples_per_s"] > 0
            assert figures[variant]["eval"]["frames_per_s"] > 0
            assert figures[variant]["paper_recipe_s"] > figures[variant]["full_epoch_s"] > 0
        assert f"{name:<16}fast" in done.stdout


def test_bench_json_is_strict_with_non_finite_figures_as_null(tmp_path: Path) -> None:
    """A figure that came out NaN or infinite is null: Python's json would write NaN, which JSON does not have."""
    from pose3d.benchmark.run import write_result

    figures = {"speedup": float("nan"), "samples_per_s": 12.5, "fraction_of_matmul_peak": float("inf")}
    write_result(
        {"models": {"linear": {"plain": {"train": figures}}}, "ratios": (float("-inf"), 1.0)}, tmp_path / "b.json"
    )
    text = (tmp_path / "b.json").read_text()
    result = json.loads(text, parse_constant=lambda word: pytest.fail(f"{word} in {text}"))
    assert result["models"]["linear"]["plain"]["train"] == {
        "speedup": None,
        "samples_per_s": 12.5,
        "fraction_of_matmul_peak": None,
    }
    assert result["ratios"] == [None, 1.0]


def test_bench_without_plain_counts_flops_of_tgraphnet(tmp_path: Path) -> None:
    """Evaluation FLOPs are counted outside inference mode, where TGraphNet's parameter-taking layers fail."""
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "pose3d.cli", "bench", "--size", "tiny", "--device", "cpu", "--threads", "1"]
    command += ["--models", "tgraphnet", "--variants", "fast", "--rounds", "1", "--out", str(out)]
    subprocess.run(command, capture_output=True, text=True, check=True)
    figures = json.loads(out.read_text())["models"]["tgraphnet"]
    assert figures["eval_flop_per_batch"] > 0 and figures["fast"]["eval"]["frames_per_s"] > 0


def test_bench_imports_neither_mlflow_nor_snakemake_nor_cdflib() -> None:
    """The GPU machine has only torch, numpy, pandas and pyarrow."""
    absent = "{'mlflow', 'snakemake', 'cdflib', 'yaml', 'jsonschema', 'matplotlib', 'h5py'}"
    code = f"import sys, pose3d.cli, pose3d.benchmark.run; print(sorted({absent} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
