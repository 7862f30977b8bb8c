"""Hypothesis cases for the elementwise ops, arithmetic and matmul (see ``op_cases``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_cases import MAX_SIDE, Case, case, rng_of, shapes, signed, uniform

import autodiff as ad

__all__: list[str] = []


UNARY: dict[str, tuple[Callable[[ad.Tensor], ad.Tensor], float, float, tuple[float, ...]]] = {
    "neg": (lambda x: -x, -2, 2, ()),
    "exp": (lambda x: x.exp(), -2, 2, ()),
    "log": (lambda x: x.log(), 0.2, 3, ()),
    "log1p": (lambda x: x.log1p(), -0.7, 3, ()),
    "expm1": (lambda x: x.expm1(), -2, 2, ()),
    "sqrt": (lambda x: x.sqrt(), 0.2, 3, ()),
    "abs": (lambda x: x.abs(), -2, 2, (0.0,)),
    "sin": (lambda x: x.sin(), -3, 3, ()),
    "cos": (lambda x: x.cos(), -3, 3, ()),
    "tanh": (lambda x: x.tanh(), -3, 3, ()),
    "sigmoid": (lambda x: x.sigmoid(), -5, 5, ()),
    "relu": (lambda x: x.relu(), -2, 2, (0.0,)),
    "softplus": (lambda x: x.softplus(), -5, 5, ()),
    "astype": (lambda x: x.astype(np.float64), -2, 2, ()),
}


def _unary(name: str) -> Case:
    fn, lo, hi, away = UNARY[name]

    def draw(data: Any) -> tuple[list[np.ndarray], Callable[..., ad.Tensor]]:
        (shape,), _ = shapes(data, 1)
        return [uniform(rng_of(data), shape, lo, hi, away)], fn

    return draw


for _name in UNARY:
    case(_name)(_unary(_name))


@case("leaky_relu")
def _leaky_relu(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    slope = data.draw(st.sampled_from([0.01, 0.2, -0.5, 2.0]), label="slope")
    return [uniform(rng_of(data), shape, -2, 2, (0.0,))], lambda x: x.leaky_relu(slope)


@case("clip")
def _clip(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    lo = data.draw(st.one_of(st.none(), st.sampled_from([-1.0, -0.3, 0.0])), label="lo")
    hi = data.draw(st.one_of(st.none(), st.sampled_from([0.25, 1.0])), label="hi")
    assume(lo is not None or hi is not None)
    edges = tuple(e for e in (lo, hi) if e is not None)
    return [uniform(rng_of(data), shape, -2, 2, edges)], lambda x: x.clip(lo, hi)


BINARY: dict[str, Callable[[Any, Any], ad.Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": ad.maximum,
    "minimum": ad.minimum,
}


def _binary(name: str) -> Case:
    fn = BINARY[name]

    def draw(data: Any) -> tuple:
        (sa, sb), result = shapes(data, 2)
        rng = rng_of(data)
        a = uniform(rng, sa, -2, 2)
        b = signed(rng, sb, 0.5, 2) if name == "div" else uniform(rng, sb, -2, 2)
        if name in ("maximum", "minimum"):  # no ties
            assume(np.all(np.abs(np.broadcast_to(a, result) - np.broadcast_to(b, result)) > 0.05))
        return [a, b], fn

    return draw


for _name in BINARY:
    case(_name)(_binary(_name))


@case("pow")
def _pow(data: Any) -> tuple:
    (sa, sb), _ = shapes(data, 2)
    rng = rng_of(data)
    mode = data.draw(st.sampled_from(["tensor", "int", "float", "base"]), label="pow mode")
    base = uniform(rng, sa, 0.5, 2)
    if mode == "tensor":
        return [base, uniform(rng, sb, -2, 2)], lambda a, b: a ** b
    if mode == "int":
        k = data.draw(st.sampled_from([2, 3, -1]), label="k")
        return [signed(rng, sa, 0.5, 2)], lambda a: a ** k
    if mode == "float":
        p = data.draw(st.sampled_from([0.5, 1.5, -0.7]), label="p")
        return [base], lambda a: a ** p
    return [uniform(rng, sb, -2, 2)], lambda b: 1.7 ** b


@case("where")
def _where(data: Any) -> tuple:
    (sc, sa, sb), _ = shapes(data, 3)
    rng = rng_of(data)
    cond = rng.random(sc) < 0.5
    return [uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)], lambda a, b: ad.where(cond, a, b)


@case("matmul")
def _matmul(data: Any) -> tuple:
    drawn = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=MAX_SIDE))
    sa, sb = drawn.input_shapes
    rng = rng_of(data)
    return [uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)], lambda a, b: a @ b
