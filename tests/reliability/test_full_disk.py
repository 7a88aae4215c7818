"""Every command that writes files, run while the disk fills up (issue #23: a full disk or a failed write).

Each case runs ``full_disk.py``'s sequence: a good run (the previous version), three runs with the disk
full at different points of the write, then the same command with the room back. A failed write must
give one line ``pose3d: error: <an output of this command>: cannot write: ...``, exit 2, leave the
previous version byte for byte and no other file (no part of a set, no temporary file); the command
run again must finish. The disk is a small tmpfs in a mount namespace (real ENOSPC) where
``unshare`` can make one, else the file size limit (real EFBIG).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml
from bad_files import pose3d_commands, repo_config
from conftest import hp3d_data, motionbert_data, sh_file_name, write_sh_h5
from keypoint_files import Person, coco_json
from test_interruption import quick_linear, train_command

from pose3d.cli import build_parser, main
from pose3d.core.safe_load import load_torch
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.pose_tables import read_mocap
from pose3d.models import build
from pose3d.runs import checkpoint as checkpoint_file
from pose3d.runs.release import import_checkpoint
from pose3d.training.loop import train

DRIVER = Path(__file__).with_name("full_disk.py")
#: A narrow MotionAGFormer of 4-frame windows (the MotionBERT fixture's videos are short).
MAG_OPTIONS = {"size": "xs", "n_layers": 1, "dim_feat": 16, "dim_rep": 16, "n_frames": 4}
#: Outputs that differ between two good runs (timings).
NOT_REPRODUCIBLE = {"bench"}
#: What a refused write says, by fault: the OS's words, or SQLite's (the tracking store).
PROBLEMS = {
    "tmpfs": ("No space left on device", "database or disk is full"),
    "fsize": ("File too large", "disk I/O error"),
}


def _mode() -> str:
    """``tmpfs`` where this user may mount one in a new mount namespace, else ``fsize``."""
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True) if shutil.which("unshare") else None
    return "tmpfs" if probe is not None and probe.returncode == 0 else "fsize"


def _ok(argv: list[str]) -> None:
    assert main(argv) == 0, argv


@pytest.fixture(scope="module")
def inputs(tiny_tables: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs of every command: the tiny demo's raw files and tables, a trained model, its metrics, a lift."""
    folder = tmp_path_factory.mktemp("full-disk-inputs")
    raw = tiny_tables["poses_3d"].parent / "raw"
    config = repo_config()
    config["training"]["overrides"] = {"linear": {"epochs": 2, "samples_per_epoch": 1024}}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    found = {"raw": raw, "config": folder / "config.yaml", **tiny_tables}
    run = ["--config", str(found["config"]), "--model", "linear", "--input", "coco"]
    tables = ["--poses-3d", str(tiny_tables["poses_3d"]), "--poses-2d", str(tiny_tables["poses_2d_coco"])]
    found["model"] = folder / "model.pt"
    _ok(["train", *run, *tables, "--out", str(found["model"])])
    found["metrics"] = folder / "metrics.parquet"
    _ok(["evaluate", *run, *tables, "--checkpoint", str(found["model"]), "--out", str(found["metrics"])])

    rng = np.random.default_rng(0)
    frames = np.arange(12)
    keypoints = np.concatenate([rng.uniform(300, 700, (12, 17, 2)), np.full((12, 17, 1), 0.9)], axis=-1)
    found["keypoints"] = coco_json(folder / "results.json", [Person(frames, keypoints)])
    found["lift"], found["animation"] = folder / "lift", folder / "lifted.gif"
    _ok(["lift", "--checkpoint", str(found["model"]), "--keypoints", str(found["keypoints"]),
         "--image-size", "1000", "1000", "--render", str(found["animation"]), "--out", str(found["lift"])])  # fmt: skip

    found["motionbert"] = folder / "motionbert.pkl"
    found["motionbert"].write_bytes(pickle.dumps(motionbert_data(rng), protocol=4))
    _ok(["convert", "motionbert", "--source", str(found["motionbert"]), "--out", str(folder / "motionbert")])
    found["motionbert_test"] = folder / "motionbert/motionbert_test.parquet"
    release = folder / "mag.pth.tr"
    weights = build("motionagformer", **MAG_OPTIONS).state_dict()
    torch.save({"epoch": 1, "model": {f"module.{k}": v for k, v in weights.items()}}, release)
    found["mag"] = folder / "mag.pt"
    import_checkpoint(release, "motionagformer", found["mag"], **MAG_OPTIONS)
    found["semgcn_release"] = folder / "ckpt_semgcn.pth.tar"
    torch.save({"epoch": 1, "state_dict": build("semgcn").state_dict()}, found["semgcn_release"])
    runs, _ = read_mocap(tiny_tables["poses_3d"])
    for subject, sequence, length in zip(runs.keys["subject"], runs.keys["sequence"], runs.lengths):
        for camera in CAMERA_IDS:
            name = folder / "sh" / str(subject) / "StackedHourglassFineTuned240" / sh_file_name(str(sequence), camera)
            write_sh_h5(name, rng.uniform(0, 1000, (int(length), 16, 2)).astype(np.float32))
    found["sh"] = folder / "sh"
    found["3dhp_npz"] = folder / "3dhp.npz"
    np.savez(found["3dhp_npz"], data=np.array(hp3d_data(rng), dtype=object))  # type: ignore[arg-type]
    return found


