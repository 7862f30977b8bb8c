"""Constructors for Tensors, and the op-backed free functions (``ad.maximum``, ``ad.stack``...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .errors import OpIndexError
from .random import resolve_rng
from .tensor import Tensor, _as_array
from .tensor_methods import axis_alias

__all__ = [
    "arange", "concatenate", "eye", "full", "maximum", "minimum", "ones", "ones_like", "pad",
    "rand", "randn", "split", "stack", "tensor", "uniform", "where", "zeros", "zeros_like",
]

Shape = int | Sequence[int]
Seed = np.random.Generator | int | None


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], int | np.integer):
        shape = tuple(shape[0])
    if any(isinstance(n, str | bytes) for n in shape):
        raise TypeError(f"shape must be integers, got {shape!r}")
    try:
        result = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape must be integers, got {shape!r}") from None
    if any(n < 0 for n in result):
        raise ValueError(f"shape must not have negative sizes, got {result}")
    return result


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str = "") -> Tensor:
    """A new leaf Tensor holding a copy of ``data`` (numbers and lists become float64)."""
    return Tensor(np.array(_as_array(data, dtype)), requires_grad=requires_grad, name=name)


def zeros(*shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros of ``shape``."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Shape, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of ones of ``shape``."""
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape: Shape, fill_value: float, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """A Tensor of ``shape`` filled with ``fill_value``."""
    return Tensor(np.full(_shape((shape,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = np.float64,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix of shape (n, m or n)."""
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = np.float64,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop) like numpy.arange (float64 by default)."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t``."""
    array = _as_array(t)
    return Tensor(np.zeros(array.shape, dtype=dtype or array.dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``t``."""
    array = _as_array(t)
    return Tensor(np.ones(array.shape, dtype=dtype or array.dtype), requires_grad=requires_grad)


def randn(*shape: Shape, rng: Seed = None, dtype: Any = np.float64,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples of ``shape`` drawn from ``rng``: a Generator, an int seed, or
    None for the default generator (``ad.manual_seed``). Raises TypeError for another rng."""
    values = resolve_rng(rng, "randn").standard_normal(_shape(shape)).astype(dtype, copy=False)
    return Tensor(values, requires_grad=requires_grad)


def rand(*shape: Shape, rng: Seed = None, dtype: Any = np.float64,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of ``shape`` drawn from ``rng`` (as in :func:`randn`)."""
    values = resolve_rng(rng, "rand").random(_shape(shape)).astype(dtype, copy=False)
    return Tensor(values, requires_grad=requires_grad)


def uniform(low: float, high: float, shape: Shape, rng: Seed = None, dtype: Any = np.float64,
            requires_grad: bool = False) -> Tensor:
    """Uniform samples in [low, high) of ``shape`` drawn from ``rng`` (as in :func:`randn`)."""
    values = resolve_rng(rng, "uniform").uniform(low, high, _shape((shape,)))
    values = values.astype(dtype, copy=False)
    return Tensor(values, requires_grad=requires_grad)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; on a tie each side gets half the gradient."""
    return ops.maximum(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; on a tie each side gets half the gradient."""
    return ops.minimum(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` (boolean) holds, else ``b``; gradients go to the chosen side."""
    return ops.where(condition, a, b)


def concatenate(tensors: Sequence[Any], axis: int | None = None, *,
                dim: int | None = None) -> Tensor:
    """Join tensors along an existing ``axis`` (default 0; ``dim`` is PyTorch's name).

    Raises ValueError for no tensors or shapes that do not fit, TypeError for both
    ``axis`` and ``dim``.
    """
    axis = axis_alias("concatenate", axis, dim)
    if len(tensors) == 0:
        raise ValueError("concatenate: need at least one tensor")
    return ops.concatenate(*tensors, axis=0 if axis is None else axis)


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new ``axis`` (default 0; ``dim`` is PyTorch's name)."""
    axis = axis_alias("stack", axis, dim)
    if len(tensors) == 0:
        raise ValueError("stack: need at least one tensor")
    return ops.stack(*tensors, axis=0 if axis is None else axis)


def split(t: Tensor, indices_or_sections: int | Sequence[int], axis: int | None = None, *,
          dim: int | None = None) -> list[Tensor]:
    """Split ``t`` along ``axis`` (default 0; ``dim`` too) like numpy.split: into equal
    sections or at indices. Raises ValueError for an empty axis or sections that do not
    divide it, IndexError for an axis out of range."""
    axis = axis_alias("split", axis, dim)
    axis = 0 if axis is None else int(axis)
    if not -t.ndim <= axis < t.ndim:
        raise OpIndexError(f"split: axis {axis} is out of range for shape {t.shape}")
    n = t.shape[axis]
    if n == 0:
        raise ValueError(f"split: axis {axis} of shape {t.shape} is empty; there is nothing "
                         "to split")
    if isinstance(indices_or_sections, int | np.integer):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis {axis} of length {n} does not divide into "
                             f"{indices_or_sections} equal sections")
        bounds = list(range(0, n + 1, n // sections))
    else:
        bounds = [0, *[int(i) for i in indices_or_sections], n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index = [slice(None)] * t.ndim
        index[axis] = slice(lo, hi)
        pieces.append(t[tuple(index)])
    return pieces


def pad(t: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Pad with a constant, numpy.pad's ``pad_width`` convention."""
    return ops.pad(t, pad_width=pad_width, value=value)
