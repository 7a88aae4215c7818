"""`pose3d export onnx` and `pose3d lift --runtime onnx`: every family's exported file, run by onnxruntime,
predicts the demo test set as torch does (within 1e-4 relative), and lifting with it writes the same Parquet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pyarrow.parquet as pq
import pytest
import torch
from keypoint_files import Person, coco_json
from workflow_helpers import REPO

from pose3d.cli import main
from pose3d.core.safe_load import load_npz
from pose3d.data.loader import load_h36m
from pose3d.export.onnx import export_onnx
from pose3d.export.onnx_runtime import OnnxPredictor
from pose3d.models import MODELS, build, get
from pose3d.runs import Checkpoint, Predictor

#: Small networks of every family (the release's windows: TGraphNet 81 frames, MotionAGFormer XS 27).
OPTIONS = {
    "linear": {"linear_size": 16},
    "semgcn": {"hid_dim": 8, "num_layers": 1},
    "semgcn_nonlocal": {"hid_dim": 8, "num_layers": 1},
    "tgraphnet": {"channels": 8},
    "tgraphnet_traj": {"channels": 8},
    "motionagformer": {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 16},
}
TOLERANCE = 1e-4
SECTION = "Export for runtimes (ONNX)"


def save_checkpoint(name: str, path: Path) -> Path:
    """A tiny randomly initialised checkpoint of ``name`` trained (as it says) on COCO keypoints."""
    torch.manual_seed(0)
    spec = get(name)
    options = spec.options(OPTIONS[name])
    path.parent.mkdir(parents=True, exist_ok=True)
    Checkpoint(name, options, build(name, **OPTIONS[name]).state_dict(), "coco", spec.test_window(options)).save(path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """(model.pt, model.onnx) of every family."""
    root = tmp_path_factory.mktemp("onnx")
    files = {}
    for name in OPTIONS:
        checkpoint = save_checkpoint(name, root / f"{name}.pt")
        meta, difference = export_onnx(checkpoint, root / f"{name}.onnx")
        assert meta["model"] == name and difference <= TOLERANCE
        files[name] = (checkpoint, root / f"{name}.onnx")
    return files


def relative(got: np.ndarray, expected: np.ndarray) -> float:
    """Largest difference relative to the largest magnitude of ``expected``."""
    return float(np.abs(got - expected).max() / np.abs(expected).max())


def test_every_family_is_covered() -> None:
    assert set(OPTIONS) == set(MODELS)


@pytest.mark.parametrize("name", list(OPTIONS))
def test_onnxruntime_predicts_the_demo_test_set_as_torch_does(
    name: str, exported: dict[str, tuple[Path, Path]], tiny_tables: dict[str, Path]
) -> None:
    checkpoint, model = exported[name]
    spec = get(name)
    clips = load_h36m(tiny_tables["poses_3d"], tiny_tables["poses_2d_coco"], ["S9"], spec.num_joints)  # 120 clips
    expected = Predictor.from_checkpoint(checkpoint).clips(clips)
    got = OnnxPredictor.load(model).keypoints(clips.keypoints, clips.clip_starts, clips.scores)
    assert got.shape == expected.shape == (len(clips.keypoints), spec.num_joints, 3)
    assert relative(got, expected) <= TOLERANCE
    if spec.input_channels == 3:  # the confidences reach the graph
        other = OnnxPredictor.load(model).keypoints(clips.keypoints, clips.clip_starts, clips.scores * 0.5)
        assert relative(other, got) > 1e-3


@pytest.mark.parametrize("name", ["linear", "tgraphnet", "motionagformer"])
def test_the_metadata_says_how_to_feed_the_file(name: str, exported: dict[str, tuple[Path, Path]]) -> None:
    checkpoint, model = exported[name]
    saved, spec = Checkpoint.load(checkpoint), get(name)
    proto = onnx.load(model)
    meta = {entry.key: entry.value for entry in proto.metadata_props}
    assert json.loads(meta["joints"]) == list(spec.skeleton.joints)
    assert meta["layout_2d"] == "coco" and meta["units"] == "metres"
    assert json.loads(meta["input_channels"]) == ["x", "y", "confidence"][: spec.input_channels]
    chunk, pad = saved.window
    assert json.loads(meta["valid_output_frames"]) == [pad, pad + chunk]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].dim_value  # batch: any size
    fixed = [d.dim_value for d in dims[1:]]
    assert fixed == [chunk + 2 * pad] * spec.temporal + [spec.num_joints, spec.input_channels]


def test_flip_averaging_goes_into_the_graph(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    checkpoint = save_checkpoint("semgcn", tmp_path / "semgcn.pt")
    export_onnx(checkpoint, tmp_path / "flip.onnx", flip=True)
    clips = load_h36m(tiny_tables["poses_3d"], tiny_tables["poses_2d_coco"], ["S9"], 16)
    expected = Predictor.from_checkpoint(checkpoint, flip=True).clips(clips)
    got = OnnxPredictor.load(tmp_path / "flip.onnx", flip=True).keypoints(clips.keypoints, clips.clip_starts)
    assert relative(got, expected) <= TOLERANCE
    assert relative(got, Predictor.from_checkpoint(checkpoint).clips(clips)) > 1e-3  # flipping changed it


def _detections(tiny_tables: dict[str, Path], path: Path) -> Path:
    """The demo's COCO detections of S9 Walking 1 as a COCO results JSON."""
    raw = load_npz(tiny_tables["poses_3d"].parent / "raw/data_2d_h36m_detectron_pt_coco.npz")
    track = raw["positions_2d"].item()["S9"]["Walking 1"][0]
    scores = np.random.default_rng(0).uniform(0.3, 1.0, (*track.shape[:-1], 1))
    return coco_json(path, [Person(np.arange(len(track)), np.concatenate([track, scores], -1))])


