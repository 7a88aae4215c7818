"""Training recipes: the released ones (``paper``) and a ``demo`` profile sized for minutes on 2 CPU cores.

The paper profile is the released recipes exactly: the single-frame models (Martinez linear
baseline, SemGCN, SemGCN non-local) train with Adam at 1e-3, batch 64, gradient-norm clipping at 1,
an MSE loss and the learning rate times 0.96 every 100k steps, for 200, 50 and 30 epochs over every
training frame; the TGraphNets with AdamW (amsgrad, weight decay 1e-5) at 1e-3, batch 64 windows
of 81 frames (chunks of 5 padded by 38), no clipping, the MPJPE + motion loss (plus root and
reprojection terms for the trajectory model) and the learning rate times 0.99 every epoch, for 20
and 35 epochs at 128 base channels. The demo profile keeps each
recipe's optimiser, losses and schedule but trains on a random subset of samples per epoch, for
fewer epochs, and gives TGraphNet 16 base channels instead of 128 and batches of 16 windows
instead of 64 (more optimiser steps for the same compute, which these short runs need). The
single-frame recipes decay the learning rate by 0.96 every 100 steps instead of every 100k: the
released interval never triggers in a run of a few thousand steps, and without any decay the
last epoch's error swings by tens of millimetres.

The demo trajectory model has more to learn (the camera-space root as well as the pose), so it
gets 32 channels, and it starts its root head at the training set's mean root position
(``root_start: train_mean``; the paper profile keeps the release's default initialisation,
``None``). A freshly initialised head puts every root near the camera centre, where projected
poses are clipped and the reprojection loss gives no gradient, and the root loss then dominates
the first epochs. Test MPJPE on the small demo (CPN input, seeds 0 / 1), against 103 mm, half the
mean-pose baseline: 16 channels, 10 epochs, default start 154 mm; mean start 97 / 112 mm;
24 channels, 8 epochs, mean start 100 / 89 mm; 32 channels, 8 epochs: default start 100 mm, mean
start 80.5 / 85.7 mm.

The demo MotionAGFormer is the XS design cut to 2 layers of 32 features and 9-frame windows, trained
at 10x the released learning rate (5e-3) for 600 steps. The released start is slow by design: its
joint positional embedding begins at zero and every residual branch at a layer scale of 1e-5, so the
first few hundred steps at 5e-4 only grow those from nothing, which is all a demo can afford (6 x 1,200
27-frame windows at 5e-4: 156 mm). Proxy test MPJPE after 600 steps of 9-frame windows (128 held-out
windows, no flip): 4 layers at 2e-3, 121 mm; 2 layers at 2e-3, 136 mm; 2 layers at 5e-3, 114 mm. The
recipe's full demo score is in docs/speed.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Recipe:
    """How one model trains: optimiser, schedule, batches, loss; windows for temporal models.

    ``lr_decay_every`` counts steps or epochs as ``lr_decay_unit`` says; ``samples_per_epoch`` None
    means every training sample. Windowed recipes cut training clips into windows of ``window_chunk``
    frames padded by ``window_pad`` each side, and test clips likewise (``test_chunk``, ``test_pad``);
    single-frame recipes leave those None, and so do models that predict every frame of their window
    (:meth:`pose3d.models.spec.ModelSpec.train_window`). ``root_start``: where a trajectory model's root
    head starts. ``flip``: mirrored training clips (half of them, chosen at random) and flip test-time
    augmentation, as MotionAGFormer's release does.
    """

    epochs: int
    optimizer: str
    lr: float
    weight_decay: float
    amsgrad: bool
    lr_gamma: float
    lr_decay_every: int
    lr_decay_unit: str
    batch_size: int
    grad_clip: float | None
    loss: str
    samples_per_epoch: int | None
    compile: bool
    model_options: Mapping[str, Any] = field(default_factory=dict)
    window_chunk: int | None = None
    window_pad: int | None = None
    test_chunk: int | None = None
    test_pad: int | None = None
    root_start: str | None = None
    flip: bool | None = None

    #: Keys a recipe may leave out (written only when set).
    OPTIONAL: ClassVar[tuple[str, ...]] = ("window_chunk", "window_pad", "test_chunk", "test_pad", "root_start", "flip")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Recipe:
        """The recipe of a (checked) mapping that holds every required key; other keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        """The recipe as a plain mapping; optional keys appear only when set."""
        values = asdict(self)
        values["model_options"] = dict(self.model_options)
        return {k: v for k, v in values.items() if not (k in self.OPTIONAL and v is None)}


