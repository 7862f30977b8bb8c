"""Constructors for Tensors, and the op-backed free functions (``ad.maximum``, ``ad.stack``...)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .errors import OpIndexError
from .random import resolve_rng
from .tensor import Tensor, _as_array
from .tensor_methods import axis_alias
from .validation import (
    check_axis,
    check_bool,
    check_dtype,
    check_int,
    check_real,
    check_shape,
    check_size_fits_memory,
    describe,
)

__all__ = [
    "arange", "concatenate", "eye", "full", "maximum", "minimum", "ones", "ones_like", "pad",
    "rand", "randn", "split", "stack", "tensor", "uniform", "where", "zeros", "zeros_like",
]

Shape = int | Sequence[int]
Seed = np.random.Generator | int | None


def _sized(shape: Any, dtype: Any, where: str) -> tuple[tuple[int, ...], np.dtype]:
    """The checked shape and dtype of a new array (its size checked against the memory)."""
    dt = check_dtype(dtype, where=where)
    return check_shape(shape, where=where, itemsize=dt.itemsize), dt


def _leaf(values: np.ndarray, requires_grad: Any, where: str) -> Tensor:
    return Tensor(values, requires_grad=check_bool(requires_grad, name="requires_grad",
                                                   where=where))


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str = "") -> Tensor:
    """A new leaf Tensor holding a copy of ``data``.

    Python numbers and lists of numbers become float64, lists of bools stay bool (as in
    numpy and PyTorch); ndarrays keep their dtype unless ``dtype`` is given. Raises
    TypeError for data that is not numeric, a bad dtype, or ``requires_grad=True`` on a
    tensor that is not floating-point.
    """
    if dtype is not None:
        dtype = check_dtype(dtype, where="tensor")
    return Tensor(np.array(_as_array(data, dtype)),
                  requires_grad=check_bool(requires_grad, name="requires_grad", where="tensor"),
                  name=name)


def zeros(*shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros of ``shape`` (ints, or one sequence of them).

    Raises TypeError for sizes that are not ints, ValueError for negative ones and
    ``AllocationError`` (a ValueError) for a size that does not fit in memory.
    """
    shape, dtype = _sized(shape, dtype, "zeros")
    return _leaf(np.zeros(shape, dtype=dtype), requires_grad, "zeros")


def ones(*shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of ones of ``shape`` (checked as in :func:`zeros`)."""
    shape, dtype = _sized(shape, dtype, "ones")
    return _leaf(np.ones(shape, dtype=dtype), requires_grad, "ones")


def full(shape: Shape, fill_value: float, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """A Tensor of ``shape`` filled with ``fill_value`` (a number; NaN and inf allowed)."""
    shape, dtype = _sized((shape,), dtype, "full")
    if not isinstance(fill_value, bool | np.bool_) or dtype.kind != "b":
        check_real(fill_value, name="fill_value", where="full", finite=False, allow_nan=True)
    return _leaf(np.full(shape, fill_value, dtype=dtype), requires_grad, "full")


def eye(n: int, m: int | None = None, dtype: Any = np.float64,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix of shape (n, m or n); ``n`` and ``m`` are ints >= 0."""
    n = check_int(n, name="n", where="eye", minimum=0)
    m = check_int(m, name="m", where="eye", minimum=0, allow_none=True)
    shape, dtype = _sized((n, n if m is None else m), dtype, "eye")
    return _leaf(np.eye(*shape, dtype=dtype), requires_grad, "eye")


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = np.float64,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop) like numpy.arange (float64 by default).

    ``start``, ``stop`` and ``step`` are finite numbers, ``step`` not 0. Raises TypeError or
    ValueError otherwise, ``AllocationError`` when the values would not fit in memory.
    """
    lo = check_real(start, name="start", where="arange")
    hi = check_real(stop, name="stop", where="arange", allow_none=True)
    by = check_real(step, name="step", where="arange")
    if by == 0:
        raise ValueError("arange: step must be a finite number other than 0, got 0")
    lo, hi = (0.0, lo) if hi is None else (lo, hi)
    dtype = check_dtype(dtype, where="arange")
    count = (hi - lo) / by
    if count > 2**63:
        raise ValueError(f"arange: [{start}, {stop}) in steps of {step} gives {count:.3g} "
                         "values, more than an array can hold")
    check_shape((max(math.ceil(count), 0),), where="arange", name="the number of values",
                itemsize=8 + dtype.itemsize)  # numpy's int64/float64 result, then the cast
    if math.ceil(count) <= 0:  # numpy may refuse the huge ends of an empty range
        values = np.empty(0)
    else:
        values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _leaf(values.astype(dtype), requires_grad, "arange")


def _like(t: Any, where: str) -> np.ndarray:
    """The array of ``t`` for a ``*_like`` constructor; TypeError naming ``where``."""
    try:
        return _as_array(t)
    except TypeError as error:
        raise TypeError(f"{where}: {error}") from None


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t`` (a Tensor, an array, a list or a
    number; TypeError for anything else)."""
    array = _like(t, "zeros_like")
    dtype = array.dtype if dtype is None else check_dtype(dtype, where="zeros_like")
    return _leaf(np.zeros(array.shape, dtype=dtype), requires_grad, "zeros_like")


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``t`` (a Tensor, an array, a list or a
    number; TypeError for anything else)."""
    array = _like(t, "ones_like")
    dtype = array.dtype if dtype is None else check_dtype(dtype, where="ones_like")
    return _leaf(np.ones(array.shape, dtype=dtype), requires_grad, "ones_like")


def randn(*shape: Shape, rng: Seed = None, dtype: Any = np.float64,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples of ``shape`` drawn from ``rng``: a Generator, an int seed, or
    None for the default generator (``ad.manual_seed``). Raises TypeError for another rng."""
    gen = resolve_rng(rng, "randn")
    shape, dtype = _sized(shape, dtype, "randn")
    check_size_fits_memory(8 * math.prod(shape), "randn", what=f"shape {shape}")  # float64 draws
    return _leaf(gen.standard_normal(shape).astype(dtype, copy=False), requires_grad, "randn")


