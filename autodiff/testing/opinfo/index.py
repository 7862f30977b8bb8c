"""Catalogue entries for indexing: getitem and its adjoint scatter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ...ops import scatter
from ..spec import Expression, OpSpec, Sample, rng_of, shapes, uniform

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


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


def _sample_getitem(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    rng = rng_of(data)
    index = draw_index(data, shape, rng)
    return Sample([uniform(rng, shape, -2, 2)], lambda t: t[index])


def _fuzz_getitem(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    n = x.shape[0]
    index = site.pick(["reverse", "first", "ints", "mask", "slice"])
    if index == "reverse":
        return site.step(lambda t: t[..., ::-1])
    if index == "first":
        return site.step(lambda t: t[0])
    if index == "ints":
        idx = site.rng.integers(0, n, size=n + 1)  # repeats: gradients must add up
        return site.step(lambda t: t[idx])
    if index == "mask":
        mask = site.rng.random(x.shape) < 0.6
        return site.step(lambda t: t[mask]) if mask.any() else None
    return site.step(lambda t: t[1:] if n > 1 else t[:1])


def _getitem_repeated(rng: np.random.Generator) -> Sample:
    index = (slice(None), np.array([0, 2, 2]))  # a repeated column: its gradient adds up
    return Sample([uniform(rng, (3, 4), -2, 2)], lambda t: t[index])


def _scatter_column(rng: np.random.Generator) -> Sample:
    return Sample([uniform(rng, (3,), -2, 2)],
                  lambda s: scatter(s, shape=(3, 4), index=(slice(None), 1)))


def _sample_scatter(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    rng = rng_of(data)
    index = draw_index(data, shape, rng)
    src_shape = np.zeros(shape)[index].shape
    return Sample([uniform(rng, src_shape, -2, 2)],
                  lambda s: scatter(s, shape=shape, index=index))


def _fuzz_scatter(site: Site) -> Step | None:
    x = site.x
    if x.ndim == 0:
        return None
    n = x.shape[0]
    shape = (n + 2, *x.shape[1:])
    return site.step(lambda t: scatter(t, shape=shape, index=slice(1, n + 1)))


SPECS = [
    OpSpec("getitem", _sample_getitem, Expression(1, lambda a: a[..., ::-1], "{0}[..., ::-1]"),
           fuzz=_fuzz_getitem, examples={"repeated index": _getitem_repeated}),
    # scatter's target shape and index must fit its source: the fuzz builds both
    OpSpec("scatter", _sample_scatter, None, fuzz=_fuzz_scatter,
           examples={"one column": _scatter_column}),
]

__all__ = ["SPECS"]
