"""MLflow tracking: one experiment per config, one run per trained model (being split into modules)."""

from pose3d.tracking.runs import (
    COMPARE_VIEW,
    HEADLINE_METRICS,
    VIEW_TAG_PREFIX,
    checkpoint_run,
    close_interrupted,
    log_evaluation,
    log_files,
    read_experiment_file,
    training_run,
    write_experiment_file,
)

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
