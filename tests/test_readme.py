"""README.md tells the truth: every command in its shell code blocks is run by a test exactly as written.

A command is one line of a ```bash (sh, shell, console) block, without its trailing ``# comment``;
``a && b`` is two commands. It is covered when

- this module runs it (:data:`RUNS`, in that order) in a scratch checkout whose ``config.yaml`` is
  the tiny demo with quick training, and Snakemake runs exactly the jobs listed for it there; the
  commands that promise to build only part of the workflow are also dry-run in a fresh checkout
  (:data:`FRESH_PLANS`);
- it needs what a test machine lacks and this module checks Snakemake's plan for it instead
  (:data:`PLANS_ONLY`, with the reason);
- ``.ci/run`` runs it verbatim (installing, the test command);
- another test module holds it verbatim (and runs it there), or reads README.md and names the
  README section that holds it, in quotes (it runs that section's commands as written); or
- :data:`COVERED_ELSEWHERE` says why no test can run it and what covers it instead.

:func:`test_every_readme_command_is_covered` fails listing every README command that none of these
covers, so commands added to the README later must come with their test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from test_checkpoints import release_semgcn_state, release_tgraphnet_state, save_semgcn_release, save_tgraphnet_release
from workflow_helpers import REPO, job_counts, run_snakemake, small_config

from pose3d.models import build
from pose3d.runs import Checkpoint

README = REPO / "README.md"
CI = REPO / ".ci" / "run"
#: Models of the scratch checkout: one 16-joint and one 17-joint model keep the runs short.
MODELS = ["semgcn", "tgraphnet"]
#: What the checkout links to from this repository.
LINKED = ("Snakefile", "workflow", "envs", "profiles")


@dataclass(frozen=True)
class Run:
    """A README command and the jobs Snakemake must run for it, at its place in :data:`RUNS`."""

    command: str
    jobs: dict[str, int]
    untouched: tuple[str, ...] = ()  # results that must keep their modification time


ONE_CONVERSION = "snakemake --cores 2 results/data/h36m/poses_3d.parquet"
ALL_TABLES = "snakemake --cores 2 data"
TRAIN_ONE = "snakemake --cores 2 results/models/semgcn-cpn/model.pt"
TRAIN_GT = "snakemake --cores 2 results/models/semgcn-gt/model.pt --config inputs='[gt]'"
QUICK_START = "snakemake --cores 8 results/tables/mpjpe.csv"
EVALUATION_ONLY = "snakemake --cores 2 results/eval/tgraphnet-cpn/metrics.parquet --forcerun evaluate"
TABLES_ONLY = "snakemake --cores 2 results/tables/mpjpe.csv --forcerun tables"
PUBLISHED_GT_CPN = "snakemake --cores 8 results/tables/mpjpe.csv --config inputs='[gt,cpn]'"
PUBLISHED_SH = "snakemake --cores 8 results/tables/mpjpe.csv --config inputs='[sh]' models='[linear,semgcn_nonlocal]'"
GPU = "snakemake --cores 8 results/tables/mpjpe.csv --resources gpu=1 --config training='{device: cuda}'"
IMPORT_SEMGCN = "pose3d import-checkpoint --model semgcn --source ckpt_semgcn.pth.tar --out results/imported/semgcn.pt"
IMPORT_TGRAPHNET = (
    "pose3d import-checkpoint --model tgraphnet --kernel-size 5 --source tgraphnet.pth"
    " --out results/imported/tgraphnet.pt"
)
IMPORT_MOTIONAGFORMER = (
    "pose3d import-checkpoint --model motionagformer --size xs --source motionagformer-xs-h36m.pth.tr"
    " --out results/imported/motionagformer.pt"
)
FIGURES = ("results/figures/mpjpe_per_action.png", "results/figures/training_curves.png")

#: The data stage: every conversion the demo config allows, and the ``data`` rule that collects them.
DATA_JOBS = {
    "demo_data": 1,
    "convert_h36m_positions": 1,
    "convert_h36m_angles": 1,
    "project_gt_2d": 1,
    "convert_detections": 2,  # CPN and COCO keypoints
    "convert_3dhp": 1,
    "convert_3dpw": 1,
    "data": 1,
}

#: Commands that promise to build one part: what each plans in a fresh checkout, and nothing more
#: (ONE_CONVERSION is the first of :data:`RUNS`, which checks it in a fresh checkout).
FRESH_PLANS = {
    ALL_TABLES: DATA_JOBS,
    TRAIN_ONE: {"demo_data": 1, "convert_h36m_positions": 1, "convert_detections": 1, "tracking_store": 1, "train": 1},
    TRAIN_GT: {"demo_data": 1, "convert_h36m_positions": 1, "project_gt_2d": 1, "tracking_store": 1, "train": 1},
}

#: README commands in the order this module runs them, each with the jobs it must run at that point.
RUNS = [
    Run(ONE_CONVERSION, {"demo_data": 1, "convert_h36m_positions": 1}),
    Run(ALL_TABLES, {k: v for k, v in DATA_JOBS.items() if k not in ("demo_data", "convert_h36m_positions")}),
    Run(TRAIN_ONE, {"tracking_store": 1, "train": 1}),
    Run(TRAIN_GT, {"train": 1}, untouched=("results/models/semgcn-cpn/model.pt",)),
    # tgraphnet-cpn is left to train; both runs of the cpn input are evaluated, plus the baseline
    Run(QUICK_START, {"train": 1, "evaluate": 2, "baseline": 1, "tables": 1}),
    # gt added: tgraphnet-gt trains (semgcn-gt exists), both gt runs and the gt baseline are scored
    Run(PUBLISHED_GT_CPN, {"train": 1, "evaluate": 2, "baseline": 1, "tables": 1}),
    Run(
        EVALUATION_ONLY,
        {"evaluate": 1},
        untouched=("results/models/tgraphnet-cpn/model.pt", "results/eval/semgcn-cpn/metrics.parquet"),
    ),
    Run(TABLES_ONLY, {"tables": 1}, untouched=("results/eval/tgraphnet-cpn/metrics.parquet", *FIGURES)),
    Run(IMPORT_SEMGCN, {}),
    Run(IMPORT_TGRAPHNET, {}),
    Run(IMPORT_MOTIONAGFORMER, {}),
]

#: Commands that need what a test machine lacks: Snakemake's plan for them is checked instead.
#: command -> (why it cannot run here, the jobs it plans in the checkout at the end of :data:`RUNS`).
PLANS_ONLY = {
    GPU: (
        "needs a CUDA GPU; the device and precision change every training and evaluation",
        {"train": 2, "evaluate": 2, "tables": 1},
    ),
}

#: The Stacked-Hourglass reproduction needs SH detections, which the demo dataset does not have:
#: its plan is checked in a fresh checkout whose config names an (empty) SH folder.
SH_PLAN = {
    "demo_data": 1,
    "convert_h36m_positions": 1,
    "convert_sh": 1,
    "convert_3dhp": 1,
    "convert_3dpw": 1,
    "tracking_store": 1,
    "train": 2,
    "evaluate": 2,
    "baseline": 1,
    "tables": 1,
}

#: Commands no test can run, with the reason and what covers them instead.
COVERED_ELSEWHERE = {
    "pip install torch --index-url https://download.pytorch.org/whl/cpu": (
        "PyTorch's CPU index is outside the package registries CI can reach; .ci/run installs the CPU wheel"
        ' of torch 2.13.0 that its registry serves, then runs the README\'s `pip install -e ".[test]"`'
    ),
    "pip install torch --index-url https://download.pytorch.org/whl/cu128": (
        "installs the CUDA build (GBs, useful only with an NVIDIA GPU); .ci/run installs the CPU build instead"
    ),
    "mlflow ui --backend-store-uri sqlite:///mlflow.db": (
        "serves until stopped on a fixed port; tests/test_workflow.py starts `mlflow server` on such a store"
        " and reads every run through its REST API"
    ),
    "pip install snakemake-executor-plugin-slurm==2.8.0": (
        "needs a SLURM cluster; profiles/slurm/local_cluster.sh installs it and runs the profile on a"
        " real single-node cluster (as root, so not from the test suite)"
    ),
    "POSE3D_MLFLOW_URI=http://mlflow-host:5000 snakemake --profile profiles/slurm results/tables/mpjpe.csv": (
        "needs a SLURM cluster and a tracking server; profiles/slurm/local_cluster.sh runs the same"
        " profile on a real single-node cluster"
    ),
}


def readme_commands(text: str) -> list[str]:
    """The commands of README's shell code blocks, in order (see the module docstring)."""
    return [command for _, command in readme_commands_by_section(text)]


