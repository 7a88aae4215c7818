"""``pose3d export onnx``: a checkpoint as an ONNX file that onnxruntime (or any ONNX runtime) runs.

The graph is the network as :class:`pose3d.runs.Predictor` runs it (with flip averaging when the model's
recipe tests with it, or when asked): batch is a dynamic axis, a temporal model's window is fixed at its
length. The file's ``metadata_props`` say what a consumer needs to feed it and read it (:func:`metadata`);
torch's dynamo exporter writes it (the legacy TorchScript exporter fails on TGraphNet's upsampling).
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from pose3d import __version__
from pose3d.core.atomic import atomic_path, check_writable
from pose3d.core.errors import InputError
from pose3d.export.onnx_runtime import FORMAT_KEY, FORMAT_VERSION, INSTALL, OnnxPredictor
from pose3d.models.predict import flip_averaged
from pose3d.runs import Checkpoint

#: onnxruntime's output must match torch's within this, relative to the output's largest magnitude.
TOLERANCE = 1e-4
#: Input and output names in the graph.
INPUT, OUTPUT = "keypoints", "poses"
NORMALISATION = (
    "x, y: pixels of an image w wide and h high mapped to x' = 2 x / w - 1, y' = 2 y / w - h / w "
    "(pose3d.data.camera.normalize_screen); confidence: the detector's score in [0, 1], 1.0 where there is none"
)


class _FlipAveraged(nn.Module):
    """The network averaged with its mirrored prediction of the mirrored input (:func:`flip_averaged`)."""

    def __init__(self, network: nn.Module, checkpoint: Checkpoint) -> None:
        super().__init__()
        self.network = network
        self.averaged = flip_averaged(network, checkpoint.spec.skeleton)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.averaged(x)


def metadata(checkpoint: Checkpoint, flip: bool) -> dict[str, str]:
    """What a consumer of the exported file needs: model, joints, 2D input and its normalisation, window,
    valid output frames, units."""
    spec = checkpoint.spec
    chunk, pad = checkpoint.window
    frames = chunk + 2 * pad
    window = f"frames {frames}, " if spec.temporal else ""
    channels = ["x", "y", "confidence"][: spec.input_channels]
    root = (
        "joint 0 is the camera-frame root position, the other joints relative to it"
        if spec.predicts_root
        else "joints relative to the root (joint 0 is trained towards 0)"
    )
    return {
        FORMAT_KEY: FORMAT_VERSION,
        "pose3d_version": __version__,
        "model": checkpoint.model,
        "model_options": json.dumps(checkpoint.options, sort_keys=True),
        "joint_layout": spec.layout,
        "joints": json.dumps(list(spec.skeleton.joints)),
        "parents": json.dumps(list(spec.skeleton.parents)),
        "layout_2d": checkpoint.layout_2d,
        "input": f"{INPUT}: float32 (batch, {window}joints {spec.num_joints}, channels {len(channels)})",
        "input_channels": json.dumps(channels),
        "input_normalisation": NORMALISATION,
        "window_frames": str(frames),
        "window_chunk": str(chunk),
        "window_pad": str(pad),
        "valid_output_frames": json.dumps([pad, pad + chunk]),
        "output": f"{OUTPUT}: float32 (batch, {window}joints {spec.num_joints}, xyz 3)",
        "units": "metres",
        "coordinate_frame": f"camera (x right, y down, z forward); {root}",
        "predicts_root": json.dumps(spec.predicts_root),
        "flip_averaged": json.dumps(flip),
    }


def example_inputs(checkpoint: Checkpoint, batch: int, seed: int = 0) -> np.ndarray:
    """A batch of model inputs in the normalised range, confidences in [0, 1]."""
    spec = checkpoint.spec
    frames = [checkpoint.window[0] + 2 * checkpoint.window[1]] if spec.temporal else []
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1.0, 1.0, (batch, *frames, spec.num_joints, spec.input_channels))
    if spec.input_channels == 3:
        inputs[..., 2] = rng.uniform(0.0, 1.0, inputs.shape[:-1])
    return inputs.astype(np.float32)


def _check_modules() -> None:
    for module in ("onnx", "onnxscript", "onnxruntime"):
        try:
            __import__(module)
        except ImportError:
            raise InputError(module, f"not installed; {INSTALL}") from None


def export_onnx(checkpoint_path: str | Path, out: str | Path, flip: bool = False) -> tuple[dict[str, str], float]:
    """Write ``checkpoint_path``'s model to ``out`` (atomically) with its :func:`metadata`; returns the metadata
    and the largest difference of onnxruntime's output from torch's on a random batch, relative to the
    output's largest magnitude (above :data:`TOLERANCE` nothing is written)."""
    out = Path(out)
    check_writable(out)
    _check_modules()
    checkpoint = Checkpoint.load(checkpoint_path)
    flip = flip or bool(checkpoint.settings and checkpoint.settings.recipe.flip)
    network = checkpoint.network()
    module = _FlipAveraged(network, checkpoint).eval() if flip else network
    example = torch.from_numpy(example_inputs(checkpoint, batch=2))
    for name in ("torch.onnx", "onnxscript"):  # the exporter reports each step, and skipped torchvision ops
        logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", FutureWarning)  # torch's own deprecations inside the exporter
        program: Any = torch.onnx.export(
            module,
            (example,),
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            verbose=False,
        )
    meta = metadata(checkpoint, flip)
    program.model.metadata_props.update(meta)
    with atomic_path(out, suffix=".onnx") as tmp:
        program.save(str(tmp))
        difference = _difference(module, tmp, checkpoint)
        if difference > TOLERANCE:
            raise RuntimeError(f"onnxruntime differs from torch by {difference:.2g} (relative); nothing written")
    return meta, difference


@torch.no_grad()
def _difference(module: nn.Module, path: Path, checkpoint: Checkpoint) -> float:
    """Largest difference of the file's output from torch's on a batch of 3, relative to torch's largest value."""
    inputs = example_inputs(checkpoint, batch=3, seed=1)
    expected = module(torch.from_numpy(inputs)).float().numpy()
    got = OnnxPredictor.load(path).run(inputs)
    return float(np.abs(got - expected).max() / max(np.abs(expected).max(), np.finfo(np.float32).tiny))


def describe(meta: dict[str, str]) -> str:
    """The metadata as ``key: value`` lines for the terminal."""
    return "\n".join(f"  {key}: {value}" for key, value in meta.items())
