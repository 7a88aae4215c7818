"""Write outputs atomically: to a temporary file beside the target, then rename.

One file: :func:`atomic_path`. Outputs that come as a set (``pose3d lift``'s Parquet, npz and
animation; ``figures``' charts; a checkpoint and its training state): :func:`atomic_paths`, the one
mechanism for "a set appears together or not at all". It checks every target before work (one path
named twice is refused), yields a temporary path per target, and renames them all only when the
block succeeds; a failure anywhere removes every temporary file and leaves the previous versions.
A tree of files not known in advance (``demo-data``): :func:`staged_folder`, the same for a folder.

A write the disk refuses (full, over quota, an I/O error, read-only: :data:`WRITE_FAULTS`) while the
block writes or when the files are flushed to the device (``fsync``, where a deferred I/O error
shows) is an :class:`InputError` naming the file being written; the previous versions stay.

A process killed mid-write (``kill -9``, out of memory) cannot clean up, so each temporary file
names its owner (host and process id); the next write to the same target removes the temporary
files of owners on this host that no longer run.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from pose3d.core.errors import InputError
from pose3d.core.processes import is_running, owner_tag

#: errno values of a write the storage refused, whatever the data: disk full, over quota, file too large for
#: the file system or the process's limit, an I/O error, a read-only file system.
WRITE_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def _temp_prefix(target: Path) -> str:
    """Prefix of every temporary file of ``target``; the owner tag ``<host>-<pid>`` follows."""
    return f".{target.name}.tmp-"


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Delete temporary files of ``target`` left by dead processes on this host; returns what was removed."""
    target = Path(target)
    prefix = _temp_prefix(target)
    owner = re.compile(rf"^{re.escape(prefix)}(?P<tag>[A-Za-z0-9]+-\d+)\.")
    removed = []
    for path in target.parent.glob(f"{glob.escape(prefix)}*"):
        match = owner.match(path.name)
        if match and not is_running(match["tag"]):
            if path.is_dir():  # a staging folder (staged_folder)
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def check_writable(target: str | Path) -> None:
    """Refuse, before any work, an output path that cannot become a file: a folder in its place, or a file
    where one of its folders must be."""
    target = Path(target)
    if target.is_dir():
        raise InputError(target, "is a folder; cannot write the output file there")
    existing = next(folder for folder in target.absolute().parents if folder.exists())
    if not existing.is_dir():
        raise InputError(existing, f"is not a folder; cannot write {target} inside it")


def check_folder(folder: str | Path) -> None:
    """Refuse, before any work, an output folder that a file occupies or that would have to be made inside a file."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, "is not a folder; cannot write the outputs inside it")
    existing = next(parent for parent in folder.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise InputError(existing, f"is not a folder; cannot write {folder} inside it")


def check_outputs(targets: Sequence[str | Path], names: Sequence[str] | None = None) -> None:
    """Refuse, before any work, outputs that cannot be written (:func:`check_writable`) and two outputs of one
    command that name the same file (``names``: the options that gave them, for the message)."""
    seen: dict[Path, str] = {}
    for index, target in enumerate(targets):
        label = names[index] if names else str(target)
        key = Path(os.path.abspath(target))
        if key in seen:
            raise InputError(target, f"given for both {seen[key]} and {label}; each output needs its own file")
        seen[key] = label
        check_writable(target)


def _temporary(target: Path, suffix: str) -> Path:
    """A new empty temporary file beside ``target`` (its folder made), named for its owner; stale ones removed."""
    check_writable(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        fd, tmp = tempfile.mkstemp(
            prefix=f"{_temp_prefix(target)}{owner_tag()}.", suffix=suffix or ".tmp", dir=target.parent
        )
    except OSError as err:
        raise InputError(target, f"cannot write here ({err.strerror or err})") from err
    os.close(fd)
    return Path(tmp)


def _flush(tmp: Path) -> None:
    """Push ``tmp``'s data to the device (a write error the kernel deferred shows here) and give it the usual
    file mode (mkstemp makes owner-only files)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)


def _refused_write(err: OSError, temporaries: Sequence[Path], targets: Sequence[Path]) -> InputError:
    """The one-line error of a write fault (:data:`WRITE_FAULTS`) while ``temporaries`` were written: it names
    the target being written (the one the error names, else the temporary changed last, else the first)."""
    by_temporary = {os.path.abspath(tmp): target for tmp, target in zip(temporaries, targets)}
    target = by_temporary.get(os.path.abspath(err.filename)) if isinstance(err.filename, str | Path) else None
    if target is None:
        changed = [(tmp.stat().st_mtime_ns, -index) for index, tmp in enumerate(temporaries) if tmp.exists()]
        target = targets[-max(changed)[1]] if changed else targets[0]
    kept = "the previous version is kept" if target.exists() else "nothing was written"
    return InputError(target, f"cannot write: {err.strerror or err} ({kept})")