def readme_commands_by_section(text: str) -> list[tuple[str, str]]:
    """(title of the enclosing ``##`` section, command) for every command of README's shell code blocks."""
    found = []
    for section in re.split(r"^(?=## )", text, flags=re.M):
        title = section.splitlines()[0].removeprefix("## ").strip() if section.startswith("## ") else ""
        for block in re.findall(r"^```(?:bash|sh|shell|console)\n(.*?)^```", section, flags=re.M | re.S):
            for line in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
                line = re.sub(r"\s+#\s.*$", "", line.strip().removeprefix("$ "))
                if line and not line.startswith("#"):
                    found += [(title, part.strip()) for part in line.split(" && ")]
    return found


def _tested_elsewhere(section: str, command: str) -> bool:
    """Whether .ci/run runs the command verbatim, or another test module holds it or runs its README section."""
    if command in (line.strip() for line in CI.read_text().splitlines()):
        return True
    for path in (REPO / "tests").glob("test_*.py"):
        source = path.read_text() if path.name != Path(__file__).name else ""
        if command in source or ("README.md" in source and f'"{section}"' in source):
            return True
    return False


def test_every_readme_command_is_covered() -> None:
    found = readme_commands_by_section(README.read_text())
    commands = [command for _, command in found]
    assert QUICK_START in commands and "python -m pytest -q" in commands  # the parser finds the quick start
    ours = {run.command for run in RUNS} | set(PLANS_ONLY) | {PUBLISHED_SH} | set(COVERED_ELSEWHERE)
    uncovered = [
        command for section, command in found if command not in ours and not _tested_elsewhere(section, command)
    ]
    assert not uncovered, "README commands that no test runs:\n" + "\n".join(uncovered)
    stale = sorted(ours - set(commands))
    assert not stale, "listed here but no longer in README.md:\n" + "\n".join(stale)


