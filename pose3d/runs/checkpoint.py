"""``model.pt``: a trained or imported model with what it was trained on; one reader, one writer.

On disk it is ``torch.save`` of a dictionary: ``model`` (a registry name), ``options`` (every keyword
of the network, release defaults filled in), ``state_dict``, ``layout_2d`` (the kind of 2D keypoints it
was trained on), and for trained models ``settings`` (:class:`RunSettings` as a mapping), ``history``
(one record per epoch), ``selected_epoch`` and ``mlflow_run_id``; imported ones carry ``meta`` (where
they came from). Reading never runs code from the file (``weights_only``), and checks everything
before a network is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import torch
from torch import nn

from pose3d.config.run_settings import RunSettings
from pose3d.core.atomic import atomic_path
from pose3d.core.errors import InputError, one_line
from pose3d.core.numbers import is_whole
from pose3d.core.safe_load import load_torch
from pose3d.data.layouts import INPUT_KINDS
from pose3d.models import ModelSpec, build, get


class _WholeWrites:
    """A binary file whose ``write`` writes every byte or raises, and keeps what it raised: torch's writer
    swallows the ``OSError`` of a full disk and reports only "unexpected pos"; :func:`write` raises it again."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        view, done = memoryview(data).cast("B"), 0
        try:
            while done < len(view):  # a short write (the disk filling up) is followed by one that raises
                done += self.handle.write(view[done:])
        except OSError as err:
            self.error = err
            raise
        return done

    def flush(self) -> None:
        self.handle.flush()


def write(content: Any, path: str | Path) -> None:
    """``torch.save`` of ``content`` to ``path``, atomically: a full disk or a failed write is one line naming
    the file (:func:`~pose3d.core.atomic.atomic_path`), and the previous file stays."""
    with atomic_path(path, suffix=".pt") as tmp, tmp.open("wb", buffering=0) as handle:
        sink = _WholeWrites(handle)
        try:
            torch.save(content, sink)  # type: ignore[arg-type]
        except RuntimeError:
            if sink.error is None:
                raise
            raise sink.error from None