def cases(i: dict[str, Path]) -> dict[str, list[str]]:
    """Every command that writes files (and the sets some write), by case id; ``{out}``: the output folder."""
    model, tables = str(i["model"]), ["--poses-3d", str(i["poses_3d"]), "--poses-2d", str(i["poses_2d_coco"])]
    run = ["--config", str(i["config"]), "--model", "linear", "--input", "coco", *tables]
    lift = ["lift", "--checkpoint", model, "--keypoints", str(i["keypoints"]), "--image-size", "1000", "1000"]
    animate = ["viz", "animate", "--checkpoint", model, *tables, "--frames", "4", "--size", "96", "--out"]
    h36m, lifted = str(i["raw"] / "h36m"), str(i["lift"] / "poses_3d.parquet")
    # fmt: off
    return {
        "demo-data": ["demo-data", "--size", "tiny", "--out", "{out}/demo"],
        "convert-h36m": ["convert", "h36m", "--root", h36m, "--subjects", "S1", "S9", "--out", "{out}/p.parquet"],
        "convert-angles": ["convert", "angles", "--root", h36m, "--subjects", "S1", "--out", "{out}/a.parquet"],
        "convert-gt2d": ["convert", "gt2d", "--poses-3d", str(i["poses_3d"]), "--out", "{out}/gt.parquet"],
        "convert-detections": ["convert", "detections", "--npz", str(i["raw"] / "data_2d_h36m_cpn_ft_h36m_dbb.npz"), "--poses-3d", str(i["poses_3d"]), "--name", "cpn", "--out", "{out}/cpn.parquet"],
        "convert-sh": ["convert", "sh", "--root", str(i["sh"]), "--poses-3d", str(i["poses_3d"]), "--out", "{out}/sh.parquet"],
        "convert-3dhp": ["convert", "3dhp", "--npz", str(i["3dhp_npz"]), "--out", "{out}/3dhp.parquet"],
        "convert-3dpw": ["convert", "3dpw", "--pkl", str(i["raw"] / "pw3d_test.pkl"), "--out", "{out}/3dpw.parquet"],
        "convert-motionbert": ["convert", "motionbert", "--source", str(i["motionbert"]), "--out", "{out}"],
        "train": ["train", *run, "--out", "{out}/model.pt"],
        "evaluate": ["evaluate", *run, "--checkpoint", model, "--hp3d", str(i["3dhp"]), "--out", "{out}/m.parquet"],
        "baseline": ["baseline", "--input", "coco", *tables, "--train-subjects", "S1", "--test-subjects", "S9", "--out", "{out}/b.parquet"],
        "import-checkpoint": ["import-checkpoint", "--model", "semgcn", "--source", str(i["semgcn_release"]), "--out", "{out}/semgcn.pt"],
        "evaluate-release": ["evaluate-release", "--checkpoint", str(i["mag"]), "--motionbert-test", str(i["motionbert_test"]), "--out", "{out}/r.parquet"],
        "tables": ["tables", "--metrics", str(i["metrics"]), "--columns", "linear-coco", "--out-dir", "{out}"],
        "figures": ["figures", "--metrics", str(i["metrics"]), "--checkpoints", model, "--per-action", "{out}/a.png", "--per-joint", "{out}/j.png", "--training", "{out}/t.png"],
        "viz-animate-gif": [*animate, "{out}/a.gif"],
        "viz-animate-mp4": [*animate, "{out}/a.mp4"],
        "viz-error-over-time": ["viz", "error-over-time", "--checkpoints", model, *tables, "--out", "{out}/e.png"],
        "viz-page": ["viz", "page", "--animation", str(i["animation"]), "--title", "t", "--out", "{out}/p.html"],
        "tracking-init": ["tracking", "init", "--tracking-uri", "sqlite:///{out}/mlflow.db", "--experiment", "e", "--out", "{out}/experiment.json"],
        "lift": [*lift, "--out", "{out}"],
        "lift-render-bvh": [*lift, "--render", "{out}/r.gif", "--bvh", "{out}/m.bvh", "--out", "{out}"],
        "export-bvh": ["export", "bvh", "--poses", lifted, "--out", "{out}/m.bvh"],
        "export-onnx": ["export", "onnx", "--checkpoint", model, "--out", "{out}/m.onnx"],
        "bench": ["bench", "--models", "linear", "--size", "tiny", "--variants", "plain", "--rounds", "1", "--out", "{out}/b.json"],
    }
    # fmt: on


