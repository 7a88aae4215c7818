"""Action trajectories: joint-angle and root tracks per action, posed by forward kinematics.

Everything is vectorised over frames; randomness comes from the generator handed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose3d.data.demo.body import ROTATING_JOINTS, Body, forward_kinematics, ground
from pose3d.data.demo.signals import keyframe_track, smooth_noise
from pose3d.data.demo.styles import ARM_CHANNELS, ARM_POSTURES, LEG_HOLDS, STYLES, Style
from pose3d.data.h36m import FRAME_RATE

_K = {joint: k for k, joint in enumerate(ROTATING_JOINTS)}
#: Joint indices per side: hip, knee, ankle, clavicle, shoulder, elbow, wrist; and the side sign
#: (+1 left, -1 right) that mirrors abduction and twist.
_SIDES = {"L": ((6, 7, 8, 16, 17, 18, 19), 1.0), "R": ((1, 2, 3, 24, 25, 26, 27), -1.0)}
#: Leg-mode channels: chair, floor, crouch levels, weight shift, chair knee and hip variation.
_LEG_MODES: dict[str, tuple[float, float, float]] = {
    "stand": (0.0, 0.0, 0.0),
    "chair": (1.0, 0.0, 0.0),
    "floor": (0.0, 1.0, 0.0),
    "crouch": (0.0, 0.0, 1.0),
}
#: Floor-sitting leg shapes (hip flexion, abduction, external rotation, knee flexion, ankle
#: dorsiflexion): cross-legged or knees up.
_FLOOR_SHAPES = np.array([[85.0, 40.0, 85.0, 130.0, 0.0], [120.0, 15.0, 10.0, 75.0, 10.0]])
#: Ground area that all four Human3.6M cameras see a person in: an ellipse (metres, world x/y).
_CAPTURE_CENTRE = (0.1, 0.2)
_CAPTURE_RADII = (1.0, 1.2)
_STEP_HIP_DEG = 20.0  # hip flexion amplitude of a normal walk at 1.2 m/s


@dataclass(frozen=True)
class Motion:
    """A posed sequence: root position (T, 3) m, local rotations (T, 25, 3) rad, joints (T, 32, 3) m."""

    root: np.ndarray
    angles: np.ndarray
    positions: np.ndarray


def animate(
    action: str, body: Body, rng: np.random.Generator, frames: int, fps: float = FRAME_RATE, area: float = 1.0
) -> Motion:
    """Random ``frames``-long motion of ``action`` for one subject, grounded on z = 0 (world, z up).

    ``area`` scales the capture area the person moves in (1: the area the Human3.6M cameras see).
    """
    style = STYLES[action]
    tempo = rng.uniform(0.85, 1.15)
    legs = _leg_track(rng, style, frames, fps, tempo)
    seated = np.clip(legs[:, :3].sum(axis=1), 0.0, 1.0)
    gate = _walk_gate(rng, style, frames, fps, tempo) * (1.0 - seated) ** 4
    speed = style.speed * gate * (1.0 + 0.08 * smooth_noise(rng, frames, 1, fps, 0.2)[:, 0])
    xy, heading = _locomotion(rng, style, speed, fps, area)
    heading = heading + (1.0 - gate) * np.radians(30.0) * smooth_noise(rng, frames, 1, fps, 0.05)[:, 0]
    leg_length = -(body.offsets[2, 2] + body.offsets[3, 2])
    step = np.radians(_STEP_HIP_DEG) * np.sqrt(speed / 1.2)
    stride = 4.0 * leg_length * np.sin(step) + 0.05
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(speed / stride) / fps
    amount = np.degrees(step) / _STEP_HIP_DEG

    deg = np.zeros((frames, len(ROTATING_JOINTS), 3))
    deg += rng.uniform(-3.0, 3.0, deg.shape[1:])  # personal posture
    deg += 2.0 * smooth_noise(rng, frames, deg[0].size, fps, 0.5).reshape(deg.shape)
    arms = _arm_tracks(rng, style, frames, fps, tempo)
    _pose_legs(deg, legs, phase, amount, int(rng.integers(len(_FLOOR_SHAPES))))
    _pose_arms(deg, arms, phase, amount, rng, fps, tempo, style.gesture)
    _pose_trunk(deg, rng, style, legs, arms, gate, amount, phase, fps)
    deg[:, _K[0], 0] += np.degrees(heading)

    angles = np.radians(deg)
    root = np.concatenate([xy, np.zeros((frames, 1))], axis=1)
    positions = forward_kinematics(body, root, angles)
    lift = ground(positions)
    root[:, 2] += lift
    positions[..., 2] += lift[:, None]
    return Motion(root=root, angles=angles, positions=positions)


def _segments(frames: int, fps: float, shortest: float) -> int:
    """Number of keyframes that surely covers ``frames`` when no segment is shorter than ``shortest`` s."""
    return int(np.ceil(frames / (fps * shortest))) + 2


def _leg_track(rng: np.random.Generator, style: Style, frames: int, fps: float, tempo: float) -> np.ndarray:
    """(T, 6): chair, floor, crouch levels, weight shift, chair knee and hip variation (degrees)."""
    names = list(style.legs)
    count = _segments(frames, fps, 1.6 * tempo)
    pick = rng.choice(len(names), size=count, p=np.array(list(style.legs.values())))
    levels = np.array([_LEG_MODES[names[i]] for i in pick], dtype=np.float64)
    shift = rng.uniform(-1.0, 1.0, count) * style.shift * (levels.sum(axis=1) == 0)
    values = np.column_stack([levels, shift, rng.uniform(-12, 12, (count, 2))])
    lo, hi = np.array([LEG_HOLDS[names[i]] for i in pick]).T
    hold = rng.uniform(lo, hi) * tempo * fps
    blend = rng.uniform(0.6, 1.6, count) * tempo * fps
    return keyframe_track(values, hold, blend, frames)


def _walk_gate(rng: np.random.Generator, style: Style, frames: int, fps: float, tempo: float) -> np.ndarray:
    """(T,) 1 while walking, 0 while standing, with smooth starts and stops."""
    if style.walk >= 1.0 or style.walk <= 0.0:
        return np.full(frames, float(style.walk >= 1.0))
    count = _segments(frames, fps, 0.6)
    walking = (np.arange(count) + rng.integers(2)) % 2
    bout = rng.uniform(2.0, 7.0, count)
    hold = np.where(walking == 1, bout, bout * (1.0 - style.walk) / style.walk) * tempo * fps
    return keyframe_track(walking[:, None].astype(np.float64), hold, np.full(count, 0.6 * fps), frames)[:, 0]


def _locomotion(
    rng: np.random.Generator, style: Style, speed: np.ndarray, fps: float, area: float
) -> tuple[np.ndarray, np.ndarray]:
    """Root ground positions (T, 2) m along a closed loop in the capture area, and the loop heading (T,)."""
    theta = np.linspace(0.0, 2 * np.pi, 1025) * rng.choice([-1.0, 1.0])
    radius = 1.0 + rng.uniform(0.0, 0.1) * np.sin(2 * theta + rng.uniform(0, 2 * np.pi))
    axes = np.array(_CAPTURE_RADII) * style.loop * area * rng.uniform(0.8, 1.0, 2) / 1.1
    local = np.stack([axes[0] * np.cos(theta), axes[1] * np.sin(theta)], axis=1) * radius[:, None]
    rot = rng.uniform(-0.25, 0.25)
    turn = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])
    centre = (np.array(_CAPTURE_CENTRE) + rng.uniform(-0.1, 0.1, 2)) * area
    curve = local @ turn.T + centre
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(curve, axis=0), axis=1))])
    tangent = np.gradient(curve, axis=0)
    travelled = (rng.uniform(0, arc[-1]) + np.cumsum(speed) / fps) % arc[-1]
    xy = np.stack([np.interp(travelled, arc, curve[:, i]) for i in range(2)], axis=1)
    direction = [np.interp(travelled, arc, tangent[:, i]) for i in range(2)]
    return xy, np.unwrap(np.arctan2(direction[1], direction[0]))


def _bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Periodic Gaussian bump of the gait cycle (phase in radians, centre and width in cycles)."""
    d = (phase / (2 * np.pi) - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def _pose_legs(deg: np.ndarray, legs: np.ndarray, phase: np.ndarray, amount: np.ndarray, floor_shape: int) -> None:
    """Add gait cycles, sitting, crouching and weight shifts to the hip, knee and ankle angles."""
    chair, floor, crouch, shift, knee_var, hip_var = legs.T
    f_hip, f_abd, f_rot, f_knee, f_ankle = _FLOOR_SHAPES[floor_shape]
    for side, ((hip, knee, ankle, *_), sign) in _SIDES.items():
        p = phase if side == "L" else phase + np.pi
        bent = np.clip(sign * shift, 0.0, None)
        hip_flex = (
            amount * (_STEP_HIP_DEG * np.cos(p) + 5.0) + (85 + hip_var) * chair + f_hip * floor + 80 * crouch + 6 * bent
        )
        knee_flex = (
            amount * (5 + 12 * _bump(p, 0.1, 0.07) + 55 * _bump(p, 0.72, 0.09))
            + (90 + knee_var) * chair
            + f_knee * floor
            + 100 * crouch
            + 14 * bent
        )
        dorsi = (
            amount * (8 * _bump(p, 0.4, 0.12) - 18 * _bump(p, 0.62, 0.05))
            + 5 * chair
            + f_ankle * floor
            + 25 * crouch
            + 4 * bent
        )
        deg[:, _K[hip], 0] += -hip_flex
        deg[:, _K[hip], 1] += sign * (3 + 6 * chair + f_abd * floor + 10 * crouch)
        deg[:, _K[hip], 2] += sign * (8 + f_rot * floor + 5 * crouch)
        deg[:, _K[knee], 0] = np.clip(deg[:, _K[knee], 0] + knee_flex, 0.0, 150.0)
        deg[:, _K[ankle], 0] += -dorsi
    deg[:, _K[0], 2] += -3.0 * shift


def _arm_tracks(rng: np.random.Generator, style: Style, frames: int, fps: float, tempo: float) -> dict[str, np.ndarray]:
    """Posture tracks (T, len(ARM_CHANNELS)) of the left and right arm; the lead arm is usually the right."""
    count = _segments(frames, fps, 0.8 * tempo)
    lead_names = list(style.lead)
    other_names = list(style.other)
    lead = [lead_names[i] for i in rng.choice(len(lead_names), count, p=list(style.lead.values()))]
    other = [other_names[i] for i in rng.choice(len(other_names), count, p=list(style.other.values()))]
    other = [a if ARM_POSTURES[a].both else b for a, b in zip(lead, other)]
    lo, hi = np.array([ARM_POSTURES[name].hold for name in lead]).T
    hold = rng.uniform(lo, hi) * style.hold * tempo * fps
    blend = rng.uniform(0.4, 1.0, count) * tempo * fps
    lag = int(rng.integers(0, int(0.3 * fps) + 1))
    tracks = []
    for names, delay in ((lead, 0), (other, lag)):
        values = np.array([[getattr(ARM_POSTURES[n], c) for c in ARM_CHANNELS] for n in names], dtype=float)
        jitter = np.array([ARM_POSTURES[n].jitter for n in names])
        values[:, :4] += rng.uniform(-1, 1, (count, 4)) * jitter[:, None]
        values[:, ARM_CHANNELS.index("turn")] *= rng.uniform(-1, 1, count)
        tracks.append(keyframe_track(values, hold, blend, frames + delay)[delay:])
    lead_side = "R" if rng.random() < 0.85 else "L"
    return {lead_side: tracks[0], ("L" if lead_side == "R" else "R"): tracks[1]}


def _pose_arms(
    deg: np.ndarray,
    arms: dict[str, np.ndarray],
    phase: np.ndarray,
    amount: np.ndarray,
    rng: np.random.Generator,
    fps: float,
    tempo: float,
    gesture: float,
) -> None:
    """Shoulder, clavicle and elbow angles from the posture tracks, plus arm swing, waving and gestures."""
    frames = len(phase)
    t = np.arange(frames) / fps
    for side, ((*_, clavicle, shoulder, elbow, wrist), sign) in _SIDES.items():
        flex, abd, twist, elbow_flex, wave, swing = (
            arms[side][:, ARM_CHANNELS.index(c)] for c in ("flex", "abd", "twist", "elbow", "wave", "swing")
        )
        p = phase if side == "L" else phase + np.pi
        free = gesture * smooth_noise(rng, frames, 4, fps, 0.8) * np.array([1.0, 0.6, 0.6, 1.0])
        oscillation = np.sin(2 * np.pi * 2.2 * tempo * t + rng.uniform(0, 2 * np.pi))
        flex = flex + free[:, 0] - 15.0 * amount * swing * np.cos(p)
        abd = np.clip(abd + free[:, 1], -5.0, None)
        twist = twist + free[:, 2] + 0.6 * wave * oscillation
        elbow_flex = elbow_flex + free[:, 3] + wave * oscillation + 10.0 * amount * swing
        deg[:, _K[shoulder], 0] += -flex
        deg[:, _K[shoulder], 1] += sign * abd
        deg[:, _K[shoulder], 2] += -sign * twist
        deg[:, _K[elbow], 0] = -np.clip(elbow_flex - deg[:, _K[elbow], 0], 0.0, 155.0)
        deg[:, _K[clavicle], 1] += sign * (0.15 * np.clip(flex - 60.0, 0.0, None) + 0.1 * abd)
        deg[:, _K[wrist], 0] += 0.1 * elbow_flex


def _pose_trunk(
    deg: np.ndarray,
    rng: np.random.Generator,
    style: Style,
    legs: np.ndarray,
    arms: dict[str, np.ndarray],
    gate: np.ndarray,
    amount: np.ndarray,
    phase: np.ndarray,
    fps: float,
) -> None:
    """Spine, neck and head: leaning with the legs and arms, gaze turns, gait counter-rotation."""
    frames = len(gate)
    chair, floor, crouch = legs[:, 0], legs[:, 1], legs[:, 2]
    level = np.clip(chair + floor + crouch, 0.0, 1.0)
    arm_bend = sum(track[:, ARM_CHANNELS.index("bend")] for track in arms.values()) / len(arms)
    arm_turn = sum(track[:, ARM_CHANNELS.index("turn")] for track in arms.values())
    look = style.look * smooth_noise(rng, frames, 2, fps, 0.15)
    flex = (
        style.bend
        + 10 * floor
        + 30 * crouch
        + 100 * level * (1 - level)
        + arm_bend
        + 3 * gate
        + 3 * smooth_noise(rng, frames, 1, fps, 0.2)[:, 0]
    )
    twist = arm_turn + 0.3 * look[:, 0] + 5 * amount * np.cos(phase)
    for joint, share in ((11, 0.4), (12, 0.6)):
        deg[:, _K[joint], 0] += share * flex
        deg[:, _K[joint], 2] += 0.5 * twist
    deg[:, _K[0], 0] += -5 * amount * np.cos(phase)  # pelvis yaw opposes the trunk
    deg[:, _K[13], 0] += 5 + 0.5 * style.bend + 0.3 * look[:, 1]
    deg[:, _K[13], 2] += 0.7 * look[:, 0]
    deg[:, _K[14], 2] += 0.3 * look[:, 0]
