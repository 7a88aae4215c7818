"""Outputs that come as a set (:func:`pose3d.core.atomic.atomic_paths`): all appear, or none and the old ones stay."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from pose3d.core.atomic import atomic_path, atomic_paths, staged_folder
from pose3d.core.errors import InputError


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_output_appears_together(tmp_path: Path) -> None:
    targets = [tmp_path / "new/a.parquet", tmp_path / "new/deeper/b.npz"]
    with atomic_paths(targets) as temporaries:
        assert [t.suffix for t in temporaries] == [".parquet", ".npz"]  # writers that go by the ending keep working
        for tmp, text in zip(temporaries, ("a", "b")):
            tmp.write_text(text)
        assert _files(tmp_path / "new").keys().isdisjoint({"a.parquet", "deeper/b.npz"})
    assert _files(tmp_path) == {"new/a.parquet": "a", "new/deeper/b.npz": "b"}
    assert oct(targets[0].stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_failure_after_the_first_output_leaves_none(tmp_path: Path) -> None:
    """New outputs in a new folder: no file and no folder remain. Old outputs: the previous versions remain."""
    with pytest.raises(RuntimeError), atomic_paths([tmp_path / "out/a.txt", tmp_path / "out/b.txt"]) as temporaries:
        temporaries[0].write_text("written")
        raise RuntimeError("the second output failed")
    assert list(tmp_path.iterdir()) == []

    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    with pytest.raises(RuntimeError), atomic_paths([tmp_path / "a.txt", tmp_path / "b.txt"]) as temporaries:
        temporaries[0].write_text("new a")
        raise RuntimeError("the second output failed")
    assert _files(tmp_path) == {"a.txt": "old a", "b.txt": "old b"}


def test_a_rename_that_fails_puts_the_earlier_ones_back(tmp_path: Path) -> None:
    """The second target becomes a folder while the set is written: its rename fails, and the first target,
    already renamed, gets its previous version back."""
    (tmp_path / "a.txt").write_text("old a")
    targets = [tmp_path / "a.txt", tmp_path / "b.txt"]
    with pytest.raises(InputError, match="b.txt: cannot write here"), atomic_paths(targets) as temporaries:
        for tmp in temporaries:
            tmp.write_text("new")
        (tmp_path / "b.txt").mkdir()
        (tmp_path / "b.txt/keep").write_text("")
    assert _files(tmp_path) == {"a.txt": "old a", "b.txt/keep": ""}


def test_one_path_named_twice_is_refused_before_anything(tmp_path: Path) -> None:
    targets, names = [tmp_path / "x.png", tmp_path / "./x.png"], ["--per-action", "--training"]
    with pytest.raises(InputError, match="given for both --per-action and --training"), atomic_paths(targets, names):
        pytest.fail("the block ran")
    assert list(tmp_path.iterdir()) == []


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    with pytest.raises(RuntimeError), staged_folder(out) as stage:
        (stage / "h36m/S1").mkdir(parents=True)
        (stage / "h36m/S1/a.cdf").write_text("a")
        raise RuntimeError("the dataset failed half-way")
    assert list(tmp_path.iterdir()) == []

    with staged_folder(out) as stage:
        (stage / "h36m/S1").mkdir(parents=True)
        (stage / "h36m/S1/a.cdf").write_text("a")
        (stage / "b.npz").write_text("b")
    assert _files(tmp_path) == {"demo/b.npz": "b", "demo/h36m/S1/a.cdf": "a"}

    with pytest.raises(RuntimeError), staged_folder(out) as stage:
        (stage / "b.npz").write_text("new b")
        raise RuntimeError("the second run failed")
    assert _files(tmp_path) == {"demo/b.npz": "b", "demo/h36m/S1/a.cdf": "a"}


def test_a_write_the_disk_refuses_names_the_file_being_written(tmp_path: Path) -> None:
    """A full disk while the second file of a set is written: one error naming that file, the old set stays."""
    (tmp_path / "a.txt").write_text("old a")
    targets = [tmp_path / "a.txt", tmp_path / "b.txt"]
    full = "b.txt: cannot write: No space left on device \\(nothing was written\\)"
    with pytest.raises(InputError, match=full), atomic_paths(targets) as temporaries:
        temporaries[0].write_text("new a")
        temporaries[1].write_text("part of b")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert _files(tmp_path) == {"a.txt": "old a"}


def test_an_io_error_at_the_flush_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A device error the kernel reports only at ``fsync`` (deferred write-back) still stops the rename."""
    target = tmp_path / "a.txt"
    target.write_text("old")

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing)
    refused = "a.txt: cannot write: Input/output error \\(the previous version is kept\\)"
    with pytest.raises(InputError, match=refused), atomic_path(target) as tmp:
        tmp.write_text("new")
    assert _files(tmp_path) == {"a.txt": "old"}


def test_other_errors_inside_the_block_pass_unchanged(tmp_path: Path) -> None:
    """Only the storage's refusals become the write error: a missing input read inside the block stays itself."""
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "a.txt"):
        (tmp_path / "missing").read_text()
    assert _files(tmp_path) == {}
