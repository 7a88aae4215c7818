"""Whole-body postures of the demo people: standing, bending, crouching, kneeling, sitting, lying.

A posture gives ranges (degrees) of the body channels; every occurrence draws its own values, so no two
bends or kneels are alike. Legs are named by role: ``a`` is the leg that kneels or steps forward, ``b``
the other one; which side plays ``a`` is drawn per occurrence. Postures belong to a level (upright,
low, floor, lying; chair sitting stands apart) and a person only moves between neighbouring levels, so
getting down to the floor passes through kneeling or squatting, and getting up from lying passes
through sitting on the floor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

#: Channels of a body posture vector (degrees, except the 0..1 flags ``flat``, ``stand`` and ``shift``).
#: ``pitch``/``roll``: whole-body forward pitch and sideways roll at the root (lying); ``spine``/``lean``:
#: trunk flexion (at the hips and lower back) and lateral flexion; ``hip_*``/``knee_*``: flexion of each
#: leg; ``ankle_*``: ankle dorsiflexion added to what keeps a foot flat on the floor (``flat`` of 1) or to
#: the neutral ankle (``flat`` of 0); ``abd``/``rot``: hip abduction and external rotation of both legs;
#: ``stand``: 1 where the person may walk and shift weight; ``shift``: side weight shift (-1..1).
BODY_CHANNELS: tuple[str, ...] = (
    "pitch",
    "roll",
    "spine",
    "lean",
    "hip_a",
    "knee_a",
    "ankle_a",
    "hip_b",
    "knee_b",
    "ankle_b",
    "abd",
    "rot",
    "flat",
    "stand",
    "shift",
)
#: Channels whose sign is drawn per occurrence (leaning to either side); a person lies on one side
#: all through a sequence, so the sign of ``roll`` is the caller's.
_SIGNED = ("lean", "shift")
#: Levels between which people move only step by step (chair sitting links to upright only).
LEVELS: dict[str, int] = {"upright": 0, "low": 1, "floor": 2, "lying": 3, "chair": -1}


@dataclass(frozen=True)
class BodyPosture:
    """Channel ranges of one posture, its level, hold range (s) and the arm postures that go with it.

    ``arms``: arm postures that replace the action's own ones most of the time (hands to the floor when
    bending down, propped behind when leaning back on the floor); ``bridge``: used to pass through its
    level on the way to another.
    """

    level: str
    ranges: Mapping[str, tuple[float, float]]
    hold: tuple[float, float]
    arms: tuple[str, ...] = ()
    bridge: bool = False
    defaults: Mapping[str, float] = field(default_factory=lambda: {"flat": 1.0})

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One occurrence: channel values drawn from the ranges, sides and signs at random."""
        values = np.zeros(len(BODY_CHANNELS))
        for name, value in self.defaults.items():
            values[BODY_CHANNELS.index(name)] = value
        for name, (lo, hi) in self.ranges.items():
            values[BODY_CHANNELS.index(name)] = rng.uniform(lo, hi)
        signs = rng.choice([-1.0, 1.0], len(_SIGNED))
        for name, sign in zip(_SIGNED, signs):
            values[BODY_CHANNELS.index(name)] *= sign
        return values


_UPRIGHT_LEGS = {"hip_a": (0.0, 8.0), "knee_a": (0.0, 10.0), "hip_b": (0.0, 8.0), "knee_b": (0.0, 10.0)}
_CHAIR_LEGS = {"hip_a": (80.0, 100.0), "knee_a": (85.0, 120.0), "hip_b": (80.0, 100.0), "knee_b": (85.0, 120.0)}

