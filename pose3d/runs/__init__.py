"""A trained run as a file and as a predictor: :class:`Checkpoint` (the one reader and writer of
``model.pt``), released checkpoints imported into it, and :class:`Predictor` (the one way to run it)."""

from pose3d.runs.checkpoint import Checkpoint, TrainingRecord
from pose3d.runs.predictor import Predictor

__all__ = ["Checkpoint", "Predictor", "TrainingRecord"]
