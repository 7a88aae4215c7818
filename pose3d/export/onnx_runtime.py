"""Run a file written by ``pose3d export onnx`` with onnxruntime, without torch: :class:`OnnxPredictor`.

The file's metadata (:data:`FORMAT_KEY` and the keys :mod:`pose3d.export.onnx` writes) says which model it
is, the 2D keypoints it reads and its test window; prediction cuts clips into the same windows as the
torch :class:`pose3d.runs.Predictor` (:func:`pose3d.models.windows.test_windows`). Loading an ONNX file
runs no code from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pose3d.core.errors import InputError, one_line
from pose3d.core.progress import progress
from pose3d.models import ModelSpec, get
from pose3d.models.inputs import model_inputs
from pose3d.models.windows import test_windows

#: Metadata key that marks a pose3d export, and the version of the metadata written under it.
FORMAT_KEY = "pose3d_onnx"
FORMAT_VERSION = "1"
#: Frames (single-frame models) and windows (temporal models) per run: those of torch on the CPU
#: (``pose3d.models.predict.EVAL_BATCH``).
BATCH = (256, 16)
INSTALL = 'install the export extra: pip install -e ".[export]"'


def onnxruntime() -> Any:
    """The ``onnxruntime`` module; a one-line :class:`InputError` saying how to install it otherwise."""
    try:
        import onnxruntime
    except ImportError:
        raise InputError("onnxruntime", f"not installed; {INSTALL}") from None
    return onnxruntime


def _metadata(path: Path, session: Any) -> dict[str, str]:
    metadata = dict(session.get_modelmeta().custom_metadata_map)
    if FORMAT_KEY not in metadata:
        raise InputError(path, "not written by `pose3d export onnx` (its metadata has no pose3d_onnx entry)")
    if metadata[FORMAT_KEY] != FORMAT_VERSION:
        raise InputError(path, f"pose3d_onnx metadata version {metadata[FORMAT_KEY]!r}; this pose3d reads version 1")
    return metadata


@dataclass(frozen=True)
class OnnxPredictor:
    """An exported model in an onnxruntime session on the CPU, with what its metadata says: the model, the 2D
    keypoints it was trained on, the test window (scored frames, padding) and whether the graph averages
    flipped inputs. :meth:`keypoints` predicts like :meth:`pose3d.runs.Predictor.keypoints`."""

    session: Any = field(repr=False)
    spec: ModelSpec
    layout_2d: str
    window: tuple[int, int]
    flip: bool
    metadata: dict[str, str] = field(repr=False)

    @property
    def model(self) -> str:
        return self.spec.name

    @classmethod
    def load(cls, path: str | Path, flip: bool = False, threads: int | None = None) -> OnnxPredictor:
        """Open and check ``path``; :class:`InputError` naming the file for one that is not pose3d's export, or
        when ``flip`` (flip test-time augmentation) is asked of a file exported without it."""
        path = Path(path)
        if not path.is_file():
            raise InputError(path, "no such ONNX file")
        ort = onnxruntime()
        from onnxruntime.capi import onnxruntime_pybind11_state as errors

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except (errors.InvalidProtobuf, errors.InvalidGraph, errors.Fail, errors.NotImplemented) as err:
            raise InputError(path, f"not an ONNX model onnxruntime can run ({one_line(err, 200)})") from err
        metadata = _metadata(path, session)
        try:
            spec = get(metadata.get("model"), path)
            chunk, pad = (int(metadata[key]) for key in ("window_chunk", "window_pad"))
            flipped = json.loads(metadata["flip_averaged"])
            layout_2d = metadata["layout_2d"]
        except (KeyError, ValueError) as err:
            raise InputError(path, f"pose3d_onnx metadata without a valid {one_line(err, 80)}") from err
        shape = session.get_inputs()[0].shape[1:]
        expected = [chunk + 2 * pad] * spec.temporal + [spec.num_joints, spec.input_channels]
        if shape != expected:
            raise InputError(path, f"input shape (batch, {shape}) is not a {spec.name} model's (batch, {expected})")
        if flip and not flipped:
            raise InputError(path, "exported without flip averaging; `pose3d export onnx --flip` writes it with")
        return cls(session, spec, layout_2d, (chunk, pad), bool(flipped), metadata)

    def run(self, inputs: np.ndarray) -> np.ndarray:
        """The graph's output for one batch of model inputs (B, [frames,] J, C)."""
        name = self.session.get_inputs()[0].name
        return np.asarray(self.session.run(None, {name: np.ascontiguousarray(inputs, dtype=np.float32)})[0])

    def keypoints(self, keypoints: np.ndarray, clip_starts: np.ndarray, scores: np.ndarray | None = None) -> np.ndarray:
        """Predictions (N, J, 3) for screen-normalised keypoints (N, J, 2) of clips starting at ``clip_starts``,
        with their detector ``scores`` (N, J) for a model that reads them (1.0 when not given)."""
        inputs = model_inputs(keypoints, scores, self.spec.input_channels).astype(np.float32)
        frame_batch, window_batch = BATCH
        out = np.full((*inputs.shape[:-1], 3), np.nan, dtype=np.float32)
        with progress(total=len(inputs), desc=f"predict {self.spec.name} (onnx)", unit=" frames") as bar:
            if not self.spec.temporal:
                for start in range(0, len(inputs), frame_batch):
                    out[start : start + frame_batch] = self.run(inputs[start : start + frame_batch])
                    bar.update(min(frame_batch, len(inputs) - start))
            else:
                windows, scored = test_windows(clip_starts, chunk=self.window[0], pad=self.window[1])
                for start in range(0, len(windows), window_batch):
                    index, mask = windows[start : start + window_batch], scored[start : start + window_batch]
                    out[index[mask]] = self.run(inputs[index])[mask]
                    bar.update(int(mask.sum()))
        if np.isnan(out).any():
            raise RuntimeError(f"{self.spec.name}: some frames got no prediction (non-finite output)")
        return out