@pytest.fixture(scope="module")
def report(inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("full-disk")
    listed = [{"id": name, "argv": argv} for name, argv in cases(inputs).items()]
    (folder / "cases.json").write_text(json.dumps(listed))
    mode = _mode()
    prefix = ["unshare", "-rm"] if mode == "tmpfs" else []
    command = [*prefix, sys.executable, str(DRIVER), str(folder / "cases.json"), str(folder / "report.json"), mode]
    quiet = subprocess.DEVNULL if mode == "fsize" else None  # the size limit would hit a captured stdout file
    subprocess.run(command, check=True, cwd=DRIVER.parent, timeout=1200, stdout=quiet)
    return {"mode": mode, **json.loads((folder / "report.json").read_text())}


CASE_IDS = list(cases(defaultdict(Path)))
COMMANDS = pose3d_commands(build_parser())


def test_every_command_is_run_on_a_filling_disk() -> None:
    """Each ``pose3d`` command writes files, so each has a case here (a new command needs one too)."""
    covered = {
        " ".join(argv[:2]) if " ".join(argv[:2]) in COMMANDS else argv[0] for argv in cases(defaultdict(Path)).values()
    }
    assert sorted(COMMANDS - covered) == []


@pytest.mark.parametrize("case", CASE_IDS)
def test_a_failed_write_leaves_the_previous_version(report: dict[str, Any], case: str) -> None:
    """With no room the command fails; with some room it fails the same way, or (a store updated in place needs
    less than its size) finishes with the same files; with the room back it finishes."""
    if case == "export-onnx":
        pytest.importorskip("onnxscript", reason="the export extra is not installed")
    result = report[case]
    assert result["first"]["status"] == 0, result["first"]["stderr"]
    previous = result["previous"]
    assert previous, "the good run wrote nothing"
    assert result["faulty"][0]["status"] == 2, "with no room at all the command did not fail"
    for attempt in result["faulty"]:
        if attempt["status"] == 0:
            _same_files(case, attempt["files"], previous)
            continue
        lines = attempt["stderr"].splitlines()
        assert attempt["status"] == 2 and len(lines) == 1, attempt
        assert lines[0].startswith(f"pose3d: error: {result['out']}/"), lines[0]
        assert any(problem in lines[0] for problem in PROBLEMS[report["mode"]]), lines[0]
        assert attempt["files"] == previous, f"with {attempt['share']:.0%} of the room: {lines[0]}"
    assert result["again"]["status"] == 0, result["again"]["stderr"]
    _same_files(case, result["again"]["files"], previous)


def _same_files(case: str, files: dict[str, str], previous: dict[str, str]) -> None:
    """A good run writes the files of the previous good run, byte for byte where the command is reproducible."""
    assert files.keys() == previous.keys()
    if case not in NOT_REPRODUCIBLE:
        assert files == previous


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch thread, as the command's ``--threads 1`` (the reference run must compute alike)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class _RefusingDisk:
    """A file handle whose every write fails with ``code``, as a full (ENOSPC) or failing (EIO) disk's does."""

    def __init__(self, handle: Any, code: int) -> None:
        self.handle, self.code = handle, code

    def write(self, data: bytes) -> int:
        raise OSError(self.code, os.strerror(self.code))

    def flush(self) -> None:
        self.handle.flush()


@pytest.mark.parametrize(
    ("target", "nth", "code", "kept"),
    [
        ("training_state.pt", 2, errno.ENOSPC, "the previous version is kept"),
        ("model.pt", 1, errno.EIO, "nothing was written"),
    ],  # fmt: skip
    ids=["second-state-disk-full", "checkpoint-io-error"],
)
def test_training_whose_write_fails_keeps_its_last_state_and_the_same_command_finishes_it(
    tiny_tables: dict[str, Path],
    tmp_path: Path,
    one_thread: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    nth: int,
    code: int,
    kept: str,
) -> None:
    """The ``nth`` write of ``target`` (the training state after epoch 2, or the checkpoint) fails inside torch's
    writer: one line naming it, the state of the last good write stays, and the same command resumes from it to
    the weights of an uninterrupted run."""
    settings = quick_linear(epochs=3)
    torch.set_num_threads(1)  # as the command's --threads 1
    reference = train(settings, tiny_tables["poses_3d"], tiny_tables["poses_2d_cpn"], tmp_path / "ref/model.pt")
    out = tmp_path / "run" / "model.pt"
    command = train_command(settings, tiny_tables, out)[3:]
    opened = []
    wrap = checkpoint_file._WholeWrites.__init__

    def refusing(self: Any, handle: Any) -> None:
        wrap(self, handle)
        if Path(handle.name).name.startswith(f".{target}.tmp-"):
            opened.append(handle.name)
            if len(opened) == nth:
                self.handle = _RefusingDisk(handle, code)

    monkeypatch.setattr(checkpoint_file._WholeWrites, "__init__", refusing)
    capsys.readouterr()
    assert main(command) == 2
    assert (
        capsys.readouterr().err == f"pose3d: error: {out.parent / target}: cannot write: {os.strerror(code)} ({kept})\n"
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["training_state.pt"]  # no checkpoint, no temporary
    state = load_torch(out.with_name("training_state.pt"))
    assert state["epoch"] == (1 if target == "training_state.pt" else settings.recipe.epochs)

    monkeypatch.undo()  # the disk has room again
    assert main(command) == 0
    assert f"resuming after epoch {state['epoch']}" in capsys.readouterr().out
    got = load_torch(out)["state_dict"]
    assert all(torch.equal(value, got[key]) for key, value in reference.state_dict.items())
    assert sorted(p.name for p in out.parent.iterdir()) == ["model.pt"]
