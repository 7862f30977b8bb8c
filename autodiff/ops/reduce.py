"""Reductions (sum, mean, var, max, min, prod, logsumexp) and softmax / log_softmax.

``max``/``min`` share the gradient evenly among tied extrema; ``prod``'s gradient is
exact at zeros (a product-of-the-others path).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..anomaly import warn_user
from ..grad_mode import is_grad_enabled
from ..op import Op, OpError, OpIndexError
from ..tensor import Tensor
from .base import as_dtype, count, keep, kept_shape, register
from .elementwise import where


def _check_axis(name: str, a: np.ndarray, axis: Any) -> None:
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    for ax in axes:
        if not -a.ndim <= ax < max(a.ndim, 1):
            raise OpIndexError(f"{name}: axis {ax} is out of range for shape {a.shape}; valid axes "
                          f"are {-a.ndim}..{a.ndim - 1}")
    if len(set(ax % max(a.ndim, 1) for ax in axes)) != len(axes):
        raise OpError(f"{name}: repeated axis in {axis}")


def _reduction(name: str, forward: Any, vjp: Any) -> Op:
    def checked(a: np.ndarray, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        _check_axis(name, a, axis)
        return forward(a, axis=axis, keepdims=keepdims, **kw)

    return register(name, checked, vjp)


def _sum_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    return keep(g, a.shape, axis, keepdims).broadcast_to(a.shape)


def _mean_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    return keep(g, a.shape, axis, keepdims).broadcast_to(a.shape) / count(a.shape, axis)


def _spread(name: str, method: Any) -> Any:
    """The forward of var or std: numpy's, and with no degrees of freedom (n - ddof <= 0)
    NaN or inf and one warning at the user's line, as numpy and PyTorch."""

    def forward(a: np.ndarray, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
        n = count(a.shape, axis)
        if n - ddof > 0:
            return method(a, axis=axis, keepdims=keepdims, ddof=ddof)
        warn_user(f"{name}: ddof={ddof} leaves no degrees of freedom for {n} elements; the "
                  "result is NaN or inf")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own, said once above
            return method(a, axis=axis, keepdims=keepdims, ddof=ddof)

    return forward


def _dof_scale(numerator: float, n: int, ddof: int) -> float:
    """numerator / max(n - ddof, 0) (numpy clamps the count at 0): inf, not
    ZeroDivisionError, with no degrees of freedom."""
    with np.errstate(divide="ignore"):
        return float(np.float64(numerator) / max(n - ddof, 0))


def _var_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False,
             ddof: int = 0) -> Tensor:
    centred = a - a.mean(axis=axis, keepdims=True)
    scale = _dof_scale(2.0, count(a.shape, axis), ddof)
    return keep(g, a.shape, axis, keepdims) * centred * scale


def _std_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False,
             ddof: int = 0) -> Tensor:
    # d std / d a = (a - mean) / ((n - ddof) std); 0 where std == 0 (a constant slice, a
    # length-1 axis), as PyTorch masks it, for the first derivative and every later one
    kept = out if keepdims else out.reshape(kept_shape(a.shape, axis))
    zero = kept.data == 0
    centred = a - a.mean(axis=axis, keepdims=True)
    denominator = where(zero, 1.0, kept) * max(count(a.shape, axis) - ddof, 0)
    grad = keep(g, a.shape, axis, keepdims) * centred / denominator
    if zero.any():
        grad = where(zero & np.ones(a.shape, dtype=bool), 0.0, grad)
    return grad


def _extremum_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    kept = out.data if keepdims else out.data.reshape(kept_shape(a.shape, axis))
    hit = a.data == kept
    share = hit / hit.sum(axis=axis, keepdims=True)
    return keep(g, a.shape, axis, keepdims) * as_dtype(share, a)


def _logsumexp_forward(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if a.size == 0:
        return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0.0, m).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


def _logsumexp_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    kept = out if keepdims else out.reshape(kept_shape(a.shape, axis))
    with np.errstate(invalid="ignore"):  # all inputs -inf: -inf - (-inf), masked below
        weights = (a - kept).exp()
    dead = np.isneginf(kept.data) & np.ones(a.shape, dtype=bool)
    if dead.any():  # all inputs -inf: no input can change the result
        weights = where(dead, 0.0, weights)
    return keep(g, a.shape, axis, keepdims) * weights


def _prod_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    gk = keep(g, a.shape, axis, keepdims)
    if np.all(a.data != 0):
        kept = out if keepdims else out.reshape(kept_shape(a.shape, axis))
        return gk * kept / a
    if a.requires_grad and is_grad_enabled():  # create_graph: keep it differentiable
        return gk * _product_of_others_tensor(a, axis)
    return gk * _product_of_others(a.data, axis)


def _product_of_others_tensor(a: Tensor, axis: Any) -> Tensor:
    """``_product_of_others`` with Tensor ops (O(n^2) per reduction), for gradients of gradients."""
    axes = tuple(range(a.ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(ax % a.ndim for ax in axes)
    rest = tuple(i for i in range(a.ndim) if i not in axes)
    moved = a.permute(*(rest + axes))
    n = math.prod(a.shape[i] for i in axes)
    flat = moved.reshape(moved.shape[:len(rest)] + (n,))
    others = where(np.eye(n, dtype=bool), 1.0, flat.unsqueeze(-2)).prod(axis=-1)  # row i: not i
    return others.reshape(moved.shape).permute(*np.argsort(rest + axes).tolist())


def _product_of_others(x: np.ndarray, axis: Any) -> np.ndarray:
    """For each element, the product of the other elements of its reduction (zeros allowed)."""
    axes = tuple(range(x.ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(a % x.ndim for a in axes)
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    moved = np.transpose(x, rest + axes)
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + axes))


# ndarray methods rather than numpy's module-level wrappers: same result, less overhead.
sum = _reduction("sum", np.ndarray.sum, _sum_vjp)  # noqa: A001
mean = _reduction("mean", np.ndarray.mean, _mean_vjp)
var = _reduction("var", _spread("var", np.ndarray.var), _var_vjp)
std = _reduction("std", _spread("std", np.ndarray.std), _std_vjp)
amax = _reduction("max", np.ndarray.max, _extremum_vjp)
amin = _reduction("min", np.ndarray.min, _extremum_vjp)
prod = _reduction("prod", np.ndarray.prod, _prod_vjp)
logsumexp = _reduction("logsumexp", _logsumexp_forward, _logsumexp_vjp)


def _softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    _check_axis("softmax", a, axis)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    _check_axis("log_softmax", a, axis)
    shifted = a - np.max(a, axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


softmax = register("softmax", _softmax_forward,
                    lambda g, out, a, axis=-1: out * (g - (g * out).sum(axis=axis, keepdims=True)))
log_softmax = register(
    "log_softmax", _log_softmax_forward,
    lambda g, out, a, axis=-1: g - out.exp() * g.sum(axis=axis, keepdims=True))
