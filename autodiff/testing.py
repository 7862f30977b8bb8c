"""Hypothesis strategies and assertions for testing gradients, shipped for users' own tests.

Strategies (all draw finite floats, no NaN, inf or subnormals)::

    from autodiff import testing as adt
    adt.arrays(shape=(3, 4))                       # float64 ndarrays
    adt.tensors(shape=(3, 4), elements=(0.1, 5))   # Tensors that require grad
    adt.tensors(away_from=0.0)                     # keep clear of a kink (relu, abs)
    adt.broadcastable_tensors(2)                   # (a, b) with mutually broadcastable shapes
    adt.values(elements=(-2, 2))                   # scalars as Values
    adt.graphs(max_nodes=6)                        # (f, inputs): a random expression over ops

Assertions::

    adt.assert_grad_close(f, [x, w])               # AssertionError carrying gradcheck's report
    adt.check_op(my_op, shapes=[(3, 4), (4,)], domain=(-2, 2))   # a property test in one line

``elements`` is a ``(low, high)`` pair or a hypothesis float strategy; ``away_from`` is a point or
a sequence of points that drawn values keep at least ``margin`` away from (values closer are
pushed out to the margin). ``shape`` is a tuple, an int, a strategy of tuples, or None for a
random shape of ``min_dims..max_dims`` dimensions with sides ``min_side..max_side``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - hypothesis is a test-time dependency
    raise ImportError("autodiff.testing needs hypothesis: pip install hypothesis "
                      "(or pip install -e '.[dev]')") from error

from .check import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor
from .testing_graphs import GRAPH_OPS, KINK_OPS, Graph, graphs
from .value import Value

__all__ = [
    "GRAPH_OPS",
    "KINK_OPS",
    "Graph",
    "arrays",
    "assert_grad_close",
    "broadcastable_tensors",
    "check_op",
    "floats",
    "graphs",
    "tensors",
    "values",
]

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


def assert_grad_close(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    second_order: bool = False,
) -> None:
    """Assert that ``f``'s analytic gradients match central differences (see ``gradcheck``).

    Raises AssertionError whose message is gradcheck's report (and, with ``second_order=True``,
    gradgradcheck's), so pytest and hypothesis show which entry is wrong.
    """
    try:
        gradcheck(f, inputs, params=params, eps=eps, atol=atol, rtol=rtol, fast=fast)
        if second_order:
            gradgradcheck(f, inputs, params=params, eps=eps, atol=atol, rtol=rtol, fast=fast)
    except GradcheckError as error:
        raise AssertionError(str(error)) from None


def check_op(
    op: Any,
    shapes: Any = None,
    domain: Any = (-2.0, 2.0),
    *,
    kwargs: dict[str, Any] | None = None,
    away_from: float | Sequence[float] | None = None,
    max_examples: int = 25,
    second_order: bool = False,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Property-test a (custom) ``ad.Op``: its VJPs against central differences, many inputs.

    ``shapes``: one shape per positional input (``[(3, 4), (4,)]``; a single tuple of ints for a
    one-input op), or None to draw mutually broadcastable shapes for ``len(op.vjps)`` inputs.
    ``domain``: a ``(low, high)`` pair for every input or a list with one pair per input.
    ``kwargs`` are passed to the op. Runs ``max_examples`` hypothesis examples (derandomized,
    no example database) and raises AssertionError with the report of the first failing input;
    ``second_order=True`` also checks the VJPs' own derivatives. Raises TypeError/ValueError for
    arguments that do not fit the op.
    """
    if not callable(op):
        raise TypeError(f"check_op: op must be an ad.Op (or callable), got {type(op).__name__}")
    name = getattr(op, "name", getattr(op, "__name__", repr(op)))
    arity = _arity(op, shapes, name)
    domains = _domains(domain, arity, name)
    kw = dict(kwargs or {})
    if shapes is None:
        drawn: st.SearchStrategy[Any] = hnp.mutually_broadcastable_shapes(
            num_shapes=arity, min_dims=0, max_dims=3, max_side=4).flatmap(
            lambda bs: st.tuples(*(
                tensors(s, elements=d, away_from=away_from)
                for s, d in zip(bs.input_shapes, domains, strict=True))))
    else:
        shape_list = _shape_list(shapes)
        drawn = st.tuples(*(tensors(s, elements=d, away_from=away_from)
                            for s, d in zip(shape_list, domains, strict=True)))

    def call(*xs: Tensor) -> Tensor:
        return op(*xs, **kw)

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
    @given(drawn)
    def property_test(xs: tuple[Tensor, ...]) -> None:
        out = call(*xs)
        if not isinstance(out, Tensor):
            raise AssertionError(f"check_op: {name} returned {type(out).__name__}, not a Tensor")
        try:
            assert_grad_close(call, list(xs), eps=eps, atol=atol, rtol=rtol,
                              second_order=second_order)
        except AssertionError as error:
            shapes_in = ", ".join(str(tuple(x.shape)) for x in xs)
            raise AssertionError(f"check_op: the VJPs of op {name!r} disagree with central "
                                 f"differences at inputs of shapes {shapes_in} (the failing "
                                 f"inputs are printed below)\n{error}") from None

    property_test()


def _shape_list(shapes: Any) -> list[tuple[int, ...]]:
    if isinstance(shapes, tuple) and all(isinstance(s, int) for s in shapes):
        return [shapes]
    return [tuple(s) for s in shapes]


def _arity(op: Any, shapes: Any, name: str) -> int:
    if shapes is not None:
        return len(_shape_list(shapes))
    if getattr(op, "variadic", False) or not hasattr(op, "vjps"):
        raise TypeError(f"check_op: give shapes=[...] for {name}: its number of inputs is unknown")
    return len(op.vjps)


def _domains(domain: Any, arity: int, name: str) -> list[tuple[float, float]]:
    if (isinstance(domain, (tuple, list)) and len(domain) == 2
            and all(isinstance(d, (int, float)) for d in domain)):
        return [(float(domain[0]), float(domain[1]))] * arity
    domains = [tuple(d) for d in domain]
    if len(domains) != arity:
        raise ValueError(f"check_op: {name} takes {arity} inputs but {len(domains)} domains "
                         "were given; pass one (low, high) pair or one per input")
    for d in domains:
        if len(d) != 2 or not math.isfinite(d[0]) or not math.isfinite(d[1]) or d[0] > d[1]:
            raise ValueError(f"check_op: domain {d} of {name} is not a finite (low, high) pair")
    return domains  # type: ignore[return-value]
