"""MLflow tracking: one experiment per config, one run per trained model, no container runs.

The package is the top layer with :mod:`pose3d.cli`: the commands open and close runs and log onto
them; training and evaluation below know nothing of MLflow. By concern:

- :mod:`~pose3d.tracking.store`: the store and experiment, created once under a file lock, and the
  experiment file the jobs read;
- :mod:`~pose3d.tracking.view`: the headline metrics and the comparison view saved for MLflow's UI;
- :mod:`~pose3d.tracking.runs`: a run's lifecycle (training runs, resuming, superseding, closing
  runs of killed jobs) and the run a checkpoint records;
- :mod:`~pose3d.tracking.provenance`: settings as params, the git commit, fingerprints of input tables;
- :mod:`~pose3d.tracking.evaluation`: evaluation metrics, per-action tables and figures on a run.
"""

from pose3d.tracking.evaluation import log_evaluation, log_files
from pose3d.tracking.runs import checkpoint_run, close_interrupted, training_run
from pose3d.tracking.store import read_experiment_file, write_experiment_file
from pose3d.tracking.view import COMPARE_VIEW, HEADLINE_METRICS, VIEW_TAG_PREFIX

__all__ = [
    "COMPARE_VIEW",
    "HEADLINE_METRICS",
    "VIEW_TAG_PREFIX",
    "checkpoint_run",
    "close_interrupted",
    "log_evaluation",
    "log_files",
    "read_experiment_file",
    "training_run",
    "write_experiment_file",
]
