"""Catalogue entries for the reductions (sum, mean, var, max, min, prod, logsumexp) and
softmax / log_softmax."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ..spec import (
    Expression,
    OpSpec,
    Sample,
    axis_and_keepdims,
    distinct,
    rng_of,
    shapes,
    signed,
    uniform,
)

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


def _count(shape: tuple, axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


def _sample_reduction(method: str, values: str = "uniform") -> Any:
    def sample(data: Any) -> Sample:
        (shape,), _ = shapes(data, 1)
        axis, keepdims = axis_and_keepdims(data, len(shape))
        rng = rng_of(data)
        if values == "distinct":
            x = distinct(rng, shape)
        elif values == "signed":
            x = signed(rng, shape, 0.5, 1.5)
        else:
            x = uniform(rng, shape, -2, 2)
        return Sample([x], lambda t: getattr(t, method)(axis=axis, keepdims=keepdims))

    return sample


def _unique_extremum(x: np.ndarray, axis: Any, largest: bool, margin: float) -> bool:
    """True when the max (min) along ``axis`` beats the runner-up by ``margin``."""
    if x.size < 2:
        return True
    y = x if largest else -x
    moved = y.reshape(-1) if axis is None else np.moveaxis(y, axis, -1)
    if moved.shape[-1] < 2:
        return True
    top2 = np.sort(moved, axis=-1)[..., -2:]
    return bool(np.all(top2[..., 1] - top2[..., 0] > margin))


def _fuzz_reduction(method: str) -> Any:
    def fuzz(site: Site) -> Step | None:
        x = site.x
        axis = None if x.ndim == 0 else site.pick([None, *range(-x.ndim, x.ndim)])
        keep = site.pick([False, True])
        if method in ("max", "min") and not _unique_extremum(x, axis, method == "max",
                                                             site.margin):
            return None
        if method in ("var", "std"):
            count = x.size if axis is None else x.shape[axis]
            if count < 2 or np.min(np.var(x, axis=axis)) < 1e-2:
                return None
            ddof = site.pick([0, 1])
            return site.step(lambda t: getattr(t, method)(axis=axis, ddof=ddof, keepdims=keep))
        return site.step(lambda t: getattr(t, method)(axis=axis, keepdims=keep))

    return fuzz


def _sample_spread(method: str) -> Any:
    def sample(data: Any) -> Sample:
        (shape,), _ = shapes(data, 1)
        axis, keepdims = axis_and_keepdims(data, len(shape))
        ddof = data.draw(st.sampled_from([0, 1]), label="ddof")
        assume(_count(shape, axis) > ddof)
        # std's kink is at zero spread: a drawn slice of two or more values is clear of it;
        # a slice of one has zero spread and std's gradient 0 there (checked as such)
        x = uniform(rng_of(data), shape, -2, 2)
        return Sample([x], lambda t: getattr(t, method)(axis=axis, ddof=ddof, keepdims=keepdims))

    return sample


def _sample_softmax(method: str) -> Any:
    def sample(data: Any) -> Sample:
        (shape,), _ = shapes(data, 1, min_dims=1)
        axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
        x = uniform(rng_of(data), shape, -3, 3)
        return Sample([x], lambda t: getattr(t, method)(axis=axis))

    return sample


def _fuzz_softmax(method: str) -> Any:
    def fuzz(site: Site) -> Step | None:
        nd = site.x.ndim
        if nd == 0:
            return None
        axis = site.pick(list(range(-nd, nd)))
        return site.step(lambda t: getattr(t, method)(axis=axis))

    return fuzz


def _last_axis(method: str) -> Expression:
    return Expression(1, lambda a: getattr(a, method)(axis=-1, keepdims=True),
                      "{0}." + method + "(-1, keepdims=True)")


def _reduction(name: str, values: str = "uniform", smooth: bool = True) -> OpSpec:
    return OpSpec(name, _sample_reduction(name, values), _last_axis(name), smooth=smooth,
                  fuzz=_fuzz_reduction(name))


SPECS = [
    _reduction("sum"),
    _reduction("mean"),
    OpSpec("var", _sample_spread("var"), _last_axis("var"), fuzz=_fuzz_reduction("var")),
    # std is not smooth where the spread is 0 (graphs() would reach it through a length-1
    # axis); the fuzz keeps clear of it
    OpSpec("std", _sample_spread("std"), _last_axis("std"), smooth=False,
           fuzz=_fuzz_reduction("std")),
    _reduction("max", "distinct", smooth=False),   # the gradient jumps where the maximum moves
    _reduction("min", "distinct", smooth=False),
    _reduction("prod", "signed"),
    _reduction("logsumexp"),
    OpSpec("softmax", _sample_softmax("softmax"),
           Expression(1, lambda a: a.softmax(axis=-1), "softmax({0}, axis=-1)"),
           fuzz=_fuzz_softmax("softmax")),
    OpSpec("log_softmax", _sample_softmax("log_softmax"),
           Expression(1, lambda a: a.log_softmax(axis=-1), "log_softmax({0}, axis=-1)"),
           fuzz=_fuzz_softmax("log_softmax")),
]

__all__ = ["SPECS"]
