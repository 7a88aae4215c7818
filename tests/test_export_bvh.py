"""BVH export read back by an independent reader (``bvhio``) and posed by its forward kinematics: every bone
points where the input's does, the root follows the trajectory, and no joint rotation jumps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import bvhio
import numpy as np
import pytest
import torch
import yaml
from keypoint_files import Person, coco_json
from workflow_helpers import REPO, small_config

from pose3d.cli import main
from pose3d.data.camera import intrinsics, project, to_camera_frame
from pose3d.data.parquet_io import build_table, write_table
from pose3d.data.skeleton import H36M_17, LAYOUTS, Skeleton, to_layout
from pose3d.demo.body import euler_to_matrix, make_body
from pose3d.demo.detector import coco_keypoints
from pose3d.demo.motion import animate
from pose3d.demo.writer import write_cdf
from pose3d.export.bvh import bvh_name, solve, write_bvh
from pose3d.export.rotations import euler_angles
from pose3d.export.sources import lift_people
from pose3d.models import build, get
from pose3d.runs import Checkpoint

CAMERA = "54138969"
#: Camera frame (x right, y down, z forward, metres) -> what the file must hold (Y up, centimetres).
TO_FILE = np.array([1.0, -1.0, -1.0]) * 100.0


def demo_motion(action: str, frames: int, seed: int) -> np.ndarray:
    """(T, 17, 3) camera-frame metres of the demo generator's human-like motion, seen by camera 0 of S9."""
    rng = np.random.default_rng(seed)
    world = animate(action, make_body(rng), rng, frames).positions
    return to_camera_frame(to_layout(world, "h36m32", "h36m17"), "S9", CAMERA)


def read_back(path: Path, skeleton: Skeleton) -> tuple[np.ndarray, np.ndarray, float]:
    """bvhio's forward kinematics: world positions (T, J, 3) of the skeleton's joints, world rotations
    (T, N, 4) of every BVH joint (quaternions) and the frame time."""
    container = bvhio.readAsBvh(str(path))
    root = bvhio.readAsHierarchy(str(path))
    joints = [joint for joint, _, _ in root.layout()]
    by_name = {joint.Name: joint for joint in joints}
    chosen = [by_name[bvh_name(name)] for name in skeleton.joints]
    positions = np.zeros((container.FrameCount, skeleton.num_joints, 3))
    rotations = np.zeros((container.FrameCount, len(joints), 4))
    for frame in range(container.FrameCount):
        root.loadPose(frame)
        positions[frame] = [tuple(joint.PositionWorld) for joint in chosen]
        rotations[frame] = [(q.w, q.x, q.y, q.z) for q in (joint.RotationWorld for joint in joints)]
    return positions, rotations, container.FrameTime


