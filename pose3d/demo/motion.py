"""Action trajectories: joint-angle and root tracks per action, posed by forward kinematics.

Everything is vectorised over frames; randomness comes from the generator handed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose3d.data.h36m import FRAME_RATE
from pose3d.demo.body import ROTATING_JOINTS, Body, forward_kinematics, ground
from pose3d.demo.postures import BODY_CHANNELS, BODY_POSTURES, LEVELS, posture_sequence
from pose3d.demo.signals import keyframe_track, smooth_noise
from pose3d.demo.styles import ARM_CHANNELS, ARM_POSTURES, STYLES, Style

_K = {joint: k for k, joint in enumerate(ROTATING_JOINTS)}
#: Joint indices per side: hip, knee, ankle, clavicle, shoulder, elbow, wrist; and the side sign
#: (+1 left, -1 right) that mirrors abduction and twist.
_SIDES = {"L": ((6, 7, 8, 16, 17, 18, 19), 1.0), "R": ((1, 2, 3, 24, 25, 26, 27), -1.0)}
#: Body-posture channels of each leg once the roles are assigned: leg "a" is drawn to be left or right.
_LEGS = {"L": ("hip_a", "knee_a", "ankle_a"), "R": ("hip_b", "knee_b", "ankle_b")}
_C = {name: i for i, name in enumerate(BODY_CHANNELS)}
#: Anatomical ranges (degrees): hip flexion, knee flexion, elbow flexion, shoulder flexion, trunk flexion.
_HIP, _KNEE, _ELBOW, _SHOULDER, _TRUNK = (-30.0, 135.0), (0.0, 155.0), (0.0, 150.0), (-60.0, 180.0), (-30.0, 115.0)
#: Ground area that all four Human3.6M cameras see a person in: an ellipse (metres, world x/y).
_CAPTURE_CENTRE = (0.1, 0.2)
_CAPTURE_RADII = (1.0, 1.2)
_STEP_HIP_DEG = 20.0  # hip flexion amplitude of a normal walk at 1.2 m/s
_TURN_STEP = 0.3  # metres of stepping per radian of turning in place
_LEAD_IN_S = 40.0  # body postures run up to this long before a recording starts, so short recordings
# show each posture about as often as long ones do


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
    pose, support = _body_track(rng, style, frames, fps, tempo)
    stand = np.clip(pose[:, _C["stand"]], 0.0, 1.0)
    gate = _walk_gate(rng, style, frames, fps, tempo) * stand**4
    speed = style.speed * gate * (1.0 + 0.08 * smooth_noise(rng, frames, 1, fps, 0.2)[:, 0])
    xy, heading = _locomotion(rng, style, speed, fps, area)
    turn = _turns(rng, style, frames, fps, tempo)
    heading = heading + (1.0 - gate) * (np.radians(30.0) * smooth_noise(rng, frames, 1, fps, 0.05)[:, 0] + turn)
    stepping = speed + _TURN_STEP * np.abs(np.gradient(turn)) * fps * stand * (1.0 - gate)
    leg_length = -(body.offsets[2, 2] + body.offsets[3, 2])
    step = np.radians(_STEP_HIP_DEG) * np.sqrt(stepping / 1.2)
    stride = 4.0 * leg_length * np.sin(step) + 0.05
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(stepping / stride) / fps
    amount = np.degrees(step) / _STEP_HIP_DEG

    deg = np.zeros((frames, len(ROTATING_JOINTS), 3))
    deg += rng.uniform(-3.0, 3.0, deg.shape[1:])  # personal posture
    deg += 2.0 * smooth_noise(rng, frames, deg[0].size, fps, 0.5).reshape(deg.shape)
    arms = _arm_tracks(rng, style, frames, fps, tempo)
    for side, held in support.items():  # arms that go with the body posture take over
        arms[side] = arms[side] + held[:, -1:] * (held[:, :-1] - arms[side])
    trunk = _trunk_flexion(rng, style, pose, arms, gate, fps)
    _pose_legs(deg, pose, phase, amount)
    _pose_arms(deg, arms, phase, amount, rng, fps, tempo, style.gesture, trunk)
    _pose_trunk(deg, rng, style, pose, arms, trunk, amount, phase, fps)
    deg[:, _K[0], 0] += np.degrees(heading)
    deg[:, _K[0], 1] += pose[:, _C["pitch"]]
    deg[:, _K[0], 2] += pose[:, _C["roll"]]

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


def _arm_vector(name: str, rng: np.random.Generator) -> np.ndarray:
    """The :data:`ARM_CHANNELS` of one occurrence of an arm posture, its four angles jittered."""
    posture = ARM_POSTURES[name]
    values = np.array([getattr(posture, c) for c in ARM_CHANNELS], dtype=np.float64)
    values[:4] += rng.uniform(-1, 1, 4) * posture.jitter
    values[ARM_CHANNELS.index("turn")] *= rng.uniform(-1, 1)
    return values


def _body_track(
    rng: np.random.Generator, style: Style, frames: int, fps: float, tempo: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Body-posture channels (T, len(BODY_CHANNELS)) and, per side, the arm posture that goes with the
    body posture (T, len(ARM_CHANNELS)) followed by how much it takes over (T, 1)."""
    lead_in = int(rng.integers(0, int(_LEAD_IN_S * fps)))  # the recording starts in the middle of things
    sequence = posture_sequence(style.body, _segments(frames + lead_in, fps, 0.9 * tempo), rng)
    count = len(sequence)
    width = len(ARM_CHANNELS) + 1
    values = np.zeros((count, len(BODY_CHANNELS) + 2 * width))
    hold, blend = np.empty(count), np.empty(count)
    swap = [_C[name] for legs in _LEGS.values() for name in legs]
    side = rng.choice([-1.0, 1.0])  # the side lain on
    for k, (name, inserted) in enumerate(sequence):
        posture = BODY_POSTURES[name]
        drawn = posture.draw(rng)
        if rng.random() < 0.5:  # leg "a" on the right
            drawn[swap] = drawn[swap[3:] + swap[:3]]
        drawn[_C["shift"]] *= style.shift
        drawn[_C["roll"]] *= side
        values[k, : len(BODY_CHANNELS)] = drawn
        if posture.arms and rng.random() < 0.8:
            arm = str(rng.choice(posture.arms))
            for side in range(2):
                start = len(BODY_CHANNELS) + side * width
                values[k, start : start + width] = [*_arm_vector(arm, rng), 1.0]
        low = LEVELS[posture.level] >= LEVELS["floor"]
        hold[k] = rng.uniform(0.2, 0.8) if inserted else rng.uniform(*posture.hold)
        blend[k] = rng.uniform(0.7, 1.5) * (1.4 if low else 1.0)
    track = keyframe_track(values, hold * tempo * fps, blend * tempo * fps, frames + lead_in)[lead_in:]
    nb = len(BODY_CHANNELS)
    return track[:, :nb], {"L": track[:, nb : nb + width], "R": track[:, nb + width :]}


