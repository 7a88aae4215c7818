"""What each Human3.6M action looks like in the demo data: arm postures, body postures, locomotion.

Angles are in degrees and anatomical: flexion forward, abduction away from the midline, internal
rotation of the upper arm; :mod:`pose3d.demo.motion` turns them into joint rotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Channels of an arm posture vector.
ARM_CHANNELS: tuple[str, ...] = ("flex", "abd", "twist", "elbow", "wave", "swing", "bend", "turn", "hang")


@dataclass(frozen=True)
class ArmPosture:
    """Shoulder flexion/abduction/internal rotation and elbow flexion (degrees) held for a while.

    ``wave``: amplitude of a fast forearm oscillation; ``swing``: share of the walking arm swing kept;
    ``bend``: trunk flexion that goes with the posture; ``turn``: trunk yaw range (random sign);
    ``hang``: share of the trunk flexion the shoulder follows, so the arm keeps pointing down (1) or stays
    where the trunk takes it (0); ``jitter``: random spread of the four arm angles per occurrence;
    ``both``: both arms take it. Negative abduction crosses the arm in front of the body.
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
    hang: float = 0.0
    jitter: float = 8.0
    both: bool = False


ARM_POSTURES: dict[str, ArmPosture] = {
    "rest": ArmPosture(6, 8, 0, 15, (1.0, 5.0), swing=1.0, hang=0.9, jitter=5),
    "hip": ArmPosture(-15, 50, 75, 95, (2.0, 6.0), jitter=6),
    "ear": ArmPosture(60, 40, 30, 150, (4.0, 15.0), jitter=5),
    "mouth": ArmPosture(55, 5, 65, 145, (0.4, 1.5), jitter=5),
    "camera": ArmPosture(65, 25, 65, 125, (1.5, 5.0), jitter=5, both=True),
    "wave": ArmPosture(120, 35, 0, 60, (1.5, 4.0), wave=22.0, jitter=10),
    "shake": ArmPosture(40, 5, 10, 45, (1.0, 3.0), wave=6.0, bend=10.0, hang=0.5, jitter=5),
    "point": ArmPosture(85, 20, 0, 8, (1.0, 3.5), turn=40.0, hang=0.5, jitter=15),
    "up": ArmPosture(155, 25, 0, 10, (2.0, 5.0), jitter=15),
    "stretch": ArmPosture(165, 15, 0, 15, (1.5, 4.0), jitter=10, both=True),
    "reach": ArmPosture(70, 8, 10, 15, (1.0, 3.0), bend=25.0, hang=0.6, jitter=10, both=True),
    "across": ArmPosture(75, -35, 20, 35, (1.0, 3.0), turn=25.0, hang=0.5, jitter=12),
    "reach_back": ArmPosture(-50, 15, 0, 15, (1.0, 3.0), turn=35.0, jitter=10),
    "gesture": ArmPosture(35, 20, 35, 80, (0.6, 2.0), swing=0.3, hang=0.4, jitter=20),
    "cross": ArmPosture(35, 10, 95, 115, (3.0, 10.0), jitter=5, both=True),
    "clasp": ArmPosture(15, 5, 55, 55, (3.0, 10.0), jitter=5, both=True),
    "back": ArmPosture(-30, 12, 75, 85, (3.0, 10.0), jitter=5, both=True),
    "lap": ArmPosture(35, 12, 20, 45, (2.0, 8.0), hang=0.2, jitter=8),
    "table": ArmPosture(30, 10, 40, 85, (1.5, 4.0), bend=8.0, hang=0.3, jitter=8),
    "leash": ArmPosture(30, 10, 0, 30, (2.0, 8.0), swing=0.2, bend=5.0, hang=0.5, jitter=8),
    # Arms that go with body postures (see pose3d.demo.postures).
    "floor": ArmPosture(-5, 10, 10, 10, (1.0, 3.0), hang=1.0, jitter=10, both=True),
    "knees": ArmPosture(25, 12, 25, 35, (1.0, 4.0), hang=0.7, jitter=8, both=True),
    "prop": ArmPosture(-5, 20, -10, 5, (3.0, 10.0), jitter=8, both=True),  # hands on the floor behind
    "lie": ArmPosture(10, 55, 10, 25, (3.0, 10.0), jitter=15, both=True),
}


@dataclass(frozen=True)
class Style:
    """How one action moves: arm posture weights (lead/other arm), body postures, walking and gaze."""

    lead: dict[str, float]
    other: dict[str, float]
    body: dict[str, float] = field(default_factory=lambda: {"stand": 1.0})  # weights of BODY_POSTURES
    walk: float = 0.0  # fraction of standing time spent walking
    speed: float = 1.1  # walking speed (m/s)
    loop: float = 0.6  # size of the walking loop, as a share of the capture area
    bend: float = 0.0  # mean trunk flexion (degrees)
    gesture: float = 4.0  # amplitude of free arm motion (degrees)
    look: float = 15.0  # amplitude of head turns (degrees)
    shift: float = 0.5  # amplitude of weight shifts while standing (0..1)
    hold: float = 1.0  # multiplier of arm posture hold times
    turns: float = 0.3  # share of pauses that end in a turn in place


