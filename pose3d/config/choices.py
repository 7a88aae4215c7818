"""The enumerated names every entry point accepts: one place, importable without torch.

The config schema and the CLI take their choices from here, so a misspelt name fails before any data
is read. Model names come from the registry (:data:`pose3d.models.MODELS`), the 2D vocabulary from
:mod:`pose3d.data.layouts`.
"""

from __future__ import annotations

from pose3d.data.layouts import INPUT_KINDS, KINDS_2D
from pose3d.models import MODELS

MODEL_NAMES = tuple(MODELS)
INPUTS_2D = tuple(INPUT_KINDS)
#: Kinds of 2D keypoints a model is trained on (see :mod:`pose3d.data.layouts`).
LAYOUTS_2D = KINDS_2D
#: Keypoint files `pose3d lift` reads.
LIFT_FORMATS = ("coco-json", "openpose", "alphapose", "videopose3d", "npy")
#: File endings of the animations pose3d writes.
ANIMATION_SUFFIXES = (".gif", ".mp4")
PROFILES = ("demo", "paper")
DEVICES = ("auto", "cpu", "cuda")
CHECKPOINT_SELECTIONS = ("last", "validation", "test")
DEMO_SIZES = ("tiny", "small", "full")
TGRAPHNET_KERNELS = (3, 5)
IMPLEMENTATIONS = ("fast", "plain")
BENCH_SIZES = ("tiny", "full")
BENCH_VARIANTS = ("plain", "fast", "compiled", "bf16", "compiled_bf16")