BODY_POSTURES: dict[str, BodyPosture] = {
    # Upright.
    "stand": BodyPosture(
        "upright",
        {"spine": (-5, 8), "lean": (0, 5), "abd": (2, 8), "rot": (0, 15), "shift": (0, 1), **_UPRIGHT_LEGS},
        (2.0, 10.0),
        bridge=True,
        defaults={"flat": 1.0, "stand": 1.0},
    ),
    "bow": BodyPosture("upright", {"spine": (20, 60), "abd": (2, 8), **_UPRIGHT_LEGS}, (0.6, 2.5)),
    "side_bend": BodyPosture(
        "upright", {"spine": (0, 20), "lean": (15, 35), "abd": (3, 10), **_UPRIGHT_LEGS}, (0.8, 3.0)
    ),
    "lunge": BodyPosture(
        "upright",
        {"spine": (0, 30), "hip_a": (30, 65), "knee_a": (30, 80), "hip_b": (-20, -5), "knee_b": (0, 25)},
        (1.0, 4.0),
    ),
    "foot_up": BodyPosture(  # one foot up on a step or a chair, often tying a shoe
        "upright",
        {"spine": (15, 70), "hip_a": (70, 100), "knee_a": (70, 105), "hip_b": (0, 10), "knee_b": (0, 10)},
        (1.5, 5.0),
        arms=("floor", "knees"),
    ),
    "stoop": BodyPosture(  # bending down to the floor from the hips, knees nearly straight
        "upright",
        {"spine": (75, 112), "lean": (0, 12), "hip_a": (8, 22), "knee_a": (5, 30), "hip_b": (8, 22), "knee_b": (5, 30)},
        (1.5, 5.0),
        arms=("floor", "floor", "knees", "rest"),
    ),
    "bend_knees": BodyPosture(  # picking up or putting down with bent knees
        "upright",
        {"spine": (45, 80), "hip_a": (45, 75), "knee_a": (70, 110), "hip_b": (45, 75), "knee_b": (70, 110)},
        (1.5, 5.0),
        arms=("floor", "knees"),
    ),
    # Low: close to the floor on the feet or the knees.
    "crouch": BodyPosture(
        "low",
        {"spine": (25, 55), "hip_a": (85, 105), "knee_a": (105, 130), "hip_b": (85, 105), "knee_b": (105, 130)}
        | {"abd": (5, 15)},
        (1.0, 5.0),
    ),
    "squat": BodyPosture(
        "low",
        {"spine": (30, 65), "hip_a": (95, 120), "knee_a": (120, 145), "hip_b": (95, 120), "knee_b": (120, 145)}
        | {"abd": (10, 25), "rot": (10, 25)},
        (1.0, 5.0),
        arms=("floor", "knees", "rest"),
        bridge=True,
    ),
    "kneel_one": BodyPosture(  # on one knee, the other foot flat in front
        "low",
        {"spine": (0, 35), "hip_a": (-5, 5), "knee_a": (100, 110), "ankle_a": (-75, -55)}
        | {"hip_b": (88, 100), "knee_b": (60, 75), "abd": (3, 10)},
        (1.5, 6.0),
        bridge=True,
        defaults={"flat": 0.0},
    ),
    "tie_shoe": BodyPosture(  # on one knee, bent over the front foot
        "low",
        {"spine": (45, 80), "hip_a": (-5, 5), "knee_a": (100, 110), "ankle_a": (-75, -55)}
        | {"hip_b": (90, 105), "knee_b": (60, 78), "abd": (3, 10)},
        (2.0, 6.0),
        arms=("floor",),
        defaults={"flat": 0.0},
    ),
    "kneel": BodyPosture(  # upright on both knees
        "low",
        {"spine": (0, 30), "hip_a": (-5, 5), "knee_a": (100, 110), "hip_b": (-5, 5), "knee_b": (100, 110)}
        | {"ankle_a": (-75, -55), "ankle_b": (-75, -55), "abd": (3, 10)},
        (1.5, 6.0),
        bridge=True,
        defaults={"flat": 0.0},
    ),
    "heel_sit": BodyPosture(  # kneeling, sitting back on the heels
        "low",
        {"spine": (5, 40), "hip_a": (50, 58), "knee_a": (148, 155), "hip_b": (50, 58), "knee_b": (148, 155)}
        | {"ankle_a": (-80, -60), "ankle_b": (-80, -60), "abd": (5, 15)},
        (2.0, 8.0),
        defaults={"flat": 0.0},
    ),
    # Sitting on the floor.
    "cross_legged": BodyPosture(
        "floor",
        {"spine": (5, 50), "hip_a": (75, 95), "knee_a": (120, 140), "hip_b": (75, 95), "knee_b": (120, 140)}
        | {"abd": (35, 45), "rot": (65, 85)},
        (5.0, 20.0),
        arms=("lap", "knees"),
        bridge=True,
        defaults={"flat": 0.0},
    ),
    "knees_up": BodyPosture(
        "floor",
        {"pitch": (-20, -8), "spine": (0, 45), "hip_a": (112, 125), "knee_a": (82, 102), "hip_b": (112, 125)}
        | {"knee_b": (82, 102), "abd": (5, 20)},
        (4.0, 15.0),
        arms=("knees", "lap", "prop"),
        bridge=True,
    ),
    "lean_back": BodyPosture(  # sitting on the floor leaning back on the hands
        "floor",
        {"pitch": (-40, -20), "spine": (-5, 10), "hip_a": (55, 75), "knee_a": (0, 30)}
        | {"hip_b": (55, 75), "knee_b": (0, 30), "abd": (5, 20), "ankle_a": (-30, 0), "ankle_b": (-30, 0)},
        (3.0, 12.0),
        arms=("prop",),
        defaults={"flat": 0.0},
    ),
    "long_sit": BodyPosture(  # legs stretched out in front, leaning forward over them
        "floor",
        {"spine": (30, 75), "hip_a": (95, 105), "knee_a": (0, 20), "hip_b": (95, 105), "knee_b": (0, 20)}
        | {"abd": (5, 20), "ankle_a": (-30, 0), "ankle_b": (-30, 0)},
        (4.0, 15.0),
        arms=("floor", "knees"),
        defaults={"flat": 0.0},
    ),
    # Lying on the floor.
    "lie_back": BodyPosture(
        "lying",
        {"pitch": (-93, -87), "spine": (-5, 5), "hip_a": (-3, 6), "knee_a": (0, 15), "hip_b": (-3, 6)}
        | {"knee_b": (0, 15), "abd": (3, 12), "ankle_a": (-30, -10), "ankle_b": (-30, -10)},
        (3.0, 12.0),
        arms=("rest", "lie", "lie"),
        defaults={"flat": 0.0},
    ),
    "lie_knees_up": BodyPosture(
        "lying",
        {"pitch": (-92, -86), "spine": (-5, 5), "hip_a": (40, 75), "knee_a": (80, 120), "hip_b": (40, 75)}
        | {"knee_b": (80, 120), "abd": (3, 12), "ankle_a": (-20, 0), "ankle_b": (-20, 0)},
        (3.0, 12.0),
        arms=("rest", "lie"),
        bridge=True,
        defaults={"flat": 0.0},
    ),
    "lie_side": BodyPosture(
        "lying",
        {"roll": (80, 92), "pitch": (-10, 10), "spine": (10, 35), "hip_a": (20, 60), "knee_a": (30, 90)}
        | {"hip_b": (20, 60), "knee_b": (30, 90), "ankle_a": (-30, -10), "ankle_b": (-30, -10)},
        (3.0, 12.0),
        defaults={"flat": 0.0},
    ),
    # Sitting on a chair.
    "chair": BodyPosture(
        "chair", {"spine": (-10, 15), "lean": (0, 6), "abd": (3, 15), "rot": (0, 15), **_CHAIR_LEGS}, (6.0, 25.0)
    ),
    "chair_forward": BodyPosture(  # leaning over a table or onto the knees
        "chair", {"spine": (35, 70), "abd": (3, 15), **_CHAIR_LEGS}, (5.0, 20.0), arms=("knees", "table")
    ),
    "chair_back": BodyPosture(  # slumped back, legs out in front
        "chair",
        {"pitch": (-25, -10), "spine": (-10, 5), "hip_a": (55, 75), "knee_a": (30, 70)}
        | {"hip_b": (55, 75), "knee_b": (30, 70), "abd": (5, 15)},
        (5.0, 20.0),
    ),
}


