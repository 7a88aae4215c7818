"""The SLURM profile on a real one-node cluster: ``profiles/slurm/local_cluster.sh`` (opt-in, root only).

The script installs SLURM with accounting, runs the tiny workflow through ``profiles/slurm`` and then a
training job that its time limit cuts short: the profile's early signal (SIGUSR1) must reach ``pose3d
train``, which saves its state mid-epoch; Snakemake must submit the job again, and the resumed job must
end with the weights of the same training run without SLURM. It needs root, Debian's SLURM packages
and about ten minutes of a machine with no other SLURM on it, so it runs only when asked:
``POSE3D_SLURM_PROOF=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "profiles/slurm/local_cluster.sh"
#: The script's checks of the early signal and the resubmission (step 8).
PREEMPTION_CHECKS = (
    "preemption: snakemake exited 0",
    "preemption: the train job stopped early and was submitted again",
    "preemption: SIGUSR1 reached the job step",
    "preemption: the last train job COMPLETED",
    "preemption: the last job resumed mid-epoch, from a state written on the signal",
    "preemption: weights equal the same training without SLURM",
)


@pytest.mark.skipif(os.environ.get("POSE3D_SLURM_PROOF") != "1", reason="opt-in: POSE3D_SLURM_PROOF=1 (root, Debian)")
def test_the_profile_stops_resubmits_and_resumes_a_training_job_on_slurm(tmp_path: Path) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # this venv's snakemake, pose3d
    env = dict(os.environ, POSE3D_SLURM_STATE=str(tmp_path / "slurm"), PATH=path)
    run = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=1800)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, "\n".join(lines[-60:]) + run.stderr[-2000:]
    for check in PREEMPTION_CHECKS:
        assert any(line.startswith(f"ok    {check}") for line in lines), check