def read(path: str | Path) -> Any:
    """The file's contents (``weights_only``: no code runs from the file); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such checkpoint file")
    return load_torch(path)


def check_values(path: str | Path, state: dict[Any, Any]) -> None:
    """Every entry is a named, dense tensor of finite real numbers (NaN weights would score NaN everywhere)."""
    for key, value in state.items():
        dense = isinstance(value, torch.Tensor) and value.layout == torch.strided
        if not isinstance(key, str) or not dense or value.is_complex() or value.dtype == torch.bool:
            raise InputError(path, f"state dict entry {key!r} is not a dense tensor of real numbers")
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise InputError(path, f"weights are not finite (NaN or infinity in {key})")


def _check_shapes(path: Path, model: str, options: dict[str, Any], state: dict[str, torch.Tensor]) -> None:
    """The weights fit the network the options describe (built on the meta device: options may ask for a
    network too large to allocate)."""
    try:
        with torch.device("meta"):
            expected = {k: v.shape for k, v in build(model, **options).state_dict().items()}
    except (TypeError, ValueError, RuntimeError) as error:
        raise InputError(path, f"weights do not fit model {model!r}: {one_line(error)}") from error
    found = {k: v.shape for k, v in state.items()}
    if found != expected:
        differ = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
        problem = f"{len(differ)} entries differ in name or shape (first: {differ[0]})"
        raise InputError(path, f"weights do not fit model {model!r}: {problem}")


def _window(path: Path, spec: ModelSpec, options: dict[str, Any], settings: dict[str, Any]) -> tuple[int, int]:
    """The test chunk and padding the settings give (the release's without them); a temporal model's
    must make its window."""
    if not spec.temporal:
        return 1, 0
    frames = spec.window(spec.options(options, str(path)))
    default_chunk, default_pad = spec.test_window(options)
    chunk, pad = settings.get("test_chunk", default_chunk), settings.get("test_pad", default_pad)
    if not (is_whole(chunk) and is_whole(pad) and chunk >= 1 and pad >= 0 and chunk + 2 * pad == frames):
        window = f"test_chunk {chunk!r} + 2 x test_pad {pad!r}"
        raise InputError(path, f"settings {window} is not the model's {frames}-frame window")
    return chunk, pad


def _layout_2d(path: Path, content: dict[str, Any], settings: dict[str, Any]) -> str:
    """The 2D keypoints a checkpoint was trained on (older files: from their 2D input; imports: Human3.6M's)."""
    input_2d = settings.get("input_2d", "cpn")
    default = INPUT_KINDS.get(input_2d, "h36m") if isinstance(input_2d, str) else None
    kind = content.get("layout_2d", default)
    if kind not in INPUT_KINDS.values():
        recorded = f"layout_2d {kind!r}, settings input_2d {input_2d!r}"
        raise InputError(path, f"records no known 2D keypoint kind ({recorded})")
    return str(kind)


@dataclass(frozen=True)
class Checkpoint:
    """A model's weights and what they are: the model, its options, the 2D keypoints and the settings
    it was trained with. ``window``: (scored frames, padding) of the test windows it predicts over."""

    model: str
    options: dict[str, Any]
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    layout_2d: str = "h36m"
    window: tuple[int, int] = (1, 0)
    settings: RunSettings | None = None
    history: list[dict[str, Any]] = field(default_factory=list, repr=False)
    selected_epoch: int | None = None
    mlflow_run_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> ModelSpec:
        return get(self.model)

    @property
    def run(self) -> str:
        """``model-input`` for a trained checkpoint, the model's name for an imported one."""
        return self.settings.run if self.settings else self.model

    def check_reads(self, checkpoint: str | Path, poses_2d: str | Path) -> None:
        """Refuse a 2D table of another kind of keypoints (its metadata ``layout_2d``, Human3.6M joints when it
        records none) than this checkpoint was trained on; every command that runs a model on a table calls this."""
        from pose3d.data.parquet_io import read_metadata

        given = read_metadata(poses_2d).get("layout_2d", "h36m")
        if given != self.layout_2d:
            raise InputError(
                checkpoint,
                f"trained on {self.layout_2d} 2D keypoints, but {poses_2d} holds {given} keypoints; "
                f"give it the 2D table of a {self.layout_2d} input",
            )

    def network(self) -> nn.Module:
        """The model with these weights, in eval mode, on the CPU."""
        network = build(self.model, **self.options)
        network.load_state_dict(self.state_dict)
        return network.eval()

    @classmethod
    def load(cls, path: str | Path) -> Checkpoint:
        """Read and check a pose3d checkpoint; :class:`InputError` naming the file and the problem otherwise."""
        path = Path(path)
        content = read(path)
        if not isinstance(content, dict) or not {"model", "options", "state_dict"} <= set(content):
            raise InputError(path, "not a pose3d checkpoint (needs keys model, options, state_dict)")
        model = content["model"]
        spec = get(model, path)
        if not isinstance(content["options"], dict) or not isinstance(content["state_dict"], dict):
            raise InputError(path, "not a pose3d checkpoint (options and state_dict must be dictionaries)")
        check_values(path, content["state_dict"])
        _check_shapes(path, model, content["options"], content["state_dict"])
        raw_settings = content.get("settings", {})
        if not isinstance(raw_settings, dict):
            raise InputError(path, "'settings' is not a dictionary")
        window = _window(path, spec, content["options"], raw_settings)
        settings = None
        if "model" in raw_settings:  # written by `pose3d train`; older partial records only hint
            settings = RunSettings.from_dict(raw_settings, path)
            if settings.model != model:
                raise InputError(path, f"settings are for {settings.model!r} but the weights are a {model!r} model")
        history, meta = content.get("history", []), content.get("meta", {})
        return cls(
            model=model,
            options=content["options"],
            state_dict=content["state_dict"],
            layout_2d=_layout_2d(path, content, raw_settings),
            window=window,
            settings=settings,
            history=history if isinstance(history, list) else [],
            selected_epoch=content.get("selected_epoch") if is_whole(content.get("selected_epoch")) else None,
            mlflow_run_id=content.get("mlflow_run_id") if isinstance(content.get("mlflow_run_id"), str) else None,
            meta=meta if isinstance(meta, dict) else {},
        )

    @staticmethod
    def run_id(path: str | Path) -> str | None:
        """The MLflow run that trained the checkpoint at ``path`` (None for imported ones); weights unread."""
        saved = read(path)
        run_id = saved.get("mlflow_run_id") if isinstance(saved, dict) else None
        return run_id if isinstance(run_id, str) else None

    def save(self, path: str | Path) -> None:
        """Write atomically: a reader sees the previous file or this one, never part of it."""
        content: dict[str, Any] = {
            "model": self.model,
            "options": dict(self.options),
            "state_dict": self.state_dict,
            "layout_2d": self.layout_2d,
            "meta": self.meta,
        }
        if self.settings is not None:
            content |= {
                "settings": self.settings.to_dict(),
                "history": self.history,
                "selected_epoch": self.selected_epoch,
                "mlflow_run_id": self.mlflow_run_id,
            }
        write(content, path)


#: Per-epoch columns every training history has; the held-out MPJPE columns are optional.
HISTORY_COLUMNS = ("epoch", "train_loss", "lr")


@dataclass(frozen=True)
class TrainingRecord:
    """How a checkpoint trained, without its weights: run name, loss name and per-epoch history."""

    run: str
    loss: str
    history: pd.DataFrame

    @classmethod
    def load(cls, path: str | Path) -> TrainingRecord:
        """The record of a checkpoint written by ``pose3d train`` (its weights are not checked)."""
        saved = read(path)
        if not isinstance(saved, dict) or not {"history", "model", "settings"} <= set(saved):
            raise InputError(path, "not a checkpoint written by `pose3d train` (needs history, model, settings)")
        settings = saved["settings"]
        names = (
            [saved["model"], *(settings.get(key) for key in ("input_2d", "loss"))] if isinstance(settings, dict) else []
        )
        if len(names) != 3 or not all(isinstance(name, str) for name in names):
            raise InputError(path, "'model' and the settings' 'input_2d' and 'loss' should be names")
        try:
            history = pd.DataFrame(saved["history"])
        except (ValueError, TypeError) as err:
            raise InputError(path, f"'history' is not a table of epochs ({one_line(err, 120)})") from err
        columns = [c for c in history.columns if c in HISTORY_COLUMNS or str(c).endswith("_mpjpe")]
        numeric = all(pd.api.types.is_numeric_dtype(history[c]) for c in columns)
        if history.empty or not set(HISTORY_COLUMNS) <= set(columns) or not numeric:
            raise InputError(path, f"'history' should hold numbers per epoch in columns {', '.join(HISTORY_COLUMNS)}")
        return cls(f"{names[0]}-{names[1]}", names[2], history)
