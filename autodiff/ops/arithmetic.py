"""Arithmetic ops: add, sub, mul, div, neg, pow and matmul."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..op import OpError
from ..tensor import Tensor
from .base import arr, ndim, register
from .elementwise import where

add = register("add", np.add, lambda g, out, a, b: g, lambda g, out, a, b: g)
sub = register("sub", np.subtract, lambda g, out, a, b: g, lambda g, out, a, b: -g)
mul = register("mul", np.multiply, lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)
div = register("div", np.true_divide, lambda g, out, a, b: g / b,
                lambda g, out, a, b: -g * out / b)
neg = register("neg", np.negative, lambda g, out, a: -g)


def _pow_vjp_base(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    if isinstance(b, int | float) and not isinstance(b, bool):
        if b == 2:
            return g * 2.0 * a
        if b == 0:  # d(x**0)/dx = 0, also at x = 0 (PyTorch's rule; not 0 * inf = nan)
            return g * 0.0
        return g * b * a ** (b - 1)
    result = g * b * a ** (b - 1)
    zero = np.asarray(arr(b)) == 0
    if np.any(zero):
        result = where(zero, 0.0, result)
    return result


def _pow_vjp_exponent(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    # d(a**b)/db = a**b * log(a); PyTorch sets it to 0 where a == 0 and b >= 0. The mask is
    # applied to a before the log, so no 0 * -inf (NaN) is formed, not even by the ops
    # that differentiate this VJP again (second derivatives, jvp).
    base = arr(a)
    zero = (np.asarray(base) == 0) & (np.asarray(arr(b)) >= 0)
    masked = bool(np.any(zero))
    if isinstance(a, Tensor):
        log_a = (where(zero, 1.0, a) if masked else a).log()
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.log(np.where(zero, 1.0, base) if masked else base)
        if not isinstance(base, np.ndarray) and np.ndim(log_a) == 0:
            log_a = float(log_a)  # a Python number stays weakly typed: float32 stays float32
    result = g * out * log_a
    if masked:
        result = where(zero, 0.0, result)
    return result


pow = register("pow", np.power, _pow_vjp_base, _pow_vjp_exponent)  # noqa: A001


def _matmul_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise OpError(f"matmul: both operands need at least one axis, got shapes {a.shape} and "
                      f"{b.shape}; use * to multiply by a scalar")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise OpError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last axis of the first "
            f"({inner_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of "
            f"the second ({inner_b})"
        )
    return a @ b


def _matmul_vjp_a(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    a_nd, b_nd = ndim(a), ndim(b)
    if b_nd == 1:  # out[..., ] = a[..., :] . b
        return g.unsqueeze(-1) * b
    if a_nd == 1:  # out[..., j] = a . b[..., :, j]
        return (g.unsqueeze(-2) @ _swap(b)).squeeze(-2)
    return g @ _swap(b)


def _matmul_vjp_b(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    a_nd, b_nd = ndim(a), ndim(b)
    if a_nd == 1:
        return _as_tensor(a).unsqueeze(-1) * g.unsqueeze(-2) if b_nd > 1 else g * a
    if b_nd == 1:  # out[...] = a[..., :] . b  ->  grad b = sum over ... of g[...] a[..., :]
        return (g.unsqueeze(-1) * a).reshape(-1, np.shape(arr(a))[-1]).sum(axis=0)
    return _swap(a) @ g


def _swap(x: Any) -> Any:
    return x.swapaxes(-1, -2) if isinstance(x, Tensor) else np.swapaxes(x, -1, -2)


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


matmul = register("matmul", _matmul_forward, _matmul_vjp_a, _matmul_vjp_b)