def test_code_blocks_split_into_commands() -> None:
    text = "```bash\npip install -e . && snakemake -n   # plan\n# a note\nsnakemake \\\n  data\n```\n"
    text += "```yaml\na: 1\n```\n"
    assert readme_commands(text) == ["pip install -e .", "snakemake -n", "snakemake data"]


def checkout(path: Path, **config_changes: object) -> Path:
    """A scratch checkout: this repository's workflow and a tiny-demo ``config.yaml``."""
    path.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        (path / name).symlink_to(REPO / name)
    config = small_config(models=MODELS, **config_changes)
    (path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def shell(workdir: Path, command: str, dry_run: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a README command with bash in ``workdir`` (``-n`` added after ``snakemake`` for a dry run)."""
    if dry_run:
        command = re.sub(r"(^|\s)snakemake\s", r"\1snakemake -n ", command, count=1)
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        POSE3D_PROGRESS_INTERVAL="0",  # a progress line at every step, so the job logs below have some
    )
    result = subprocess.run(["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result


def modified(workdir: Path) -> dict[str, int]:
    """Modification times of every file under results/."""
    return {str(p.relative_to(workdir)): p.stat().st_mtime_ns for p in (workdir / "results").rglob("*") if p.is_file()}


@pytest.mark.parametrize("command", list(FRESH_PLANS))
def test_partial_commands_plan_only_what_their_target_needs(tmp_path: Path, command: str) -> None:
    result = shell(checkout(tmp_path), command, dry_run=True)
    assert job_counts(result.stdout + result.stderr) == FRESH_PLANS[command]


def test_stacked_hourglass_reproduction_plans_its_jobs(tmp_path: Path) -> None:
    (tmp_path / "sh").mkdir()
    workdir = checkout(tmp_path / "checkout", data={**small_config()["data"], "sh": str(tmp_path / "sh")})
    result = shell(workdir, PUBLISHED_SH, dry_run=True)
    assert job_counts(result.stdout + result.stderr) == SH_PLAN


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout where every command of :data:`RUNS` has run, each checked against its jobs."""
    workdir = checkout(tmp_path_factory.mktemp("readme"))
    release = release_semgcn_state(build("semgcn").state_dict())
    save_semgcn_release(workdir / "ckpt_semgcn.pth.tar", release)
    kernel5 = build("tgraphnet", kernel_size=5).state_dict()
    save_tgraphnet_release(workdir / "tgraphnet.pth", release_tgraphnet_state(kernel5, False, False))
    xs = {f"module.{k}": v for k, v in build("motionagformer").state_dict().items()}  # the release's layout
    torch.save({"epoch": 59, "model": xs}, workdir / "motionagformer-xs-h36m.pth.tr")
    for run in RUNS:
        if run.command == TABLES_ONLY:  # draw the figures first: the tables-only recipe must not redraw them
            run_snakemake(workdir, "--cores", "2", *FIGURES)
        before = modified(workdir)
        result = shell(workdir, run.command)
        if run.command.startswith("snakemake"):
            assert job_counts(result.stdout + result.stderr) == run.jobs, run.command
        after = modified(workdir)
        for path in run.untouched:
            assert after[path] == before[path], f"{run.command} rewrote {path}"
    return workdir


@pytest.mark.slow
def test_readme_commands_run_exactly_their_jobs(built: Path) -> None:
    tables = (built / "results/tables/mpjpe.csv").read_text().splitlines()
    assert tables[0].split(",") == ["action", "semgcn-cpn", "tgraphnet-cpn", "mean_pose-cpn"]
    assert tables[-1].startswith("Average,")
    for name, kernel in (("semgcn", None), ("tgraphnet", 5)):
        saved = Checkpoint.load(built / f"results/imported/{name}.pt")
        assert saved.model == name and saved.options.get("kernel_size") == kernel
    imported = Checkpoint.load(built / "results/imported/motionagformer.pt")
    assert imported.options["size"] == "xs" and imported.window == (27, 0)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(PLANS_ONLY))
def test_commands_that_need_a_gpu_plan_their_jobs(built: Path, command: str) -> None:
    result = shell(built, command, dry_run=True)
    assert job_counts(result.stdout + result.stderr) == PLANS_ONLY[command][1]


@pytest.mark.slow
def test_job_logs_show_progress_and_what_was_scored(built: Path) -> None:
    """What "Watching progress" promises: progress lines in the logs of long jobs, epoch lines, scores."""
    logs = built / "results/logs"
    assert re.search(r"pose3d\.progress: demo data \(tiny\): +\d+% \d+/\d+ ", (logs / "demo_data.log").read_text())
    assert "pose3d.progress: read D3_Positions:" in (logs / "convert/h36m_positions.log").read_text()
    train = (logs / "train/tgraphnet-cpn.log").read_text()
    progress = r"train tgraphnet-cpn: +(\d+)% \d+/\d+ \[.*samples/s, epoch 1/1, step (\d+)/(\d+), loss [\d.]+"
    steps = re.findall(progress, train)
    assert steps and any(0 < int(percent) < 100 for percent, *_ in steps), train
    assert steps[-1][0] == "100" and steps[-1][1] == steps[-1][2]
    epoch = r"epoch 1/1 done: train_loss [\d.]+, lr [\d.e-]+; \d+ samples in [\d.]+ s \([\d.]+ samples/s\)"
    assert re.search(epoch, train)
    assert "pickle" not in train.lower()  # the MLflow model is saved without pickle
    scored = (logs / "evaluate/tgraphnet-cpn.log").read_text()
    h36m = r"tgraphnet-cpn on h36m \(\d+ frames, \d+ clips, subjects S9 S11, 15 actions\): mpjpe [\d.]+"
    assert re.search(h36m, scored)
    assert re.search(r"tgraphnet-cpn on 3dhp \(\d+ valid of \d+ frames, .*\): pck150_17 [\d.]+", scored)
    assert re.search(r"tgraphnet-cpn on 3dpw \(\d+ frames, .*\): mpjpe [\d.]+, pa_mpjpe", scored)
    assert "Downloading artifacts" not in scored  # no MLflow progress bars piled up in one line
    skipped = (logs / "evaluate/semgcn-cpn.log").read_text()
    assert "semgcn-cpn on 3dhp: skipped (16-joint model; the test set is scored on 17 joints)" in skipped
