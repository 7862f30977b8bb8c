"""Catalogue entries for the shape ops: reshape, transpose, swapaxes, broadcast_to, sum_to,
concatenate, stack and pad.

Their use depends on the operand's shape (a target shape, a permutation, a partner of
matching shape), so none has a shape-agnostic ``expression``: the fuzz draws them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from ...creation import concatenate, pad, stack
from ..spec import OpSpec, Sample, rng_of, shapes, uniform

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


def _sample_reshape(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    target = list(data.draw(st.permutations([*shape, 1]), label="target"))
    if data.draw(st.booleans(), label="use -1"):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    x = uniform(rng_of(data), shape, -2, 2)
    return Sample([x], lambda t: t.reshape(*target) if target else t.reshape(()))


def _fuzz_reshape(site: Site) -> Step | None:
    x = site.x
    if x.size == 0:
        return None
    shape = site.pick([(-1,), x.shape[::-1], (1, *x.shape), (x.size, 1)])
    return site.step(lambda t: t.reshape(shape))


def _sample_transpose(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    n = len(shape)
    axes = data.draw(st.one_of(st.none(), st.permutations(range(n))), label="axes")
    if axes is not None and n and data.draw(st.booleans()):
        axes = [a - n for a in axes]  # negative axes too
    x = uniform(rng_of(data), shape, -2, 2)
    return Sample([x], lambda t: t.T if axes is None else t.permute(*axes))


def _fuzz_transpose(site: Site) -> Step | None:
    nd = site.x.ndim
    if nd < 2:
        return None
    axes = tuple(int(i) for i in site.rng.permutation(nd))
    return site.step(lambda t: t.permute(*axes))


def _sample_swapaxes(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1, min_dims=1)
    n = len(shape)
    a1, a2 = (data.draw(st.integers(-n, n - 1)) for _ in range(2))
    return Sample([uniform(rng_of(data), shape, -2, 2)], lambda t: t.swapaxes(a1, a2))


def _fuzz_swapaxes(site: Site) -> Step | None:
    return site.step(lambda t: t.swapaxes(0, -1)) if site.x.ndim >= 2 else None


def _sample_broadcast_to(data: Any) -> Sample:
    (shape, _), result = shapes(data, 2)
    return Sample([uniform(rng_of(data), shape, -2, 2)], lambda t: t.broadcast_to(result))


def _sample_sum_to(data: Any) -> Sample:
    (shape, _), result = shapes(data, 2)
    return Sample([uniform(rng_of(data), result, -2, 2)], lambda t: t.sum_to(shape))


def _fuzz_sum_to(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    target = (1, *x.shape[1:])
    if x.ndim >= 2 and site.pick([True, False]):
        target = x.shape[1:]
    return site.step(lambda t: t.sum_to(target))


def _sample_concatenate(data: Any) -> Sample:
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
    return Sample(arrays, lambda *ts: concatenate(list(ts), axis=axis))


def _fuzz_concatenate(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    b = site.partner(lambda v: v.ndim == x.ndim and v.shape[1:] == x.shape[1:])
    if b is not None:
        return site.step(lambda t, u: concatenate([t, u], axis=0), b)
    return site.step(lambda t: concatenate([t, t], axis=0))  # the same input twice


def _sample_stack(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    n = len(shape)
    axis = data.draw(st.integers(-n - 1, n), label="axis")
    k = data.draw(st.integers(1, 3), label="k")
    rng = rng_of(data)
    return Sample([uniform(rng, shape, -2, 2) for _ in range(k)],
                  lambda *ts: stack(list(ts), axis))


def _fuzz_stack(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    b = site.partner(lambda v: v.shape == x.shape)
    axis = site.pick(list(range(-x.ndim - 1, x.ndim + 1)))
    if b is not None:
        return site.step(lambda t, u: stack([t, u], axis=axis), b)
    return site.step(lambda t: stack([t, t.sin()], axis=axis))


def _sample_pad(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1, min_dims=1)
    widths = st.integers(0, 2)
    pad_width = data.draw(st.one_of(
        widths,
        st.tuples(widths, widths),
        st.tuples(*[st.tuples(widths, widths) for _ in shape]),
    ), label="pad_width")
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    return Sample([uniform(rng_of(data), shape, -2, 2)], lambda t: pad(t, pad_width, value=value))


def _fuzz_pad(site: Site) -> Step | None:
    nd = site.x.ndim
    width = site.pick([1, ((1, 0),) * max(nd, 1), ((0, 2),) * max(nd, 1)])
    value = site.pick([0.0, 0.5])
    if nd == 0:
        return None
    return site.step(lambda t: pad(t, width, value=value))


SPECS = [
    OpSpec("reshape", _sample_reshape, None, fuzz=_fuzz_reshape),
    OpSpec("transpose", _sample_transpose, None, fuzz=_fuzz_transpose),
    OpSpec("swapaxes", _sample_swapaxes, None, fuzz=_fuzz_swapaxes),
    OpSpec("broadcast_to", _sample_broadcast_to, None,
           fuzz=lambda site: site.step(lambda t: t.broadcast_to((2, *t.shape)))),
    OpSpec("sum_to", _sample_sum_to, None, fuzz=_fuzz_sum_to),
    OpSpec("concatenate", _sample_concatenate, None, fuzz=_fuzz_concatenate),
    OpSpec("stack", _sample_stack, None, fuzz=_fuzz_stack),
    OpSpec("pad", _sample_pad, None, fuzz=_fuzz_pad),
]

__all__ = ["SPECS"]
