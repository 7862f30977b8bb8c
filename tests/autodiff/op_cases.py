"""One hypothesis case per op of ``autodiff.ops.REGISTRY``: shapes, arguments and inputs.

``CASES[name](data)`` draws, from a hypothesis ``st.data()`` object, a list of float64
input arrays and a function of that many Tensors that applies the op (``name`` is the
op's REGISTRY key). Shapes come from ``mutually_broadcastable_shapes``; values are drawn
from a seeded generator inside the op's domain, away from kinks and domain edges, and
without ties for max/min.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff as ad

Case = Callable[[Any], tuple[list[np.ndarray], Callable[..., ad.Tensor]]]
CASES: dict[str, Case] = {}
MAX_DIMS, MAX_SIDE = 3, 3


def case(name: str) -> Callable[[Case], Case]:
    """Decorator: register ``fn`` as the case of the op ``name``."""

    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


def shapes(data: Any, n: int, min_dims: int = 0) -> tuple[tuple[tuple[int, ...], ...], tuple]:
    """``n`` mutually broadcastable shapes and their broadcast shape."""
    drawn = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    return drawn.input_shapes, drawn.result_shape


def rng_of(data: Any) -> np.random.Generator:
    """A numpy Generator seeded by a hypothesis-drawn integer."""
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def uniform(rng: np.random.Generator, shape: tuple, lo: float, hi: float,
            away: tuple[float, ...] = (), margin: float = 0.05) -> np.ndarray:
    """Uniform values in [lo, hi], pushed at least ``margin`` away from the points ``away``."""
    x = rng.uniform(lo, hi, shape)
    for p in away:
        near = np.abs(x - p) < margin
        x = np.where(near, np.where(x >= p, p + margin, p - margin), x)
    return x


def signed(rng: np.random.Generator, shape: tuple, lo: float, hi: float) -> np.ndarray:
    """Magnitudes in [lo, hi] with random signs (clear of zero)."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def axis_and_keepdims(data: Any, ndim: int) -> tuple[Any, bool]:
    """An axis argument (None, an int or a tuple, negatives allowed) and a keepdims flag."""
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return data.draw(st.one_of(*options), label="axis"), data.draw(st.booleans(), label="keepdims")


from op_cases_elementwise import *  # noqa: E402, F403  (registers the elementwise cases)
from op_cases_structure import *  # noqa: E402, F403  (reductions, shape ops, indexing, joins)