def rand(*shape: Shape, rng: Seed = None, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of ``shape`` drawn from ``rng`` (as in :func:`randn`)."""
    gen = resolve_rng(rng, "rand")
    shape, dtype = _sized(shape, dtype, "rand")
    check_size_fits_memory(8 * math.prod(shape), "rand", what=f"shape {shape}")
    return _leaf(gen.random(shape).astype(dtype, copy=False), requires_grad, "rand")


def uniform(low: float, high: float, shape: Shape, rng: Seed = None, dtype: Any = np.float64,
            requires_grad: bool = False) -> Tensor:
    """Uniform samples in [low, high) of ``shape`` drawn from ``rng`` (as in :func:`randn`).

    ``low`` and ``high`` are finite numbers whose difference is finite too.
    """
    low = check_real(low, name="low", where="uniform")
    high = check_real(high, name="high", where="uniform")
    if low > high:
        raise ValueError(f"uniform: low must be <= high, got low={low}, high={high}")
    if not math.isfinite(high - low):
        raise ValueError(f"uniform: high - low must be finite, got low={low}, high={high}")
    gen = resolve_rng(rng, "uniform")
    shape, dtype = _sized((shape,), dtype, "uniform")
    check_size_fits_memory(8 * math.prod(shape), "uniform", what=f"shape {shape}")
    return _leaf(gen.uniform(low, high, shape).astype(dtype, copy=False), requires_grad,
                 "uniform")


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; on a tie each side gets half the gradient."""
    return ops.maximum(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; on a tie each side gets half the gradient."""
    return ops.minimum(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` (boolean) holds, else ``b``; gradients go to the chosen side."""
    return ops.where(condition, a, b)


def _operands(tensors: Any, where: str) -> list[Any]:
    """The tensors to join: a non-empty list, tuple or Tensor/array (its first axis)."""
    if isinstance(tensors, str | bytes | dict | set) or not isinstance(
            tensors, Sequence | Tensor | np.ndarray):
        raise TypeError(f"{where}: tensors must be a list or tuple of tensors, got "
                        f"{describe(tensors)}")
    items = list(tensors)
    if len(items) == 0:
        raise ValueError(f"{where}: need at least one tensor")
    return items


def concatenate(tensors: Sequence[Any], axis: int | None = None, *,
                dim: int | None = None) -> Tensor:
    """Join tensors along an existing ``axis`` (default 0; ``dim`` is PyTorch's name).

    Raises ValueError for no tensors or shapes that do not fit, TypeError for both
    ``axis`` and ``dim``, for an axis that is not an int or tensors that are not a list.
    """
    axis = axis_alias("concatenate", axis, dim)
    items = _operands(tensors, "concatenate")
    axis = check_axis(0 if axis is None else axis, max(np.ndim(_array_of(items[0])), 1),
                      where="concatenate", allow_none=False, allow_sequence=False)
    return ops.concatenate(*items, axis=axis)


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new ``axis`` (default 0; ``dim`` is PyTorch's name).

    Raises as :func:`concatenate`; the new axis may be -ndim-1..ndim.
    """
    axis = axis_alias("stack", axis, dim)
    items = _operands(tensors, "stack")
    axis = check_axis(0 if axis is None else axis, np.ndim(_array_of(items[0])) + 1,
                      where="stack", allow_none=False, allow_sequence=False)
    return ops.stack(*items, axis=axis)


def _array_of(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def split(t: Tensor, indices_or_sections: int | Sequence[int], axis: int | None = None, *,
          dim: int | None = None) -> list[Tensor]:
    """Split ``t`` along ``axis`` (default 0; ``dim`` too) like numpy.split: into equal
    sections (an int >= 1) or at indices (a sequence of ints). Raises TypeError for a
    ``t`` that is not a Tensor or indices that are not ints, ValueError for an empty axis
    or sections that do not divide it, IndexError for an axis out of range."""
    if not isinstance(t, Tensor):
        raise TypeError(f"split: t must be a Tensor, got {describe(t)}")
    axis = axis_alias("split", axis, dim)
    axis = check_axis(0 if axis is None else axis, None, where="split", allow_none=False,
                      allow_sequence=False)
    if not -t.ndim <= axis < t.ndim:
        raise OpIndexError(f"split: axis {axis} is out of range for shape {t.shape}")
    n = t.shape[axis]
    if n == 0:
        raise ValueError(f"split: axis {axis} of shape {t.shape} is empty; there is nothing "
                         "to split")
    if isinstance(indices_or_sections, int | np.integer) and not isinstance(
            indices_or_sections, bool | np.bool_):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis {axis} of length {n} does not divide into "
                             f"{indices_or_sections} equal sections")
        bounds = list(range(0, n + 1, n // sections))
    else:
        bounds = [0, *_split_indices(indices_or_sections, n), n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index = [slice(None)] * t.ndim
        index[axis] = slice(lo, hi)
        pieces.append(t[tuple(index)])
    return pieces


def _split_indices(indices: Any, n: int) -> list[int]:
    """Split points as ints clipped to [0, n] (numpy's rule for points past the end)."""
    valid = "an int >= 1 (equal sections) or a sequence of int indices"
    if isinstance(indices, np.ndarray) and indices.dtype.kind in "iu" and indices.ndim == 1:
        indices = indices.tolist()
    if isinstance(indices, str | bytes) or not isinstance(indices, list | tuple | range):
        raise TypeError(f"split: indices_or_sections must be {valid}, got {describe(indices)}")
    points = [check_int(i, name="each index of indices_or_sections", where="split")
              for i in indices]
    return [min(max(i + n if i < 0 else i, 0), n) for i in points]


def pad(t: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Pad with the constant ``value`` (a number), numpy.pad's ``pad_width`` convention (an
    int, a pair, or one pair per axis, of ints >= 0).

    Raises TypeError or ValueError for other widths or values, ``AllocationError`` when
    the padded array would not fit in memory.
    """
    value = check_real(value, name="value", where="pad", finite=False, allow_nan=True)
    array = _like(t, "pad")
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (array.ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(f"pad: pad_width must be an int, a pair or one pair per axis of the "
                         f"{array.ndim} axes, got {describe(pad_width)}") from None
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be ints >= 0, got {describe(pad_width)}")
    if widths.size and widths.min() < 0:
        raise ValueError(f"pad: pad_width must be ints >= 0, got {describe(pad_width)}")
    padded = tuple(int(n) + int(a) + int(b) for n, (a, b) in zip(array.shape, widths))
    check_shape(padded, where="pad", name="padded shape", itemsize=array.itemsize)
    return ops.pad(t, pad_width=pad_width, value=value)
