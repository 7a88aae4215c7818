"""Human3.6M naming facts: subjects, actions, sequence renaming and raw-file discovery."""

from __future__ import annotations

import re
from pathlib import Path

from pose3d.core.errors import InputError

SUBJECTS_3D: tuple[str, ...] = ("S1", "S5", "S6", "S7", "S8", "S9", "S11")
TRAIN_SUBJECTS: tuple[str, ...] = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS: tuple[str, ...] = ("S9", "S11")

#: Canonical action order of every per-action table.
ACTIONS: tuple[str, ...] = (
    "Directions",
    "Discussion",
    "Eating",
    "Greeting",
    "Phoning",
    "Photo",
    "Posing",
    "Purchases",
    "Sitting",
    "SittingDown",
    "Smoking",
    "Waiting",
    "WalkDog",
    "Walking",
    "WalkTogether",
)

#: Old file-name prefixes (S1's files) and their modern names.
OLD_NAMES: dict[str, str] = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}

#: Sequences every public pipeline drops (corrupted video).
SKIPPED_SEQUENCES: frozenset[tuple[str, str]] = frozenset({("S11", "Directions")})

FRAME_RATE = 50


def rename_sequence(stem: str) -> str:
    """Modern sequence name of a file stem (``TakingPhoto 1`` -> ``Photo 1``)."""
    head, sep, tail = stem.partition(" ")
    return OLD_NAMES.get(head, head) + sep + tail


def action_of(sequence: str) -> str:
    """Canonical action of a (renamed) sequence: the text before the first space."""
    action = sequence.split(" ")[0]
    if action not in ACTIONS:
        raise ValueError(f"sequence {sequence!r} has no known action; known: {', '.join(ACTIONS)}")
    return action


def sequence_name(stem: str) -> str:
    """Modern sequence name of a raw file's stem, which must be ``<Action>`` or ``<Action> <n>``.

    Raises ValueError for an unknown action or any other stem (e.g. a per-camera
    ``Walking 1.54138969`` from D3_Positions_mono put among the D3_Positions files).
    """
    sequence = rename_sequence(stem)
    action_of(sequence)
    if not re.fullmatch(r"\w+( \d+)?", sequence):
        raise ValueError(f"{stem!r} is not a sequence name ('<Action>' or '<Action> <n>')")
    return sequence


def subject_dir(root: str | Path, subject: str) -> Path:
    """The folder of one subject, accepting ``<root>/S1`` and ``<root>/pose/S1``."""
    root = Path(root)
    for candidate in (root / subject, root / "pose" / subject):
        if candidate.is_dir():
            return candidate
    raise InputError(root, f"subject {subject} not found (looked for {subject}/ and pose/{subject}/)")


def subject_folder(root: str | Path, subject: str, inside: str) -> Path:
    """``<root>/<subject>/<inside>`` or ``<root>/pose/<subject>/<inside>``: the one that exists.

    Users may keep videos in ``S1/`` and poses in ``pose/S1/``, so the folder is looked for in
    both; finding it in both is ambiguous and an :class:`InputError`, as is finding it in neither.
    """
    root = Path(root)
    found = [base / subject / inside for base in (root, root / "pose") if (base / subject / inside).is_dir()]
    if len(found) > 1:
        raise InputError(root, f"both {subject}/{inside} and pose/{subject}/{inside} exist; keep one of them")
    if not found:
        folder = subject_dir(root, subject) / inside  # names the missing subject first
        raise InputError(folder, f"missing {Path(inside).name} folder for subject {subject}")
    return found[0]


def visible_files(folder: Path, suffix: str) -> list[Path]:
    """Files of ``folder`` ending in ``suffix``, sorted, without hidden ones (macOS ``._*`` copies, editor files)."""
    return sorted(path for path in folder.glob(f"*{suffix}") if not path.name.startswith("."))


def feature_files(root: str | Path, subject: str, feature: str) -> dict[str, Path]:
    """Renamed sequence name -> CDF file of one feature (``D3_Positions``, ``D3_Angles``) for a subject.

    Skips :data:`SKIPPED_SEQUENCES`. Raises :class:`InputError` when the feature folder is missing.
    """
    folder = subject_folder(root, subject, f"MyPoseFeatures/{feature}")
    files: dict[str, Path] = {}
    for path in visible_files(folder, ".cdf"):
        try:
            sequence = sequence_name(path.stem)
        except ValueError as err:
            raise InputError(path, str(err)) from None
        if (subject, sequence) in SKIPPED_SEQUENCES:
            continue
        if sequence in files:
            raise InputError(path, f"sequence {sequence!r} also given by {files[sequence].name}")
        files[sequence] = path
    if not files:
        raise InputError(folder, f"no .cdf files for subject {subject}")
    return files
