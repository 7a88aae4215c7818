"""Animations and charts drawn from demo results: files are checked frame by frame and panel by panel."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_train import settings

from pose3d.cli import main
from pose3d.data.h36m import ACTIONS
from pose3d.data.skeleton import H36M_16
from pose3d.evaluation.evaluate import evaluate, evaluate_mean_pose
from pose3d.evaluation.tables import read_metrics, write_tables
from pose3d.runs import TrainingRecord
from pose3d.training.loop import train
from pose3d.visualization.animation import lifted_scene, render_animation
from pose3d.visualization.charts import per_action_figure, per_joint_figure, training_curves_figure
from pose3d.visualization.palette import CENTRE_COLOR, LEFT_COLOR, RIGHT_COLOR, model_color


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])


def share_of(image: np.ndarray, color: str, tolerance: int = 40) -> float:
    """Fraction of pixels within ``tolerance`` (per channel) of ``color``."""
    return float(near(image, color, tolerance).mean())


def near(image: np.ndarray, color: str, tolerance: int = 40) -> np.ndarray:
    """Mask of the pixels within ``tolerance`` (per channel) of ``color``."""
    return np.abs(image[..., :3].astype(int) - rgb(color)).max(axis=-1) <= tolerance


def panels(image: np.ndarray, count: int) -> list[np.ndarray]:
    width = image.shape[1] // count
    return [image[:, i * width : (i + 1) * width] for i in range(count)]


@pytest.fixture(scope="module")
def results(tiny_tables: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two quickly trained single-frame models, evaluated with the mean-pose baseline into metrics.parquet."""
    root = tmp_path_factory.mktemp("results")
    paths = dict(poses_3d=tiny_tables["poses_3d"], poses_2d=tiny_tables["poses_2d_cpn"])
    evaluations = []
    for model in ("linear", "semgcn"):
        run = settings(model)
        train(run, out=root / f"{model}-cpn/model.pt", **paths)
        evaluate(run, checkpoint=root / f"{model}-cpn/model.pt", out=root / f"eval/{model}-cpn.parquet", **paths)
        evaluations.append(root / f"eval/{model}-cpn.parquet")
    run = settings("linear")
    evaluate_mean_pose(
        **paths,
        train_subjects=list(run.train_subjects),
        test_subjects=list(run.test_subjects),
        input_2d="cpn",
        out=root / "eval/mean_pose-cpn.parquet",
    )
    evaluations.append(root / "eval/mean_pose-cpn.parquet")
    write_tables(evaluations, root / "tables", columns=["linear-cpn", "semgcn-cpn", "mean_pose-cpn"])
    return {"root": root, "metrics": root / "tables/metrics.parquet", **paths}


def animate(results: dict[str, Path], out: Path, *extra: str) -> int:
    return main(
        [
            "viz", "animate", "--checkpoint", str(results["root"] / "semgcn-cpn/model.pt"),
            "--poses-3d", str(results["poses_3d"]), "--poses-2d", str(results["poses_2d"]),
            "--subject", "S9", "--sequence", "Walking", "--camera", "54138969", "--size", "160", "--out", str(out),
            *extra,
        ]
    )  # fmt: skip


