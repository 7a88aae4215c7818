"""What each Human3.6M action looks like in the demo data: arm postures, leg modes, locomotion.

Angles are in degrees and anatomical: flexion forward, abduction away from the midline, internal
rotation of the upper arm; :mod:`pose3d.data.demo.motion` turns them into joint rotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Channels of an arm posture vector.
ARM_CHANNELS: tuple[str, ...] = ("flex", "abd", "twist", "elbow", "wave", "swing", "bend", "turn")


@dataclass(frozen=True)
class ArmPosture:
    """Shoulder flexion/abduction/internal rotation and elbow flexion (degrees) held for a while.

    ``wave``: amplitude of a fast forearm oscillation; ``swing``: share of the walking arm swing kept;
    ``bend``: trunk flexion that goes with the posture; ``turn``: trunk yaw range (random sign);
    ``jitter``: random spread of the four arm angles per occurrence; ``both``: both arms take it.
    """

    flex: float
    abd: float
    twist: float
    elbow: float
    hold: tuple[float, float]
    wave: float = 0.0
    swing: float = 0.0
    bend: float = 0.0
    turn: float = 0.0
    jitter: float = 8.0
    both: bool = False


ARM_POSTURES: dict[str, ArmPosture] = {
    "rest": ArmPosture(6, 8, 0, 15, (1.0, 5.0), swing=1.0, jitter=5),
    "hip": ArmPosture(-15, 50, 75, 95, (2.0, 6.0), jitter=6),
    "ear": ArmPosture(60, 40, 30, 150, (4.0, 15.0), jitter=5),
    "mouth": ArmPosture(55, 5, 65, 145, (0.4, 1.5), jitter=5),
    "camera": ArmPosture(65, 25, 65, 125, (1.5, 5.0), jitter=5, both=True),
    "wave": ArmPosture(120, 35, 0, 60, (1.5, 4.0), wave=22.0, jitter=10),
    "shake": ArmPosture(40, 5, 10, 45, (1.0, 3.0), wave=6.0, bend=10.0, jitter=5),
    "point": ArmPosture(85, 20, 0, 8, (1.0, 3.5), turn=40.0, jitter=15),
    "up": ArmPosture(155, 25, 0, 10, (2.0, 5.0), jitter=15),
    "reach": ArmPosture(70, 8, 10, 15, (1.0, 3.0), bend=25.0, jitter=10, both=True),
    "gesture": ArmPosture(35, 20, 35, 80, (0.6, 2.0), swing=0.3, jitter=20),
    "cross": ArmPosture(35, 10, 95, 115, (3.0, 10.0), jitter=5, both=True),
    "clasp": ArmPosture(15, 5, 55, 55, (3.0, 10.0), jitter=5, both=True),
    "back": ArmPosture(-30, 12, 75, 85, (3.0, 10.0), jitter=5, both=True),
    "lap": ArmPosture(35, 12, 20, 45, (2.0, 8.0), jitter=8),
    "table": ArmPosture(30, 10, 40, 85, (1.5, 4.0), bend=8.0, jitter=8),
    "leash": ArmPosture(30, 10, 0, 30, (2.0, 8.0), swing=0.2, bend=5.0, jitter=8),
}

#: Leg modes: chair sitting, floor sitting, crouching, standing (with weight shift); hold range (s).
LEG_HOLDS: dict[str, tuple[float, float]] = {
    "stand": (2.0, 10.0),
    "chair": (10.0, 40.0),
    "floor": (8.0, 30.0),
    "crouch": (1.0, 4.0),
}


@dataclass(frozen=True)
class Style:
    """How one action moves: arm posture weights (lead/other arm), leg modes, walking and gaze."""

    lead: dict[str, float]
    other: dict[str, float]
    legs: dict[str, float] = field(default_factory=lambda: {"stand": 1.0})
    walk: float = 0.0  # fraction of standing time spent walking
    speed: float = 1.1  # walking speed (m/s)
    loop: float = 0.6  # size of the walking loop, as a share of the capture area
    bend: float = 0.0  # mean trunk flexion (degrees)
    gesture: float = 4.0  # amplitude of free arm motion (degrees)
    look: float = 15.0  # amplitude of head turns (degrees)
    shift: float = 0.5  # amplitude of weight shifts while standing (0..1)
    hold: float = 1.0  # multiplier of posture hold times


STYLES: dict[str, Style] = {
    "Directions": Style(
        lead={"point": 0.5, "rest": 0.3, "gesture": 0.2},
        other={"rest": 0.6, "hip": 0.2, "gesture": 0.2},
        walk=0.3,
        look=25.0,
    ),
    "Discussion": Style(
        lead={"gesture": 0.6, "rest": 0.2, "hip": 0.2},
        other={"gesture": 0.4, "rest": 0.4, "hip": 0.2},
        walk=0.25,
        gesture=14.0,
        look=25.0,
    ),
    "Eating": Style(
        lead={"mouth": 0.4, "table": 0.6}, other={"table": 0.7, "mouth": 0.3}, legs={"chair": 1.0}, bend=8.0
    ),
    "Greeting": Style(
        lead={"wave": 0.35, "shake": 0.25, "rest": 0.4}, other={"rest": 0.8, "gesture": 0.2}, walk=0.35, look=20.0
    ),
    "Phoning": Style(
        lead={"ear": 0.85, "gesture": 0.15},
        other={"rest": 0.4, "hip": 0.3, "gesture": 0.3},
        legs={"stand": 0.85, "chair": 0.15},
        walk=0.35,
        speed=0.8,
    ),
    "Photo": Style(
        lead={"camera": 0.55, "rest": 0.3, "point": 0.15},
        other={"rest": 1.0},
        legs={"stand": 0.7, "crouch": 0.3},
        walk=0.3,
        speed=0.8,
    ),
    "Posing": Style(
        lead={"hip": 0.25, "point": 0.15, "up": 0.2, "gesture": 0.15, "rest": 0.25},
        other={"hip": 0.3, "up": 0.15, "gesture": 0.2, "rest": 0.35},
        legs={"stand": 0.85, "crouch": 0.15},
        walk=0.1,
        shift=1.0,
        hold=2.0,
    ),
    "Purchases": Style(
        lead={"reach": 0.4, "rest": 0.4, "gesture": 0.2},
        other={"rest": 0.8, "gesture": 0.2},
        legs={"stand": 0.75, "crouch": 0.25},
        walk=0.35,
        speed=0.9,
    ),
    "Sitting": Style(
        lead={"lap": 0.4, "gesture": 0.2, "ear": 0.15, "mouth": 0.1, "table": 0.15},
        other={"lap": 0.6, "gesture": 0.2, "table": 0.2},
        legs={"chair": 0.85, "stand": 0.15},
        walk=0.1,
        bend=5.0,
    ),
    "SittingDown": Style(
        lead={"lap": 0.4, "rest": 0.3, "gesture": 0.3},
        other={"lap": 0.5, "rest": 0.5},
        legs={"floor": 0.55, "stand": 0.25, "crouch": 0.2},
        walk=0.15,
        bend=8.0,
    ),
    "Smoking": Style(
        lead={"mouth": 0.35, "rest": 0.4, "gesture": 0.25},
        other={"cross": 0.3, "rest": 0.5, "hip": 0.2},
        legs={"stand": 0.85, "chair": 0.15},
        walk=0.15,
    ),
    "Waiting": Style(
        lead={"clasp": 0.25, "cross": 0.25, "back": 0.15, "rest": 0.25, "hip": 0.1},
        other={"rest": 0.7, "hip": 0.3},
        walk=0.2,
        speed=0.8,
        look=30.0,
        shift=1.0,
    ),
    "WalkDog": Style(lead={"leash": 0.7, "rest": 0.3}, other={"rest": 1.0}, walk=0.85, speed=0.9, loop=0.95, bend=8.0),
    "Walking": Style(lead={"rest": 1.0}, other={"rest": 1.0}, walk=1.0, speed=1.2, loop=1.0),
    "WalkTogether": Style(
        lead={"rest": 0.8, "gesture": 0.2}, other={"rest": 1.0}, walk=0.95, speed=1.0, loop=0.95, look=25.0
    ),
}