def _bridges(level: str) -> list[str]:
    return [name for name, p in BODY_POSTURES.items() if p.level == level and p.bridge]


def _path(here: str, there: str, rng: np.random.Generator) -> Iterator[str]:
    """Postures passed through on the way from ``here`` to ``there`` (neither included)."""
    a, b = LEVELS[BODY_POSTURES[here].level], LEVELS[BODY_POSTURES[there].level]
    if a == b or (b < 0 and here == "stand"):
        return
    if a < 0 and there != "stand":  # off the chair: stand up first
        yield "stand"
        a = 0
    target = max(b, 0)
    step = 1 if target > a else -1
    for level in range(a + step, target, step):
        name = next(n for n, lvl in LEVELS.items() if lvl == level)
        yield str(rng.choice(_bridges(name)))
    if b < 0 and here != "stand":  # onto the chair: from standing
        yield "stand"


def posture_sequence(weights: dict[str, float], count: int, rng: np.random.Generator) -> list[tuple[str, bool]]:
    """``count`` postures drawn from ``weights``, with the bridges between levels inserted.

    Returns (name, inserted) pairs; inserted bridges are only passed through.
    """
    names = list(weights)
    p = np.array(list(weights.values()))
    drawn = [names[i] for i in rng.choice(len(names), size=count, p=p / p.sum())]
    out = [(drawn[0], False)]
    for name in drawn[1:]:
        out.extend((bridge, True) for bridge in _path(out[-1][0], name, rng))
        out.append((name, False))
    return out