def test_gif_has_the_frames_and_three_drawn_panels(results: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "walk.gif"
    assert animate(results, out, "--start", "3", "--frames", "7", "--downsample", "2", "--fps", "10") == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 7 and gif.size == (3 * 160, 160)
        assert gif.info["duration"] == 100
        gif.seek(3)
        frame = np.asarray(gif.convert("RGB"))
    assert (frame[0, 0] == 255).all() and (frame[-1, -1] == 255).all()  # the background stays pure white
    input_2d, truth, prediction = panels(frame, 3)
    for panel in (input_2d, truth):  # each shows the left and the right bones
        assert share_of(panel, LEFT_COLOR) > 0.001 and share_of(panel, RIGHT_COLOR) > 0.001
    bones = sum(share_of(prediction[20:], color) for color in (LEFT_COLOR, RIGHT_COLOR, CENTRE_COLOR))
    assert bones > 0.0005  # a briefly trained model predicts a small pose, but it is drawn
    title_strip = panels(frame, 3)[2][:20]
    assert share_of(title_strip, model_color("semgcn")) > 0.002  # the prediction's title in the model's colour


def test_mp4_without_ground_truth_has_two_panels(results: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "walk.mp4"
    assert animate(results, out, "--frames", "12", "--no-truth", "--bitrate", "800") == 0
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    first = np.frombuffer(next(reader), dtype=np.uint8).reshape(meta["size"][1], meta["size"][0], 3)
    reader.close()
    assert frames == 12 and tuple(meta["size"]) == (2 * 160, 160)
    input_2d, prediction = panels(first, 2)
    assert share_of(input_2d, LEFT_COLOR, 60) > 0.001 and share_of(input_2d, RIGHT_COLOR, 60) > 0.001
    assert sum(share_of(prediction[20:], color, 60) for color in (LEFT_COLOR, RIGHT_COLOR, CENTRE_COLOR)) > 0.0005


def test_lifted_scene_renders_without_ground_truth_or_calibration(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pose = np.zeros((5, 16, 3))
    pose[:, 1:] = rng.normal(0, 0.3, size=(5, 15, 3))
    keypoints = rng.uniform(200, 800, size=(5, 16, 2))
    scene = lifted_scene(H36M_16, keypoints, (1000, 1000), pose, title="clip", name="semgcn-cpn")
    assert render_animation(scene, tmp_path / "lift.gif") == 5
    with Image.open(tmp_path / "lift.gif") as gif:
        assert gif.n_frames == 5 and gif.size == (2 * 320, 320)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--sequence", "Juggling"], "no sequence 'Juggling'"),
        (["--start", "100000"], "beyond the sequence"),
    ],
)
def test_bad_sequence_exits_2_with_one_line(
    results: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    out = tmp_path / "bad.gif"
    assert animate(results, out, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pose3d: error: ") and problem in err
    assert not out.exists()


def test_per_action_chart_keeps_models_readable_beside_the_baseline(results: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "per_action.png"
    per_action_figure(read_metrics(results["metrics"]), results["metrics"], out)
    image = np.asarray(Image.open(out).convert("RGB"))
    top, bottom = image[: image.shape[0] * 45 // 100], image[image.shape[0] * 45 // 100 :]
    for half in (top, bottom):  # MPJPE and P-MPJPE panels both show both models' bars
        assert share_of(half, model_color("linear"), 10) > 0.005
        assert share_of(half, model_color("semgcn"), 10) > 0.005
    long = pd.read_parquet(results["metrics"])
    models = long[(long.metric == "mpjpe") & (long.action == "Average") & (long.model != "mean_pose")]
    assert len(models) == 2  # what the chart drew bars for; the baseline is a mark, not a bar
    # Each panel draws the baseline's mark over its own action's bars, at the height of its own metric's value:
    # measured against linear's bar of the same action (the bar's pixel height is its value on the panel's scale).
    values = long[long.dataset == "h36m"].pivot_table(index="action", columns=["metric", "model"], values="value")
    lower = image.shape[0] * 45 // 100
    for panel, metric in ((image[:lower], "mpjpe"), (image[lower:], "p_mpjpe")):
        bar = near(panel, model_color("linear"), 10)
        axis_row = int(np.flatnonzero(bar.sum(axis=1) >= 200)[-1])  # the bars' common foot; the legend is lower
        bar[axis_row + 1 :] = False
        columns = np.flatnonzero(bar.any(axis=0))
        groups = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1)
        assert len(groups) == len(ACTIONS) + 1, f"{metric}: {len(groups)} bars of linear-cpn"
        mark = near(panel[: axis_row + 1], model_color("mean_pose"), 10)
        for action, group in zip([*ACTIONS, "Average"], groups):
            left, width = group[0], len(group)
            height = axis_row + 1 - np.flatnonzero(bar[:, left + width // 2])[0]
            rows = np.flatnonzero(mark[:, left : left + 2 * width].any(axis=1))  # over both models' bars
            assert len(rows), f"{metric} {action}: no baseline mark over the bars"
            expected = (
                axis_row
                + 1
                - values.loc[action, (metric, "mean_pose")] / values.loc[action, (metric, "linear")] * height
            )
            assert abs(rows.mean() - expected) <= 3, (
                f"{metric} {action}: mark at row {rows.mean():.0f}, value at {expected:.0f}"
            )


def test_per_joint_chart_and_training_curves(results: dict[str, Path], tmp_path: Path) -> None:
    per_joint_figure(read_metrics(results["metrics"]), results["metrics"], tmp_path / "joints.png")
    joints = np.asarray(Image.open(tmp_path / "joints.png").convert("RGB"))
    assert share_of(joints, model_color("linear"), 10) > 0.005 and share_of(joints, model_color("semgcn"), 10) > 0.005
    checkpoints = [results["root"] / f"{model}-cpn/model.pt" for model in ("linear", "semgcn")]
    training_curves_figure([TrainingRecord.load(c) for c in checkpoints], tmp_path / "training.png")
    curves = np.asarray(Image.open(tmp_path / "training.png").convert("RGB"))
    loss_panel, lr_panel = panels(curves, 2)  # both models use MSE: one loss panel, then the learning rate
    assert share_of(loss_panel, model_color("linear"), 10) > 0.0005
    assert share_of(loss_panel, model_color("semgcn"), 10) > 0.0005
    assert share_of(lr_panel, model_color("semgcn"), 10) > 0.0005  # same schedule: drawn over linear's


def test_error_over_time_chart(results: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "errors.png"
    checkpoints = [str(results["root"] / f"{model}-cpn/model.pt") for model in ("linear", "semgcn")]
    args = ["viz", "error-over-time", "--checkpoints", *checkpoints, "--poses-2d", *[str(results["poses_2d"])] * 2]
    assert main([*args, "--poses-3d", str(results["poses_3d"]), "--sequence", "Walking 1", "--out", str(out)]) == 0
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[:2] == (462, 1210)
    assert share_of(image, model_color("linear"), 10) > 0.001 and share_of(image, model_color("semgcn"), 10) > 0.001
