"""A catalogue of malformed and hostile inputs, each run through the real ``pose3d`` command.

Every case must exit with status 2, print exactly one stderr line ``pose3d: error: <file or key>:
<problem>`` containing the case's fragment, leave nothing in the output folder (no output, no
temporary file) and run no code: hostile payloads would create a marker file, which must not exist.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch
from bad_files import (
    PAYLOADS,
    REPO,
    RunsEval,
    RunsShell,
    RunsSubprocess,
    good_tracks,
    pose3d_commands,
    python2_style_payload,
    repo_config,
    tracks,
    write_config,
    write_h5,
    write_npz,
    write_pickle,
    write_torch,
    write_zip,
)
from cdflib import cdfwrite
from conftest import hp3d_data, motionbert_data, pw3d_data, sh_file_name, write_cdf
from workflow_helpers import yaml_bomb

from pose3d.cli import main
from pose3d.data.camera import CAMERA_IDS
from pose3d.data.convert.pose_tables import read_mocap
from pose3d.models import build


@dataclass
class Context:
    """Where a case writes its bad file and its output, and the tiny demo tables it may use."""

    tmp: Path
    out: Path  # must stay empty
    marker: Path  # must never exist
    tables: dict[str, Path]
    mocap: dict[str, list[str]]  # subject -> sequences
    lengths: dict[tuple[str, str], int]

    @property
    def first(self) -> tuple[str, str]:
        subject = next(iter(self.mocap))
        return subject, self.mocap[subject][0]


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Context], list[str]]
    fragment: str


@pytest.fixture(scope="module")
def mocap(tiny_tables: dict[str, Path]) -> tuple[dict[str, list[str]], dict[tuple[str, str], int]]:
    runs, _ = read_mocap(tiny_tables["poses_3d"])
    listing: dict[str, list[str]] = {}
    lengths = {}
    for subject, sequence, length in zip(runs.keys["subject"], runs.keys["sequence"], runs.lengths):
        listing.setdefault(str(subject), []).append(str(sequence))
        lengths[str(subject), str(sequence)] = int(length)
    return listing, lengths


# ---- argv builders -------------------------------------------------------------------------------


def detections(make: Callable[[Context, Path], Any]) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        npz = c.tmp / "data_2d.npz"
        make(c, npz)
        return [
            "convert",
            "detections",
            "--npz",
            str(npz),
            "--poses-3d",
            str(c.tables["poses_3d"]),
            "--out",
            f"{c.out}/cpn.parquet",
        ]

    return argv


def positions(value: Callable[[Context], Any]) -> Callable[[Context], list[str]]:
    """A detections archive whose positions_2d is ``value(context)``."""
    return detections(lambda c, npz: write_npz(npz, positions_2d=value(c), metadata={"num_joints": 17}))


def every_track(value: Any) -> Callable[[Context], list[str]]:
    return positions(lambda c: tracks(c.mocap, [value] * 4))


def sh(make: Callable[[Context, Path], Any]) -> Callable[[Context], list[str]]:
    """A Stacked-Hourglass folder whose first file (first sequence, first camera) is ``make(context, path)``."""

    def argv(c: Context) -> list[str]:
        subject, sequence = c.first
        make(c, c.tmp / "sh" / subject / "StackedHourglassFineTuned240" / sh_file_name(sequence, CAMERA_IDS[0]))
        root = str(c.tmp / "sh")
        return [
            "convert",
            "sh",
            "--root",
            root,
            "--poses-3d",
            str(c.tables["poses_3d"]),
            "--out",
            f"{c.out}/sh.parquet",
        ]

    return argv


def hp3d(make: Callable[[Context, Path], Any]) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        npz = c.tmp / "data_test_3dhp.npz"
        make(c, npz)
        return ["convert", "3dhp", "--npz", str(npz), "--out", f"{c.out}/3dhp.parquet"]

    return argv


def hp3d_data_with(edit: Callable[[dict], Any]) -> Callable[[Context], list[str]]:
    def make(c: Context, npz: Path) -> None:
        data = hp3d_data(np.random.default_rng(0))
        edit(data)
        write_npz(npz, data=data)

    return hp3d(make)


def pw3d(make: Callable[[Context, Path], Any]) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        pkl = c.tmp / "pw3d_test.pkl"
        make(c, pkl)
        return ["convert", "3dpw", "--pkl", str(pkl), "--out", f"{c.out}/3dpw.parquet"]

    return argv


def pw3d_data_with(edit: Callable[[dict], Any]) -> Callable[[Context], list[str]]:
    def make(c: Context, pkl: Path) -> None:
        data = pw3d_data(np.random.default_rng(0))
        edit(data)
        write_pickle(pkl, data)

    return pw3d(make)


def motionbert(make: Callable[[Context, Path], Any]) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        pkl = c.tmp / "h36m_sh_conf_cam_source_final.pkl"
        make(c, pkl)
        return ["convert", "motionbert", "--source", str(pkl), "--out", f"{c.out}/motionbert"]

    return argv


def motionbert_data_with(edit: Callable[[dict], Any]) -> Callable[[Context], list[str]]:
    """MotionBERT's pickle layout (tests/conftest.py) changed by ``edit``."""

    def make(c: Context, pkl: Path) -> None:
        data = motionbert_data(np.random.default_rng(0))
        edit(data)
        write_pickle(pkl, data)

    return motionbert(make)


def _second_block(data: dict) -> None:
    """Move the test split's first row behind the second video (rows 10-19), so that its video is two blocks."""
    test = data["test"]
    order = np.r_[1:20, 0, 20:51]
    data["test"] = {k: [v[i] for i in order] if isinstance(v, list) else v[order] for k, v in test.items()}


def cdf(make: Callable[[Path], Any]) -> Callable[[Context], list[str]]:
    """A Human3.6M folder whose only S1 file is ``make(path)``."""

    def argv(c: Context) -> list[str]:
        path = c.tmp / "h36m" / "S1" / "MyPoseFeatures" / "D3_Positions" / "Walking 1.cdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
        return ["convert", "h36m", "--root", str(c.tmp / "h36m"), "--subjects", "S1", "--out", f"{c.out}/p.parquet"]

    return argv


def train_with(config_edit: Callable[[dict], Any], model: str = "linear") -> Callable[[Context], list[str]]:
    """``pose3d train --config`` with the repository's config changed by ``config_edit``."""

    def argv(c: Context) -> list[str]:
        config = write_config(c.tmp / "config.yaml", config_edit)
        return train_argv(c, config, model)

    return argv


def train_argv(c: Context, config: Path, model: str = "linear") -> list[str]:
    tables = c.tables
    return ["train", "--config", str(config), "--model", model, "--input", "cpn", "--poses-3d", str(tables["poses_3d"]), "--poses-2d", str(tables["poses_2d_cpn"]), "--out", f"{c.out}/model.pt"]  # fmt: skip


def config_file(text: str | bytes) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        path = c.tmp / "config.yaml"
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return train_argv(c, path)

    return argv


def override(model: str, **values: Any) -> Callable[[Context], list[str]]:
    return train_with(lambda config: config["training"]["overrides"].update({model: values}), model=model)


def training(**values: Any) -> Callable[[Context], list[str]]:
    return train_with(lambda config: config["training"].update(values))


def top(**values: Any) -> Callable[[Context], list[str]]:
    return train_with(lambda config: config.update(values))


def evaluate(make: Callable[[Context, Path], Any], model: str = "linear") -> Callable[[Context], list[str]]:
    """``pose3d evaluate`` of the checkpoint ``make(context, path)`` writes, under ``model``'s settings."""

    def argv(c: Context) -> list[str]:
        checkpoint = c.tmp / "model.pt"
        make(c, checkpoint)
        config = write_config(c.tmp / "config.yaml", lambda config: None)
        args = train_argv(c, config, model)
        args[0] = "evaluate"
        args[-1] = f"{c.out}/metrics.parquet"
        return [*args, "--checkpoint", str(checkpoint)]

    return argv


def ours(model: str, **options: Any) -> dict[str, Any]:
    """A checkpoint in pose3d's format (small widths keep it quick)."""
    return {"model": model, "options": options, "state_dict": build(model, **options).state_dict()}


def import_checkpoint(
    make: Callable[[Context, Path], Any], model: str = "semgcn", *options: str
) -> Callable[[Context], list[str]]:
    def argv(c: Context) -> list[str]:
        source = c.tmp / "release.pth.tar"
        make(c, source)
        return ["import-checkpoint", "--source", str(source), "--model", model, *options, "--out", f"{c.out}/imported.pt"]  # fmt: skip

    return argv


def plain(args: Callable[[Context], list[str]]) -> Callable[[Context], list[str]]:
    return args


def lift(
    make: Callable[[Path], Path], *options: str, checkpoint: dict[str, Any] | None = None
) -> Callable[[Context], list[str]]:
    """``pose3d lift`` of the keypoint file (or folder) ``make(folder)`` writes, by a tiny COCO-input model."""

    def argv(c: Context) -> list[str]:
        model = write_torch(c.tmp / "model.pt", checkpoint or {**ours("linear", linear_size=8), "layout_2d": "coco"})
        size = [] if "--image-size" in options else ["--image-size", "1000", "1000"]
        files = ["--checkpoint", str(model), "--keypoints", str(make(c.tmp)), "--out", str(c.out)]
        return ["lift", *files, *size, *options]

    return argv


def viz(*options: str, checkpoint: dict[str, Any] | None = None) -> Callable[[Context], list[str]]:
    """``pose3d viz animate`` of the tiny tables' S9 Walking by a tiny linear model."""

    def argv(c: Context) -> list[str]:
        model = write_torch(c.tmp / "model.pt", checkpoint or ours("linear", linear_size=8))
        tables = ["--poses-3d", str(c.tables["poses_3d"]), "--poses-2d", str(c.tables["poses_2d_cpn"])]
        return [
            "viz",
            "animate",
            "--checkpoint",
            str(model),
            *tables,
            "--frames",
            "2",
            *options,
            "--out",
            f"{c.out}/a.gif",
        ]

    return argv