@pytest.mark.parametrize("name", ["tgraphnet_traj", "motionagformer"])
def test_lift_with_the_onnx_runtime_writes_the_same_parquet(
    name: str, exported: dict[str, tuple[Path, Path]], tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    keypoints = _detections(tiny_tables, tmp_path / "results.json")
    tables = {}
    for runtime, model in zip(("torch", "onnx"), exported[name]):
        args = ["--checkpoint", str(model), "--keypoints", str(keypoints), "--image-size", "1000", "1002"]
        assert main(["lift", *args, "--out", str(tmp_path / runtime), "--runtime", runtime]) == 0
        tables[runtime] = pq.read_table(tmp_path / runtime / "poses_3d.parquet")
    torch_table, onnx_table = tables["torch"], tables["onnx"]
    assert torch_table.schema == onnx_table.schema
    for column in torch_table.column_names:
        expected, got = (np.asarray(t.column(column).to_pylist()) for t in (torch_table, onnx_table))
        if column in ("positions", "trajectory"):
            assert relative(got, expected) <= TOLERANCE, column
        else:
            assert np.array_equal(got, expected), column
    assert ("trajectory" in onnx_table.column_names) == get(name).predicts_root  # the root path came through


def test_lift_runs_without_torch(
    exported: dict[str, tuple[Path, Path]], tiny_tables: dict[str, Path], tmp_path: Path
) -> None:
    """`pose3d lift --runtime onnx` with torch unimportable (as on a machine without it) writes the same
    Parquet as with torch present."""
    keypoints = _detections(tiny_tables, tmp_path / "results.json")
    args = ["lift", "--checkpoint", str(exported["tgraphnet_traj"][1]), "--keypoints", str(keypoints)]
    args += ["--image-size", "1000", "1002", "--runtime", "onnx", "--threads", "1"]
    script = (
        "import sys\n"
        "sys.modules['torch'] = None  # any `import torch` now raises ImportError\n"
        "from pose3d.cli import main\n"
        f"sys.exit(main({[*args, '--out', str(tmp_path / 'without')]!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert main([*args, "--out", str(tmp_path / "with")]) == 0
    without, with_torch = (pq.read_table(tmp_path / name / "poses_3d.parquet") for name in ("without", "with"))
    assert without.column("positions").to_pylist() == with_torch.column("positions").to_pylist()


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("pose3d: error: ") and err.count("\n") == 1
    return err


def test_bad_inputs_get_one_line(
    exported: dict[str, tuple[Path, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint, model = exported["linear"]
    export = ["export", "onnx", "--out", str(tmp_path / "a.onnx"), "--checkpoint"]
    not_a_checkpoint = tmp_path / "notes.pt"
    not_a_checkpoint.write_text("hello")
    err = _error([*export, str(not_a_checkpoint)], capsys)
    assert str(not_a_checkpoint) in err and not (tmp_path / "a.onnx").exists()
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    assert "not a pose3d checkpoint" in _error([*export, str(tmp_path / "other.pt")], capsys)
    (tmp_path / "folder.onnx").mkdir()
    err = _error([*export, str(checkpoint), "--out", str(tmp_path / "folder.onnx")], capsys)
    assert err == f"pose3d: error: {tmp_path / 'folder.onnx'}: is a folder; cannot write the output file there\n"

    foreign = tmp_path / "identity.onnx"  # a valid ONNX model that pose3d did not write
    node = onnx.helper.make_node("Identity", ["x"], ["y"])
    value = onnx.helper.make_tensor_value_info
    graph = onnx.helper.make_graph(
        [node], "g", [value("x", onnx.TensorProto.FLOAT, [1])], [value("y", onnx.TensorProto.FLOAT, [1])]
    )
    onnx.save(onnx.helper.make_model(graph), foreign)
    keypoints = coco_json(tmp_path / "results.json", [Person(np.arange(3), np.full((3, 17, 3), 500.0))])
    lift = ["lift", "--runtime", "onnx", "--keypoints", str(keypoints), "--image-size", "1000", "1000"]
    out = ["--out", str(tmp_path / "out")]
    err = _error([*lift, "--checkpoint", str(foreign), *out], capsys)
    assert err.endswith(f"{foreign}: not written by `pose3d export onnx` (its metadata has no pose3d_onnx entry)\n")
    err = _error([*lift, "--checkpoint", str(checkpoint), *out], capsys)
    assert f"{checkpoint}: not an ONNX model onnxruntime can run" in err
    err = _error([*lift, "--checkpoint", str(model), "--flip", *out], capsys)
    assert f"{model}: exported without flip averaging" in err
    assert not (tmp_path / "out").exists()


def test_readme_export_commands(tiny_tables: dict[str, Path], tmp_path: Path) -> None:
    """The README section "Export for runtimes (ONNX)": its pose3d commands, as written."""
    body = (REPO / "README.md").read_text().split(f"## {SECTION}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", body, flags=re.S)
    commands = [line for block in blocks for line in block.strip().splitlines() if line.startswith("pose3d")]
    assert [c.split()[:3] for c in commands] == [["pose3d", "export", "onnx"], ["pose3d", "lift", "--runtime"]]
    save_checkpoint("semgcn", tmp_path / "results/models/semgcn-coco/model.pt")
    _detections(tiny_tables, tmp_path / "detectron2_results.json")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    outputs = []
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        outputs.append(done.stdout)
    assert "onnxruntime matches torch" in outputs[0] and "input_normalisation:" in outputs[0]
    assert "onnxruntime, cpu" in outputs[1]
    assert pq.read_table(tmp_path / "results/lift/my_video/poses_3d.parquet").num_rows > 0
