"""Load pickles, ``.npz`` archives and torch files without running code from them.

Pickles go through :class:`RestrictedUnpickler`, which admits plain containers, numbers, strings
and NumPy arrays (only the reconstructors NumPy's own pickles use). ``.npz`` members are read
without pickle support; members that real formats store as object arrays (VideoPose3D's
``positions_2d`` dictionary, the 3DHP ``data`` dictionary) are unpickled by the same restricted
unpickler. Torch files load with ``weights_only=True``. Every failure is an :class:`InputError`
naming the file, in one line.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
import re
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from pose3d.core.errors import InputError, one_line

if TYPE_CHECKING:  # torch loads with the first checkpoint: the other loaders serve torch-free commands
    import torch


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """What protocol-2 pickles of ``bytes`` call (``_codecs.encode``), limited to latin-1."""
    if encoding.lower().replace("-", "").replace("_", "") not in ("latin1", "iso88591"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


#: (module, name) -> object: everything a pickle may reference.
ALLOWED: dict[tuple[str, str], Any] = {
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytes"): bytes,  # protocol 0-2 pickles of b""
    ("builtins", "bytearray"): bytearray,
    ("collections", "OrderedDict"): OrderedDict,
    ("_codecs", "encode"): _latin1_encode,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
for _module in ("numpy.core", "numpy._core"):  # NumPy 1 and NumPy 2 names of the same functions
    ALLOWED[f"{_module}.multiarray", "_reconstruct"] = np.zeros(1).__reduce__()[0]
    ALLOWED[f"{_module}.multiarray", "scalar"] = np.float64(0).__reduce__()[0]
    ALLOWED[f"{_module}.numeric", "_frombuffer"] = np.zeros(1).__reduce_ex__(5)[0]  # protocol-5 arrays


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the names in :data:`ALLOWED`; anything else is refused."""

    def find_class(self, module: str, name: str) -> Any:
        # Python 2 pickles: map old names (``__builtin__.set``) the way pickle's fix_imports does
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in ALLOWED:
            return ALLOWED[module, name]
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only containers, numbers, strings, arrays)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refusing persistent ids")


def _unpickle(handle: BinaryIO) -> Any:
    """Restricted unpickling; latin1 also reads Python 2 NumPy pickles."""
    return RestrictedUnpickler(handle, encoding="latin1").load()


#: Leading bytes of compressed files -> the tool that unpacks them.
_COMPRESSED = {b"\x1f\x8b": "gunzip", b"BZh": "bunzip2", b"\xfd7zXZ\x00": "unxz", b"\x28\xb5\x2f\xfd": "unzstd"}


def _refuse_compressed(path: Path, kind: str) -> None:
    """Name the tool when a file is a compressed copy of the ``kind`` it should be (``x.pkl`` that is ``x.pkl.gz``)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(6)
    except OSError as err:  # no permission, an I/O error (/proc/self/mem)
        raise InputError(path, f"cannot be read ({err.strerror or err})") from err
    for magic, tool in _COMPRESSED.items():
        if head.startswith(magic):
            raise InputError(path, f"is a compressed file, not {kind}; unpack it first ({tool})")


def load_pickle(path: str | Path) -> Any:
    """The object in a pickle file, read by :class:`RestrictedUnpickler`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    _refuse_compressed(path, "a pickle")
    try:
        with open(path, "rb") as handle:
            return _unpickle(handle)
    except Exception as err:  # pickle raises many types for damaged or hostile files
        raise InputError(path, f"not a readable pickle of plain data ({type(err).__name__}: {one_line(err)})") from err


def _read_member(data: bytes) -> np.ndarray:
    """One ``.npy`` member: plain arrays without pickle, object arrays through the restricted unpickler."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    shape, fortran, dtype = (
        np.lib.format.read_array_header_1_0(stream)
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0(stream)
    )
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = _unpickle(stream)
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(f"object member does not hold a {shape} array")
    return array


#: Most a large ``.npz`` member may unpack to per stored byte: real pose arrays pack a few times at most,
#: deflate's limit (zip bombs) is about 1000.
MAX_PACKING = 100


def load_npz(path: str | Path, names: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive (object arrays unpickled by :class:`RestrictedUnpickler`).

    With ``names``, only those members are read (others may be anything). A member over 1 MiB that
    unpacks to more than :data:`MAX_PACKING` times its stored size is refused before it is unpacked.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    if not zipfile.is_zipfile(path):
        _refuse_compressed(path, "an .npz archive")
        raise InputError(path, "not a readable .npz archive (not a zip file)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".npy")]
            arrays = {}
            for member in members:
                name = member.filename.removesuffix(".npy")
                if names is not None and name not in names:
                    continue
                if member.file_size > max(2**20, MAX_PACKING * member.compress_size):
                    packed, size = member.compress_size, member.file_size
                    raise InputError(path, f"member {name!r} would unpack {packed} bytes to {size} (a zip bomb?)")
                arrays[name] = _read_member(archive.read(member))
            return arrays
    except InputError:
        raise
    except Exception as err:  # zipfile / numpy / pickle raise many types for damaged or hostile archives
        raise InputError(path, f"not a readable .npz archive ({type(err).__name__}: {one_line(err)})") from err


def _numpy_scalar_globals() -> list[Any]:
    """Allow-list for the NumPy scalars (errors, learning rates) that released checkpoints pickle."""
    scalar = np.float64(0).__reduce__()[0]
    dtypes = [type(np.dtype(t)) for t in (np.float64, np.float32, np.int64, np.int32)]
    return [(scalar, "numpy.core.multiarray.scalar"), (scalar, "numpy._core.multiarray.scalar"), np.dtype, *dtypes]


def _torch_problem(err: Exception) -> str:
    """The informative part of torch's error (its weights-only message is paragraphs of advice)."""
    text = str(err)
    if "Weights only load failed" not in text:
        return f"{type(err).__name__}: {one_line(text)}"
    blocked = re.search(r"GLOBAL ([\w.]+)", text)
    if blocked:
        return f"refusing to load {blocked[1]} (only tensors, containers, numbers, strings)"
    boilerplate = ("Weights only load failed", "Check the documentation", "Please file an issue")
    details = [p for p in (part.strip() for part in text.split("\n\n")) if p and not p.startswith(boilerplate)]
    return f"not tensors and plain data ({one_line(details[0] if details else text, 120)})"


def load_torch(path: str | Path, map_location: str | torch.device = "cpu") -> Any:
    """``torch.load(weights_only=True)`` (tensors, containers, numbers, NumPy scalars); errors name the file."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        with torch.serialization.safe_globals(_numpy_scalar_globals()), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about pickle protocols before refusing a file
            return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for corrupt, foreign or hostile files
        raise InputError(path, f"cannot read as a torch checkpoint ({_torch_problem(err)})") from err