def coco_results(values: int = 51, **fields: Any) -> Callable[[Path], Path]:
    """A detections JSON of three frames, one person, ``values`` keypoint values, ``fields`` replaced."""

    def make(folder: Path) -> Path:
        record = {"image_id": 0, "category_id": 1, "keypoints": [500.0, 400.0, 0.9] * (values // 3), "score": 0.9}
        path = folder / "results.json"
        path.write_text(json.dumps([{**record, "image_id": frame, **fields} for frame in range(3)]))
        return path

    return make


def openpose_frame(values: list[Any]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / "openpose").mkdir()
        frame = {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": values}]}
        (folder / "openpose/video_000000000000_keypoints.json").write_text(json.dumps(frame))
        return folder / "openpose"

    return make


def npy_file(write: Callable[[Path], Any]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        write(folder / "keypoints.npy")
        return folder / "keypoints.npy"

    return make


def videopose3d(metadata: Any) -> Callable[[Path], Path]:
    """A VideoPose3D custom-video archive of one video with ``metadata``."""
    positions = {"video.mp4": {"custom": [np.full((4, 17, 2), 500.0, np.float32)]}}
    return lambda folder: write_npz(folder / "data_2d_custom.npz", positions_2d=positions, metadata=metadata)


def _size(**size: Any) -> dict[str, Any]:
    return {"layout_name": "coco", "video_metadata": {"video.mp4": size}}


def _text_file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _link(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


def _npy_header(path: Path, shape: tuple[int, ...]) -> None:
    """A .npy whose header claims ``shape`` but holds 64 bytes."""
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False, "shape": shape})
        handle.write(bytes(64))


def _nan_weights(model: str, **options: Any) -> dict[str, Any]:
    checkpoint = {**ours(model, **options), "layout_2d": "coco"}
    checkpoint["state_dict"] = {k: v * float("nan") for k, v in checkpoint["state_dict"].items()}
    return checkpoint


def _copy(source: Path, name: str) -> Path:
    """``source`` copied beside itself as ``name``; returns the folder."""
    (source.parent / name).write_bytes(source.read_bytes())
    return source.parent


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _truncated(path: Path, obj: Any) -> None:
    torch.save(obj, path)
    path.write_bytes(path.read_bytes()[:300])


def h36m_folder(make: Callable[[Path], Any], *subjects: str) -> Callable[[Context], list[str]]:
    """``pose3d convert h36m`` of the folder ``make(root)`` fills (a valid S1 Walking 1 is written first)."""

    def argv(c: Context) -> list[str]:
        root = c.tmp / "h36m"
        write_cdf(root / "S1" / "MyPoseFeatures" / "D3_Positions" / "Walking 1.cdf", np.zeros((4, 96)))
        make(root)
        return [
            "convert",
            "h36m",
            "--root",
            str(root),
            "--subjects",
            *(subjects or ["S1"]),
            "--out",
            f"{c.out}/p.parquet",
        ]

    return argv


def _epoch_cdf(path: Path) -> None:
    """A CDF whose ``Pose`` has the right layout but CDF_EPOCH values (float64 milliseconds to cdflib)."""
    cdf = cdfwrite.CDF(path, delete=True)
    spec = {"Variable": "Pose", "Data_Type": cdf.CDF_EPOCH, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": [4, 96]}
    cdf.write_var(spec, var_data=np.full((1, 4, 96), 6.3e13))
    cdf.close()


def _sparse_cdf(path: Path) -> None:
    """A 2.5 kB CDF whose sparse records claim 10^9 frames (cdflib would pad every one)."""
    cdf = cdfwrite.CDF(path, delete=True)
    spec = {"Variable": "Pose", "Data_Type": cdf.CDF_DOUBLE, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": [96]}
    cdf.write_var({**spec, "Sparse": "pad_sparse"}, var_data=[[0, 10**9], np.zeros((2, 96))])
    cdf.close()


def figures_of(change: dict[str, Any]) -> Callable[[Context], list[str]]:
    """``pose3d figures`` of a valid metrics table and a training checkpoint with ``change`` applied."""

    def argv(c: Context) -> list[str]:
        record = {"model": "linear", "settings": {"input_2d": "cpn", "loss": "mse"}, "history": [{"epoch": 0, "train_loss": 1.0, "lr": 1e-3}]}  # fmt: skip
        checkpoint = write_torch(c.tmp / "model.pt", {**record, **change})
        return ["figures", "--metrics", str(_metrics(c.tmp / "m.parquet")), "--checkpoints", str(checkpoint), "--per-action", f"{c.out}/a.png", "--training", f"{c.out}/t.png"]  # fmt: skip

    return argv


def replacing(argv: Callable[[Context], list[str]], **options: str) -> Callable[[Context], list[str]]:
    """``argv`` with the value after each ``--option`` replaced (``per_action`` for ``--per-action``); values may
    name ``{out}`` and ``{tmp}``."""

    def edited(c: Context) -> list[str]:
        args = argv(c)
        for option, value in options.items():
            args[args.index("--" + option.replace("_", "-")) + 1] = value.format(out=c.out, tmp=c.tmp)
        return args

    return edited


def _cyclic() -> dict[str, Any]:
    """Metadata holding a list that contains itself (a pickle can say so in a few bytes)."""
    loop: list[Any] = []
    loop.append(loop)
    return {"layout_name": "h36m", "loop": loop}


def _zip_bomb(path: Path, member: str) -> None:
    """An archive whose ``member`` is a 64 MB array of zeros deflated to about 64 kB."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (2**23,)})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, header.getvalue() + bytes(2**26))


def edited(name: str, edit: Callable[[pa.Table], pa.Table]) -> Callable[[Context], list[str]]:
    """``pose3d evaluate`` with the tiny ``name`` table (poses_3d, poses_2d_cpn, 3dhp, 3dpw) changed by ``edit``."""
    model, options = ("tgraphnet", {"channels": 8}) if name in ("3dhp", "3dpw") else ("linear", {"linear_size": 8})

    def argv(c: Context) -> list[str]:
        path = c.tmp / f"{name}.parquet"
        pq.write_table(edit(pq.read_table(c.tables[name])), path)
        args = evaluate(lambda c, p: write_torch(p, ours(model, **options)), model)(c)
        if name in ("3dhp", "3dpw"):
            return [*args, "--hp3d" if name == "3dhp" else "--pw3d", str(path)]
        return [str(path) if arg == str(c.tables[name]) else arg for arg in args]

    return argv


def with_metadata(edit: Callable[[dict], Any]) -> Callable[[pa.Table], pa.Table]:
    """A table edit that changes its ``pose3d`` metadata in place with ``edit``."""

    def change(table: pa.Table) -> pa.Table:
        meta = json.loads(table.schema.metadata[b"pose3d"])
        meta = edit(meta) or meta
        return table.replace_schema_metadata({b"pose3d": json.dumps(meta).encode()})

    return change


def replaced(column: str, values: Callable[[pa.Table], Any]) -> Callable[[pa.Table], pa.Table]:
    """A table edit that replaces ``column`` by ``values(table)``."""
    return lambda t: t.set_column(t.schema.get_field_index(column), column, values(t))


def metrics_with(command: str, copies: int = 1, per_joint: bool = False, **columns: list[Any]) -> Callable[[Context], list[str]]:  # fmt: skip
    """``pose3d tables`` or ``figures`` of a valid metrics table (given ``copies`` times) whose ``columns`` are replaced."""

    def argv(c: Context) -> list[str]:
        path = _metrics(c.tmp / "metrics.parquet")
        pq.write_table(pa.table({**pq.read_table(path).to_pydict(), **columns}), path)
        if command == "tables":
            return ["tables", "--metrics", *[str(path)] * copies, "--columns", "linear-cpn", "--out-dir", str(c.out)]
        checkpoint = write_torch(c.tmp / "model.pt", ours("linear", linear_size=8))
        joints = ["--per-joint", f"{c.out}/j.png"] if per_joint else []
        return ["figures", "--metrics", str(path), "--checkpoints", str(checkpoint), "--per-action", f"{c.out}/a.png", "--training", f"{c.out}/t.png", *joints]  # fmt: skip

    return argv


# ---- the catalogue -------------------------------------------------------------------------------

HOSTILE = [
    Case("3dpw-pickle-os-system", pw3d(lambda c, p: write_pickle(p, RunsShell(c.marker))), "refusing to load posix.system"),
    Case("3dpw-payload-in-clip", pw3d(lambda c, p: write_pickle(p, {"clip_0": {"pos2d": RunsEval(c.marker)}})), "refusing to load builtins.eval"),
    Case("3dpw-python2-eval", pw3d(lambda c, p: p.write_bytes(python2_style_payload(c.marker))), "refusing to load builtins.eval"),
    Case("3dpw-protocol-0-subprocess", pw3d(lambda c, p: write_pickle(p, [RunsSubprocess(c.marker)], protocol=0)), "refusing to load subprocess.call"),
    Case("motionbert-pickle-os-system", motionbert(lambda c, p: write_pickle(p, RunsShell(c.marker))), "h36m_sh_conf_cam_source_final.pkl: not a readable pickle of plain data (UnpicklingError: refusing to load posix.system"),
    Case("motionbert-payload-in-split", motionbert(lambda c, p: write_pickle(p, {"train": {"source": ["s_01_act_02_subact_01_ca_01", RunsEval(c.marker)]}})), "refusing to load builtins.eval"),
    Case("2d-npz-positions-payload", detections(lambda c, p: write_npz(p, positions_2d=RunsShell(c.marker))), "refusing to load posix.system"),
    Case("2d-npz-nested-payload", positions(lambda c: {"S1": {"Walking 1": [RunsEval(c.marker)]}}), "refusing to load builtins.eval"),
    Case("2d-npz-metadata-payload", detections(lambda c, p: write_npz(p, positions_2d={}, metadata={"x": RunsSubprocess(c.marker)})), "refusing to load subprocess.call"),
    Case("2d-pickle-renamed-npz", detections(lambda c, p: write_pickle(p, RunsShell(c.marker))), "not a readable .npz archive (not a zip file)"),
    Case("3dhp-npz-payload", hp3d(lambda c, p: write_npz(p, data=RunsShell(c.marker))), "refusing to load posix.system"),
    Case("3dhp-npz-payload-in-sequence", hp3d(lambda c, p: write_npz(p, data={"TS1": {"data_2d": RunsEval(c.marker)}})), "refusing to load builtins.eval"),
    Case("checkpoint-payload", evaluate(lambda c, p: write_torch(p, {**ours("linear", linear_size=8), "x": RunsShell(c.marker)})), "refusing to load posix.system"),
    Case("checkpoint-plain-pickle-payload", evaluate(lambda c, p: write_pickle(p, RunsEval(c.marker))), "cannot read as a torch checkpoint"),
    Case("import-release-payload", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": {}, "epoch": RunsSubprocess(c.marker)})), "refusing to load"),
    Case("figures-checkpoint-payload", plain(lambda c: ["figures", "--metrics", str(_metrics(c.tmp / "m.parquet")), "--checkpoints", str(write_torch(c.tmp / "model.pt", {"history": RunsShell(c.marker)})), "--per-action", f"{c.out}/a.png", "--training", f"{c.out}/t.png"]), "refusing to load posix.system"),
]  # fmt: skip

CONFIG = [
    Case("config-missing", plain(lambda c: train_argv(c, c.tmp / "nowhere.yaml")), "nowhere.yaml: file not found"),
    Case("config-empty", config_file(""), "config.yaml: expected a mapping of settings, found nothing"),
    Case("config-not-yaml", config_file("seed: 0\n  data: [unclosed\n"), "config.yaml: not valid YAML at line"),
    Case("config-binary", config_file(b"\xff\xfe\x00garbage"), "config.yaml: not valid YAML"),
    Case("config-a-list", config_file("- seed\n- data\n"), "config.yaml: expected a mapping of settings, found ['seed', 'data']"),
    Case("config-unknown-top-key", top(sede=0), "config.yaml: sede: unknown key (known: data, demo,"),
    Case("config-missing-training", train_with(lambda config: config.pop("training")), "config.yaml: training: missing"),
    Case("config-seed-string", top(seed="zero"), "config.yaml: seed: must be integer, got 'zero'"),
    Case("config-seed-negative", top(seed=-1), "config.yaml: seed: must be >= 0"),
    Case("config-unknown-model", top(models=["semgcn", "resnet"]), "config.yaml: models.1: must be one of linear, semgcn"),
    Case("config-no-models", top(models=[]), "config.yaml: models: must not be empty"),
    Case("config-unknown-input", top(inputs=["openpose"]), "config.yaml: inputs.0: must be one of gt, cpn, sh, coco, got 'openpose'"),
    Case("config-unknown-subject", train_with(lambda config: config["data"].update(train_subjects=["S1", "S2"])), "config.yaml: data.train_subjects.1: must be one of S1"),
    Case("config-unknown-profile", training(profile="fast"), "config.yaml: training.profile: must be one of demo, paper, got 'fast'"),
    Case("config-unknown-device", training(device="gpu"), "config.yaml: training.device: must be one of auto, cpu, cuda, got 'gpu'"),
    Case("config-selection", training(checkpoint_selection="best"), "config.yaml: training.checkpoint_selection: must be one of last, validation, test"),
    Case("config-validation-above-1", training(validation_fraction=1.5), "config.yaml: training.validation_fraction: must be < 1"),
    Case("config-validation-zero", training(validation_fraction=0), "config.yaml: training.validation_fraction: must be > 0"),
    Case("config-kernel-4", training(tgraphnet_kernel=4), "config.yaml: training.tgraphnet_kernel: must be one of 3, 5, got 4"),
    Case("config-mixed-precision-string", training(mixed_precision="yes"), "config.yaml: training.mixed_precision: must be boolean, got 'yes'"),
    Case("override-epochs-zero", override("semgcn", epochs=0), "config.yaml: training.overrides.semgcn.epochs: must be > 0"),
    Case("override-epochs-negative", override("linear", epochs=-3), "config.yaml: training.overrides.linear.epochs: must be > 0"),
    Case("override-epochs-float", override("linear", epochs=2.5), "config.yaml: training.overrides.linear.epochs: must be integer, got 2.5"),
    Case("override-lr-zero", override("linear", lr=0), "config.yaml: training.overrides.linear.lr: must be > 0"),
    Case("override-lr-string", override("semgcn", lr="fast"), "config.yaml: training.overrides.semgcn.lr: must be number, got 'fast'"),
    Case("override-batch-zero", override("tgraphnet", batch_size=0), "config.yaml: training.overrides.tgraphnet.batch_size: must be > 0"),
    Case("override-samples-zero", override("linear", samples_per_epoch=0), "config.yaml: training.overrides.linear.samples_per_epoch: must be > 0"),
    Case("override-weight-decay-negative", override("tgraphnet", weight_decay=-1e-5), "training.overrides.tgraphnet.weight_decay: must be >= 0"),
    Case("override-gamma-zero", override("linear", lr_gamma=0), "config.yaml: training.overrides.linear.lr_gamma: must be > 0"),
    Case("override-grad-clip-negative", override("semgcn", grad_clip=-1), "training.overrides.semgcn.grad_clip: must be > 0"),
    Case("override-optimizer", override("linear", optimizer="sgd"), "training.overrides.linear.optimizer: must be one of adam, adamw, got 'sgd'"),
    Case("override-misspelt-key", override("semgcn", epoch=10), "config.yaml: training.overrides.semgcn.epoch: unknown key (known: amsgrad, batch_size,"),
    Case("override-key-of-other-model", override("linear", window_chunk=5), "config.yaml: training.overrides.linear.window_chunk: unknown key"),
    Case("override-unknown-model", train_with(lambda config: config["training"]["overrides"].update(resnet={"epochs": 1})), "config.yaml: training.overrides.resnet: unknown key (known: linear, motionagformer, semgcn"),
    Case("override-not-a-mapping", train_with(lambda config: config["training"].update(overrides={"linear": 5})), "config.yaml: training.overrides.linear: must be object, got 5"),
    Case("override-window-pad-negative", override("tgraphnet", window_pad=-1), "training.overrides.tgraphnet.window_pad: must be >= 0"),
    Case("override-root-start", override("tgraphnet_traj", root_start="zero"), "training.overrides.tgraphnet_traj.root_start: must be one of null, train_mean, got 'zero'"),
    Case("override-loss-of-other-model", override("linear", loss="mpjpe_motion"), "training.overrides.linear.loss: must be one of mse, got 'mpjpe_motion'"),
    Case("model-option-unknown", override("semgcn", model_options={"hidden": 64}), "config.yaml: training.overrides.semgcn.model_options.hidden: unknown key (known: dropout, hid_dim, num_layers)"),
    Case("model-option-channels-zero", override("tgraphnet", model_options={"channels": 0}), "training.overrides.tgraphnet.model_options.channels: must be > 0"),
    Case("model-option-dropout-one", override("linear", model_options={"dropout": 1.0}), "training.overrides.linear.model_options.dropout: must be < 1"),
    Case("model-option-kernel-even", override("tgraphnet", model_options={"kernel_size": 4}), "training.overrides.tgraphnet.model_options.kernel_size: must be one of 3, 5"),
    Case("lift-no-keypoints", top(lift={"clip": {"model": "linear", "input": "cpn"}}), "config.yaml: lift.clip.keypoints: missing"),
    Case("lift-image-size", top(lift={"clip": {"keypoints": "k.json", "checkpoint": "m.pt", "image_size": [1000]}}), "lift.clip.image_size: must have at least 2 entries"),
    Case("lift-model-and-checkpoint", top(lift={"clip": {"keypoints": "k.json", "checkpoint": "m.pt", "model": "linear", "input": "cpn"}}), "lift.clip: must give exactly one of: model+input | checkpoint"),
    pytest.param(
        Case("config-cuda-without-gpu", training(device="cuda"), "config.yaml: training.device: 'cuda' but torch sees no CUDA device"),
        marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA"),
    ),
]  # fmt: skip


def _lift_named(name: str) -> Callable[[Context], list[str]]:
    return top(lift={name: {"keypoints": "k.json", "checkpoint": "m.pt"}})


def _visualization(**values: Any) -> Callable[[Context], list[str]]:
    return train_with(lambda config: config["visualization"].update(values))


def settings_json(edit: Callable[[dict[str, Any]], Any]) -> Callable[[Context], list[str]]:
    """``pose3d evaluate --settings`` with the resolved settings of linear on cpn changed by ``edit``."""

    def argv(c: Context) -> list[str]:
        from pose3d.config.settings import resolve_run

        settings = resolve_run(repo_config(), "linear", "cpn").to_dict()
        edit(settings)
        tables = c.tables
        return ["evaluate", "--settings", json.dumps(settings), "--checkpoint", str(write_torch(c.tmp / "model.pt", ours("linear", linear_size=8))), "--poses-3d", str(tables["poses_3d"]), "--poses-2d", str(tables["poses_2d_cpn"]), "--out", f"{c.out}/metrics.parquet"]  # fmt: skip

    return argv


def _tagged_config(c: Context) -> list[str]:
    path = c.tmp / "config.yaml"
    path.write_text(f"seed: !!python/object/apply:os.system ['touch {c.marker}']\n")
    return train_argv(c, path)


CONFIG_FUZZED = [
    Case("yaml-bomb", config_file(yaml_bomb("seed")), "config.yaml: expands to more than 100000 values"),
    Case("yaml-python-tag", plain(_tagged_config), "config.yaml: not valid YAML at line 1, column 7: could not determine a constructor"),
    Case("yaml-duplicate-key", config_file((REPO / "config.yaml").read_text() + "seed: 7\n"), "column 1: key 'seed' given twice"),
    Case("yaml-nested-too-deeply", config_file("seed: " + "[" * 5000 + "]" * 5000), "config.yaml: not valid YAML: nested too deeply"),
    Case("seed-beyond-numpy", top(seed=10**30), "config.yaml: seed: must be <= 4294967295"),
    Case("seed-float", top(seed=1.0), "config.yaml: seed: must be integer, got 1.0"),
    Case("epochs-whole-float", override("linear", epochs=2.0), "training.overrides.linear.epochs: must be integer, got 2.0"),
    Case("lr-nan", override("linear", lr=float("nan")), "training.overrides.linear.lr: must be number, got nan"),
    Case("lr-inf", override("semgcn", lr=float("inf")), "training.overrides.semgcn.lr: must be number, got inf"),
    Case("validation-fraction-nan", training(validation_fraction=float("nan")), "training.validation_fraction: must be number, got nan"),
    Case("model-unicode", top(models=["lineär"]), "config.yaml: models.0: must be one of linear"),
    Case("model-empty", top(models=[""]), "config.yaml: models.0: must be one of linear"),
    Case("lift-name-dotdot", _lift_named(".."), "config.yaml: lift: '..' does not match"),
    Case("lift-name-slash", _lift_named("a/../../b"), "config.yaml: lift: 'a/../../b' does not match"),
    Case("lift-name-space", _lift_named("my clip"), "config.yaml: lift: 'my clip' does not match"),
    Case("lift-name-newline", _lift_named("clip\n"), "config.yaml: lift.clip\\n: holds a control character"),
    Case("path-newline", train_with(lambda config: config["data"].update(h36m="resources/demo\nh36m")), "config.yaml: data.h36m: holds a control character"),
    Case("visualization-subject-shell", _visualization(subject="S9; touch MARKER"), "visualization.subject: must be one of S1, S5"),
    Case("settings-missing-subjects", settings_json(lambda s: s.pop("test_subjects")), "--settings: missing test_subjects"),
    Case("settings-no-test-subjects", settings_json(lambda s: s.update(test_subjects=[])), "--settings: test_subjects: must be a non-empty list of subject names, got []"),
    Case("settings-subjects-a-string", settings_json(lambda s: s.update(train_subjects="S1")), "--settings: train_subjects: must be a non-empty list of subject names, got 'S1'"),
    Case("settings-unknown-device", settings_json(lambda s: s.update(device="tpu")), "--settings: device: must be one of auto, cpu, cuda, got 'tpu'"),
    Case("settings-unknown-model", settings_json(lambda s: s.update(model="resnet")), "--settings: model: must be one of linear,"),
    Case("demo-seed-negative", plain(lambda c: ["demo-data", "--seed", "-1", "--size", "tiny", "--out", str(c.out)]), "--seed: must be from 0 to 4294967295, got -1"),
    Case("demo-seed-float", plain(lambda c: ["demo-data", "--seed", "1e3", "--size", "tiny", "--out", str(c.out)]), "--seed: not a whole number: '1e3'"),
    Case("tracking-unknown-scheme", plain(lambda c: ["tracking", "init", "--tracking-uri", "bogus://x", "--experiment", "e", "--out", f"{c.out}/experiment.json"]), "--tracking-uri: MLflow cannot use 'bogus://x'"),
    Case("tracking-empty-experiment", plain(lambda c: ["tracking", "init", "--tracking-uri", f"sqlite:///{c.tmp}/mlflow.db", "--experiment", " ", "--out", f"{c.out}/experiment.json"]), "--experiment: must not be empty"),
    Case("tracking-store-under-a-file", plain(lambda c: ["tracking", "init", "--tracking-uri", f"sqlite:///{_text_file(c.tmp / 'file', 'x')}/mlflow.db", "--experiment", "e", "--out", f"{c.out}/experiment.json"]), "--tracking-uri: cannot create the store"),
    Case("import-channels-other-width", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": build("tgraphnet", channels=16).state_dict()}), "tgraphnet", "--channels", "32"), "release.pth.tar: checkpoint has 16 channels; set channels: 16"),
    Case("import-option-of-other-model", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": build("linear", linear_size=8).state_dict()}), "linear", "--channels", "8"), "release.pth.tar: a linear model has no option channels"),
    Case("import-out-is-source", plain(lambda c: ["import-checkpoint", "--source", str(write_torch(c.tmp / "release.pth", {"state_dict": build("linear").state_dict()})), "--model", "linear", "--out", str(c.tmp / "release.pth")]), "release.pth is the --source file"),
    Case("demo-out-empty", plain(lambda c: ["demo-data", "--size", "tiny", "--out", ""]), "--out: must not be empty"),
    Case("visualization-sequence-path", _visualization(sequence="../../Walking"), "visualization.sequence: '../../Walking' does not match"),
]  # fmt: skip

CLI = [
    Case("cli-unknown-model", plain(lambda c: ["train", "--config", "config.yaml", "--model", "resnet", "--input", "cpn", "--poses-3d", "a", "--poses-2d", "b", "--out", f"{c.out}/m.pt"]), "invalid choice: 'resnet'"),
    Case("cli-unknown-input", plain(lambda c: ["evaluate", "--config", "config.yaml", "--model", "linear", "--input", "hrnet", "--poses-3d", "a", "--poses-2d", "b", "--checkpoint", "c", "--out", f"{c.out}/m.parquet"]), "invalid choice: 'hrnet'"),
    Case("cli-config-without-model", plain(lambda c: ["train", "--config", "config.yaml", "--poses-3d", "a", "--poses-2d", "b", "--out", f"{c.out}/m.pt"]), "--config: needs --model and --input"),
    Case("cli-settings-not-json", plain(lambda c: ["train", "--settings", "{model: linear", "--poses-3d", "a", "--poses-2d", "b", "--out", f"{c.out}/m.pt"]), "--settings: not valid JSON"),
    Case("cli-settings-a-list", plain(lambda c: ["train", "--settings", "[1, 2]", "--poses-3d", "a", "--poses-2d", "b", "--out", f"{c.out}/m.pt"]), "--settings: expected the JSON object"),
    Case("cli-threads-zero", plain(lambda c: ["train", "--config", "c.yaml", "--model", "linear", "--input", "gt", "--threads", "0", "--poses-3d", "a", "--poses-2d", "b", "--out", f"{c.out}/m.pt"]), "--threads: must be at least 1"),
    Case("cli-kernel-4", plain(lambda c: ["import-checkpoint", "--source", "x", "--model", "tgraphnet", "--kernel-size", "4", "--out", f"{c.out}/x.pt"]), "--kernel-size: invalid choice: 4"),
    Case("cli-unknown-command", plain(lambda c: ["trian"]), "invalid choice: 'trian'"),
    Case("train-tracking-missing", plain(lambda c: [*train_argv(c, write_config(c.tmp / "config.yaml", lambda config: None)), "--tracking", "nowhere.json"]), "nowhere.json: file not found"),
    Case("cli-missing-out", plain(lambda c: ["convert", "3dhp", "--npz", "x.npz"]), "the following arguments are required: --out"),
    Case("cli-missing-poses-table", plain(lambda c: train_argv(c, write_config(c.tmp / "config.yaml", lambda config: None))[:-6] + ["--poses-3d", str(c.tmp / "none.parquet"), "--poses-2d", str(c.tables["poses_2d_cpn"]), "--out", f"{c.out}/m.pt"]), "none.parquet: file not found"),
]  # fmt: skip

READERS = [
    # VideoPose3D-style 2D detections (.npz)
    Case("2d-track-strings", every_track(np.full((40, 17, 2), "x", dtype=object)), "should be a numeric array, found an array of object"),
    Case("2d-track-unicode", every_track(np.full((40, 17, 2), "1.5")), "should be a numeric array, found an array of <U3"),
    Case("2d-track-none", every_track(None), "should be a numeric array, found None"),
    Case("2d-track-dict", every_track({"x": 1}), "should be a numeric array, found a dict"),
    Case("2d-cameras-none", positions(lambda c: tracks(c.mocap, None)), "should be a list, found None"),
    Case("2d-subject-int", positions(lambda c: dict.fromkeys(c.mocap, 5)), "positions_2d['S1'] should be a dictionary, found a int"),
    Case("2d-positions-list", positions(lambda c: [1, 2, 3]), "positions_2d should be a dictionary, found an array of"),
    Case("2d-positions-none", positions(lambda c: None), "positions_2d should be a dictionary, found None"),
    Case("2d-metadata-string", detections(lambda c, p: write_npz(p, positions_2d=good_tracks(c.mocap, c.lengths), metadata=np.array("h36m"))), "metadata should be a dictionary, found an array of <U4"),
    Case("2d-layout-name-list", detections(lambda c, p: write_npz(p, positions_2d=good_tracks(c.mocap, c.lengths), metadata={"layout_name": ["coco"]})), "metadata layout_name ['coco'] is not one of h36m, coco"),
    Case("2d-no-positions", detections(lambda c, p: write_npz(p, keypoints=np.zeros((3, 17, 2)))), "no 'positions_2d' array"),
    Case("2d-empty-file", detections(lambda c, p: p.write_bytes(b"")), "not a readable .npz archive"),
    Case("2d-zip-of-garbage", detections(lambda c, p: write_zip(p, {"positions_2d.npy": b"not an npy file"})), "not a readable .npz archive"),
    Case("2d-ragged-track", every_track([[1.0, 2.0], [3.0]]), "should be a numeric array, found"),
    # Stacked-Hourglass (.h5)
    Case("sh-group-not-dataset", sh(lambda c, p: write_h5(p, lambda h5: h5.create_group("poses"))), "'poses' should be a dataset, found an HDF5 group"),
    Case("sh-string-dataset", sh(lambda c, p: write_h5(p, lambda h5: h5.create_dataset("poses", data=np.array([b"abc"] * 4)))), "should be a numeric array, found an array of |S3"),
    Case("sh-no-poses", sh(lambda c, p: write_h5(p, lambda h5: h5.create_dataset("keypoints", data=np.zeros((3, 16, 2))))), "no 'poses' dataset (has: keypoints)"),
    Case("sh-flat-poses", sh(lambda c, p: write_h5(p, lambda h5: h5.create_dataset("poses", data=np.zeros((30, 32))))), "expected (16 joints x 2) per frame, got shape (30, 32)"),
    Case("sh-scalar-poses", sh(lambda c, p: write_h5(p, lambda h5: h5.create_dataset("poses", data=3.0))), "got shape ()"),
    Case("sh-text-file", sh(lambda c, p: p.parent.mkdir(parents=True, exist_ok=True) or p.write_text("poses\n")), "not a readable HDF5 file"),
    # MPI-INF-3DHP (.npz)
    Case("3dhp-data-none", hp3d(lambda c, p: write_npz(p, data=None)), "'data' should be a dictionary, found None"),
    Case("3dhp-data-list", hp3d(lambda c, p: write_npz(p, data=[1, 2])), "'data' should be a dictionary, found an array of object"),
    Case("3dhp-sequence-int", hp3d_data_with(lambda d: d.update(TS1=7)), "TS1 should be a dictionary, found a int"),
    Case("3dhp-2d-strings", hp3d_data_with(lambda d: d["TS5"].update(data_2d=np.full((9, 17, 2), "a"))), "TS5 data_2d should be a numeric array, found an array of <U1"),
    Case("3dhp-valid-none", hp3d_data_with(lambda d: d["TS1"].update(valid=None)), "TS1 valid should be a numeric array, found None"),
    Case("3dhp-unknown-sequence", hp3d_data_with(lambda d: d.update(TS9=d["TS1"])), "unknown sequences ['TS9']"),
    Case("3dhp-missing-key", hp3d_data_with(lambda d: d["TS1"].pop("data_3d")), "TS1: missing ['data_3d']"),
    Case("3dhp-no-data", hp3d(lambda c, p: write_npz(p, poses=np.zeros(3))), "no 'data' array"),
    # 3DPW (.pkl)
    Case("3dpw-list", pw3d(lambda c, p: write_pickle(p, [1, 2, 3])), "the pickle should be a dictionary, found a list"),
    Case("3dpw-clip-none", pw3d_data_with(lambda d: d.update(downtown_arguing_00_1=None)), "downtown_arguing_00_1 should be a dictionary, found None"),
    Case("3dpw-pos2d-strings", pw3d_data_with(lambda d: d["downtown_arguing_00_1"].update(pos2d=np.full((7, 17, 2), "x", dtype=object))), "pos2d should be a numeric array, found an array of object"),
    Case("3dpw-cam-strings", pw3d_data_with(lambda d: d["downtown_walkBridge_01_0"].update(cam=["f", "c"])), "cam should be a numeric array, found an array of <U1"),
    Case("3dpw-int-keys", pw3d(lambda c, p: write_pickle(p, {1: {}, 2: {}})), "keyed by name"),
    Case("3dpw-empty", pw3d(lambda c, p: write_pickle(p, {})), "expected a non-empty dictionary"),
    Case("3dpw-truncated", pw3d(lambda c, p: p.write_bytes(pickle.dumps(pw3d_data(np.random.default_rng(0)))[:80])), "not a readable pickle"),
    # MotionBERT's Human3.6M pickle
    Case("motionbert-list", motionbert(lambda c, p: write_pickle(p, [1, 2])), "the pickle should be a dictionary, found a list"),
    Case("motionbert-missing-split", motionbert_data_with(lambda d: d.pop("test")), "missing split 'test' (has: train)"),
    Case("motionbert-missing-key", motionbert_data_with(lambda d: d["test"].pop("2.5d_factor")), "split 'test': missing key '2.5d_factor'"),
    Case("motionbert-missing-source", motionbert_data_with(lambda d: d["train"].pop("source")), "split 'train': missing key 'source'"),
    Case("motionbert-joint-2d-list", motionbert_data_with(lambda d: d["train"].update(joint_2d=d["train"]["joint_2d"].tolist())), "split 'train': 'joint_2d' should be a numeric array, found a list"),
    Case("motionbert-joint-2d-16-joints", motionbert_data_with(lambda d: d["test"].update(joint_2d=d["test"]["joint_2d"][:, :16])), "'joint_2d' should be (frames, 17, 2), found (51, 16, 2)"),
    Case("motionbert-lengths-differ", motionbert_data_with(lambda d: d["test"]["source"].pop()), "split 'test': 'source' has 50 frames, 'joint_2d' has 51"),
    Case("motionbert-factor-zero", motionbert_data_with(lambda d: d["test"]["2.5d_factor"].__setitem__(3, 0.0)), "'2.5d_factor' has values that are not positive"),
    Case("motionbert-target-nan", motionbert_data_with(lambda d: d["test"]["joints_2.5d_image"].__setitem__((2, 5, 1), np.nan)), "split 'test': 'joints_2.5d_image' has non-finite values"),
    Case("motionbert-confidence-negative", motionbert_data_with(lambda d: d["train"]["confidence"].__setitem__((4, 2), -1.0)), "split 'train' 'confidence': scores that are negative or not finite in 1 frames (first: frame 4)"),
    Case("motionbert-camera-disagrees", motionbert_data_with(lambda d: d["test"]["camera_name"].__setitem__(0, "55011271")), "source 's_09_act_02_subact_01_ca_01' is camera 54138969 but camera_name says '55011271'"),
    Case("motionbert-source-not-a-video", motionbert_data_with(lambda d: d["train"].update(source=["S1_Eating_2"] * 25)), "source 'S1_Eating_2' is not 's_<subject>_act_<action>_subact_<n>_ca_<camera>'"),
    Case("motionbert-subject-without-mocap", motionbert_data_with(lambda d: d["train"].update(source=["s_02_act_04_subact_01_ca_01"] * 25, camera_name=["54138969"] * 25)), "subject S2 has no mocap"),
    Case("motionbert-source-dictionaries", motionbert_data_with(lambda d: d["train"].update(source=[{}] * 25)), "split 'train': 'source' should hold names, found dict"),
    Case("motionbert-huge-label", motionbert_data_with(lambda d: d["test"].update(action=["x" * 10**6] * 51)), "split 'test': 'action' holds a value of 1000000 characters"),
    Case("motionbert-video-in-two-blocks", motionbert_data_with(_second_block), "split 'test': source 's_09_act_02_subact_01_ca_01' occurs in more than one block of rows"),
    Case("motionbert-video-in-both-splits", motionbert_data_with(lambda d: d["train"].update(source=["s_09_act_02_subact_01_ca_01"] * 25, camera_name=["54138969"] * 25)), "source 's_09_act_02_subact_01_ca_01' is in split 'train' and 'test'"),
    # Human3.6M CDF
    Case("cdf-pose-reshaped", cdf(lambda p: write_cdf(p, np.zeros((20, 48)))), "'Pose' has shape (1, 20, 48), expected one record of (1, T, 96)"),
    Case("cdf-pose-joints", cdf(lambda p: write_cdf(p, np.zeros((10, 32, 3)))), "'Pose' has shape (1, 10, 32, 3)"),
    Case("cdf-pose-empty-record", cdf(lambda p: write_cdf(p, np.zeros((0, 96)))), "not a readable CDF file"),
    Case("cdf-not-cdf", cdf(lambda p: p.write_text("CDF? no.\n" * 10)), "not a readable CDF file"),
    Case("cdf-no-pose", cdf(lambda p: write_cdf(p, np.zeros((4, 96)), variable="Angles")), "no 'Pose' variable (variables: Angles)"),
    Case("cdf-nan", cdf(lambda p: write_cdf(p, np.full((4, 96), np.nan))), "'Pose' has non-finite values in 4 of 4 frames"),
    # Parquet tables
    Case("parquet-not-parquet", plain(lambda c: ["convert", "gt2d", "--poses-3d", str(_text(c.tmp / "poses_3d.parquet")), "--out", f"{c.out}/gt.parquet"]), "not a readable pose table"),
    Case("metrics-not-parquet", plain(lambda c: ["tables", "--metrics", str(_text(c.tmp / "metrics.parquet")), "--columns", "linear-cpn", "--out-dir", str(c.out)]), "not a readable metrics table"),
    Case("metrics-foreign-table", plain(lambda c: ["tables", "--metrics", str(_foreign(c.tmp / "metrics.parquet")), "--columns", "linear-cpn", "--out-dir", str(c.out)]), "missing columns ['run', 'dataset'"),
    Case("figures-foreign-metrics", plain(lambda c: ["figures", "--metrics", str(_foreign(c.tmp / "m.parquet")), "--checkpoints", str(write_torch(c.tmp / "model.pt", ours("linear", linear_size=8))), "--per-action", f"{c.out}/a.png", "--training", f"{c.out}/t.png"]), "m.parquet: not a metrics table"),
    Case("parquet-foreign-table", plain(lambda c: ["convert", "gt2d", "--poses-3d", str(_foreign(c.tmp / "poses_3d.parquet")), "--out", f"{c.out}/gt.parquet"]), "not a readable pose table"),
]  # fmt: skip

# Raw files and settings that escaped the contract until fuzzing found them (each was a traceback or a silent bad table)
CONVERT_FUZZED = [
    Case("cdf-beyond-float32", cdf(lambda p: write_cdf(p, np.full((4, 96), 1e300))), "'Pose' has values beyond the float32 range in 4 of 4 frames"),
    Case("cdf-epoch-times", cdf(_epoch_cdf), "'Pose' holds CDF_EPOCH time stamps, expected real numbers"),
    Case("cdf-sparse-billion-records", cdf(_sparse_cdf), "'Pose' has sparse records (Pad_sparse)"),
    Case("cdf-per-camera-file-among-sequences", h36m_folder(lambda r: write_cdf(r / "S1/MyPoseFeatures/D3_Positions/Walking 1.54138969.cdf", np.zeros((4, 96)))), "'Walking 1.54138969' is not a sequence name"),
    Case("h36m-subjects-twice", h36m_folder(lambda r: None, "S1", "S1"), "--subjects: subjects listed twice: S1 S1"),
    Case("h36m-both-folder-layouts", h36m_folder(lambda r: write_cdf(r / "pose/S1/MyPoseFeatures/D3_Positions/Walking 2.cdf", np.zeros((4, 96)))), "both S1/MyPoseFeatures/D3_Positions and pose/S1/MyPoseFeatures/D3_Positions exist"),
    Case("2d-zip-bomb", detections(lambda c, p: _zip_bomb(p, "positions_2d.npy")), "member 'positions_2d' would unpack"),
    Case("2d-metadata-in-a-cycle", detections(lambda c, p: write_npz(p, positions_2d=good_tracks(c.mocap, c.lengths), metadata=_cyclic())), "metadata is nested more than 32 levels deep"),
    Case("sh-values-in-another-file", sh(lambda c, p: write_h5(p, lambda h5: h5.create_dataset("poses", (9, 16, 2), "f4", external=[(str(_text(c.tmp / "other.bin")), 0, 1152)]))), "'poses' keeps its values in other files"),
    Case("2d-track-booleans", every_track(np.ones((40, 17, 2), bool)), "should be a numeric array, found an array of bool"),
    Case("2d-old-and-new-name", positions(lambda c: {**good_tracks(c.mocap, c.lengths), "S1": {**good_tracks(c.mocap, c.lengths)["S1"], "TakingPhoto": [np.zeros((9, 17, 2))] * 4}}), "positions_2d['S1'] has 'Photo' under its old and its new name"),
    Case("3dhp-valid-not-flags", hp3d_data_with(lambda d: d["TS1"].update(valid=np.full(12, np.nan))), "TS1: 'valid' flags should be 0 or 1, found nan"),
    Case("3dhp-nothing-valid", hp3d_data_with(lambda d: d["TS5"].update(valid=np.zeros(9))), "TS5: no frame is flagged valid (9 frames)"),
    Case("3dhp-beyond-float32", hp3d_data_with(lambda d: d["TS1"].update(data_2d=np.full((12, 17, 2), 1e300))), "TS1: non-finite values in 9 valid frames"),
    Case("3dpw-pickle-gzipped", pw3d(lambda c, p: p.write_bytes(gzip.compress(pickle.dumps(pw3d_data(np.random.default_rng(0)))))), "pw3d_test.pkl: is a compressed file, not a pickle; unpack it first (gunzip)"),
    Case("3dhp-npz-unreadable", plain(lambda c: ["convert", "3dhp", "--npz", "/proc/self/mem", "--out", f"{c.out}/3dhp.parquet"]), "/proc/self/mem: cannot be read (Input/output error)"),
    Case("3dpw-clip-without-frames", pw3d_data_with(lambda d: d["downtown_arguing_00_1"].update(pos2d=np.zeros((0, 17, 2)), pos3d=np.zeros((0, 17, 3)))), "downtown_arguing_00_1: no frames"),
    Case("3dpw-image-size-zero", pw3d_data_with(lambda d: d["downtown_arguing_00_1"]["cam"].__setitem__(slice(9, 11), 0.0)), "image size (the last two 'cam' values) should be pixels, found 0.0 x 0.0"),
    Case("3dpw-beyond-float32", pw3d_data_with(lambda d: d["downtown_arguing_00_1"].update(pos3d=np.full((7, 17, 3), 1e300))), "downtown_arguing_00_1: non-finite values"),
    Case("3dpw-keypoints-booleans", pw3d_data_with(lambda d: d["downtown_arguing_00_1"].update(pos2d=np.ones((7, 17, 2), bool))), "pos2d should be a numeric array, found an array of bool"),
    Case("import-integer-keys", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": {0: torch.zeros(2)}})), "state dict entry 0 is not a dense tensor of real numbers"),
    Case("import-nan-weights", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": _nan_weights("semgcn")["state_dict"]})), "weights are not finite (NaN or infinity in"),
    Case("import-sparse-weights", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": {k: v.to_sparse() for k, v in build("semgcn").state_dict().items()}})), "is not a dense tensor of real numbers"),
    Case("import-tgraphnet-flat-head", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": {**build("tgraphnet").state_dict(), "head.weight": torch.zeros(3)}}), "tgraphnet"), "head.weight has shape (3,), expected (3, 128, 1, 5)"),
]  # fmt: skip

# Malformed tables read back by evaluate/train/tables/figures (found by fuzzing; each was a traceback or a silent result)
TABLES = [
    Case("table-metadata-a-list", edited("poses_3d", lambda t: t.replace_schema_metadata({b"pose3d": b"[1, 2]"})), "metadata lacks a known joint layout"),
    Case("table-metadata-no-shapes", edited("poses_2d_cpn", with_metadata(lambda m: m.pop("shapes"))), "metadata lacks a known joint layout and coordinate shapes"),
    Case("table-shape-not-the-layout", edited("poses_2d_cpn", with_metadata(lambda m: m.update(shapes={"keypoints": [5, 7]}))), "metadata gives 'keypoints' 5 joints but its layout has 17"),
    Case("table-frame-text", edited("poses_2d_cpn", replaced("frame", lambda t: pc.cast(t.column("frame"), pa.string()))), "column 'frame' should hold integers, found string"),
    Case("table-camera-missing-values", edited("poses_2d_cpn", replaced("camera", lambda t: pa.nulls(t.num_rows, pa.string()))), "column 'camera' has"),
    Case("table-coordinates-ragged-lists", edited("poses_3d", replaced("positions", lambda t: pc.cast(t.column("positions"), pa.list_(pa.float32())))), "column 'positions' should hold 96 floats per row, found list<element: float>"),
    Case("table-coordinates-nan", edited("poses_2d_cpn", replaced("keypoints", lambda t: pa.FixedSizeListArray.from_arrays(pa.array(np.full(34 * t.num_rows, np.nan, np.float32)), 34))), "column 'keypoints' has non-finite values in"),
    Case("table-action-not-the-sequence", edited("poses_3d", replaced("action", lambda t: pa.array(["Jumping"] * t.num_rows))), "action 'Jumping', expected"),
    Case("3dhp-table-no-rows", edited("3dhp", lambda t: t.slice(0, 0)), "3dhp.parquet: table has no rows"),
    Case("3dhp-table-nothing-valid", edited("3dhp", replaced("valid", lambda t: pa.array([False] * t.num_rows))), "no frame is flagged valid"),
    Case("3dpw-table-intrinsics-nan", edited("3dpw", replaced("intrinsics", lambda t: pa.FixedSizeListArray.from_arrays(pa.array(np.full(9 * t.num_rows, np.nan, np.float32)), 9))), "column 'intrinsics' has non-finite values in"),
    Case("3dpw-table-width-zero", edited("3dpw", replaced("width", lambda t: pa.array(np.zeros(t.num_rows, np.int32)))), "column 'width' holds image sizes that are not positive"),
    Case("metrics-value-text", metrics_with("tables", value=["50", "x", "40", "40"]), "column 'value' should hold numbers"),
    Case("metrics-run-numbers", metrics_with("figures", run=[1, 1, 1, 1]), "column 'run' should hold text only, found 1"),
    Case("metrics-repeated-rows", metrics_with("tables", action=["Walking"] * 4, metric=["mpjpe", "mpjpe", "p_mpjpe", "p_mpjpe"]), "2 rows repeat a run/dataset/action/metric (first: linear-cpn/h36m/Walking/mpjpe)"),
    Case("metrics-same-run-twice", metrics_with("tables", copies=2), "--metrics: 4 rows repeat a run/dataset/action/metric"),
    Case("metrics-without-p-mpjpe", metrics_with("figures", metric=["mpjpe"] * 4, action=["Walking", "Average", "Eating", "Posing"]), "no Human3.6M 'p_mpjpe' rows to plot"),
    Case("figures-history-ragged", figures_of({"history": {"epoch": [0, 1], "train_loss": [1.0], "lr": [1e-3, 1e-3]}}), "model.pt: 'history' is not a table of epochs (All arrays must be of the same length)"),
    Case("figures-history-text", figures_of({"history": [{"epoch": "first", "train_loss": "low", "lr": 1e-3}]}), "'history' should hold numbers per epoch in columns epoch, train_loss, lr"),
    Case("figures-settings-without-input", figures_of({"settings": {"loss": "mse"}}), "'model' and the settings' 'input_2d' and 'loss' should be names"),
    Case("metrics-without-per-joint", metrics_with("figures", per_joint=True), "no Human3.6M 'joint_mpjpe' rows to plot"),
]  # fmt: skip

CHECKPOINTS = [
    Case("checkpoint-other-model", evaluate(lambda c, p: write_torch(p, ours("semgcn", hid_dim=8))), "holds a 'semgcn' model but the settings are for 'linear'"),
    Case("checkpoint-truncated", evaluate(lambda c, p: _truncated(p, ours("linear", linear_size=8))), "cannot read as a torch checkpoint"),
    Case("checkpoint-text", evaluate(lambda c, p: p.write_text("weights\n")), "cannot read as a torch checkpoint"),
    Case("checkpoint-missing-keys", evaluate(lambda c, p: write_torch(p, {"model": "linear"})), "not a pose3d checkpoint (needs keys model, options, state_dict)"),
    Case("checkpoint-unknown-model", evaluate(lambda c, p: write_torch(p, {**ours("linear", linear_size=8), "model": "resnet"})), "unknown model 'resnet'"),
    Case("checkpoint-options-none", evaluate(lambda c, p: write_torch(p, {**ours("linear", linear_size=8), "options": None})), "options and state_dict must be dictionaries"),
    Case("checkpoint-wrong-shapes", evaluate(lambda c, p: write_torch(p, {**ours("linear", linear_size=8), "options": {"linear_size": 16}})), "weights do not fit model 'linear'"),
    Case("checkpoint-missing-file", evaluate(lambda c, p: None), "no such checkpoint file"),
    Case("import-no-state-dict", import_checkpoint(lambda c, p: write_torch(p, {"epoch": 3, "lr": 0.001})), "no state dict found"),
    Case("import-wrong-names", import_checkpoint(lambda c, p: write_torch(p, {"state_dict": {"w": torch.zeros(2)}})), "parameter names do not match"),
    Case("import-truncated", import_checkpoint(lambda c, p: _truncated(p, {"state_dict": {"w": torch.zeros(200)}})), "cannot read as a torch checkpoint"),
]  # fmt: skip


LIFT = [
    Case("lift-json-deep-nesting", lift(lambda d: _text_file(d / "results.json", "[" * 100_000)), "results.json: not valid JSON (RecursionError"),
    Case("lift-json-5000-digit-number", lift(lambda d: _text_file(d / "results.json", "[" + "9" * 5000 + "]")), "results.json: not valid JSON (ValueError: Exceeds the limit"),
    Case("lift-json-unreadable", lift(lambda d: _link(d / "results.json", "/proc/self/mem")), "results.json: cannot read ("),
    Case("lift-json-binary", lift(lambda d: _bytes(d / "results.json", bytes(range(256)) * 8)), "results.json: not valid JSON (UnicodeDecodeError"),
    Case("lift-json-a-device", lift(lambda d: _link(d / "results.json", "/dev/zero")), "results.json: not a regular file"),
    Case("lift-npy-unreadable", lift(lambda d: _link(d / "keypoints.npy", "/proc/self/mem"), "--layout-2d", "coco"), "keypoints.npy: cannot read ("),
    Case("lift-keypoint-beyond-float", lift(coco_results(keypoints=[10**400] * 51)), "results.json: detection 0: 'keypoints' is not a list of numbers"),
    Case("lift-keypoint-1e308", lift(coco_results(keypoints=[1e308, 1e308, 0.9] * 17)), "results.json: keypoint value 1e+308 is not a pixel position or score"),
    Case("lift-score-beyond-float", lift(coco_results(score=10**400)), "results.json: detection 0: 'score' is not a number"),
    Case("lift-image-id-beyond-int64", lift(coco_results(image_id=10**30), "--format", "coco-json"), "detection 0: image_id 1000000000000000000000000000000 does not give a frame number"),
    Case("lift-image-id-1e12", lift(coco_results(image_id=10**12)), "detection 0: image_id 1000000000000 does not give a frame number (0 to 2147483647)"),
    Case("lift-alphapose-image-id-float", lift(coco_results(78, image_id=1.5)), "detection 0: image_id 1.5 does not give a frame number"),
    Case("lift-alphapose-image-id-list", lift(coco_results(78, image_id=[1])), "detection 0: image_id [1] does not give a frame number"),
    Case("lift-alphapose-image-name-30-digits", lift(coco_results(78, image_id="9" * 30 + ".jpg")), "does not give a frame number"),
    Case("lift-openpose-number-strings", lift(openpose_frame(["1.0"] * 75)), "video_000000000000_keypoints.json: person 0: pose_keypoints_2d is not a list of numbers"),
    Case("lift-openpose-booleans", lift(openpose_frame([True] * 75)), "person 0: pose_keypoints_2d is not a list of numbers"),
    Case("lift-openpose-1e308", lift(openpose_frame([1e308] * 75)), "openpose: keypoint value 1e+308 is not a pixel position or score"),
    Case("lift-npy-complex", lift(npy_file(lambda p: np.save(p, np.ones((5, 17, 2), complex))), "--layout-2d", "coco"), "keypoints.npy: expected a (frames, joints, 2 or 3) array of numbers, got complex128"),
    Case("lift-npy-1e308", lift(npy_file(lambda p: np.save(p, np.full((5, 17, 2), 1e308))), "--layout-2d", "coco"), "keypoints.npy: keypoint value 1e+308 is not a pixel position or score"),
    Case("lift-npy-is-a-zip", lift(npy_file(lambda p: write_zip(p, {"a.npy": b""})), "--layout-2d", "coco"), "keypoints.npy: a zip (.npz) archive, not a .npy array"),
    Case("lift-npy-is-json", lift(npy_file(lambda p: p.write_text("[[1, 2]]")), "--layout-2d", "coco"), "keypoints.npy: not a .npy array (no NumPy header)"),
    Case("lift-npy-header-claims-1e12-frames", lift(npy_file(lambda p: _npy_header(p, (10**12, 17, 3))), "--layout-2d", "coco"), "keypoints.npy: not a readable .npy array (ValueError: mmap length is greater than file size)"),
    Case("lift-videopose3d-layout-list", lift(videopose3d({"layout_name": ["coco"]})), "data_2d_custom.npz: metadata layout_name ['coco'] is not one of coco, h36m"),
    Case("lift-videopose3d-width-text", lift(videopose3d(_size(w="1000", h=1002))), "data_2d_custom.npz: metadata video_metadata['video.mp4'] w and h are not whole pixels: ('1000', 1002)"),
    Case("lift-videopose3d-width-inf", lift(videopose3d(_size(w=float("inf"), h=1002))), "w and h are not whole pixels: (inf, 1002)"),
    Case("lift-videopose3d-metadata-list", lift(videopose3d({"layout_name": "coco", "video_metadata": [1000, 1002]})), "data_2d_custom.npz: metadata video_metadata is not a dictionary"),
    Case("lift-image-size-beyond-float", lift(coco_results(), "--image-size", "9" * 400, "1000"), "--image-size: must be from 1 to 1048576, got 9999999"),
    Case("lift-person-superscript-two", lift(coco_results(), "--person", "\u00b2"), "--person: '\u00b2': use an index"),
    Case("lift-threads-negative", lift(coco_results(), "--threads", "-1"), "--threads: must be at least 1, got -1"),
    Case("lift-checkpoint-settings-list", lift(coco_results(), checkpoint={**ours("linear", linear_size=8), "settings": ["cpn"]}), "model.pt: 'settings' is not a dictionary"),
    Case("lift-checkpoint-input-2d-list", lift(coco_results(), checkpoint={**ours("linear", linear_size=8), "settings": {"input_2d": ["coco"]}}), "model.pt: records no known 2D keypoint kind (layout_2d None, settings input_2d ['coco'])"),
    Case("lift-checkpoint-layout-2d-dict", lift(coco_results(), checkpoint={**ours("linear", linear_size=8), "layout_2d": {"coco": 1}}), "model.pt: records no known 2D keypoint kind (layout_2d {'coco': 1}"),
    Case("lift-checkpoint-test-window", lift(coco_results(), checkpoint={**ours("tgraphnet", channels=8), "layout_2d": "coco", "settings": {"test_chunk": 5}}), "model.pt: settings test_chunk 5 + 2 x test_pad 25 is not the model's 81-frame window"),
    Case("lift-checkpoint-nan-weights", lift(coco_results(), checkpoint=_nan_weights("linear", linear_size=8)), "model.pt: weights are not finite (NaN or infinity in"),
    Case("lift-out-is-a-file", plain(lambda c: [*lift(coco_results())(c)[:5], "--out", str(_text_file(c.tmp / "taken", "")), "--image-size", "1000", "1000"]), "taken: is not a folder; cannot write"),
    Case("lift-render-is-a-folder", lift(lambda d: _folder(d / "anim.gif") and coco_results()(d), "--render", "anim.gif"), "anim.gif: is a folder; cannot write the output file there"),
]  # fmt: skip

VIZ = [
    Case("viz-fps-nan", viz("--fps", "nan"), "--fps: must be from 0.01 to 1000, got nan"),
    Case("viz-fps-1e-300", viz("--fps", "1e-300"), "--fps: must be from 0.01 to 1000, got 1e-300"),
    Case("viz-size-20000", viz("--size", "20000"), "--size: must be from 16 to 2048, got 20000"),
    Case("viz-bitrate-1e12", viz("--bitrate", str(10**12)), "--bitrate: must be from 1 to 100000"),
    Case("viz-tracking-missing", viz("--tracking", "nowhere.json"), "nowhere.json: file not found (write it with `pose3d tracking init`)"),
    Case("viz-tracking-not-json", viz("--tracking", "model.pt"), "model.pt: not an experiment file of `pose3d tracking init`"),
    Case("viz-start-negative", viz("--start", "-1"), "--start: must be at least 0, got -1"),
    Case("viz-error-over-time-not-png", lambda c: ["viz", "error-over-time", "--checkpoints", str(write_torch(c.tmp / "model.pt", ours("linear", linear_size=8))), "--poses-2d", str(c.tables["poses_2d_cpn"]), "--poses-3d", str(c.tables["poses_3d"]), "--out", f"{c.out}/e.txt"], "e.txt: the file name must end in .png"),
    Case("viz-checkpoint-settings-list", viz(checkpoint={**ours("linear", linear_size=8), "settings": ["cpn"]}), "model.pt: 'settings' is not a dictionary"),
]  # fmt: skip


def _text(path: Path) -> Path:
    path.write_text("subject,sequence\nS1,Walking\n")
    return path


def _metrics(path: Path) -> Path:
    """A valid long metrics table (what ``pose3d evaluate`` writes)."""
    rows = {
        "run": ["linear-cpn"] * 4,
        "dataset": ["h36m"] * 4,
        "action": ["Walking", "Average"] * 2,
        "metric": ["mpjpe", "mpjpe", "p_mpjpe", "p_mpjpe"],
    }
    pq.write_table(pa.table({**rows, "value": [50.0, 50.0, 40.0, 40.0]}), path)
    return path


def _foreign(path: Path) -> Path:
    pq.write_table(pa.table({"x": list(range(10))}), path)
    return path


#: Outputs: checked before work (a path named twice, a wrong ending), and written as a set, so a write that
#: fails late (/proc takes no new files, even from root) leaves nothing of the command behind.
OUTPUTS = [
    Case("figures-same-path-twice", replacing(figures_of({}), training="{out}/a.png"), "a.png: given for both --per-action and --training"),
    Case("figures-jpeg-ending", replacing(figures_of({}), per_action="{out}/a.jpg"), "a.jpg: the file name must end in .png"),
    Case("figures-second-chart-unwritable", replacing(figures_of({}), training="/proc/pose3d-t.png"), "/proc/pose3d-t.png: cannot write here"),
    Case("tables-out-dir-unwritable", replacing(metrics_with("tables"), out_dir="/proc/pose3d-tables"), "/proc/pose3d-tables/mpjpe.csv: cannot write here"),
    Case("lift-render-unwritable", lift(coco_results(), "--render", "/proc/pose3d-lift.gif"), "/proc/pose3d-lift.gif: cannot write here"),
    Case("lift-openpose-two-videos", lift(lambda d: openpose_frame([500.0, 400.0, 0.9] * 25)(d) and _copy(d / "openpose/video_000000000000_keypoints.json", "other_000000000000_keypoints.json")), "openpose: holds the frames of 2 videos ('other', 'video'); choose one with --video"),
    Case("lift-openpose-video-absent", lift(openpose_frame([500.0, 400.0, 0.9] * 25), "--video", "clip"), "openpose: --video 'clip': no clip_<frame>_keypoints.json files; it holds 'video'"),
    Case("lift-video-of-coco-results", lift(coco_results(), "--video", "clip"), "results.json: --video picks a video of a VideoPose3D .npz or an OpenPose folder, not of coco-json"),
    Case("lift-score-nan", lift(coco_results(score=float("nan"))), "results.json: detection 0: 'score' nan is not a finite number"),
    Case("lift-face-never-found", lift(coco_results(keypoints=[500.0, 400.0, 0.0] * 5 + [500.0, 400.0, 0.9] * 12)), "results.json: --person 0 (track 0, frames 0-2): Neck/Nose, Head never detected"),
    Case("evaluate-coco-model-on-cpn", evaluate(lambda c, p: write_torch(p, {**ours("linear", linear_size=8), "layout_2d": "coco"})), "model.pt: trained on coco 2D keypoints, but"),
    Case("viz-coco-model-on-cpn", viz(checkpoint={**ours("linear", linear_size=8), "layout_2d": "coco"}), "model.pt: trained on coco 2D keypoints, but"),
    Case("lift-out-empty", lift(coco_results(), "--out", ""), "--out: must not be empty"),
    Case("lift-min-score-nan", lift(coco_results(), "--min-score", "nan"), "--min-score: must be a finite number of at least 0.0, got nan"),
    Case("bench-rounds-zero", plain(lambda c: ["bench", "--rounds", "0", "--out", f"{c.out}/b.json"]), "--rounds: must be from 1 to 1000, got 0"),
    Case("bench-out-not-json", plain(lambda c: ["bench", "--out", f"{c.out}/b.txt"]), "b.txt: the file name must end in .json"),
    Case("convert-out-empty", plain(lambda c: ["convert", "3dhp", "--npz", "x.npz", "--out", ""]), "--out: must not be empty"),
    Case("tables-out-dir-a-file", plain(lambda c: ["tables", "--metrics", "m.parquet", "--columns", "x", "--out-dir", str(_text_file(c.tmp / "taken", ""))]), "taken: is not a folder; cannot write the outputs inside it"),
    Case("import-out-under-a-file", plain(lambda c: ["import-checkpoint", "--source", "s.pth", "--model", "linear", "--out", f"{_text_file(c.tmp / 'taken', '')}/m.pt"]), "taken: is not a folder; cannot write"),
    Case("viz-page-out-not-html", plain(lambda c: ["viz", "page", "--animation", "a.gif", "--title", "t", "--out", f"{c.out}/p.htm"]), "p.htm: the file name must end in .html"),
    Case("baseline-2d-missing", plain(lambda c: ["baseline", "--poses-3d", str(c.tables["poses_3d"]), "--poses-2d", "none.parquet", "--input", "cpn", "--train-subjects", "S1", "--test-subjects", "S9", "--out", f"{c.out}/m.parquet"]), "none.parquet: file not found"),
    Case("convert-angles-no-subject", plain(lambda c: ["convert", "angles", "--root", str(c.tmp), "--subjects", "S1", "--out", f"{c.out}/a.parquet"]), "subject S1 not found"),
    Case("evaluate-release-no-checkpoint", plain(lambda c: ["evaluate-release", "--checkpoint", "none.pt", "--motionbert-test", "t.parquet", "--out", f"{c.out}/m.parquet"]), "none.pt: no such checkpoint file"),
    Case("export-bvh-no-poses", plain(lambda c: ["export", "bvh", "--poses", "none.parquet", "--out", f"{c.out}/a.bvh"]), "none.parquet: file not found"),
    Case("export-onnx-no-checkpoint", plain(lambda c: ["export", "onnx", "--checkpoint", "none.pt", "--out", f"{c.out}/a.onnx"]), "none.pt: no such checkpoint file"),
    Case("tracking-init-out-not-json", plain(lambda c: ["tracking", "init", "--tracking-uri", "sqlite:///x.db", "--experiment", "e", "--out", f"{c.out}/e.txt"]), "e.txt: the file name must end in .json"),
    Case("tracking-out-is-the-store", plain(lambda c: ["tracking", "init", "--tracking-uri", f"sqlite:///{c.out}/store.json", "--experiment", "e", "--out", f"{c.out}/store.json"]), "store.json overlaps store.json of the tracking store"),
    pytest.param(Case("lift-device-cuda-without-gpu", lift(coco_results(), "--device", "cuda"), "--device: 'cuda' but torch sees no CUDA device"), marks=pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")),
    Case("lift-hips-never-found", lift(coco_results(keypoints=[500.0, 400.0, 0.9] * 11 + [0.0, 0.0, 0.0] * 2 + [500.0, 400.0, 0.9] * 4), "--person", "all"), "nobody can be lifted; the most confident person (track 0, frames 0-2): Hip, RHip, LHip, Spine never"),
]  # fmt: skip

CATALOGUE = {
    "hostile": HOSTILE,
    "config": CONFIG,
    "config-fuzzed": CONFIG_FUZZED,
    "cli": CLI,
    "readers": READERS,
    "convert-fuzzed": CONVERT_FUZZED,
    "tables": TABLES,
    "checkpoints": CHECKPOINTS,
    "lift": LIFT,
    "viz": VIZ,
    "outputs": OUTPUTS,
}


def _cases() -> list[Any]:
    params = []
    for group, cases in CATALOGUE.items():
        for case in cases:
            if isinstance(case, Case):
                params.append(pytest.param(case, id=f"{group}:{case.id}"))
            else:  # a pytest.param with marks
                inner = case.values[0]
                params.append(pytest.param(inner, id=f"{group}:{inner.id}", marks=case.marks))
    return params


def test_catalogue_is_large_enough() -> None:
    assert len(_cases()) >= 60
    assert len({p.id for p in _cases()}) == len(_cases()), "case ids must be unique"


@pytest.mark.parametrize("case", _cases())
def test_case(
    case: Case,
    tmp_path: Path,
    tiny_tables: dict[str, Path],
    mocap: tuple[dict[str, list[str]], dict[tuple[str, str], int]],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    context = Context(tmp_path, tmp_path / "out", tmp_path / "MARKER", tiny_tables, *mocap)
    argv = case.argv(context)
    capfd.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    err = capfd.readouterr().err
    lines = err.splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("pose3d: error: "), err
    assert case.fragment in lines[0], lines[0]
    assert "\x1b" not in lines[0]
    assert not context.marker.exists(), "code from the file ran"
    leftovers = sorted(p.name for p in context.out.rglob("*")) if context.out.exists() else []
    assert leftovers == [], leftovers


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_do_run_under_plain_pickle(tmp_path: Path, payload: type) -> None:
    """Control: the catalogue's payloads are live; only the safe loaders keep them from running."""
    marker = tmp_path / "MARKER"
    pickle.loads(pickle.dumps(payload(marker)))
    assert marker.exists()


def test_every_repo_config_override_key_is_in_the_schema_and_nothing_else() -> None:
    """The schema's override keys are exactly each model's recipe keys (recipes.py is the source)."""
    from pose3d.config.schema import validate_config
    from pose3d.core.errors import InputError
    from pose3d.models.recipes import DEMO, PAPER

    every_key = {key: value for recipe in PAPER.values() for key, value in recipe.items()}
    for model, recipe in PAPER.items():
        for key in every_key:
            config = repo_config()
            value = recipe.get(key, DEMO[model].get(key, every_key[key]))
            config["training"]["overrides"] = {model: {key: value}}
            try:
                validate_config(config, "config.yaml")
                accepted = True
            except InputError as err:
                accepted = False
                assert "unknown key" in str(err), str(err)
            assert accepted == (key in recipe), (model, key)
        config = repo_config()
        config["training"]["overrides"] = {model: DEMO[model]}
        validate_config(config, "config.yaml")


def test_schema_enums_are_the_cli_choices() -> None:
    from pose3d.config import choices
    from pose3d.config.schema import schema

    props = schema()["properties"]
    training = props["training"]["properties"]
    assert tuple(props["models"]["items"]["enum"]) == choices.MODEL_NAMES
    assert tuple(props["inputs"]["items"]["enum"]) == choices.INPUTS_2D
    assert tuple(props["demo"]["properties"]["size"]["enum"]) == choices.DEMO_SIZES
    assert tuple(training["profile"]["enum"]) == choices.PROFILES
    assert tuple(training["device"]["enum"]) == choices.DEVICES
    assert tuple(training["checkpoint_selection"]["enum"]) == choices.CHECKPOINT_SELECTIONS
    assert tuple(training["tgraphnet_kernel"]["enum"]) == choices.TGRAPHNET_KERNELS
    assert tuple(training["overrides"]["properties"]) == choices.MODEL_NAMES


def test_every_command_meets_the_catalogue(
    tmp_path: Path,
    tiny_tables: dict[str, Path],
    mocap: tuple[dict[str, list[str]], dict[tuple[str, str], int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each command of ``pose3d`` has a case here, so each is seen to exit with one line and leave nothing behind
    (test_case checks the output folder of every case)."""
    from pose3d.cli import build_parser

    monkeypatch.chdir(tmp_path)
    commands = pose3d_commands(build_parser())
    seen = set()
    for index, param in enumerate(_cases()):
        folder = tmp_path / str(index)
        folder.mkdir()
        argv = param.values[0].argv(Context(folder, folder / "out", folder / "MARKER", tiny_tables, *mocap))
        seen.add(" ".join(argv[:2]) if " ".join(argv[:2]) in commands else argv[0])
    assert sorted(commands - seen) == []
