"""Which sequences the demo data holds and how long they are for each size.

File names follow the real Human3.6M release per subject, sub-action numbering quirks included.
Frame counts of "full" are the real ones for S9 and S11; the training subjects and the
detection-only subjects S2-S4 get lengths drawn around the per-action means of S9/S11 from a fixed
generator (independent of the demo seed), scaled so that S1-S8 hold about the real 389,938
training frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from pose3d.data.h36m import ACTIONS, OLD_NAMES, SUBJECTS_3D, TRAIN_SUBJECTS

SIZES: tuple[str, ...] = ("tiny", "small", "full")

#: Subjects with detections but no motion capture in the CPN file.
DETECTION_ONLY: tuple[str, ...] = ("S2", "S3", "S4")
#: Camera rig borrowed by each detection-only subject (the calibration has none for them).
BORROWED_RIG: dict[str, str] = {"S2": "S1", "S3": "S5", "S4": "S6"}
#: Old S1 file-name prefixes of renamed actions.
S1_FILE_PREFIX: dict[str, str] = {new: old for old, new in OLD_NAMES.items()}

#: Numbers of the two sub-actions of every action, in ACTIONS order ("2/" = "Eating 2" and "Eating").
_NUMBERING: dict[str, str] = {
    #     Dir Disc Eat Greet Phone Photo Pose Purch Sit SitD Smoke Wait WDog Walk WTog
    "S1": "1/ 1/ 2/ 1/ 1/ 1/ 1/ 1/ 1/2 2/ 1/ 1/ 1/ 1/ 1/",
    "S2": "1/ 1/ 1/2 1/ 1/ 1/ 1/ 1/ 1/ 2/3 1/ 1/ 1/ 1/ 1/",
    "S3": "1/ 1/ 1/2 1/ 1/ 1/ 1/2 1/ 1/ 1/ 1/ 1/ 1/ 1/2 1/",
    "S4": "1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/2 1/ 1/ 1/ 1/ 2/3",
    "S5": "1/2 2/3 1/ 1/2 1/ 2/ 1/ 1/ 1/ 1/ 1/ 1/2 1/ 1/ 1/",
    "S6": "1/ 1/ 1/2 1/ 1/ 1/ 2/ 1/ 1/2 1/ 1/ 3/ 1/ 1/ 1/",
    "S7": "1/ 1/ 1/ 1/ 2/ 1/ 1/ 1/ 1/ 1/ 1/ 1/2 1/ 1/2 1/",
    "S8": "1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/2",
    "S9": "1/ 1/2 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/ 1/",
    "S11": "1/ 1/2 1/ 2/ 3/2 1/ 1/ 1/ 1/ 1/ 2/ 1/ 1/ 1/ 1/",
}

#: Real frame counts of the test subjects (50 Hz), by sequence name.
_TEST_FRAMES: dict[str, dict[str, int]] = {
    "S9": {
        "Directions 1": 2356,
        "Directions": 2699,
        "Discussion 1": 5873,
        "Discussion 2": 5306,
        "Eating 1": 2663,
        "Eating": 2686,
        "Greeting 1": 2711,
        "Greeting": 1447,
        "Phoning 1": 3821,
        "Phoning": 3319,
        "Photo 1": 1449,
        "Photo": 2346,
        "Posing 1": 1968,
        "Posing": 1964,
        "Purchases 1": 1226,
        "Purchases": 1529,
        "Sitting 1": 3071,
        "Sitting": 2962,
        "SittingDown 1": 1554,
        "SittingDown": 2932,
        "Smoking 1": 4377,
        "Smoking": 4334,
        "Waiting 1": 1612,
        "Waiting": 3312,
        "WalkDog 1": 2217,
        "WalkDog": 2237,
        "Walking 1": 2446,
        "Walking": 1612,
        "WalkTogether 1": 1685,
        "WalkTogether": 1703,
    },
    "S11": {
        "Directions 1": 1552,
        "Discussion 1": 2684,
        "Discussion 2": 2198,
        "Eating 1": 2275,
        "Eating": 2203,
        "Greeting 2": 1695,
        "Greeting": 1808,
        "Phoning 3": 3390,
        "Phoning 2": 3492,
        "Photo 1": 1545,
        "Photo": 1990,
        "Posing 1": 1481,
        "Posing": 1407,
        "Purchases 1": 1026,
        "Purchases": 1040,
        "Sitting 1": 1857,
        "Sitting": 2179,
        "SittingDown 1": 2004,
        "SittingDown": 1841,
        "Smoking 2": 2767,
        "Smoking": 2410,
        "Waiting 1": 2280,
        "Waiting": 2262,
        "WalkDog 1": 1187,
        "WalkDog": 1435,
        "Walking 1": 1637,
        "Walking": 1621,
        "WalkTogether 1": 1793,
        "WalkTogether": 1360,
    },
}
_TRAIN_FRAMES_TOTAL = 389_938  # 1,559,752 training frames over 4 cameras
_LENGTH_SEED = 36  # fixed: frame counts do not depend on the demo seed


@dataclass(frozen=True)
class Sequence:
    """One recorded sequence: subject, modern name, file stem, action and index within its subject."""

    subject: str
    name: str
    stem: str
    action: str
    index: int


def subject_sequences(subject: str) -> tuple[Sequence, ...]:
    """The 30 sequences of a subject, in action order, sub-action 1 first."""
    out: list[Sequence] = []
    for action, cell in zip(ACTIONS, _NUMBERING[subject].split(), strict=True):
        for number in cell.split("/"):
            name = f"{action} {number}" if number else action
            prefix = S1_FILE_PREFIX.get(action) if subject == "S1" else None
            stem = prefix + name[len(action) :] if prefix else name
            out.append(Sequence(subject=subject, name=name, stem=stem, action=action, index=len(out)))
    return tuple(out)


@cache
def _full_frames() -> dict[tuple[str, str], int]:
    """Frame counts of every (subject, sequence name) at full size."""
    means = {
        action: np.mean(
            [n for table in _TEST_FRAMES.values() for name, n in table.items() if name.split(" ")[0] == action]
        )
        for action in ACTIONS
    }
    rng = np.random.default_rng(_LENGTH_SEED)
    drawn = {
        (subject, seq.name): means[seq.action] * rng.lognormal(0.0, 0.25)
        for subject in (*SUBJECTS_3D, *DETECTION_ONLY)
        for seq in subject_sequences(subject)
    }
    scale = _TRAIN_FRAMES_TOTAL / sum(n for (subject, _), n in drawn.items() if subject in TRAIN_SUBJECTS)
    frames = {
        (subject, name): round(n * scale if subject in TRAIN_SUBJECTS else n) for (subject, name), n in drawn.items()
    }
    frames.update({(subject, name): n for subject, table in _TEST_FRAMES.items() for name, n in table.items()})
    return frames


def frame_count(subject: str, name: str, size: str) -> int:
    """Motion-capture frames of one sequence at a demo size."""
    full = _full_frames()[subject, name]
    if size == "full":
        return full
    if size == "small":
        return int(np.clip(round(full / 16), 150, 300))
    return int(np.clip(60 + round(40 * (full - 1000) / 5000), 60, 100))


#: MPI-INF-3DHP test sequences: real frame counts, the action they resemble, frame rate and image size.
HP3D_SEQUENCES: dict[str, tuple[int, str, float, tuple[int, int]]] = {
    "TS1": (6151, "Walking", 25.0, (2048, 2048)),
    "TS2": (6080, "Discussion", 25.0, (2048, 2048)),
    "TS3": (5838, "Sitting", 25.0, (2048, 2048)),
    "TS4": (6057, "SittingDown", 25.0, (2048, 2048)),
    "TS5": (983, "Greeting", 50.0, (1920, 1080)),
    "TS6": (601, "Posing", 50.0, (1920, 1080)),
}

#: 3DPW test videos: frames at full size (about 35 k person-frames), persons, the action they resemble.
PW3D_VIDEOS: dict[str, tuple[int, int, str]] = {
    "downtown_arguing_00": (1032, 2, "Discussion"),
    "downtown_bar_00": (1788, 2, "Waiting"),
    "downtown_bus_00": (2503, 1, "Walking"),
    "downtown_cafe_00": (1397, 2, "Sitting"),
    "downtown_car_00": (1170, 1, "Purchases"),
    "downtown_crossStreets_00": (676, 1, "Walking"),
    "downtown_downstairs_00": (801, 1, "Walking"),
    "downtown_enterShop_00": (1774, 1, "WalkTogether"),
    "downtown_rampAndStairs_00": (1258, 1, "Walking"),
    "downtown_runForBus_00": (745, 1, "Walking"),
    "downtown_runForBus_01": (817, 1, "Walking"),
    "downtown_sitOnStairs_00": (1536, 1, "SittingDown"),
    "downtown_stairs_00": (1418, 1, "Walking"),
    "downtown_upstairs_00": (969, 1, "Walking"),
    "downtown_walkBridge_01": (1577, 1, "Walking"),
    "downtown_walkUphill_00": (444, 1, "Walking"),
    "downtown_walking_00": (1594, 1, "WalkTogether"),
    "downtown_warmWelcome_00": (671, 2, "Greeting"),
    "downtown_weeklyMarket_00": (1371, 1, "Purchases"),
    "downtown_windowShopping_00": (2184, 1, "Directions"),
    "flat_guitar_01": (825, 1, "Sitting"),
    "flat_packBags_00": (1470, 1, "Purchases"),
    "office_phoneCall_00": (1011, 1, "Phoning"),
    "outdoors_fencing_01": (1082, 1, "Posing"),
}


def external_frames(full: int, size: str) -> int:
    """Frames of a 3DHP / 3DPW sequence at a demo size."""
    return {"full": full, "small": max(round(full / 8), 60), "tiny": 50}[size]