def _turns(rng: np.random.Generator, style: Style, frames: int, fps: float, tempo: float) -> np.ndarray:
    """(T,) heading change (rad) of turns in place: 30-160 deg either way, between pauses of 1.5-8 s."""
    count = _segments(frames, fps, 2.0 * tempo)
    size = rng.uniform(np.radians(30.0), np.radians(160.0), count) * rng.choice([-1.0, 1.0], count)
    heading = np.cumsum(size * (rng.random(count) < style.turns))
    hold = rng.uniform(1.5, 8.0, count) * tempo * fps
    hold[0] *= rng.random()
    blend = rng.uniform(0.8, 1.6, count) * tempo * fps
    return keyframe_track((heading - heading[0])[:, None], hold, blend, frames)[:, 0]


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


def _pose_legs(deg: np.ndarray, pose: np.ndarray, phase: np.ndarray, amount: np.ndarray) -> None:
    """Add the body posture's leg angles, gait cycles and weight shifts to the hip, knee and ankle angles.

    Where the posture keeps the feet flat (``flat``), the ankle takes whatever keeps the sole level.
    """
    shift = pose[:, _C["shift"]]
    for side, ((hip, knee, ankle, *_), sign) in _SIDES.items():
        p = phase if side == "L" else phase + np.pi
        hip_pose, knee_pose, ankle_pose = (pose[:, _C[name]] for name in _LEGS[side])
        bent = np.clip(sign * shift, 0.0, None)
        level = np.clip(pose[:, _C["pitch"]] + knee_pose - hip_pose, -45.0, 40.0)
        hip_flex = amount * (_STEP_HIP_DEG * np.cos(p) + 5.0) + hip_pose + 6 * bent
        knee_flex = amount * (5 + 12 * _bump(p, 0.1, 0.07) + 55 * _bump(p, 0.72, 0.09)) + knee_pose + 14 * bent
        dorsi = (
            amount * (8 * _bump(p, 0.4, 0.12) - 18 * _bump(p, 0.62, 0.05))
            + pose[:, _C["flat"]] * level
            + ankle_pose
            + 4 * bent
        )
        deg[:, _K[hip], 0] = -np.clip(hip_flex - deg[:, _K[hip], 0], *_HIP)
        deg[:, _K[hip], 1] += sign * (3 + pose[:, _C["abd"]])
        deg[:, _K[hip], 2] += sign * (8 + pose[:, _C["rot"]])
        deg[:, _K[knee], 0] = np.clip(deg[:, _K[knee], 0] + knee_flex, *_KNEE)
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
    hold[0] *= rng.random()
    blend = rng.uniform(0.4, 1.0, count) * tempo * fps
    lag = int(rng.integers(0, int(0.3 * fps) + 1))
    tracks = []
    for names, delay in ((lead, 0), (other, lag)):
        values = np.array([_arm_vector(name, rng) for name in names])
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
    trunk: np.ndarray,
) -> None:
    """Shoulder, clavicle and elbow angles from the posture tracks, plus arm swing, waving and gestures.

    ``trunk`` (T,) is the trunk flexion; each posture's ``hang`` share of it goes into shoulder flexion.
    """
    frames = len(phase)
    t = np.arange(frames) / fps
    for side, ((*_, clavicle, shoulder, elbow, wrist), sign) in _SIDES.items():
        flex, abd, twist, elbow_flex, wave, swing, hang = (
            arms[side][:, ARM_CHANNELS.index(c)] for c in ("flex", "abd", "twist", "elbow", "wave", "swing", "hang")
        )
        p = phase if side == "L" else phase + np.pi
        free = gesture * smooth_noise(rng, frames, 4, fps, 0.8) * np.array([1.0, 0.6, 0.6, 1.0])
        oscillation = np.sin(2 * np.pi * 2.2 * tempo * t + rng.uniform(0, 2 * np.pi))
        flex = np.clip(flex + free[:, 0] - 15.0 * amount * swing * np.cos(p) + hang * trunk, *_SHOULDER)
        abd = np.clip(abd + free[:, 1], -45.0, None)
        twist = twist + free[:, 2] + 0.6 * wave * oscillation
        elbow_flex = elbow_flex + free[:, 3] + wave * oscillation + 10.0 * amount * swing
        deg[:, _K[shoulder], 0] += -flex
        deg[:, _K[shoulder], 1] += sign * abd
        deg[:, _K[shoulder], 2] += -sign * twist
        deg[:, _K[elbow], 0] = -np.clip(elbow_flex - deg[:, _K[elbow], 0], *_ELBOW)
        deg[:, _K[clavicle], 1] += sign * (0.15 * np.clip(flex - 60.0, 0.0, None) + 0.1 * np.clip(abd, 0.0, None))
        deg[:, _K[wrist], 0] += 0.1 * elbow_flex


