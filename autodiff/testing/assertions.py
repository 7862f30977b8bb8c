"""Assertions for gradient tests: ``assert_grad_close`` and ``check_op`` (a user's op, in one line).

``check_op`` describes the op it is given as an ``OpSpec`` (the catalogue's own kind of
entry: a sampler of inputs in the domain) and property-tests it the way the catalogue's
ops are tested, so a custom op and a built-in one go through the same machinery.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..check import GradcheckError, gradcheck, gradgradcheck
from ..tensor import Tensor
from .spec import OpSpec, Sample
from .strategies import arrays

__all__ = ["assert_grad_close", "check_op", "spec_for_op"]


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


def spec_for_op(
    op: Any,
    shapes: Any = None,
    domain: Any = (-2.0, 2.0),
    *,
    kwargs: dict[str, Any] | None = None,
    away_from: float | Sequence[float] | None = None,
) -> OpSpec:
    """The catalogue spec of a (custom) op: inputs of ``shapes`` with values in ``domain``.

    Arguments as for :func:`check_op`. Raises TypeError when ``op`` is not callable or
    its number of inputs is unknown, ValueError for domains that do not fit it.
    """
    if not callable(op):
        raise TypeError(f"check_op: op must be an ad.Op (or callable), got {type(op).__name__}")
    name = getattr(op, "name", getattr(op, "__name__", repr(op)))
    arity = _arity(op, shapes, name)
    domains = _domains(domain, arity, name)
    kw = dict(kwargs or {})
    if shapes is None:
        shape_draw: st.SearchStrategy[Any] = hnp.mutually_broadcastable_shapes(
            num_shapes=arity, min_dims=0, max_dims=3, max_side=4).map(lambda bs: bs.input_shapes)
    else:
        shape_draw = st.just(tuple(_shape_list(shapes)))

    def call(*xs: Tensor) -> Tensor:
        return op(*xs, **kw)

    def sample(data: Any) -> Sample:
        drawn = data.draw(shape_draw, label="shapes")
        values = [data.draw(arrays(s, elements=d, away_from=away_from))
                  for s, d in zip(drawn, domains, strict=True)]
        return Sample(values, call)

    return OpSpec(name, sample, None, kinks=tuple(_points(away_from)))


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
    spec = spec_for_op(op, shapes, domain, kwargs=kwargs, away_from=away_from)
    name = spec.name

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
    @given(st.data())
    def property_test(data: Any) -> None:
        sample = spec.sample(data)
        xs = [Tensor(a, requires_grad=True) for a in sample.arrays]
        out = sample.call(*xs)
        if not isinstance(out, Tensor):
            raise AssertionError(f"check_op: {name} returned {type(out).__name__}, not a Tensor")
        try:
            assert_grad_close(sample.call, xs, eps=eps, atol=atol, rtol=rtol,
                              second_order=second_order)
        except AssertionError as error:
            shapes_in = ", ".join(str(tuple(x.shape)) for x in xs)
            raise AssertionError(f"check_op: the VJPs of op {name!r} disagree with central "
                                 f"differences at inputs of shapes {shapes_in} (the failing "
                                 f"inputs are printed below)\n{error}") from None

    property_test()


def _points(away_from: float | Sequence[float] | None) -> list[float]:
    if away_from is None:
        return []
    return [float(away_from)] if isinstance(away_from, int | float) else [float(p)
                                                                         for p in away_from]


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