STYLES: dict[str, Style] = {
    "Directions": Style(
        lead={"point": 0.45, "rest": 0.25, "gesture": 0.15, "across": 0.1, "reach_back": 0.05},
        other={"rest": 0.6, "hip": 0.2, "gesture": 0.2},
        body={"stand": 0.8, "bow": 0.06, "side_bend": 0.05, "lunge": 0.05, "stoop": 0.04},
        walk=0.3,
        look=25.0,
    ),
    "Discussion": Style(
        lead={"gesture": 0.55, "rest": 0.2, "hip": 0.15, "across": 0.1},
        other={"gesture": 0.4, "rest": 0.4, "hip": 0.2},
        body={"stand": 0.77, "bow": 0.1, "side_bend": 0.05, "lunge": 0.05, "stoop": 0.03},
        walk=0.25,
        gesture=14.0,
        look=25.0,
    ),
    "Eating": Style(
        lead={"mouth": 0.4, "table": 0.5, "across": 0.1},
        other={"table": 0.7, "mouth": 0.3},
        body={"chair": 0.3, "chair_forward": 0.6, "chair_back": 0.1},
        bend=5.0,
    ),
    "Greeting": Style(
        lead={"wave": 0.35, "shake": 0.25, "rest": 0.3, "stretch": 0.1},
        other={"rest": 0.8, "gesture": 0.2},
        body={"stand": 0.7, "bow": 0.25, "lunge": 0.05},
        walk=0.35,
        look=20.0,
    ),
    "Phoning": Style(
        lead={"ear": 0.85, "gesture": 0.15},
        other={"rest": 0.35, "hip": 0.25, "gesture": 0.25, "across": 0.15},
        body={"stand": 0.55, "chair": 0.15, "chair_forward": 0.15, "chair_back": 0.05, "side_bend": 0.05}
        | {"stoop": 0.05},
        walk=0.35,
        speed=0.8,
    ),
    "Photo": Style(
        lead={"camera": 0.55, "rest": 0.3, "point": 0.15},
        other={"rest": 1.0},
        body={"stand": 0.3, "crouch": 0.15, "squat": 0.15, "kneel_one": 0.15, "bow": 0.05, "lunge": 0.05}
        | {"stoop": 0.12, "side_bend": 0.05, "kneel": 0.05},
        walk=0.3,
        speed=0.8,
    ),
    "Posing": Style(
        lead={"hip": 0.2, "point": 0.15, "up": 0.15, "stretch": 0.05, "gesture": 0.15, "rest": 0.2, "across": 0.1},
        other={"hip": 0.3, "up": 0.15, "gesture": 0.2, "rest": 0.35},
        body={"stand": 0.3, "lunge": 0.1, "side_bend": 0.1, "kneel_one": 0.1, "squat": 0.05, "bow": 0.05}
        | {"stoop": 0.1, "bend_knees": 0.05, "foot_up": 0.05, "kneel": 0.04, "lean_back": 0.04}
        | {"lie_side": 0.04},
        walk=0.1,
        shift=1.0,
        hold=2.0,
    ),
    "Purchases": Style(
        lead={"reach": 0.35, "rest": 0.35, "gesture": 0.15, "across": 0.1, "up": 0.05},
        other={"rest": 0.8, "gesture": 0.2},
        body={"stand": 0.4, "stoop": 0.2, "bend_knees": 0.15, "squat": 0.1, "kneel_one": 0.05, "tie_shoe": 0.05}
        | {"foot_up": 0.05},
        walk=0.35,
        speed=0.9,
    ),
    "Sitting": Style(
        lead={"lap": 0.35, "gesture": 0.2, "ear": 0.15, "mouth": 0.1, "table": 0.1, "across": 0.05, "stretch": 0.05},
        other={"lap": 0.6, "gesture": 0.2, "table": 0.2},
        body={"chair": 0.3, "chair_forward": 0.45, "chair_back": 0.1, "stand": 0.1, "stoop": 0.05},
        walk=0.1,
        bend=3.0,
    ),
    "SittingDown": Style(
        lead={"lap": 0.4, "rest": 0.3, "gesture": 0.3},
        other={"lap": 0.5, "rest": 0.5},
        body={"cross_legged": 0.12, "knees_up": 0.12, "lean_back": 0.1, "long_sit": 0.12, "lie_back": 0.12}
        | {"lie_knees_up": 0.08, "lie_side": 0.08, "kneel": 0.05, "heel_sit": 0.05, "stand": 0.08, "squat": 0.04}
        | {"stoop": 0.04},
        walk=0.15,
        bend=3.0,
    ),
    "Smoking": Style(
        lead={"mouth": 0.35, "rest": 0.4, "gesture": 0.25},
        other={"cross": 0.3, "rest": 0.5, "hip": 0.2},
        body={"stand": 0.45, "chair": 0.2, "chair_forward": 0.2, "chair_back": 0.05, "side_bend": 0.05, "bow": 0.05},
        walk=0.15,
    ),
    "Waiting": Style(
        lead={"clasp": 0.25, "cross": 0.2, "back": 0.15, "rest": 0.2, "hip": 0.1, "stretch": 0.1},
        other={"rest": 0.7, "hip": 0.3},
        body={"stand": 0.45, "chair": 0.15, "chair_forward": 0.15, "chair_back": 0.05, "side_bend": 0.05, "stoop": 0.05}
        | {"foot_up": 0.05, "tie_shoe": 0.05},
        walk=0.2,
        speed=0.8,
        look=30.0,
        shift=1.0,
    ),
    "WalkDog": Style(
        lead={"leash": 0.7, "rest": 0.3},
        other={"rest": 1.0},
        body={"stand": 0.7, "stoop": 0.1, "squat": 0.1, "bend_knees": 0.1},
        walk=0.85,
        speed=0.9,
        loop=0.95,
        bend=8.0,
    ),
    "Walking": Style(lead={"rest": 1.0}, other={"rest": 1.0}, walk=1.0, speed=1.2, loop=1.0),
    "WalkTogether": Style(
        lead={"rest": 0.8, "gesture": 0.2}, other={"rest": 1.0}, walk=0.95, speed=1.0, loop=0.95, look=25.0
    ),
}
