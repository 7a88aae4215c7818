"""The settings of one run (one model trained on one 2D input): a typed value with one reader and one writer.

The workflow passes them to ``pose3d train`` and ``pose3d evaluate`` as JSON, training stores them in
the checkpoint and MLflow logs them; :meth:`RunSettings.from_dict` checks them against the config
schema (the same rules as ``config.yaml``), so a hand-edited file fails there, not deep in training.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from pose3d.config.schema import check_run_settings
from pose3d.core.errors import InputError
from pose3d.models import ModelSpec, get
from pose3d.models.recipes import Recipe


@dataclass(frozen=True)
class RunSettings:
    """Every setting one run depends on: what is trained on what, how, and where it is scored."""

    model: str
    input_2d: str
    profile: str
    seed: int
    device: str
    mixed_precision: bool
    implementation: str
    flip_test: bool
    checkpoint_selection: str
    validation_fraction: float
    train_subjects: tuple[str, ...]
    test_subjects: tuple[str, ...]
    recipe: Recipe

    #: Settings only evaluation reads: switching them must not retrain.
    EVALUATION_ONLY: ClassVar[tuple[str, ...]] = ("flip_test",)

    @property
    def spec(self) -> ModelSpec:
        return get(self.model)

    @property
    def run(self) -> str:
        """The run's name, ``model-input`` (a column of the result tables)."""
        return f"{self.model}-{self.input_2d}"

    def test_window(self) -> tuple[int, int]:
        """(scored frames, padding each side) of the windows test clips are cut into."""
        if self.recipe.test_chunk is None or self.recipe.test_pad is None:
            return self.spec.test_window(self.recipe.model_options)
        return self.recipe.test_chunk, self.recipe.test_pad

    def replace(self, **changes: Any) -> RunSettings:
        """These settings with some run or recipe keys changed, checked again."""
        return RunSettings.from_dict({**self.to_dict(), **changes}, "settings")

    def to_dict(self) -> dict[str, Any]:
        """The flat mapping that is stored and passed around: run keys beside the recipe's keys."""
        run = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "recipe"}
        run["train_subjects"], run["test_subjects"] = list(self.train_subjects), list(self.test_subjects)
        return {**run, **self.recipe.to_dict()}

    def to_json(self, training_only: bool = False) -> str:
        """JSON with sorted keys (Snakemake re-runs a job when it changes); ``training_only`` leaves out
        :data:`EVALUATION_ONLY`, for the training job."""
        values = self.to_dict()
        if training_only:
            values = {k: v for k, v in values.items() if k not in self.EVALUATION_ONLY}
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_dict(cls, values: Any, source: str | Path) -> RunSettings:
        """Checked settings; :class:`InputError` naming ``source`` and the key otherwise."""
        if not isinstance(values, Mapping):
            raise InputError(source, "expected the JSON object of resolved run settings the workflow passes")
        values = {"flip_test": False, **values}  # training jobs are not told the evaluation's setting
        check_run_settings(values, source)
        run = {f.name: values[f.name] for f in fields(cls) if f.name != "recipe"}
        run["train_subjects"], run["test_subjects"] = tuple(run["train_subjects"]), tuple(run["test_subjects"])
        return cls(**run, recipe=Recipe.from_dict(values))

    @classmethod
    def from_json(cls, text: str, source: str | Path) -> RunSettings:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(source, f"not valid JSON ({err})") from None
        return cls.from_dict(values, source)