def _trunk_flexion(
    rng: np.random.Generator, style: Style, pose: np.ndarray, arms: dict[str, np.ndarray], gate: np.ndarray, fps: float
) -> np.ndarray:
    """Trunk flexion (T,) degrees: the body posture's, the action's, the arms', and a forward lean while
    the hips move fast (sitting down, standing up)."""
    frames = len(gate)
    arm_bend = sum(track[:, ARM_CHANNELS.index("bend")] for track in arms.values()) / len(arms)
    hips = 0.5 * (pose[:, _C["hip_a"]] + pose[:, _C["hip_b"]])
    rising = 30.0 * np.clip(np.abs(np.gradient(hips)) * fps / 60.0, 0.0, 1.0)
    flex = (
        pose[:, _C["spine"]]
        + style.bend
        + arm_bend
        + rising
        + 3 * gate
        + 3 * smooth_noise(rng, frames, 1, fps, 0.2)[:, 0]
    )
    return np.clip(flex, *_TRUNK)


def _pose_trunk(
    deg: np.ndarray,
    rng: np.random.Generator,
    style: Style,
    pose: np.ndarray,
    arms: dict[str, np.ndarray],
    flex: np.ndarray,
    amount: np.ndarray,
    phase: np.ndarray,
    fps: float,
) -> None:
    """Spine, neck and head: trunk flexion (mostly at the hips once deep) and side lean, gaze turns,
    gait counter-rotation."""
    frames = len(flex)
    arm_turn = sum(track[:, ARM_CHANNELS.index("turn")] for track in arms.values())
    look = style.look * smooth_noise(rng, frames, 2, fps, 0.15)
    twist = arm_turn + 0.3 * look[:, 0] + 5 * amount * np.cos(phase)
    deep = np.clip(flex - 30.0, 0.0, None)
    lower = 0.4 * (flex - deep) + 0.85 * deep
    lean = pose[:, _C["lean"]]
    for joint, part in ((11, lower), (12, flex - lower)):
        deg[:, _K[joint], 0] += part
        deg[:, _K[joint], 1] += 0.5 * lean
        deg[:, _K[joint], 2] += 0.5 * twist
    deg[:, _K[0], 0] += -5 * amount * np.cos(phase)  # pelvis yaw opposes the trunk
    deg[:, _K[13], 0] += 5 + 0.5 * style.bend + 0.3 * look[:, 1] - 0.2 * deep
    deg[:, _K[13], 2] += 0.7 * look[:, 0]
    deg[:, _K[14], 2] += 0.3 * look[:, 0]
