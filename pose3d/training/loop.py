"""Train one lifter on one 2D input.

Training tensors live on the training device and batches are drawn from them by index (no
per-sample ``Dataset``). The epoch's sample order comes from a generator seeded by (seed, epoch),
and the training state (weights, optimiser, schedule, every random generator, the position in the
epoch) is saved atomically after every epoch, every few minutes within one, and on a stop signal
(SIGTERM, SIGINT, SIGUSR1: then training raises :class:`~pose3d.training.interruption.Preempted`),
so a re-run after an interruption resumes where the state was written and ends with the same
weights as an uninterrupted run.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from tqdm import tqdm

from pose3d.config.run_settings import RunSettings
from pose3d.core.device import select_device
from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import progress
from pose3d.core.safe_load import load_torch
from pose3d.core.seeding import seed_everything
from pose3d.data.loader import Clips, load_h36m
from pose3d.data.parquet_io import read_metadata
from pose3d.evaluation.metrics import mpjpe
from pose3d.models import build
from pose3d.models.inputs import model_inputs
from pose3d.models.predict import mirror
from pose3d.models.recipes import Recipe
from pose3d.models.targets import root_relative, root_relative_prediction
from pose3d.models.tgraphnet import TGraphNet
from pose3d.models.windows import training_windows
from pose3d.runs import Checkpoint, Predictor
from pose3d.runs import checkpoint as checkpoint_file
from pose3d.training import memory, rng
from pose3d.training.interruption import DEFAULT_STATE_MINUTES, Preempted, StateDeadline, StopSignals
from pose3d.training.step import TrainStep, build_optimizer

log = logging.getLogger(__name__)

BatchHook = Callable[[int, int], None]
EpochHook = Callable[[int, dict[str, float]], None]


class RunLog(Protocol):
    """The run a training job logs to (an MLflow run the command layer opens): epochs and the checkpoint."""

    run_id: str

    def log_epoch(self, epoch: int, metrics: dict[str, float]) -> None: ...

    def log_history(self, history: Sequence[dict[str, Any]]) -> None: ...

    def log_checkpoint(
        self, checkpoint: Path, model: torch.nn.Module, input_shape: Sequence[int], step: int
    ) -> None: ...


#: Opens the job's run, given the run id an interrupted job saved (None: a fresh run); the run ends with
#: the ``with`` block, finished or failed.
RunOpener = Callable[[str | None], AbstractContextManager[RunLog]]


def split_validation(clips: Clips, fraction: float, seed: int) -> tuple[Clips, Clips]:
    """Hold out a share of the training sequences (all cameras of a sequence go to the same side)."""
    groups = np.char.add(
        np.char.add(clips.per_clip("subject").astype(str), "/"), clips.per_clip("sequence").astype(str)
    )
    names, group_of_clip = np.unique(groups, return_inverse=True)
    order = np.random.default_rng(seed).permutation(len(names))
    held_out = np.zeros(len(names), dtype=bool)
    held_out[order[: max(1, math.ceil(fraction * len(names)))]] = True
    return clips.select(~held_out[group_of_clip]), clips.select(held_out[group_of_clip])


class Batches:
    """Training samples resident on the device; yields (inputs, targets, intrinsics) batches by index."""

    def __init__(self, clips: Clips, settings: RunSettings, device: torch.device) -> None:
        spec, recipe = settings.spec, settings.recipe
        self.inputs = torch.as_tensor(model_inputs(clips.keypoints, clips.scores, spec.input_channels), device=device)
        self.targets = torch.as_tensor(root_relative(clips.positions, spec.predicts_root), device=device)
        clip_of_row = np.repeat(np.arange(len(clips.clip_starts) - 1), np.diff(clips.clip_starts))
        if not spec.temporal:
            self.samples = torch.arange(len(clips.keypoints), device=device)[:, None]
        else:
            chunk, pad = spec.train_window(recipe.to_dict())
            windows = training_windows(clips.clip_starts, chunk=chunk, pad=pad)
            self.samples = torch.as_tensor(windows, device=device)
        self.intrinsics = None
        if spec.predicts_root:  # the reprojection loss needs each sample's camera
            first_rows = self.samples[:, 0].cpu().numpy()
            self.intrinsics = torch.as_tensor(clips.intrinsics[clip_of_row[first_rows]], device=device)
        self.single_frame = not spec.temporal
        self.batch_size = recipe.batch_size
        self.per_epoch = min(recipe.samples_per_epoch or len(self.samples), len(self.samples))
        self.seed = settings.seed
        self.skeleton = spec.skeleton if recipe.flip else None

    def __len__(self) -> int:
        return math.ceil(self.per_epoch / self.batch_size)

    def epoch(self, epoch: int, start: int = 0):
        """Batches of one epoch from batch ``start`` on, in an order that depends only on (seed, epoch).

        The epoch's generator draws the whole order (and the flips) before the first batch, so batch
        ``start`` is the same whether the epoch began here or was resumed here.
        """
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        order = torch.randperm(len(self.samples), generator=generator)[: self.per_epoch].to(self.samples.device)
        if self.skeleton is not None:  # flip augmentation: each sample mirrored with probability 1/2
            mirrored = (torch.rand(self.per_epoch, generator=generator) < 0.5).to(self.samples.device)
        for first in range(start * self.batch_size, self.per_epoch, self.batch_size):
            chosen = order[first : first + self.batch_size]
            rows = self.samples[chosen]
            if self.single_frame:
                rows = rows[:, 0]
            intrinsics = None if self.intrinsics is None else self.intrinsics[chosen]
            inputs, targets = self.inputs[rows], self.targets[rows]
            if self.skeleton is not None:
                flip = mirrored[first : first + self.batch_size].view(-1, *[1] * (inputs.ndim - 1))
                inputs = torch.where(flip, mirror(inputs, self.skeleton), inputs)
                targets = torch.where(flip, mirror(targets, self.skeleton), targets)
            yield inputs, targets, intrinsics


def _scheduler(optimizer: torch.optim.Optimizer, recipe: Recipe) -> torch.optim.lr_scheduler.LambdaLR:
    """Step decay ``lr * gamma ** (count // every)``, counting steps or epochs as the recipe says."""
    gamma, every = recipe.lr_gamma, recipe.lr_decay_every
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda count: gamma ** (count // every))


def held_out_error(model: torch.nn.Module, clips: Clips, device: torch.device, settings: RunSettings) -> float:
    """MPJPE (mm) of the root-relative pose on held-out clips: the checkpoint-selection score."""
    pred = Predictor(model, settings.spec, device, settings.test_window()).clips(clips)
    pose = root_relative_prediction(pred, settings.spec.predicts_root)
    return float(mpjpe(pose * 1000.0, root_relative(clips.positions) * 1000.0).mean())


def _set_aside(state_path: Path, problem: str) -> None:
    """Rename an unusable training state out of the way (kept for inspection) and say so in one line."""
    aside = state_path.with_name(f"{state_path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    state_path.rename(aside)
    log.warning("%s: %s; set aside as %s, training restarts", state_path, one_line(problem), aside.name)


def _usable_state(saved: Any, model: torch.nn.Module) -> str | None:
    """Why ``saved`` cannot be a training state of ``model`` (checked before anything is loaded), or None."""
    if not isinstance(saved, dict):
        return f"holds a {type(saved).__name__}, not a training state"
    missing = sorted({"settings", "epoch", "model", "optimizer", "scheduler", "torch_rng", "history"} - set(saved))
    if missing:
        return f"not a training state (missing {', '.join(missing)})"
    weights = saved["model"]
    expected = model.state_dict()
    if not isinstance(weights, dict) or set(weights) != set(expected):
        return "its weights do not match the model"
    if any(not isinstance(weights[k], torch.Tensor) or weights[k].shape != v.shape for k, v in expected.items()):
        return "its weights do not match the model"
    torch_rng = saved["torch_rng"]
    if not isinstance(torch_rng, torch.Tensor) or torch_rng.dtype != torch.uint8 or not isinstance(saved["epoch"], int):
        return "its random state or epoch count is damaged"
    if not isinstance(saved.get("batch", 0), int) or not isinstance(saved.get("loss_total"), torch.Tensor | None):
        return "its position in the epoch is damaged"
    return None


def _restore(
    state_path: Path,
    settings: RunSettings,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
) -> dict[str, Any]:
    """Load the training state saved last (after an epoch or within one), if it was written with these settings.

    A state that cannot be read (truncated by a kill, damaged, planted) is set aside and training
    starts afresh; loading never runs code from the file (``weights_only``).
    """
    fresh: dict[str, Any] = {
        "epoch": 0,
        "batch": 0,  # batches of epoch ``epoch`` done
        "loss_total": None,  # their sample-weighted loss sum (a tensor), None at the start of an epoch
        "loss_count": 0,  # their samples
        "history": [],
        "best": None,
        "mlflow_run_id": None,
    }
    if not state_path.exists():
        return fresh
    try:
        saved = load_torch(state_path, map_location=device)
    except InputError as err:
        _set_aside(state_path, err.problem)
        return fresh
    problem = _usable_state(saved, model)
    if problem:
        _set_aside(state_path, problem)
        return fresh
    if saved["settings"] != settings.to_dict():
        log.info("ignoring %s: it was written with other settings", state_path)
        return fresh
    try:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng.restore(saved, device)
    except (KeyError, TypeError, ValueError, RuntimeError) as err:  # damaged optimiser or scheduler state
        _set_aside(state_path, f"cannot be resumed ({type(err).__name__}: {err})")
        raise InputError(state_path, "damaged training state set aside; run the same command again") from err
    within = f" and {saved['batch']} batches of the next" if saved.get("batch") else ""
    log.info("resuming after epoch %d%s from %s", saved["epoch"], within, state_path)
    return {key: saved.get(key, default) for key, default in fresh.items()}


def _train_epoch(
    step: TrainStep,
    batches: Batches,
    epoch: int,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    recipe: Recipe,
    on_batch: BatchHook | None,
    bar: tqdm,
    state: dict[str, Any],
    after_batch: Callable[[], None],
) -> float:
    """One pass over the epoch's batches from ``state["batch"]`` on; returns the sample-weighted mean training loss.

    Keeps the position (``batch``, ``loss_total``, ``loss_count``) in ``state`` current and calls
    ``after_batch`` after each batch (it writes the state when one is due). Advances ``bar`` by the
    samples of each batch; its note (epoch, step, running loss) is renewed at most once a second, as
    reading the loss waits for the device. The running total stays on the device between notes.
    """
    step.model.train()
    device = batches.inputs.device
    resumed = state["loss_total"]
    total = torch.zeros((), device=device) if resumed is None else resumed.to(device).clone()
    count, start = state["loss_count"], state["batch"]
    noted = 0.0
    for batch, (inputs, targets, intrinsics) in enumerate(batches.epoch(epoch, start), start=start):
        if on_batch is not None:
            on_batch(epoch, batch)
        total += step(inputs, targets, intrinsics) * len(inputs)
        count += len(inputs)
        if recipe.lr_decay_unit == "step":
            scheduler.step()
        state.update(batch=batch + 1, loss_total=total, loss_count=count)
        after_batch()
        bar.update(len(inputs))
        if time.monotonic() - noted >= 1.0:
            _note(bar, epoch, batch + 1, recipe.epochs, len(batches), float(total) / count)
            noted = time.monotonic()
    if recipe.lr_decay_unit == "epoch":
        scheduler.step()
    state.update(batch=0, loss_total=None, loss_count=0)
    mean_loss = float(total) / max(count, 1)
    _note(bar, epoch, len(batches), recipe.epochs, len(batches), mean_loss)
    return mean_loss


def _note(bar: tqdm, epoch: int, step: int, epochs: int, steps: int, loss: float) -> None:
    """Show the epoch, the step and the epoch's running mean loss beside the progress bar."""
    bar.set_postfix_str(f"epoch {epoch + 1}/{epochs}, step {step}/{steps}, loss {loss:.4g}", refresh=False)


def train(
    settings: RunSettings,
    poses_3d: str | Path,
    poses_2d: str | Path,
    out: str | Path,
    open_run: RunOpener | None = None,
    on_batch: BatchHook | None = None,
    on_epoch: EpochHook | None = None,
    state_every: float = DEFAULT_STATE_MINUTES,
) -> Checkpoint:
    """Train, resuming from ``<out dir>/training_state.pt`` when present; write the checkpoint ``out``.

    The state file is written after every epoch, after the batch in progress when ``state_every``
    minutes passed since the last write, and on SIGTERM, SIGINT or SIGUSR1, which then stop training
    with :class:`Preempted`; it is removed once the checkpoint is written.
    ``open_run`` opens the run to log to (when resuming, the run the state file names). Returns the
    checkpoint written. ``on_batch(epoch, batch)`` and ``on_epoch(epoch, metrics)`` are called as training progresses.
    """
    out = Path(out)
    state_path = out.with_name("training_state.pt")
    name, spec, recipe = settings.model, settings.spec, settings.recipe
    seed_everything(settings.seed)
    device = select_device(settings.device)
    log.info("training %s on %s 2D, device %s", name, settings.input_2d, device)

    shape = memory.sample_shape(spec, recipe)
    needed = memory.estimate(
        name, spec.options(recipe.model_options), recipe, shape, memory.data_bytes(poses_2d, shape)
    )
    log.info(
        "memory: about %s at the peak (weights and optimiser %s, a batch %s, data %s); %s free on %s",
        *map(memory.gib, (needed.total, needed.weights, needed.activations, needed.data, memory.available(device))),
        device.type,
    )
    memory.check_fits(name, recipe, needed, device)  # before the data and the model take any of it

    clips = load_h36m(poses_3d, poses_2d, list(settings.train_subjects), num_joints=spec.num_joints)
    selection = settings.checkpoint_selection
    held_out = None
    if selection == "validation":
        clips, held_out = split_validation(clips, settings.validation_fraction, settings.seed)
    elif selection == "test":
        held_out = load_h36m(poses_3d, poses_2d, list(settings.test_subjects), num_joints=spec.num_joints)
    batches = Batches(clips, settings, device)

    options = spec.options(recipe.model_options)
    model = build(name, **options).to(device)
    if recipe.root_start == "train_mean":
        if not isinstance(model, TGraphNet):
            raise ValueError(f"root_start applies to TGraphNet models, not {name}")
        model.start_root_at(batches.targets[:, 0].mean(dim=0))
    implementation = settings.implementation
    optimizer = build_optimizer(model, recipe, implementation)
    scheduler = _scheduler(optimizer, recipe)
    state = _restore(state_path, settings, model, optimizer, scheduler, device)
    step = TrainStep(model, optimizer, recipe, implementation, device, bf16=settings.mixed_precision)
    if step.bf16:
        log.info("forward pass under bf16 autocast (training.mixed_precision: true)")

    def write_state() -> None:
        checkpoint_file.write(
            {
                "settings": settings.to_dict(),
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                **rng.capture(device),
                **state,
            },
            state_path,
        )
        deadline.written()

    def after_batch() -> None:
        if deadline.due():
            write_state()
            if stop.received:
                raise Preempted(stop.received, state_path)

    run_context = open_run(state["mlflow_run_id"]) if open_run else nullcontext(None)
    with run_context as run, StopSignals() as stop:
        deadline = StateDeadline(state_every, stop)
        state["mlflow_run_id"] = run.run_id if run else None
        with progress(
            total=recipe.epochs * batches.per_epoch,
            initial=state["epoch"] * batches.per_epoch + min(state["batch"] * batches.batch_size, batches.per_epoch),
            desc=f"train {settings.run}",
            unit=" samples",
        ) as bar:
            for epoch in range(state["epoch"], recipe.epochs):
                started = time.monotonic()
                train_loss = _train_epoch(step, batches, epoch, scheduler, recipe, on_batch, bar, state, after_batch)
                metrics = {
                    "train_loss": train_loss,
                    "lr": optimizer.param_groups[0]["lr"],
                }
                seconds = time.monotonic() - started
                if held_out is not None:
                    error = held_out_error(model, held_out, device, settings)
                    metrics[f"{selection}_mpjpe"] = error
                    if state["best"] is None or error < state["best"]["error"]:
                        state["best"] = {
                            "epoch": epoch,
                            "error": error,
                            "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
                        }
                state["history"].append({"epoch": epoch, **metrics})
                state["epoch"] = epoch + 1
                log.info(
                    "epoch %d/%d done: %s; %d samples in %.1f s (%.0f samples/s)",
                    epoch + 1,
                    recipe.epochs,
                    ", ".join(f"{key} {value:.4g}" for key, value in metrics.items()),
                    batches.per_epoch,
                    seconds,
                    batches.per_epoch / max(seconds, 1e-9),
                )
                write_state()
                if run:
                    run.log_epoch(epoch, metrics)
                if on_epoch is not None:
                    on_epoch(epoch, metrics)
                if stop.received:
                    raise Preempted(stop.received, state_path)

        chosen = state["best"] if selection != "last" and state["best"] is not None else None
        if chosen:
            model.load_state_dict(chosen["state_dict"])
        checkpoint = Checkpoint(
            model=name,
            options=options,
            state_dict=model.state_dict(),
            layout_2d=read_metadata(poses_2d).get("layout_2d", "h36m"),  # what `pose3d lift` must be given
            window=settings.test_window(),
            settings=settings,
            history=state["history"],
            selected_epoch=chosen["epoch"] if chosen else recipe.epochs - 1,
            mlflow_run_id=state["mlflow_run_id"],
        )
        checkpoint.save(out)
        if run:
            run.log_history(state["history"])
            run.log_checkpoint(
                out,
                model,
                batches.inputs.shape[1:] if not spec.temporal else (spec.window(options), *batches.inputs.shape[1:]),
                step=recipe.epochs,
            )
    state_path.unlink()  # finished: a forced re-run trains afresh
    return checkpoint
