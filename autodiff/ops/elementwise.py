"""Elementwise ops: exp, log, the activations, maximum/minimum, clip, where, astype, comparisons.

Conventions at kinks (PyTorch's): relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf,
``maximum``/``minimum`` give half the gradient to each side of a tie, ``clip`` passes
the gradient on its boundaries.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..op import Op, OpError
from ..tensor import Tensor
from .base import arr, as_dtype, register


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
        np.result_type(x, np.float16), copy=False)


exp = register("exp", np.exp, lambda g, out, a: g * out)
log = register("log", np.log, lambda g, out, a: g / a)
log1p = register("log1p", np.log1p, lambda g, out, a: g / (a + 1.0))
expm1 = register("expm1", np.expm1, lambda g, out, a: g * (out + 1.0))
sqrt = register("sqrt", np.sqrt, lambda g, out, a: g * 0.5 / out)
abs = register("abs", np.abs, lambda g, out, a: g * np.sign(arr(a)))  # noqa: A001
sin = register("sin", np.sin, lambda g, out, a: g * a.cos())
cos = register("cos", np.cos, lambda g, out, a: -g * a.sin())
tanh = register("tanh", np.tanh, lambda g, out, a: g * (1.0 - out * out))
sigmoid = register("sigmoid", _stable_sigmoid, lambda g, out, a: g * out * (1.0 - out))
relu = register("relu", lambda a: np.maximum(a, 0), lambda g, out, a: g * (arr(a) > 0))
leaky_relu = register(
    "leaky_relu",
    lambda a, negative_slope=0.01: np.where(a > 0, a, a * negative_slope),
    lambda g, out, a, negative_slope=0.01: g * as_dtype(
        np.where(arr(a) > 0, 1.0, negative_slope), a),
)
softplus = register("softplus", lambda a: np.logaddexp(0, a), lambda g, out, a: g * a.sigmoid())


def _tie_mask(a: Any, b: Any, out: Tensor) -> np.ndarray:
    """1 where ``a`` won, 1/2 on ties, 0 where ``b`` won (in the result's dtype)."""
    a_, b_ = arr(a), arr(b)
    return (np.greater(a_, b_) + 0.5 * np.equal(a_, b_)).astype(out.dtype, copy=False)


maximum = register("maximum", np.maximum,
                    lambda g, out, a, b: g * _tie_mask(a, b, out),
                    lambda g, out, a, b: g * _tie_mask(b, a, out))
minimum = register("minimum", np.minimum,
                    lambda g, out, a, b: g * _tie_mask(b, a, out),
                    lambda g, out, a, b: g * _tie_mask(a, b, out))


def _clip_forward(a: np.ndarray, lo: Any = None, hi: Any = None) -> np.ndarray:
    if lo is None and hi is None:
        raise OpError("clip: give at least one of min and max")
    # min > max gives max everywhere, as numpy and PyTorch (and a zero gradient)
    return np.clip(a, lo, hi)


def _clip_vjp(g: Tensor, out: Tensor, a: Any, lo: Any = None, hi: Any = None) -> Tensor:
    # bounds may broadcast a to a larger shape: the mask takes the result's shape and the
    # engine sums the gradient back to a's
    inside = np.ones(out.shape, dtype=bool)
    if lo is not None:
        inside = inside & (arr(a) >= lo)
    if hi is not None:
        inside = inside & (arr(a) <= hi)
    return g * inside


clip = register("clip", _clip_forward, _clip_vjp)


def _where_forward(cond: np.ndarray, a: Any, b: Any) -> np.ndarray:
    cond = np.asarray(cond)
    if cond.dtype != bool:
        raise OpError(f"where: the condition must be boolean, got dtype {cond.dtype}")
    return np.where(cond, a, b)


where = register("where", _where_forward,
                  lambda g, out, c, a, b: None,
                  lambda g, out, c, a, b: where(arr(c), g, 0.0),
                  lambda g, out, c, a, b: where(arr(c), 0.0, g))


def astype_forward(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast ``a`` to ``dtype``."""
    return a.astype(dtype)


astype = register("astype", astype_forward, lambda g, out, a, dtype: g.astype(arr(a).dtype))

# ----------------------------------------------------------------------------- comparisons

less = Op("less", np.less, differentiable=False)
less_equal = Op("less_equal", np.less_equal, differentiable=False)
greater = Op("greater", np.greater, differentiable=False)
greater_equal = Op("greater_equal", np.greater_equal, differentiable=False)
equal = Op("equal", np.equal, differentiable=False)
not_equal = Op("not_equal", np.not_equal, differentiable=False)
