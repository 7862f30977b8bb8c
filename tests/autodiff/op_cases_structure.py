"""Hypothesis cases for reductions, softmax, shapes, indexing, joins and pad (see op_cases)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_cases import axis_and_keepdims, case, rng_of, shapes, signed, uniform

import autodiff as ad
from autodiff import ops

__all__: list[str] = []


def _count(shape: tuple, axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


def distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values at least 0.29 apart (no ties, nor near-ties that central differences would cross)."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.3 - 0.15 * size + rng.uniform(0, 0.01, size)).reshape(shape)


# ----------------------------------------------------------------------------- reductions


def _reduction(name: str, values: str = "uniform") -> None:
    @case(name)
    def draw(data: Any) -> tuple:
        (shape,), _ = shapes(data, 1)
        axis, keepdims = axis_and_keepdims(data, len(shape))
        rng = rng_of(data)
        if values == "distinct":
            x = distinct(rng, shape)
        elif values == "signed":
            x = signed(rng, shape, 0.5, 1.5)
        else:
            x = uniform(rng, shape, -2, 2)
        method = {"max": "max", "min": "min"}.get(name, name)
        return [x], lambda t: getattr(t, method)(axis=axis, keepdims=keepdims)


for _name in ("sum", "mean", "logsumexp"):
    _reduction(_name)
_reduction("max", "distinct")
_reduction("min", "distinct")
_reduction("prod", "signed")


@case("var")
def _var(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    axis, keepdims = axis_and_keepdims(data, len(shape))
    ddof = data.draw(st.sampled_from([0, 1]), label="ddof")
    assume(_count(shape, axis) > ddof)
    use_std = data.draw(st.booleans(), label="std") and _count(shape, axis) > 1
    x = uniform(rng_of(data), shape, -2, 2)
    if use_std:  # std = sqrt(var): keep the variance clear of 0 by the spread of the draw
        return [x], lambda t: t.std(axis=axis, ddof=ddof, keepdims=keepdims)
    return [x], lambda t: t.var(axis=axis, ddof=ddof, keepdims=keepdims)


def _softmax(name: str) -> None:
    @case(name)
    def draw(data: Any) -> tuple:
        (shape,), _ = shapes(data, 1, min_dims=1)
        axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
        x = uniform(rng_of(data), shape, -3, 3)
        return [x], lambda t: getattr(t, name)(axis=axis)


_softmax("softmax")
_softmax("log_softmax")

# ----------------------------------------------------------------------------- shape


@case("reshape")
def _reshape(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    target = list(data.draw(st.permutations([*shape, 1]), label="target"))
    if data.draw(st.booleans(), label="use -1"):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    x = uniform(rng_of(data), shape, -2, 2)
    return [x], lambda t: t.reshape(*target) if target else t.reshape(())


@case("transpose")
def _transpose(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    n = len(shape)
    axes = data.draw(st.one_of(st.none(), st.permutations(range(n))), label="axes")
    if axes is not None and n and data.draw(st.booleans()):
        axes = [a - n for a in axes]  # negative axes too
    x = uniform(rng_of(data), shape, -2, 2)
    return [x], lambda t: t.T if axes is None else t.transpose(*axes)


@case("swapaxes")
def _swapaxes(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1, min_dims=1)
    n = len(shape)
    a1, a2 = (data.draw(st.integers(-n, n - 1)) for _ in range(2))
    return [uniform(rng_of(data), shape, -2, 2)], lambda t: t.swapaxes(a1, a2)


@case("broadcast_to")
def _broadcast_to(data: Any) -> tuple:
    (shape, _), result = shapes(data, 2)
    return [uniform(rng_of(data), shape, -2, 2)], lambda t: t.broadcast_to(result)


@case("sum_to")
def _sum_to(data: Any) -> tuple:
    (shape, _), result = shapes(data, 2)
    return [uniform(rng_of(data), result, -2, 2)], lambda t: t.sum_to(shape)


def draw_index(data: Any, shape: tuple, rng: np.random.Generator) -> Any:
    """A basic index, integer arrays (repeats allowed), a boolean mask, or a mix."""
    modes = ["basic"] + (["int arrays", "mask", "mixed"] if shape else [])
    mode = data.draw(st.sampled_from(modes), label="index mode")
    if mode == "basic":
        return data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if mode == "int arrays":
        return data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(
            min_dims=1, max_dims=2, max_side=4)))
    if mode == "mask":
        return rng.random(shape) < 0.5
    picks = rng.integers(-shape[-1], shape[-1], rng.integers(1, 5))
    return (Ellipsis, picks) if len(shape) > 1 else (picks, None)


@case("getitem")
def _getitem(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    rng = rng_of(data)
    index = draw_index(data, shape, rng)
    return [uniform(rng, shape, -2, 2)], lambda t: t[index]


@case("scatter")
def _scatter(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    rng = rng_of(data)
    index = draw_index(data, shape, rng)
    src_shape = np.zeros(shape)[index].shape
    return [uniform(rng, src_shape, -2, 2)], lambda s: ops.scatter(s, shape=shape, index=index)


# ----------------------------------------------------------------------------- joins, pad


@case("concatenate")
def _concatenate(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1, min_dims=1)
    n = len(shape)
    axis = data.draw(st.integers(-n, n - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes")
    rng = rng_of(data)
    arrays = []
    for size in sizes:
        piece = list(shape)
        piece[axis] = size
        arrays.append(uniform(rng, tuple(piece), -2, 2))
    return arrays, lambda *ts: ad.concatenate(list(ts), axis=axis)


@case("stack")
def _stack(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1)
    n = len(shape)
    axis = data.draw(st.integers(-n - 1, n), label="axis")
    k = data.draw(st.integers(1, 3), label="k")
    rng = rng_of(data)
    return [uniform(rng, shape, -2, 2) for _ in range(k)], lambda *ts: ad.stack(list(ts), axis)


@case("pad")
def _pad(data: Any) -> tuple:
    (shape,), _ = shapes(data, 1, min_dims=1)
    widths = st.integers(0, 2)
    pad_width = data.draw(st.one_of(
        widths,
        st.tuples(widths, widths),
        st.tuples(*[st.tuples(widths, widths) for _ in shape]),
    ), label="pad_width")
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    return [uniform(rng_of(data), shape, -2, 2)], lambda t: ad.pad(t, pad_width, value=value)
