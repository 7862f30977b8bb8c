"""Catalogue entries for the arithmetic ops: add, sub, mul, div, neg, pow, matmul."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ...tensor import Tensor
from ..spec import MAX_SIDE, Expression, OpSpec, Sample, rng_of, shapes, signed, uniform

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


_PLAIN = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def _sample_binary(name: str) -> Any:
    fn = _PLAIN.get(name, lambda a, b: a / b)

    def sample(data: Any) -> Sample:
        (sa, sb), _ = shapes(data, 2)
        rng = rng_of(data)
        a = uniform(rng, sa, -2, 2)
        b = signed(rng, sb, 0.5, 2) if name == "div" else uniform(rng, sb, -2, 2)
        return Sample([a, b], fn)

    return sample


def _fuzz_plain(name: str) -> Any:
    fn = _PLAIN[name]

    def fuzz(site: Site) -> Step | None:
        swap = site.pick([False, True])
        return site.binary((lambda t, u: fn(u, t)) if swap else fn)

    return fuzz


def _fuzz_div(site: Site) -> Step | None:
    if site.pick([True, False]):
        return site.binary(lambda t, u: t / (u * u + 0.5))
    return site.binary(lambda t, u: u / (t * t + 0.5))  # a constant over a tensor


def _sample_pow(data: Any) -> Sample:
    (sa, sb), _ = shapes(data, 2)
    rng = rng_of(data)
    mode = data.draw(st.sampled_from(["tensor", "int", "float", "base"]), label="pow mode")
    base = uniform(rng, sa, 0.5, 2)
    if mode == "tensor":
        return Sample([base, uniform(rng, sb, -2, 2)], lambda a, b: a ** b)
    if mode == "int":
        k = data.draw(st.sampled_from([2, 3, -1]), label="k")
        return Sample([signed(rng, sa, 0.5, 2)], lambda a: a ** k)
    if mode == "float":
        p = data.draw(st.sampled_from([0.5, 1.5, -0.7]), label="p")
        return Sample([base], lambda a: a ** p)
    return Sample([uniform(rng, sb, -2, 2)], lambda b: 1.7 ** b)


def _fuzz_pow(site: Site) -> Step | None:
    form = site.pick(["const_exp", "tensor_exp", "const_base"])
    if form == "const_exp":
        k = site.pick([2, 3, 0.5, -1.5, 1.25])
        return site.step(lambda t: (t * t + 0.5) ** k)
    if form == "const_base":
        return site.step(lambda t: 1.7 ** t.tanh())
    return site.binary(lambda t, u: (t * t + 0.5) ** (u.tanh() if isinstance(u, Tensor)
                                                     else math.tanh(u)))


def _sample_matmul(data: Any) -> Sample:
    drawn = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=MAX_SIDE))
    sa, sb = drawn.input_shapes
    rng = rng_of(data)
    return Sample([uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)], lambda a, b: a @ b)


def _fuzz_matmul(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    n = x.shape[-1]
    b = site.partner(lambda v: v.ndim in (1, 2) and v.shape[0] == n)
    if b is not None:
        return site.step(lambda t, u: t @ u, b)
    w = site.rng.standard_normal((n, site.pick([1, 2, 3]))) / np.sqrt(n)
    if site.pick([True, False]):
        return site.step(lambda t: t @ site.const(w, t))
    if x.ndim == 1:
        return site.step(lambda t: site.const(w.T, t) @ t)
    return None


def _matmul_example(sa: tuple[int, ...], sb: tuple[int, ...]) -> Any:
    return lambda rng: Sample([uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)],
                              lambda a, b: a @ b)


_MATMUL_EXAMPLES = {
    "matrix-matrix": _matmul_example((3, 4), (4, 2)),
    "vector-matrix": _matmul_example((4,), (4, 2)),
    "matrix-vector": _matmul_example((3, 4), (4,)),
    "vector-vector": _matmul_example((4,), (4,)),
    "batched": _matmul_example((2, 3, 4), (4, 2)),
}


def _sample_neg(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    return Sample([uniform(rng_of(data), shape, -2, 2)], lambda x: -x)


SPECS = [
    OpSpec("add", _sample_binary("add"), Expression(2, _PLAIN["add"], "{0} + {1}"),
           fuzz=_fuzz_plain("add"), value="__add__"),
    OpSpec("sub", _sample_binary("sub"), Expression(2, _PLAIN["sub"], "{0} - {1}"),
           fuzz=_fuzz_plain("sub"), value="__sub__"),
    OpSpec("mul", _sample_binary("mul"), Expression(2, _PLAIN["mul"], "{0} * {1}"),
           fuzz=_fuzz_plain("mul"), value="__mul__"),
    OpSpec("div", _sample_binary("div"),
           Expression(2, lambda a, b: a / (b * b + 1.0), "{0} / ({1}*{1} + 1)"),
           fuzz=_fuzz_div, value="__truediv__"),
    OpSpec("neg", _sample_neg, Expression(1, lambda a: -a, "-{0}"), value="__neg__"),
    OpSpec("pow", _sample_pow,
           Expression(1, lambda a: (a * a + 1.0) ** 1.5, "({0}*{0} + 1) ** 1.5"),
           fuzz=_fuzz_pow, value="__pow__"),
    # matmul needs operands whose inner axes agree: the fuzz pairs them by shape
    OpSpec("matmul", _sample_matmul, None, fuzz=_fuzz_matmul, examples=_MATMUL_EXAMPLES),
]

__all__ = ["SPECS"]
