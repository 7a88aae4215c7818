"""Detector keypoints -> H36M-17: the synthesised joints, every layout alike, scores, the demo's COCO keypoints."""

from __future__ import annotations

import numpy as np
import pytest
from keypoint_files import in_layout

from pose3d.data.layouts import coco_to_h36m, to_h36m17
from pose3d.data.skeleton import COCO_17, H36M_17
from pose3d.demo.detector import coco_keypoints


def _coco(rng: np.random.Generator) -> np.ndarray:
    keypoints = rng.uniform(0, 1000, (6, 17, 3))
    keypoints[..., 2] = rng.uniform(0.1, 1.0, (6, 17))
    return keypoints


def test_synthesised_joints() -> None:
    coco = _coco(np.random.default_rng(0))
    out = coco_to_h36m(coco)
    k = {name: coco[:, i, :2] for i, name in enumerate(COCO_17.joints)}
    h = {name: out[:, i, :2] for i, name in enumerate(H36M_17.joints)}
    pelvis = (k["left_hip"] + k["right_hip"]) / 2
    thorax = (k["left_shoulder"] + k["right_shoulder"]) / 2
    np.testing.assert_allclose(h["Hip"], pelvis)
    np.testing.assert_allclose(h["Thorax"], thorax)
    np.testing.assert_allclose(h["Spine"], (pelvis + thorax) / 2)
    np.testing.assert_allclose(h["Neck/Nose"], k["nose"])
    np.testing.assert_allclose(h["Head"], (k["left_eye"] + k["right_eye"] + k["left_ear"] + k["right_ear"]) / 4)
    np.testing.assert_allclose(h["RKnee"], k["right_knee"])
    np.testing.assert_allclose(h["LWrist"], k["left_wrist"])
    np.testing.assert_allclose(out[:, 0, 2], coco[:, [11, 12], 2].min(axis=1))  # a synthesised joint's score
    assert coco_to_h36m(coco[..., :2]).shape == (6, 17, 2)


@pytest.mark.parametrize("layout", ["body25", "coco18", "halpe26"])
def test_every_layout_maps_like_coco(layout: str) -> None:
    coco = _coco(np.random.default_rng(1))
    np.testing.assert_allclose(to_h36m17(in_layout(coco, layout), layout), coco_to_h36m(coco))


def test_missing_keypoint_makes_its_joints_missing() -> None:
    coco = _coco(np.random.default_rng(2))
    coco[0, COCO_17.joints.index("left_ear"), :2] = np.nan
    missing = np.isnan(coco_to_h36m(coco)[0, :, 0])
    assert [H36M_17.joints[j] for j in np.flatnonzero(missing)] == ["Head"]


def test_demo_face_keypoints_sit_on_the_head() -> None:
    from pose3d.demo.body import ROTATING_JOINTS, forward_kinematics
    from pose3d.demo.writer import subject_body

    rng = np.random.default_rng(0)
    angles = rng.uniform(-0.3, 0.3, (50, len(ROTATING_JOINTS), 3))
    angles[:, 0, 0] = rng.uniform(-np.pi, np.pi, 50)  # any heading
    positions = forward_kinematics(subject_body("S9", 0), np.zeros((50, 3)), angles)
    coco = coco_keypoints(positions)
    nose, left_eye, right_eye = (coco[:, COCO_17.joints.index(n)] for n in ("nose", "left_eye", "right_eye"))
    left_ear = coco[:, COCO_17.joints.index("left_ear")]
    assert np.all(np.abs(np.linalg.norm(left_eye - nose, axis=-1) - 0.0515) < 1e-3)
    assert np.all(np.linalg.norm(left_ear - right_eye, axis=-1) > np.linalg.norm(left_eye - right_eye, axis=-1))
    across = positions[:, 17] - positions[:, 25]  # right shoulder -> left shoulder
    assert np.all(((left_eye - right_eye) * across).sum(axis=-1) > 0)  # the left eye is on the body's left
