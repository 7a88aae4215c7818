"""Helpers shared by the rules: paths derived from the config, run names, wildcard constraints."""

import re
import shlex
from pathlib import Path

from pose3d import tracking
from pose3d.config.paths import DEMO_DIR, one_line_errors, raw_path
from pose3d.config.settings import resolve_run
from pose3d.models import MODELS
from pose3d.core.snakemake_locks import clear_stale_locks, register_invocation

DATA = "results/data"
TRACKING_FILE = "results/mlflow/experiment.json"

if workflow.is_main_process:  # a run killed with kill -9 leaves its locks: clear them if nothing runs here
    clear_stale_locks()
    register_invocation()


def lift_entries():
    """The `lift:` section of the config: name -> what to lift with which model."""
    return config.get("lift", {})


def trained(key):
    """Models or 2D inputs that get trained: the compared ones, and those `lift` entries name."""
    listed = {"model": config["models"], "input": config["inputs"]}[key]
    return list(dict.fromkeys(listed + [e[key] for e in lift_entries().values() if key in e]))


wildcard_constraints:
    model="|".join(trained("model")),
    source="|".join(trained("input")),


def all_subjects():
    """Subjects with 3D the config asks for, train then test."""
    data = config["data"]
    return list(dict.fromkeys(data["train_subjects"] + data["test_subjects"]))


def raw_input(key):
    """Input function for an optional raw input (``key`` may name wildcards): its path, or a one-line error
    when the config skips it."""

    def path(wildcards):
        with one_line_errors():
            return raw_path(config, key.format(**wildcards))

    return path


def runs():
    """Run names (model-source, source: the 2D input) in table column order: 2D inputs outer, models inner."""
    return [f"{model}-{inp}" for inp in config["inputs"] for model in config["models"]]


def run_settings(wildcards):
    """Resolved settings of one run as JSON (Snakemake reruns a job when they change)."""
    return resolve_run(config, wildcards.model, wildcards.source).to_json()


def train_settings(wildcards):
    """Resolved settings of one run without the evaluation-only ones (flip test), as JSON."""
    return resolve_run(config, wildcards.model, wildcards.source).to_json(training_only=True)


def train_priority(wildcards):
    """The model's registry entry says (longest demo training first, results/benchmarks/train/), so that on a
    few cores the last job to start is a short one and the cores finish together; evaluations (0) fill in."""
    return MODELS[wildcards.model].train_priority


def poses_2d(wildcards):
    """The Parquet table of the run's 2D input."""
    return f"{DATA}/h36m/poses_2d_{wildcards.source}.parquet"


def cross_dataset(key, name):
    """Input function: the converted 3DHP/3DPW table when the config names the raw file."""
    return [f"{DATA}/{name}/test.parquet"] if config["data"][key] else []


def data_outputs():
    """Every Parquet table the config's inputs allow."""
    outputs = [f"{DATA}/h36m/poses_3d.parquet"]
    outputs += [
        f"{DATA}/h36m/poses_2d_{inp}.parquet"
        for inp in ("gt", "cpn", "sh", "coco")
        if inp == "gt" or config["data"].get(inp)
    ]
    outputs += cross_dataset("3dhp", "3dhp") + cross_dataset("3dpw", "3dpw")
    if config["data"]["h36m"] == f"{DEMO_DIR}/h36m" or any(
        Path(config["data"]["h36m"]).glob("*S*/MyPoseFeatures/D3_Angles")
    ):
        outputs.append(f"{DATA}/h36m/angles_3d.parquet")
    return outputs


def table_outputs():
    """The result tables."""
    names = ["mpjpe.csv", "p_mpjpe.csv", "3dhp.csv", "3dpw.csv", "metrics.parquet", "tables.md"]
    return [f"results/tables/{name}" for name in names]


def close_interrupted_runs():
    """Runs that killed jobs of this project left RUNNING become KILLED (resuming reopens them)."""
    mlflow_config = config["mlflow"]
    if Path(TRACKING_FILE).exists():
        tracking.close_interrupted(mlflow_config["tracking_uri"], mlflow_config["experiment"], Path.cwd())


def lift_checkpoint(wildcards):
    """The checkpoint a `lift` entry uses: its own file, or the workflow's model trained on its 2D input."""
    entry = lift_entries()[wildcards.name]
    if "checkpoint" in entry:
        return entry["checkpoint"]
    return f"results/models/{entry['model']}-{entry['input']}/model.pt"


def lift_keypoints(wildcards):
    return lift_entries()[wildcards.name]["keypoints"]


def lift_options(wildcards):
    """Command-line options of `pose3d lift` from one entry."""
    entry = lift_entries()[wildcards.name]
    flags = {"format": "--format", "person": "--person", "min_score": "--min-score", "layout_2d": "--layout-2d"}
    options = [f"{flag} {shlex.quote(str(entry[key]))}" for key, flag in flags.items() if key in entry]
    if "image_size" in entry:
        options.append("--image-size {} {}".format(*entry["image_size"]))
    if entry.get("flip"):
        options.append("--flip")
    if entry.get("bvh"):
        options.append(f"--bvh {shlex.quote(lift_bvh_path(wildcards.name))} --fps {entry.get('fps', 50)}")
    return " ".join(options)


def lift_bvh_path(name):
    """Where a `lift` entry with `bvh: true` gets its BVH motion."""
    return f"results/lift/{name}/poses_3d.bvh"


def lift_names(bvh):
    """Pattern of the `lift` entry names that ask (bvh=True) or do not ask for a BVH file; none: never matches."""
    names = [re.escape(name) for name, entry in lift_entries().items() if bool(entry.get("bvh")) == bvh]
    return "|".join(names) or "(?!)"


def animation(ext, run="{model}-{source}"):
    """Path of the configured sequence's animation of a run (``ext``: gif, mp4 or html)."""
    viz = config["visualization"]
    name = f"{viz['subject']}_{viz['sequence'].replace(' ', '_')}_{viz['camera']}"
    return f"results/figures/{run}/{name}.{ext}"


def figure_outputs():
    """Charts of the comparison and the configured sequence's animations of every run."""
    charts = ["mpjpe_per_action", "mpjpe_per_joint", "training_curves", "error_over_time"]
    return [f"results/figures/{name}.png" for name in charts] + [
        animation(ext, run) for run in runs() for ext in ("gif", "mp4", "html")
    ]