_SINGLE_FRAME: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 1e-3,
    "weight_decay": 0.0,
    "amsgrad": False,
    "lr_gamma": 0.96,
    "lr_decay_every": 100_000,  # steps
    "lr_decay_unit": "step",
    "batch_size": 64,
    "grad_clip": 1.0,
    "loss": "mse",
    "samples_per_epoch": None,  # None: every training frame of every camera
    "compile": True,  # torch.compile the step in the fast implementation
}

_TGRAPHNET: dict[str, Any] = {
    "optimizer": "adamw",
    "lr": 1e-3,
    "weight_decay": 1e-5,
    "amsgrad": True,
    "lr_gamma": 0.99,
    "lr_decay_every": 1,  # epochs
    "lr_decay_unit": "epoch",
    "batch_size": 64,
    "grad_clip": None,
    "loss": "mpjpe_motion",
    "samples_per_epoch": None,  # None: every training window
    "compile": True,
    "window_chunk": 5,
    "window_pad": 38,
    "test_chunk": 31,
    "test_pad": 25,
}

PAPER: dict[str, dict[str, Any]] = {
    "linear": {**_SINGLE_FRAME, "epochs": 200, "model_options": {}},
    "semgcn": {**_SINGLE_FRAME, "epochs": 50, "model_options": {}},
    "semgcn_nonlocal": {**_SINGLE_FRAME, "epochs": 30, "model_options": {}},
    "tgraphnet": {**_TGRAPHNET, "epochs": 20, "model_options": {"channels": 128}},
    "tgraphnet_traj": {
        **_TGRAPHNET,
        "epochs": 35,
        "loss": "mpjpe_motion_traj",
        "root_start": None,
        "model_options": {"channels": 128},
    },
}

#: MotionAGFormer as released (configs/h36m, the same for every size): AdamW at 5e-4, weight decay 0.01, the
#: learning rate times 0.99 every epoch, batches of 16 clips, 60 epochs, MPJPE + 0.5 N-MPJPE + 20 x velocity,
#: flip augmentation in training and test. Clips are the model's window (27, 81 or 243 frames by size).
PAPER["motionagformer"] = {
    "optimizer": "adamw",
    "lr": 5e-4,
    "weight_decay": 0.01,
    "amsgrad": False,
    "lr_gamma": 0.99,
    "lr_decay_every": 1,
    "lr_decay_unit": "epoch",
    "batch_size": 16,
    "grad_clip": None,
    "loss": "mpjpe_nmpjpe_velocity",
    "samples_per_epoch": None,
    "compile": True,
    "flip": True,
    "epochs": 60,
    "model_options": {"size": "xs"},
}

#: Per-model changes that turn a paper recipe into the demo one.
_DEMO_CHANGES: dict[str, dict[str, Any]] = {
    "linear": {"epochs": 5, "samples_per_epoch": 25_000, "lr_decay_every": 100},
    "semgcn": {"epochs": 7, "samples_per_epoch": 25_000, "lr_decay_every": 100},
    "semgcn_nonlocal": {"epochs": 6, "samples_per_epoch": 20_000, "lr_decay_every": 100},
    "tgraphnet": {"epochs": 8, "samples_per_epoch": 1_200, "batch_size": 16, "model_options": {"channels": 16}},
    "tgraphnet_traj": {
        "epochs": 8,
        "samples_per_epoch": 1_200,
        "batch_size": 16,
        "root_start": "train_mean",
        "model_options": {"channels": 32},
    },
    "motionagformer": {
        "lr": 5e-3,
        "epochs": 6,
        "samples_per_epoch": 1_600,
        "model_options": {"size": "xs", "n_layers": 2, "dim_feat": 32, "dim_rep": 128, "n_frames": 9},
    },
}

#: Demo runs last a minute or two per model: compiling the step costs more than it saves there.
DEMO: dict[str, dict[str, Any]] = {name: {**PAPER[name], "compile": False, **_DEMO_CHANGES[name]} for name in PAPER}


def profiles(model: str) -> dict[str, dict[str, Any]]:
    """The ``paper`` and ``demo`` recipes of one seed model, for its registry entry."""
    return {"paper": PAPER[model], "demo": DEMO[model]}
