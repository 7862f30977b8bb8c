"""Save and load model and optimizer state: numpy ``.npz``, no pickle, atomic writes.

``save(obj, path)`` stores ``obj.state_dict()`` (a Module, scalar or tensor, or an
optimizer) or a plain nested state (dicts, lists, tuples, numbers, strings, None, numpy
arrays). ``load(path)`` returns that state; restore it with ``model.load_state_dict(...)``
or ``optimizer.load_state_dict(...)``.

File format (version 1): an ordinary ``.npz`` archive. Every array of the state is one entry,
named after its path in the state (a module's ``"0.weight"`` is stored as ``"0.weight"``, an
optimizer's ``state[3]["exp_avg"]`` as ``"state/3/exp_avg"``), so ``numpy.load`` can read the
numbers without this package. One extra entry, ``__autodiff__``, holds a JSON manifest with the
format name, its version, what was saved, and the structure of the state with every value's
type (int vs float vs bool, int vs str dict keys, list vs tuple), so loading rebuilds the
state exactly. Python floats are stored by their hex form, bit for bit.

Safety: files are read with ``allow_pickle=False`` (loading can never run code); an archive
holding pickled object arrays, a truncated or corrupted archive, or a foreign file raises
:class:`CheckpointError` (a ``ValueError``) saying so. Writes go to a temporary file in the
target's directory, are flushed and fsynced, then renamed over the target with
``os.replace``, so a crash or an exception during ``save`` leaves the previous file intact;
the temporary files of writers killed mid-write are reclaimed by the next ``save`` of the
same path (``nn/atomic_file.py``).
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from .atomic_file import atomic_write

__all__ = ["save", "load", "CheckpointError", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "autodiff.nn.state"
FORMAT_VERSION = 1
_MANIFEST_KEY = "__autodiff__"


class CheckpointError(ValueError):
    """A file that ``nn.load`` refuses: truncated, corrupted, foreign, pickled or too new."""


# ------------------------------------------------------------------------------ encoding
def _escape(part: str) -> str:
    return part.replace("%", "%25").replace("/", "%2F")


class _Encoder:
    """Turns a nested state into a JSON-able tree plus a dict of named numpy arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _array_name(self, path: list[str]) -> str:
        base = "/".join(_escape(p) for p in path) or "value"
        name, n = base, 1
        while name in self.arrays or name == _MANIFEST_KEY:
            name, n = f"{base}#{n}", n + 1
        return name

    def _array(self, arr: np.ndarray, path: list[str], where: str) -> dict[str, Any]:
        if arr.dtype.hasobject or arr.dtype.kind == "V":
            raise TypeError(
                f"nn.save: array at {where} has dtype {arr.dtype}; only numeric, bool and "
                "string arrays can be saved (object arrays would need pickle)"
            )
        name = self._array_name(path)
        self.arrays[name] = np.array(arr, copy=True)
        return {"t": "array", "k": name}

    def encode(self, x: Any, path: list[str]) -> Any:
        """The manifest node of ``x`` (arrays are set aside); TypeError for unsupported types."""
        where = "state" + "".join(f"[{p!r}]" for p in path)
        if x is None:
            return {"t": "none"}
        if isinstance(x, bool):
            return {"t": "bool", "v": bool(x)}
        if isinstance(x, np.generic):
            node = self._array(np.asarray(x), path, where)
            node["t"] = "scalar"
            return node
        if isinstance(x, int):
            return {"t": "int", "v": str(x)}
        if isinstance(x, float):
            return {"t": "float", "v": float.hex(x)}
        if isinstance(x, str):
            return {"t": "str", "v": x}
        if isinstance(x, np.ndarray):
            return self._array(x, path, where)
        if isinstance(x, dict):
            items = []
            for k, v in x.items():
                if not isinstance(k, (str, int, float, bool, type(None), tuple)):
                    raise TypeError(
                        f"nn.save: dict key {k!r} at {where} has type {type(k).__name__}; "
                        "keys must be str, int, float, bool, None or tuples of those"
                    )
                items.append([self.encode(k, path + ["key"]), self.encode(v, path + [str(k)])])
            return {"t": "dict", "v": items}
        if isinstance(x, (list, tuple)):
            kind = "list" if isinstance(x, list) else "tuple"
            return {"t": kind, "v": [self.encode(v, path + [str(i)]) for i, v in enumerate(x)]}
        data = getattr(x, "data", None)
        if isinstance(data, np.ndarray):  # an autodiff Tensor: store its values
            return self._array(data, path, where)
        if isinstance(data, (int, float)) and hasattr(x, "grad"):  # a scalar Value
            return {"t": "float", "v": float.hex(float(data))}
        raise TypeError(
            f"nn.save: cannot save {type(x).__name__} at {where}; a state holds dicts, lists, "
            "tuples, numbers, strings, None and numpy arrays"
        )


