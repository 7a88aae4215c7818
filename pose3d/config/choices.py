"""The enumerated names every entry point accepts: one place, importable without torch.

The model registry (:data:`pose3d.models.MODELS`), the config schema and the CLI all take their
choices from here, so a misspelt name fails before any data is read.
"""

from __future__ import annotations

MODEL_NAMES = ("linear", "semgcn", "semgcn_nonlocal", "tgraphnet", "tgraphnet_traj")
INPUTS_2D = ("gt", "cpn", "sh", "coco")
#: Kinds of 2D keypoints a model is trained on: Human3.6M's joints (gt, cpn, sh) or COCO keypoints (coco).
LAYOUTS_2D = ("h36m", "coco")
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
