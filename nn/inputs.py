"""How nn reads what its callers hand it: as a Tensor, as a numpy array, checked.

The lowest room of ``nn``: it imports only numpy and the engine, so the layers, the
losses, the data loaders and the training loop can all import it at the top.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad
from autodiff.nodes import is_tensor, is_value
from autodiff.validation import check_size_fits_memory, describe

__all__ = ["as_tensor", "as_array", "check_finite", "positive_int", "RngLike"]

RngLike = np.random.Generator | int | None


def as_tensor(x: Any, where: str) -> ad.Tensor:
    """Return ``x`` if it is a Tensor, else wrap an array/number as a constant Tensor.

    Integer and boolean input becomes float64; float input keeps its dtype.
    Raises TypeError (naming ``where``) for a scalar Value or anything that is not numeric.
    """
    if is_tensor(x):
        return x
    if is_value(x):
        raise TypeError(f"{where}: got a scalar Value; tensor layers take autodiff.Tensor inputs")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: expected a Tensor or numeric array, got {type(x).__name__}")
    return ad.tensor(arr) if arr.dtype.kind == "f" else ad.tensor(arr.astype(np.float64))


def as_array(x: Any, name: str = "array") -> np.ndarray:
    """Return ``x`` (ndarray, Tensor, Value, list or number) as a numeric numpy array.

    Tensors give their ``.data``; Values their ``.data`` float. Raises TypeError (naming
    ``name``, the caller) when ``x`` is None or cannot be converted to real numbers
    (strings, bytes, objects, complex numbers).
    """
    array = _as_array(x, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers (an array, a Tensor, a list or a "
                        f"number), got {describe(x)}")
    return array


def _as_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    data = getattr(x, "data", None)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (int, float)) and not isinstance(x, (int, float)):
        return np.asarray(float(data))
    if isinstance(x, (list, tuple)):
        return np.asarray([_as_array(v, name) for v in x])
    try:
        return np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds
        raise TypeError(f"{name}: cannot convert {type(x).__name__} to an array") from exc


def check_finite(a: np.ndarray, where: str) -> None:
    """Raise ValueError, naming ``where`` and the first bad index, if ``a`` holds NaN or inf."""
    if a.dtype.kind not in "fc" or np.isfinite(a).all():
        return
    bad = ~np.isfinite(a)
    n_nan = int(np.isnan(a).sum())
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    column = f", column {first[1]}" if a.ndim == 2 else ""
    raise ValueError(
        f"{where} holds {n_nan} NaN and {int(bad.sum()) - n_nan} inf values (the first at "
        f"index {first}{column}); drop or fill them before training, e.g. keep the rows "
        "~np.isnan(X).any(axis=1), or use np.nan_to_num(X)"
    )


def positive_int(value: Any, name: str, where: str, bytes_each: int = 0) -> int:
    """``value`` as an int; raises ValueError naming ``where`` and ``name`` unless it is an
    int (not a bool) >= 1. With ``bytes_each`` (the bytes that one unit of ``value``
    allocates), also ``AllocationError`` (a ValueError) when ``value`` units would not fit
    in the memory available."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {describe(value)}")
    if bytes_each:
        check_size_fits_memory(int(value) * bytes_each, where, what=f"{name}={int(value)}")
    return int(value)
