"""Indexing: ``getitem`` and its adjoint ``scatter`` (repeated indices accumulate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import register


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) and np.asarray(p).dtype != bool for p in parts)


def _scatter_forward(g: np.ndarray, shape: tuple, index: Any) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if _is_advanced(index) and not _unique_integer_index(index, shape):
        np.add.at(out, index, g)  # repeated indices accumulate
    else:
        out[index] = g
    return out


def _unique_integer_index(index: Any, shape: tuple) -> bool:
    """True when ``index`` is integer arrays only, addressing no element twice.

    Then plain assignment equals accumulation and is many times faster than
    ``np.add.at`` (the common case: picking one target logit per row).
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not parts or len(parts) > len(shape):
        return False
    arrays = []
    for p in parts:
        a = np.asarray(p)
        if a.dtype.kind not in "iu":
            return False
        arrays.append(a)
    try:
        flat = np.ravel_multi_index(tuple(np.broadcast_arrays(*arrays)),
                                    shape[:len(arrays)], mode="wrap")
    except ValueError:
        return False
    flat = flat.ravel()
    return np.unique(flat).size == flat.size


getitem = register("getitem", lambda a, index: a[index],
                    lambda g, out, a, index: scatter(g, shape=a.shape, index=index))
scatter = register("scatter", _scatter_forward,
                    lambda g, out, src, shape, index: g[index])