def bone_directions(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    bones = np.array(skeleton.bones())
    vectors = positions[..., bones[:, 0], :] - positions[..., bones[:, 1], :]
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def direction_error_deg(got: np.ndarray, expected: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    cos = np.sum(bone_directions(got, skeleton) * bone_directions(expected, skeleton), axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def check_motion(
    path: Path, skeleton: Skeleton, positions: np.ndarray, trajectory: np.ndarray | None, human: bool = True
) -> float:
    """The file read back against root-relative camera-frame ``positions`` and the root ``trajectory`` (metres):
    bone directions within 0.5 degrees, root within 1 mm. For ``human`` motion also: no joint's rotation turns
    more between two frames than twice the largest turn of an input bone there plus a degree (a flip would be
    ~180; the poses of an untrained network may point a bone opposite its T-pose direction, where the shortest
    arc that defines its twist is undefined). Returns the largest direction error."""
    got, rotations, _ = read_back(path, skeleton)
    root = np.zeros((len(positions), 3)) if trajectory is None else trajectory
    expected = (positions + root[:, None]) * TO_FILE
    errors = direction_error_deg(got, expected, skeleton)
    assert errors.max() < 0.5
    assert np.abs(got[:, 0] - root * TO_FILE).max() < 0.1  # centimetres
    if not human:
        return float(errors.max())
    directions = bone_directions(positions, skeleton)
    turned = np.degrees(np.arccos(np.clip(np.sum(directions[1:] * directions[:-1], axis=-1), -1.0, 1.0)))
    dots = np.abs(np.sum(rotations[1:] * rotations[:-1], axis=-1))
    jumps = np.degrees(2.0 * np.arccos(np.clip(dots, 0.0, 1.0)))
    assert (jumps.max(axis=1) <= 2.0 * turned.max(axis=1) + 1.0).all()
    return float(errors.max())


def written_angles(path: Path) -> np.ndarray:
    """The MOTION rows of a BVH file, root position left out."""
    rows = path.read_text().split("Frame Time:")[1].splitlines()[1:]
    return np.array([[float(v) for v in row.split()] for row in rows])[:, 3:]


@pytest.mark.parametrize(
    ("action", "with_root"), [("Walking", True), ("SittingDown", False), ("Greeting", True), ("Phoning", False)]
)
def test_demo_motion_reads_back_bone_for_bone(action: str, with_root: bool, tmp_path: Path) -> None:
    camera = demo_motion(action, 150, seed=3)
    relative, trajectory = camera - camera[:, :1], camera[:, 0] if with_root else None
    path = write_bvh(solve(H36M_17, relative, trajectory, fps=50.0), tmp_path / "motion.bvh")
    check_motion(path, H36M_17, relative, trajectory)
    steps = np.abs(np.diff(written_angles(path), axis=0))
    assert steps.max() < 20.0  # the written Euler angles never wrap by a turn or swap at a gimbal lock
    assert read_back(path, H36M_17)[2] == pytest.approx(0.02)


def test_jittering_bone_lengths_get_one_rigid_skeleton(tmp_path: Path) -> None:
    """A predicted skeleton whose bones change length every frame: one rigid skeleton of the median lengths,
    each bone still pointing the input's way."""
    camera = demo_motion("Discussion", 120, seed=5)
    rng = np.random.default_rng(0)
    scale = 1.0 + 0.05 * rng.standard_normal((len(camera), H36M_17.num_joints))
    jittered = np.zeros_like(camera)
    for joint, parent in H36M_17.bones():  # parents come first in the layout
        jittered[:, joint] = jittered[:, parent] + scale[:, joint, None] * (camera[:, joint] - camera[:, parent])
    motion = solve(H36M_17, jittered, None, fps=25.0)
    path = write_bvh(motion, tmp_path / "jitter.bvh")
    check_motion(path, H36M_17, jittered, None)
    lengths = np.linalg.norm(jittered[:, 1:] - jittered[:, list(H36M_17.parents[1:])], axis=-1)
    by_node = {node.name: np.linalg.norm(motion.offsets[n]) for n, node in enumerate(motion.nodes) if not node.link}
    rest = [by_node[bvh_name(name)] for name in H36M_17.joints[1:]]
    assert np.allclose(rest, np.median(lengths, axis=0) * 100.0, atol=1e-9)
    got = read_back(path, H36M_17)[0]
    assert np.ptp(np.linalg.norm(got[:, 1:] - got[:, list(H36M_17.parents[1:])], axis=-1), axis=0).max() < 1e-3


def test_limbs_have_no_twist_about_their_bone() -> None:
    """The defined twist: a joint with one child turns its bone by a swing alone, its rotation axis
    perpendicular to the bone's rest direction (the twist about the bone, relative to the parent, is zero)."""
    camera = demo_motion("Greeting", 80, seed=2)
    motion = solve(H36M_17, camera - camera[:, :1], None, 50.0)
    children = [[c for c, node in enumerate(motion.nodes) if node.parent == n] for n in range(len(motion.nodes))]
    limbs = [(n, kids[0]) for n, kids in enumerate(children) if len(kids) == 1 and not motion.nodes[n].link]
    assert len(limbs) == 10  # Spine, Neck/Nose and both hips, knees, shoulders and elbows
    turned = []
    for node, child in limbs:
        r = motion.rotations[:, node]
        axis = np.stack([r[:, 2, 1] - r[:, 1, 2], r[:, 0, 2] - r[:, 2, 0], r[:, 1, 0] - r[:, 0, 1]], axis=-1)
        rest = motion.offsets[child] / np.linalg.norm(motion.offsets[child])
        assert np.abs(axis @ rest).max() < 1e-9
        turned.append(np.degrees(np.arccos(np.clip((np.trace(r, axis1=1, axis2=2) - 1) / 2, -1, 1))).max())
    assert max(turned) > 60.0  # the arms leave the T-pose: the check is not of rotations that stay near identity


@pytest.mark.parametrize("order", ["ZYX", "ZXY", "YZX", "XYZ"])
def test_euler_angles_give_back_the_rotations(order: str) -> None:
    angles = np.random.default_rng(1).uniform(-3.0, 3.0, (40, 5, 3))
    matrices = euler_to_matrix(angles, order.lower())  # the demo generator's rotations, in BVH's convention
    assert np.allclose(euler_to_matrix(euler_angles(matrices, order), order.lower()), matrices, atol=1e-12)


def test_every_h36m_layout_exports() -> None:
    for name in ("h36m17", "h36m16"):
        skeleton = LAYOUTS[name]
        camera = to_layout(demo_motion("Eating", 20, seed=1), "h36m17", name)
        assert len(solve(skeleton, camera - camera[:, :1], None, 50.0).nodes) == skeleton.num_joints + 4


def write_lift_output(path: Path, tracks: dict[int, tuple[np.ndarray, np.ndarray]]) -> Path:
    """A table as `pose3d lift` writes it: person id -> (frames, camera-frame positions), no trajectory."""
    people = [np.full(len(frames), person) for person, (frames, _) in tracks.items()]
    frames = np.concatenate([frames for frames, _ in tracks.values()])
    positions = np.concatenate([pose - pose[:, :1] for _, pose in tracks.values()])
    columns = {"person": np.concatenate(people), "frame": frames.astype(np.int32), "detected": frames % 5 != 0}
    coords = {"keypoints": np.zeros((len(frames), 17, 2)), "positions": positions}
    write_table(build_table(columns, coords, dict(H36M_17.metadata(), units={"positions": "metres"})), path)
    return path


def test_lift_output_people_to_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One file per person; a gap the lift did not fill holds the last pose, and the summary says so."""
    walk, wave = demo_motion("Walking", 90, seed=7), demo_motion("Greeting", 60, seed=8)
    kept = np.r_[0:40, 70:90]  # a 30-frame gap, longer than the lift interpolates
    table = write_lift_output(tmp_path / "poses_3d.parquet", {4: (kept, walk[kept]), 1: (np.arange(60), wave)})
    assert main(["export", "bvh", "--poses", str(table), "--person", "all", "--out", str(tmp_path / "m.bvh")]) == 0
    out = capsys.readouterr().out
    assert (
        "person 4, frames 0-89 (90 at 50 fps)" in out and "30 frames with no pose (a long gap), last pose held" in out
    )
    held = np.concatenate([walk[:40], np.repeat(walk[39:40], 30, axis=0), walk[70:]])
    check_motion(tmp_path / "m_person4.bvh", H36M_17, held - held[:, :1], None)
    check_motion(tmp_path / "m_person1.bvh", H36M_17, wave - wave[:, :1], None)
    assert main(["export", "bvh", "--poses", str(table), "--out", str(tmp_path / "first.bvh")]) == 0
    assert (tmp_path / "first.bvh").read_text() == (tmp_path / "m_person4.bvh").read_text()  # most confident first


def error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_bad_inputs_get_one_line_and_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    walk = demo_motion("Walking", 10, seed=7)
    table = write_lift_output(tmp_path / "poses_3d.parquet", {0: (np.arange(10), walk)})
    not_lift = tmp_path / "poses_2d.parquet"
    write_table(build_table({"frame": np.arange(3)}, {"keypoints": np.zeros((3, 17, 2))}, H36M_17.metadata()), not_lift)
    empty = write_lift_output(tmp_path / "empty.parquet", {0: (np.arange(0), walk[:0])})
    (tmp_path / "folder.bvh").mkdir()
    capsys.readouterr()  # what writing the files logged
    out = str(tmp_path / "x.bvh")
    cases = {
        f"{not_lift}: not a `pose3d lift` output (no 'person', 'detected', 'positions' column)": [
            "--poses", str(not_lift), "--out", out
        ],
        f"{tmp_path / 'folder.bvh'}: is a folder; cannot write the output file there": [
            "--poses", str(table), "--out", str(tmp_path / "folder.bvh")
        ],
        f"{table}: no person 3; the file has person 0": ["--poses", str(table), "--person", "3", "--out", out],
        f"{empty}: has no rows: nobody was lifted": ["--poses", str(empty), "--out", out],
        f"{REPO / 'README.md'}: not a Parquet file (ArrowInvalid)": ["--poses", str(REPO / "README.md"), "--out", out],
    }  # fmt: skip
    for message, argv in cases.items():
        assert error_line(["export", "bvh", *argv], capsys) == f"pose3d: error: {message}\n"
    with pytest.raises(SystemExit) as usage:  # a usage error: argparse exits with 2, before any work
        main(["export", "bvh", "--poses", str(table), "--out", str(tmp_path / "x.txt")])
    assert usage.value.code == 2 and capsys.readouterr().err.startswith("pose3d: error: --out: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "empty.parquet", "folder.bvh", "poses_2d.parquet", "poses_3d.parquet"
    ]  # fmt: skip


def trajectory_checkpoint(path: Path, layout_2d: str) -> Path:
    """A small tgraphnet_traj (random weights: every output is as good as any for the export)."""
    torch.manual_seed(0)
    spec = get("tgraphnet_traj")
    options = spec.options({"channels": 8})
    network = build("tgraphnet_traj", **options)
    Checkpoint("tgraphnet_traj", options, network.state_dict(), layout_2d, spec.test_window(options)).save(path)
    return path


def coco_detections(path: Path, frames: int) -> tuple[Path, tuple[int, int]]:
    """COCO keypoints of the demo's walking motion projected into camera 0 (every keypoint scored 1)."""
    rng = np.random.default_rng(4)
    world = animate("Walking", make_body(rng), rng, frames).positions
    cam = intrinsics(CAMERA)
    pixels = project(to_camera_frame(coco_keypoints(world), "S9", CAMERA), cam.as_vector())
    keypoints = np.concatenate([pixels, np.ones((*pixels.shape[:-1], 1))], axis=-1)
    return coco_json(path, [Person(np.arange(frames), keypoints)]), (cam.res_w, cam.res_h)


def test_lift_bvh_shortcut_writes_what_export_writes(tmp_path: Path) -> None:
    checkpoint = trajectory_checkpoint(tmp_path / "model.pt", "coco")
    keypoints, (width, height) = coco_detections(tmp_path / "detections.json", 40)
    out = tmp_path / "lifted"
    lift = ["lift", "--checkpoint", str(checkpoint), "--keypoints", str(keypoints), "--out", str(out)]
    assert main([*lift, "--image-size", str(width), str(height), "--bvh", str(out / "a.bvh"), "--fps", "25"]) == 0
    assert (
        main(["export", "bvh", "--poses", str(out / "poses_3d.parquet"), "--fps", "25", "--out", str(out / "b.bvh")])
        == 0
    )
    assert (out / "a.bvh").read_text() == (out / "b.bvh").read_text()
    person = lift_people(out / "poses_3d.parquet")[0]
    assert person.trajectory is not None
    check_motion(out / "a.bvh", H36M_17, person.positions, person.trajectory, human=False)
    assert read_back(out / "a.bvh", H36M_17)[2] == pytest.approx(0.04)


def h36m_tables(root: Path, frames: int) -> tuple[Path, Path]:
    """Human3.6M-format mocap of S9 'Walking 1' from the demo generator, converted, with its ground-truth 2D."""
    from pose3d.data.convert.ground_truth_2d import project_ground_truth
    from pose3d.data.convert.h36m import convert_positions

    rng = np.random.default_rng(9)
    world = animate("Walking", make_body(rng), rng, frames).positions
    write_cdf(root / "h36m/S9/MyPoseFeatures/D3_Positions/Walking 1.cdf", world.reshape(frames, -1) * 1000.0)
    poses_3d, poses_2d = root / "poses_3d.parquet", root / "poses_2d_gt.parquet"
    convert_positions(root / "h36m", ["S9"], poses_3d)
    project_ground_truth(poses_3d, poses_2d)
    return poses_3d, poses_2d


def test_prediction_of_a_test_sequence(tmp_path: Path) -> None:
    from pose3d.visualization.sequence import predict_sequence

    poses_3d, poses_2d = h36m_tables(tmp_path, 60)
    checkpoint = trajectory_checkpoint(tmp_path / "model.pt", "h36m")
    out = tmp_path / "walking.bvh"
    tables = ["--poses-3d", str(poses_3d), "--poses-2d", str(poses_2d), "--sequence", "Walking", "--camera", "0"]
    assert main(["export", "bvh", "--checkpoint", str(checkpoint), *tables, "--out", str(out)]) == 0
    seq = predict_sequence(checkpoint, poses_3d, poses_2d, "S9", "Walking", "0")
    assert seq.trajectory is not None and len(seq.frames) == 60
    check_motion(out, H36M_17, seq.prediction, seq.trajectory, human=False)


def readme_blocks(section: str) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block in a README section."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", body, flags=re.S)


@pytest.mark.slow
def test_readme_export_bvh_commands(tmp_path: Path) -> None:
    """The commands of "Export to animation tools (BVH)", run as written, on small files at the paths they name."""
    blocks = readme_blocks("Export to animation tools (BVH)")
    entries = yaml.safe_load(next(text for lang, text in blocks if lang == "yaml"))["lift"]
    commands = [line for lang, text in blocks if lang == "bash" for line in text.strip().splitlines()]
    for name in ("Snakefile", "workflow", "envs"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(small_config(lift=entries), sort_keys=False))
    (tmp_path / "checkpoints").mkdir()
    trajectory_checkpoint(tmp_path / "checkpoints/tgraphnet_traj-coco.pt", "coco")
    (tmp_path / "results/models/tgraphnet_traj-gt").mkdir(parents=True)
    trajectory_checkpoint(tmp_path / "results/models/tgraphnet_traj-gt/model.pt", "h36m")
    coco_detections(tmp_path / "detectron2_results.json", 30)
    (tmp_path / "results/data/h36m").mkdir(parents=True)
    h36m_tables(tmp_path / "results/data/h36m", 40)

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    lifted = tmp_path / "results/lift/my_video"
    assert (lifted / "poses_3d.bvh").read_text() == (lifted / "my_video.bvh").read_text()  # workflow = command
    assert read_back(lifted / "poses_3d.bvh", H36M_17)[2] == pytest.approx(1 / 30)
    for path in (tmp_path / "my_video.bvh", tmp_path / "walking.bvh"):
        assert read_back(path, H36M_17)[0].shape[1:] == (17, 3)
