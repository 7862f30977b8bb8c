"""Hypothesis strategies for gradient tests: floats, arrays, Tensors, Values.

All draw finite floats (no NaN, inf or subnormals). ``elements`` is a ``(low, high)``
pair or a hypothesis float strategy; ``away_from`` is a point or a sequence of points
that drawn values keep at least ``margin`` away from (values closer are pushed out to
the margin). ``shape`` is a tuple, an int, a strategy of tuples, or None for a random
shape of ``min_dims..max_dims`` dimensions with sides ``min_side..max_side``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor
from ..value import Value

__all__ = ["arrays", "broadcastable_tensors", "floats", "tensors", "values"]


Elements = tuple[float, float] | st.SearchStrategy[float] | None
Shape = int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None


def floats(
    elements: Elements = None,
    *,
    away_from: float | Sequence[float] | None = None,
    margin: float = 1e-2,
    width: int = 64,
) -> st.SearchStrategy[float]:
    """Finite floats in ``elements`` (default (-3, 3)), optionally kept ``margin`` from points.

    Raises TypeError for an ``elements`` that is neither a (low, high) pair nor a strategy.
    """
    if elements is None:
        elements = (-3.0, 3.0)
    if isinstance(elements, st.SearchStrategy):
        base = elements
    elif isinstance(elements, (tuple, list)) and len(elements) == 2:
        lo, hi = float(elements[0]), float(elements[1])
        if not lo <= hi:
            raise ValueError(f"floats: elements=(low, high) needs low <= high, got {elements}")
        base = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                         width=width)
    else:
        raise TypeError(
            f"floats: elements must be a (low, high) pair or a hypothesis strategy, got "
            f"{elements!r}"
        )
    if away_from is None:
        return base
    points = (away_from,) if isinstance(away_from, (int, float)) else tuple(away_from)
    points = tuple(float(p) for p in points)

    def push(v: float) -> float:
        for p in points:
            if abs(v - p) < margin:
                v = p + margin if v >= p else p - margin
        return float(np.float32(v)) if width == 32 else v

    return base.map(push)


def _shapes(shape: Shape, min_dims: int, max_dims: int, min_side: int, max_side: int
            ) -> st.SearchStrategy[tuple[int, ...]]:
    if shape is None:
        return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                max_side=max_side)
    if isinstance(shape, st.SearchStrategy):
        return shape
    if isinstance(shape, int):
        return st.just((shape,))
    return st.just(tuple(int(s) for s in shape))


def arrays(
    shape: Shape = None,
    *,
    elements: Elements = None,
    away_from: float | Sequence[float] | None = None,
    margin: float = 1e-2,
    dtype: Any = np.float64,
    unique: bool = False,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[np.ndarray]:
    """Float ndarrays (float64 by default) of ``shape`` with finite ``elements``.

    ``unique=True`` draws distinct elements (no ties, e.g. for max/min/sort-like ops).
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"arrays: dtype must be a float dtype, got {dtype}")
    elems = floats(elements, away_from=away_from, margin=margin, width=8 * dtype.itemsize)
    return hnp.arrays(dtype, _shapes(shape, min_dims, max_dims, min_side, max_side),
                      elements=elems, unique=unique)


def tensors(
    shape: Shape = None,
    *,
    elements: Elements = None,
    away_from: float | Sequence[float] | None = None,
    margin: float = 1e-2,
    dtype: Any = np.float64,
    requires_grad: bool = True,
    unique: bool = False,
    name: str = "",
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[Tensor]:
    """Leaf Tensors (``requires_grad=True`` by default) over :func:`arrays`.

    Example: ``@given(tensors(shape=(3,), elements=(0.1, 10)))`` for an op defined on x > 0.
    """
    return arrays(shape, elements=elements, away_from=away_from, margin=margin, dtype=dtype,
                  unique=unique, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                  max_side=max_side).map(
        lambda a: Tensor(a, requires_grad=requires_grad, name=name))


def broadcastable_tensors(
    num_shapes: int = 2,
    *,
    base_shape: tuple[int, ...] = (),
    elements: Elements = None,
    away_from: float | Sequence[float] | None = None,
    margin: float = 1e-2,
    dtype: Any = np.float64,
    requires_grad: bool = True,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """Tuples of ``num_shapes`` Tensors whose shapes broadcast together (numpy rules).

    Shapes come from ``hypothesis.extra.numpy.mutually_broadcastable_shapes`` and include size-1
    axes and missing leading axes, which exercise the engine's reduction of broadcast gradients.
    """
    shapes = hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, base_shape=base_shape, min_dims=min_dims, max_dims=max_dims,
        min_side=min_side, max_side=max_side)

    def draw_all(bs: Any) -> st.SearchStrategy[tuple[Tensor, ...]]:
        return st.tuples(*(
            tensors(s, elements=elements, away_from=away_from, margin=margin, dtype=dtype,
                    requires_grad=requires_grad)
            for s in bs.input_shapes))

    return shapes.flatmap(draw_all)


def values(
    elements: Elements = None,
    *,
    away_from: float | Sequence[float] | None = None,
    margin: float = 1e-2,
    label: str = "",
) -> st.SearchStrategy[Value]:
    """Scalar Values with finite data in ``elements`` (default (-3, 3))."""
    return floats(elements, away_from=away_from, margin=margin).map(
        lambda v: Value(v, label=label))