def probe_write(path: Path, size: int = 1 << 16) -> None:
    """Append ``size`` bytes to ``path`` (a temporary file) and flush them to the device, so that a storage that
    refuses writes raises its ``OSError`` here: how a writer in another process that only says its pipe broke
    (ffmpeg) is traced to a full disk."""
    with path.open("ab") as handle:
        handle.write(bytes(size))
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def _write_faults_named(temporaries: Sequence[Path], targets: Sequence[Path]) -> Iterator[None]:
    """Turn a write fault raised inside the block into :func:`_refused_write`'s error; other errors pass."""
    try:
        yield
    except OSError as err:
        if err.errno not in WRITE_FAULTS:
            raise
        raise _refused_write(err, temporaries, targets) from err


@contextmanager
def atomic_paths(targets: Sequence[str | Path], names: Sequence[str] | None = None) -> Iterator[list[Path]]:
    """Yield one temporary path per target (same folder, same ending); on success rename them all onto the
    targets, on any exception remove them all and leave every target as it was.

    Targets are checked first (:func:`check_outputs`; ``names`` label them in messages). Should a rename
    fail part-way (the disk, not the data), the targets already renamed get their previous version back
    (kept as a hard link until the end) or are removed when they had none. Folders made for the targets are
    removed again on failure, so nothing of the set is left.
    """
    paths = [Path(target) for target in targets]
    check_outputs(paths, names)
    made = sorted({folder for target in paths for folder in _missing_folders(target)}, key=lambda f: -len(f.parts))
    temporaries: list[Path] = []
    published = False
    try:
        for target in paths:
            temporaries.append(_temporary(target, target.suffix))
        with _write_faults_named(temporaries, paths):
            yield temporaries
            for tmp in temporaries:
                _flush(tmp)
        _publish_all(temporaries, paths)
        published = True
    finally:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        if not published:
            for folder in made:  # deepest first; a folder someone else filled meanwhile stays
                with suppress(OSError):
                    folder.rmdir()


def _missing_folders(target: Path) -> list[Path]:
    """The folders above ``target`` that do not exist yet (writing it would make them)."""
    return [folder for folder in target.absolute().parents if not folder.exists()]


def _publish_all(temporaries: list[Path], targets: list[Path]) -> None:
    """Rename each temporary onto its target; on a failure undo the renames already made."""
    previous = [tmp.with_name(tmp.name + ".old") for tmp in temporaries]
    existed = [target.exists() for target in targets]
    done: list[int] = []
    try:
        for index, (tmp, target) in enumerate(zip(temporaries, targets)):
            if existed[index]:
                with suppress(OSError):  # a file system without hard links: no way back for this one
                    os.link(target, previous[index])
            os.replace(tmp, target)
            done.append(index)
    except OSError as err:
        for index in done:
            if previous[index].exists():
                os.replace(previous[index], targets[index])
            elif not existed[index]:
                targets[index].unlink(missing_ok=True)
        raise InputError(targets[len(done)], f"cannot write here ({err.strerror or err})") from err
    finally:
        for old in previous:
            old.unlink(missing_ok=True)


@contextmanager
def staged_folder(out: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``out``; on success every file written under it moves to the same
    place under ``out``, as one set (renames undone should one fail); on any exception nothing reaches ``out``.

    For commands whose outputs are a tree of files not known in advance (``pose3d demo-data``).
    """
    out = Path(out)
    check_folder(out)
    made = _missing_folders(out / "x")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out)
        stage = Path(tempfile.mkdtemp(prefix=f"{_temp_prefix(out)}{owner_tag()}.", dir=out.parent))
    except OSError as err:
        raise InputError(out, f"cannot write here ({err.strerror or err})") from err
    published = False
    try:
        try:
            yield stage
            files = sorted(path for path in stage.rglob("*") if path.is_file())
            for path in files:
                _flush(path)
        except OSError as err:
            if err.errno not in WRITE_FAULTS:
                raise
            written = Path(os.path.abspath(err.filename)) if isinstance(err.filename, str | Path) else None
            inside = written is not None and written.is_relative_to(stage.absolute())
            target = out / written.relative_to(stage.absolute()) if inside and written else out
            raise InputError(target, f"cannot write: {err.strerror or err} (nothing was written)") from err
        targets = [out / path.relative_to(stage) for path in files]
        for target in targets:
            check_writable(target)
            target.parent.mkdir(parents=True, exist_ok=True)
        _publish_all(files, targets)
        published = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not published:
            for folder in sorted(made, key=lambda f: -len(f.parts)):
                with suppress(OSError):
                    folder.rmdir()


@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched; temporary
    files of earlier writers that were killed are removed first. A target whose folder cannot be
    made or written, or that a folder occupies, is an :class:`InputError` naming it.
    """
    target = Path(target)
    tmp_path = _temporary(target, suffix)
    try:
        with _write_faults_named([tmp_path], [target]):
            yield tmp_path
            _flush(tmp_path)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)