def _decode(node: Any, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    if not isinstance(node, dict) or "t" not in node:
        raise CheckpointError(f"nn.load: malformed manifest node {node!r}")
    t = node["t"]
    if t == "none":
        return None
    if t == "bool":
        return bool(node["v"])
    if t == "int":
        return int(node["v"])
    if t == "float":
        return float.fromhex(node["v"])
    if t == "str":
        return str(node["v"])
    if t in ("array", "scalar"):
        name = node["k"]
        if name not in arrays:
            raise CheckpointError(f"nn.load: the manifest names array {name!r}, which is missing")
        used.add(name)
        return arrays[name][()] if t == "scalar" else arrays[name]
    if t in ("list", "tuple"):
        items = [_decode(v, arrays, used) for v in node["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {_decode(k, arrays, used): _decode(v, arrays, used) for k, v in node["v"]}
    raise CheckpointError(f"nn.load: unknown manifest node type {t!r}")


def _state_of(obj: Any) -> tuple[str, Any]:
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        kind = "module" if hasattr(obj, "named_parameters") else "optimizer"
        return kind, obj.state_dict()
    if isinstance(obj, dict):
        return "state", obj
    raise TypeError(
        f"nn.save: cannot save {type(obj).__name__}; pass a Module, an optimizer (anything with "
        "state_dict()) or a dict holding a state"
    )


# ------------------------------------------------------------------------------ save / load
def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    np.savez(f, **arrays)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj``'s state (a Module, an optimizer, or a nested dict) to ``path`` atomically.

    The file is written exactly at ``path`` (no suffix is added; a symbolic link is
    followed). Raises TypeError for a value that cannot be stored without pickle, and
    OSError naming ``path`` when writing fails; on any error the previous file at ``path``
    (if any) is left untouched and no temporary file remains. Temporary files left by
    writers that were killed mid-write are removed (see ``nn.atomic_file``).
    """
    kind, state = _state_of(obj)
    enc = _Encoder()
    tree = enc.encode(state, [])
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "kind": kind,
                "class": type(obj).__name__, "tree": tree}
    arrays = dict(enc.arrays)
    arrays[_MANIFEST_KEY] = np.array(json.dumps(manifest))

    atomic_write(os.fspath(path), lambda f: _write_npz(f, arrays), "nn.save")


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    """Every array of the .npz at ``path``; the file is closed on every path out, errors
    included (``np.load`` given a path leaks its handle when the zip is unreadable)."""
    with open(path, "rb") as f:
        magic = f.read(6)
        f.seek(0)
        return _read_open_arrays(f, path, magic)


def _read_open_arrays(f: Any, path: str, magic: bytes) -> dict[str, np.ndarray]:
    if magic[:1] == b"\x80":
        raise CheckpointError(
            f"nn.load: {path!r} is a pickle file; refusing to load it (unpickling can run "
            "arbitrary code). nn.save writes .npz archives without pickle."
        )
    if magic[:2] != b"PK":
        what = "a .npy array" if magic == b"\x93NUMPY" else "not a zip archive"
        raise CheckpointError(
            f"nn.load: {path!r} is {what}, not an .npz state written by nn.save "
            f"(it starts with {magic!r})"
        )
    try:
        with np.load(f, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise CheckpointError(
                f"nn.load: {path!r} contains pickled object arrays; refusing to load it "
                "(unpickling can run arbitrary code). Files written by nn.save never do."
            ) from e
        raise CheckpointError(
            f"nn.load: {path!r} is not a readable .npz state file ({e})"
        ) from e
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, zipfile.LargeZipFile) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise CheckpointError(
            f"nn.load: {path!r} is truncated or corrupted ({type(e).__name__}: {e})"
        ) from e


def load(path: str | os.PathLike[str]) -> Any:
    """Read a state written by :func:`save` and return it (e.g. a ``state_dict`` dict).

    Raises FileNotFoundError if ``path`` does not exist, and :class:`CheckpointError`
    (a ValueError) if the file is truncated, corrupted, not written by ``nn.save``,
    holds pickled objects, or uses a newer format version than this package reads.
    """
    path = os.fspath(path)
    arrays = _read_arrays(path)
    if _MANIFEST_KEY not in arrays:
        raise CheckpointError(
            f"nn.load: {path!r} is a zip archive but was not written by nn.save "
            f"(no {_MANIFEST_KEY!r} manifest entry); arrays found: {sorted(arrays)[:5]}"
        )
    try:
        manifest = json.loads(str(arrays.pop(_MANIFEST_KEY)[()]))
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"nn.load: {path!r} has an unreadable manifest ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise CheckpointError(f"nn.load: {path!r} has a manifest of an unknown format")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"nn.load: {path!r} has an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"nn.load: {path!r} uses format version {version}, written by a newer release; "
            f"this release reads versions up to {FORMAT_VERSION}. Upgrade autodiff to load it."
        )
    used: set[str] = set()
    try:
        state = _decode(manifest.get("tree"), arrays, used)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, CheckpointError):
            raise
        raise CheckpointError(f"nn.load: {path!r} has a malformed manifest ({e})") from e
    extra = set(arrays) - used
    if extra:
        raise CheckpointError(
            f"nn.load: {path!r} holds arrays the manifest does not name: {sorted(extra)[:5]}"
        )
    return state
