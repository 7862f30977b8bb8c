"""Regression losses, each a function (also in ``nn.functional``) beside its Module.

MSE is the mean squared error and, read as maximum likelihood, the Gaussian negative
log-likelihood with a fixed variance, up to a scale and a constant:
-log N(t | y, s^2) = (t - y)^2 / (2 s^2) + log(s) + log(2 pi)/2. L1 is the mean absolute
error, the Laplace NLL with a fixed scale. Huber is quadratic near the target and linear
far from it. GaussianNLLLoss learns the variance too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff.validation import check_real, describe

from ..inputs import as_tensor
from .options import delta_option, eps_option, full_option
from .reduction import _Loss, check_reduction, elementwise, is_scalar, pairs, reduce, reduce_values

__all__ = ["mse_loss", "l1_loss", "huber_loss", "gaussian_nll_loss",
           "MSELoss", "L1Loss", "HuberLoss", "GaussianNLLLoss"]


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error (y - t)^2: the Gaussian NLL with fixed variance, up to constants.

    Shapes of input and target must be equal (ValueError otherwise).
    """
    check_reduction(reduction, "mse_loss")
    if is_scalar(input):
        xs, ts = pairs(input, target, "mse_loss")
        return reduce_values([(x - t) ** 2 for x, t in zip(xs, ts, strict=True)], reduction)
    x, t = elementwise(input, target, "mse_loss")
    return reduce((x - t) ** 2, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error |y - t|: the Laplace NLL with fixed scale, up to constants."""
    check_reduction(reduction, "l1_loss")
    if is_scalar(input):
        xs, ts = pairs(input, target, "l1_loss")
        return reduce_values([(x - t).abs() for x, t in zip(xs, ts, strict=True)], reduction)
    x, t = elementwise(input, target, "l1_loss")
    return reduce((x - t).abs(), reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2), with d = y - t.

    Quadratic (Gaussian) near the target, linear (Laplace) far away: robust to outliers.
    Raises ValueError unless delta > 0.
    """
    check_reduction(reduction, "huber_loss")
    delta = delta_option(delta, "huber_loss")
    if is_scalar(input):
        xs, ts = pairs(input, target, "huber_loss")
        out = []
        for x, t in zip(xs, ts, strict=True):
            d = x - t
            out.append(0.5 * d * d if abs(d.data) < delta else delta * (d.abs() - 0.5 * delta))
        return reduce_values(out, reduction)
    x, t = elementwise(input, target, "huber_loss")
    d = x - t
    a = d.abs()
    return reduce(ad.where((a < delta).data, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> ad.Tensor:
    """Gaussian NLL with predicted mean ``input`` and variance ``var``:
    0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi) if full].

    ``var`` (PyTorch's rules): a number (one variance for every element), the input's
    shape, the input's shape without its last dim, or the input's shape with exactly one
    dim of size 1 that broadcasts (e.g. (1, 4) or (3, 1) for a (3, 4) input). The clamp at
    ``eps`` lets gradients through unchanged (as PyTorch). Raises ValueError for other
    shapes or a negative variance.
    """
    where = "gaussian_nll_loss"
    check_reduction(reduction, where)
    full = full_option(full, where)
    eps = eps_option(eps, where)
    x, t = elementwise(input, target, where)
    if isinstance(var, bool | str | bytes | complex | np.complexfloating) or var is None:
        raise TypeError(f"{where}: var must be a number >= 0 or an array of them, got "
                        f"{describe(var)}")
    if isinstance(var, int | float | np.floating | np.integer):
        var = check_real(var, name="var", where=where, minimum=0.0)
        if var < 0:
            raise ValueError(f"{where}: var is negative ({var}); a variance must be >= 0")
        var = np.full(x.shape, float(var), dtype=x.dtype)
    v = as_tensor(var, where)
    if v.shape != x.shape:
        if x.ndim >= 1 and v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)
        elif not (v.ndim == x.ndim and sum(nv for nx, nv in zip(x.shape, v.shape)
                                           if nx != nv) == 1):
            raise ValueError(f"{where}: var shape {v.shape} does not fit input shape {x.shape}; "
                             "valid: a number, the input's shape, the input's shape without "
                             "its last dim, or the input's shape with one dim of size 1")
    if np.any(v.data < 0):
        raise ValueError(f"{where}: var has negative entries (min {v.data.min()})")
    v = v + (np.maximum(v.data, eps) - v.data)  # clamp the value, keep the gradient
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)



class MSELoss(_Loss):
    """Mean squared error (:func:`mse_loss`); the Gaussian NLL with a fixed variance."""

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (:func:`l1_loss`); the Laplace NLL with a fixed scale."""

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss` (``delta`` = 1.0)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta_option(delta, "HuberLoss")

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return huber_loss(input, target, self.reduction, self.delta)



class GaussianNLLLoss(_Loss):
    """Module form of :func:`gaussian_nll_loss`; call it as ``loss(input, target, var)``."""

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full_option(full, "GaussianNLLLoss")
        self.eps = eps_option(eps, "GaussianNLLLoss")

    def forward(self, input: Any, target: Any, var: Any) -> Any:
        """Loss of mean ``input`` and variance ``var`` against ``target``."""
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
