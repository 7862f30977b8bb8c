"""What the catalogue knows about one op (``OpSpec``) and the helpers its entries draw with.

An ``OpSpec`` says, for one registered op: how to sample inputs and keyword arguments
for a property test (``sample``), whether it is smooth and twice differentiable, where
its kinks are, how to use it inside a random expression whatever its operand holds
(``expression`` for ``graphs()``, ``fuzz`` for the fuzz builder) and which ``Value``
operation computes the same function (``value``). Every consumer reads these fields:
the first- and second-order tests, the gradcheck test, the fuzz, ``graphs()`` and
the Value tests, and ``check_op`` builds a spec for a user's op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

__all__ = [
    "MAX_DIMS", "MAX_SIDE", "Example", "Expression", "OpSpec", "Sample", "axis_and_keepdims",
    "distinct", "rng_of", "shapes", "signed", "uniform",
]

MAX_DIMS, MAX_SIDE = 3, 3


@dataclass(frozen=True)
class Sample:
    """One drawn test input: float64 ``arrays`` and ``call(*tensors)`` applying the op to them."""

    arrays: list[np.ndarray]
    call: Callable[..., Tensor]


@dataclass(frozen=True)
class Expression:
    """The op inside an expression of any real inputs: ``fn(*operands)``, shown as ``template``.

    ``arity`` operands of mutually broadcastable shapes (at least one axis); ``fn`` maps
    them into the op's domain first (``log(t*t + 1)``), so the result is finite and
    differentiable wherever the op is smooth. ``template`` uses ``{0}``, ``{1}``.
    """

    arity: int
    fn: Callable[..., Tensor]
    template: str


#: ``sample(data)`` draws from a hypothesis ``st.data()`` object.
Sampler = Callable[[Any], Sample]
#: ``fuzz(site)`` returns a step of the fuzz builder (see ``fuzz.Site``) or None.
Proposer = Callable[[Any], Any]
#: ``example(rng)`` builds one fixed sample (values from the seeded ``rng``).
Example = Callable[[np.random.Generator], Sample]


@dataclass(frozen=True)
class OpSpec:
    """The catalogue entry of one registered op (``name`` is its ``ops.REGISTRY`` key).

    ``sample``: draws shapes, keyword arguments and values inside the domain, away from
    kinks and ties. ``expression``: the op in ``graphs()``, or None for an op whose use
    depends on its operand's shape (the fuzz draws those). ``smooth``: False when the
    derivative jumps somewhere (``kinks`` lists the points where known); such ops are
    opt-in for ``graphs()``. ``twice_differentiable``: False skips the second-order
    checks. ``fuzz``: the op in the fuzz builder, given the builder's site; None derives
    it from ``expression``. ``value``: the ``Value`` method or operator computing the
    same function (``"tanh"``, ``"__add__"``), None when Value has none. ``examples``:
    fixed samples by label, for the variants a random draw may miss (matmul's vector
    forms, an index that repeats); gradcheck runs every one of them.
    """

    name: str
    sample: Sampler
    expression: Expression | None
    smooth: bool = True
    twice_differentiable: bool = True
    kinks: tuple[float, ...] = ()
    fuzz: Proposer | None = None
    value: str | None = None
    examples: Mapping[str, Example] = field(default_factory=dict)


# ----------------------------------------------------------------------------- drawing helpers


def shapes(data: Any, n: int, min_dims: int = 0) -> tuple[tuple[tuple[int, ...], ...], tuple]:
    """``n`` mutually broadcastable shapes and their broadcast shape."""
    drawn = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=MAX_DIMS, max_side=MAX_SIDE))
    return drawn.input_shapes, drawn.result_shape


def rng_of(data: Any) -> np.random.Generator:
    """A numpy Generator seeded by a hypothesis-drawn integer."""
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def uniform(rng: np.random.Generator, shape: tuple, lo: float, hi: float,
            away: Sequence[float] = (), margin: float = 0.05) -> np.ndarray:
    """Uniform values in [lo, hi], pushed at least ``margin`` away from the points ``away``."""
    x = rng.uniform(lo, hi, shape)
    for p in away:
        near = np.abs(x - p) < margin
        x = np.where(near, np.where(x >= p, p + margin, p - margin), x)
    return x


def signed(rng: np.random.Generator, shape: tuple, lo: float, hi: float) -> np.ndarray:
    """Magnitudes in [lo, hi] with random signs (clear of zero)."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values at least 0.29 apart (no ties, nor near-ties that central differences would cross)."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.3 - 0.15 * size + rng.uniform(0, 0.01, size)).reshape(shape)


def axis_and_keepdims(data: Any, ndim: int) -> tuple[Any, bool]:
    """An axis argument (None, an int or a tuple, negatives allowed) and a keepdims flag."""
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return data.draw(st.one_of(*options), label="axis"), data.draw(st.booleans(), label="keepdims")
