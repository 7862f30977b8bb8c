"""numpy functions called on Tensors: the ones with a Tensor op run it, the rest refuse.

``np.concatenate([x, x])`` used to return a plain array with no graph, so the gradient
silently stopped there. Tensor's ``__array_function__`` now looks the function up here:
a numpy function with the same meaning as a Tensor op runs that op (the result records
the graph); any other raises TypeError naming what to call instead. Elementwise ufuncs
(``np.exp``) already refuse Tensors (``__array_ufunc__ = None``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import creation
from .tensor import NUMPY_FUNCTIONS, NUMPY_HINTS, Tensor

__all__ = ["implements"]


def implements(*funcs: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: run the decorated function when any of ``funcs`` is called on a Tensor."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for func in funcs:
            NUMPY_FUNCTIONS[func] = handler
        return handler

    return register


def _tensor(a: Any) -> Tensor:
    return a if isinstance(a, Tensor) else Tensor(np.asarray(a))


def _no_extras(name: str, **extras: Any) -> None:
    """Refuse numpy arguments the Tensor op has no counterpart for (dtype=, out=, ...)."""
    given = sorted(k for k, v in extras.items() if v is not None and v is not np._NoValue)
    if given:
        raise TypeError(f"numpy.{name} on a Tensor: argument(s) {given} are not supported; "
                        f"call the Tensor method instead")


@implements(np.concatenate)
def _concatenate(arrays: Sequence[Any], axis: int | None = 0, out: Any = None,
                 dtype: Any = None, casting: Any = "same_kind") -> Tensor:
    _no_extras("concatenate", out=out, dtype=dtype,
               casting=None if casting == "same_kind" else casting)
    if axis is None:
        return creation.concatenate([_tensor(a).reshape(-1) for a in arrays], axis=0)
    return creation.concatenate(list(arrays), axis=axis)


@implements(np.stack)
def _stack(arrays: Sequence[Any], axis: int = 0, out: Any = None, dtype: Any = None,
           casting: Any = "same_kind") -> Tensor:
    _no_extras("stack", out=out, dtype=dtype, casting=None if casting == "same_kind" else casting)
    return creation.stack(list(arrays), axis=axis)


def _reduce(name: str, method: str, a: Any, axis: Any, keepdims: Any, **extras: Any) -> Tensor:
    _no_extras(name, **extras)
    keep = False if keepdims is np._NoValue else bool(keepdims)
    return getattr(_tensor(a), method)(axis=axis, keepdims=keep)


# each with numpy's own positional order
@implements(np.sum)
def _sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: Any = np._NoValue, initial: Any = None, where: Any = None) -> Tensor:
    return _reduce("sum", "sum", a, axis, keepdims, dtype=dtype, out=out, initial=initial,
                   where=where)


@implements(np.prod)
def _prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: Any = np._NoValue, initial: Any = None, where: Any = None) -> Tensor:
    return _reduce("prod", "prod", a, axis, keepdims, dtype=dtype, out=out, initial=initial,
                   where=where)


@implements(np.mean)
def _mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: Any = np._NoValue, *, where: Any = None) -> Tensor:
    return _reduce("mean", "mean", a, axis, keepdims, dtype=dtype, out=out, where=where)


def _spread(name: str) -> Callable[..., Tensor]:
    def run(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
            keepdims: Any = np._NoValue, *, where: Any = None, mean: Any = None,
            correction: Any = None) -> Tensor:
        _no_extras(name, dtype=dtype, out=out, where=where, mean=mean, correction=correction)
        keep = False if keepdims is np._NoValue else bool(keepdims)
        return getattr(_tensor(a), name)(axis=axis, ddof=ddof, keepdims=keep)

    return run


implements(np.var)(_spread("var"))
implements(np.std)(_spread("std"))


def _extremum(name: str) -> Callable[..., Tensor]:
    def run(a: Any, axis: Any = None, out: Any = None, keepdims: Any = np._NoValue,
            initial: Any = None, where: Any = None) -> Tensor:
        return _reduce(name, name, a, axis, keepdims, out=out, initial=initial, where=where)

    return run


implements(np.max, np.amax)(_extremum("max"))
implements(np.min, np.amin)(_extremum("min"))


@implements(np.dot)
def _dot(a: Any, b: Any, out: Any = None) -> Tensor:
    _no_extras("dot", out=out)
    x, y = _tensor(a), _tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.ndim > 2 or y.ndim > 2:
        raise TypeError(f"numpy.dot of shapes {x.shape} and {y.shape}: for more than two axes "
                        "numpy.dot differs from matmul; use x @ y (matmul) or ad.tensordot "
                        "semantics explicitly")
    return x @ y


@implements(np.where)
def _where(condition: Any, x: Any = None, y: Any = None) -> Tensor:
    if x is None or y is None:
        raise TypeError("numpy.where with one argument on a Tensor: use np.nonzero(t.numpy())")
    return creation.where(np.asarray(getattr(condition, "data", condition)), x, y)


@implements(np.clip)
def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *, min: Any = None,
          max: Any = None, **extras: Any) -> Tensor:  # noqa: A002 - numpy's names
    _no_extras("clip", out=out, **extras)
    return _tensor(a).clip(a_min if min is None else min, a_max if max is None else max)


@implements(np.reshape)
def _reshape(a: Any, *args: Any, **kwargs: Any) -> Tensor:
    shape = kwargs.pop("shape", kwargs.pop("newshape", args[0] if args else None))
    order = kwargs.pop("order", args[1] if len(args) > 1 else "C")
    if order != "C":
        raise TypeError(f"numpy.reshape on a Tensor: order={order!r} is not supported; "
                        "only 'C' (the default)")
    _no_extras("reshape", **kwargs)
    return _tensor(a).reshape(shape)


@implements(np.transpose)
def _transpose(a: Any, axes: Any = None) -> Tensor:
    return _tensor(a).permute(*(() if axes is None else tuple(axes)))


@implements(np.swapaxes)
def _swapaxes(a: Any, axis1: int, axis2: int) -> Tensor:
    return _tensor(a).swapaxes(axis1, axis2)


@implements(np.squeeze)
def _squeeze(a: Any, axis: Any = None) -> Tensor:
    return _tensor(a).squeeze(axis)


@implements(np.expand_dims)
def _expand_dims(a: Any, axis: int) -> Tensor:
    return _tensor(a).unsqueeze(axis)


@implements(np.broadcast_to)
def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Tensor:
    return _tensor(array).broadcast_to(tuple(np.atleast_1d(shape)))


@implements(np.split)
def _split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    return creation.split(_tensor(ary), indices_or_sections, axis)


@implements(np.pad)
def _pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Tensor:
    if mode != "constant":
        raise TypeError(f"numpy.pad mode={mode!r} on a Tensor: only mode='constant' has a "
                        "Tensor op (ad.pad)")
    value = kwargs.pop("constant_values", 0.0)
    _no_extras("pad", **kwargs)
    return creation.pad(_tensor(array), pad_width, value=value)


@implements(np.shape)
def _shape(a: Any) -> tuple[int, ...]:
    return tuple(_tensor(a).shape)


@implements(np.ndim)
def _ndim(a: Any) -> int:
    return _tensor(a).ndim


@implements(np.size)
def _size(a: Any, axis: int | None = None) -> int:
    t = _tensor(a)
    return t.numel() if axis is None else t.shape[axis]


NUMPY_HINTS.update({
    np.matmul: "use x @ y",
    np.einsum: "write it with @, * and .sum(axis=...) on Tensors",
    np.outer: "use x.reshape(-1, 1) * y.reshape(1, -1)",
    np.tensordot: "write it with reshape and @",
    np.linalg.norm: "use (x * x).sum().sqrt()",
    np.cumsum: "it has no Tensor op yet; call .numpy() first for a plain array (no gradient)",
    np.argmax: "call .numpy() first: an argmax has no gradient",
    np.argmin: "call .numpy() first: an argmin has no gradient",
    np.allclose: "compare t.numpy() (no gradient)",
    np.array_equal: "compare t.numpy() (no gradient)",
})
