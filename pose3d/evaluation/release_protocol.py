"""MotionBERT's and MotionAGFormer's own Human3.6M protocol, for checkpoints imported from those releases.

pose3d scores every model on root-relative camera-frame metres from the CDF poses. The releases score
2.5D image-space predictions instead (``train.py::evaluate``), and an imported checkpoint reproduces
their numbers only under their protocol: predict each non-overlapping clip of the converted MotionBERT
test table (with flip test-time augmentation, as their configs do), undo the screen normalisation
(x, y: ``(p + [1, h / w]) * w / 2``; z: ``p * w / 2``), multiply by each frame's 2.5D factor (pixels to
millimetres), subtract the root from prediction and target, and average the per-frame errors per
action label, then over the labels. Clips of the three S9 recordings the releases skip are not scored,
and frames whose error is exactly 0 are dropped, as the releases drop them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from pose3d.data.loader import ReleaseClips, load_motionbert_test
from pose3d.data.parquet_io import write_table
from pose3d.evaluation.metrics import mpjpe, p_mpjpe
from pose3d.models.predict import flip_averaged
from pose3d.runs import Checkpoint

#: The long table's dataset name for scores under the releases' protocol (pose3d's own are ``h36m``).
DATASET = "h36m_release"
#: Clips per forward pass.
BATCH = 16


@torch.inference_mode()
def predict_clips(checkpoint: Checkpoint, clips: ReleaseClips, flip: bool = True) -> np.ndarray:
    """The model's screen-normalised 2.5D predictions (C, F, 17, 3) for every clip."""
    network = checkpoint.network()
    forward = flip_averaged(network, checkpoint.spec.skeleton) if flip else network
    inputs = torch.as_tensor(clips.inputs)
    return torch.cat([forward(inputs[i : i + BATCH]).float() for i in range(0, len(inputs), BATCH)]).numpy()


def millimetres(pred: np.ndarray, clips: ReleaseClips) -> np.ndarray:
    """Screen-normalised predictions (C, F, J, 3) -> root-relative millimetres, as the releases rescale them."""
    width, height = clips.image_size[:, 0, None, None, None], clips.image_size[:, 1, None, None, None]
    xy = (pred[..., :2] + np.concatenate([np.ones_like(height), height / width], axis=-1)) * width / 2
    image = np.concatenate([xy, pred[..., 2:] * width / 2], axis=-1) * clips.factors[..., None, None]
    return image - image[..., :1, :]


def release_scores(pred: np.ndarray, clips: ReleaseClips) -> pd.DataFrame:
    """Per-action MPJPE and P-MPJPE (mm) under the releases' protocol, then ``Average`` over the actions."""
    scored = clips.scored
    pose = millimetres(pred, clips)[scored].reshape(-1, *pred.shape[-2:])
    target = clips.targets[scored] - clips.targets[scored][..., :1, :]
    target = target.reshape(pose.shape)
    labels = clips.frame_action[clips.rows[scored].ravel()]
    rows = []
    for metric, errors in (("mpjpe", mpjpe(pose, target)), ("p_mpjpe", p_mpjpe(pose, target))):
        kept = errors != 0
        per_action = pd.Series(errors[kept]).groupby(labels[kept]).agg(["mean", "size"])
        rows += [(action, metric, float(v), int(n)) for action, (v, n) in per_action.iterrows()]
        rows.append(("Average", metric, float(per_action["mean"].mean()), int(per_action["size"].sum())))
    return pd.DataFrame(rows, columns=["action", "metric", "value", "frames"])


def evaluate_release(checkpoint: str | Path, motionbert_test: str | Path, out: str | Path) -> pd.DataFrame:
    """Score an imported checkpoint on ``motionbert_test.parquet`` (``pose3d convert motionbert``) the releases'
    way; writes the long metrics table (dataset ``h36m_release``) and returns it."""
    saved = Checkpoint.load(checkpoint)
    clips = load_motionbert_test(motionbert_test, saved.spec.window(saved.options))
    saved.check_reads(checkpoint, motionbert_test)  # the table is checked by now
    scores = release_scores(predict_clips(saved, clips), clips)
    frame = scores.assign(run=saved.run, model=saved.model, input="motionbert", dataset=DATASET, split="test")
    frame = frame[["run", "model", "input", "dataset", "split", "action", "metric", "value", "frames"]]
    write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return frame
