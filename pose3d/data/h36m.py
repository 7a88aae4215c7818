"""Human3.6M naming facts: subjects, actions, sequence renaming and raw-file discovery."""

from __future__ import annotations

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


def subject_dir(root: str | Path, subject: str) -> Path:
    """The folder of one subject, accepting ``<root>/S1`` and ``<root>/pose/S1``."""
    root = Path(root)
    for candidate in (root / subject, root / "pose" / subject):
        if candidate.is_dir():
            return candidate
    raise InputError(root, f"subject {subject} not found (looked for {subject}/ and pose/{subject}/)")


def feature_files(root: str | Path, subject: str, feature: str) -> dict[str, Path]:
    """Renamed sequence name -> CDF file of one feature (``D3_Positions``, ``D3_Angles``) for a subject.

    Skips :data:`SKIPPED_SEQUENCES`. Raises :class:`InputError` when the feature folder is missing.
    """
    folder = subject_dir(root, subject) / "MyPoseFeatures" / feature
    if not folder.is_dir():
        raise InputError(folder, f"missing {feature} folder for subject {subject}")
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.cdf")):
        sequence = rename_sequence(path.stem)
        if (subject, sequence) in SKIPPED_SEQUENCES:
            continue
        try:
            action_of(sequence)
        except ValueError as err:
            raise InputError(path, str(err)) from None
        if sequence in files:
            raise InputError(path, f"sequence {sequence!r} also given by {files[sequence].name}")
        files[sequence] = path
    if not files:
        raise InputError(folder, f"no .cdf files for subject {subject}")
    return files
