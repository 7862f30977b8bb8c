"""Loss functions, each as a function (also in ``nn.functional``) and as a Module.

Two readings of the same formulas (the chapter derives both):

* error minimisation: MSE is the mean squared error, L1 the mean absolute error;
* maximum likelihood: minimising a loss = maximising the likelihood of the targets under
  a model of the noise. MSE = Gaussian negative log-likelihood with a fixed variance, up to
  a scale and a constant: -log N(t | y, s^2) = (t - y)^2 / (2 s^2) + log(s) + log(2 pi)/2.
  L1 = Laplace NLL with a fixed scale, up to constants. Cross-entropy = categorical NLL,
  -log softmax(z)[t]; binary cross-entropy = Bernoulli NLL, -log(p^t (1-p)^(1-t)).
  GaussianNLLLoss learns the variance too.

``reduction`` is "mean" (default), "sum" or "none" (per-element losses). Tensor inputs give
Tensors. MSE, L1, Huber, BCE, BCE-with-logits and cross-entropy also take scalar ``Value``
models: a Value or a list of Values as input (for cross-entropy one list of logits per
sample), numbers as targets; they return a Value (or a list of Values for "none").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Value

from .cross_entropy import cross_entropy, nll_loss
from .inputs import as_tensor
from .loss_utils import check_reduction, elementwise, is_scalar, pairs, reduce, reduce_values
from .module import Module

__all__ = ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "gaussian_nll_loss",
           "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss", "GaussianNLLLoss"]


# ------------------------------------------------------------------------------ regression
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
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta!r}")
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

    ``var`` has the input's shape, or one fewer trailing dim, or a trailing dim of 1 (one
    variance shared by a row). The clamp at ``eps`` lets gradients through unchanged (as
    PyTorch). Raises ValueError for other shapes or a negative variance.
    """
    where = "gaussian_nll_loss"
    check_reduction(reduction, where)
    x, t = elementwise(input, target, where)
    v = as_tensor(var, where)
    if v.shape != x.shape:
        if x.ndim >= 1 and v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)
        elif not (x.ndim >= 1 and v.ndim == x.ndim and v.shape[:-1] == x.shape[:-1]
                  and v.shape[-1] == 1):
            raise ValueError(f"{where}: var shape {v.shape} does not fit input shape {x.shape}; "
                             "valid: the input's shape, without its last dim, or with last dim 1")
    if np.any(v.data < 0):
        raise ValueError(f"{where}: var has negative entries (min {v.data.min()})")
    v = v + (np.maximum(v.data, eps) - v.data)  # clamp the value, keep the gradient
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)


# ------------------------------------------------------------------------------ binary
def _clamped_log(p: Value) -> Value:
    lp = p.log() if p.data > 0 else Value(-100.0)
    return lp if lp.data >= -100.0 else Value(-100.0)


def _softplus_value(z: Value) -> Value:
    """log(1 + e^z) without overflow; derivative sigmoid(z)."""
    if z.data >= 0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """-[t log p + (1 - t) log(1 - p)]: the Bernoulli NLL of targets t in [0, 1].

    Each log is clamped at -100 (PyTorch's rule), so p = 0 or 1 gives a finite loss;
    where the clamp is active the gradient is 0. Raises ValueError if p is outside [0, 1].
    """
    where = "binary_cross_entropy"
    check_reduction(reduction, where)
    if is_scalar(input):
        xs, ts = pairs(input, target, where)
        for p in xs:
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(f"{where}: input probabilities must be in [0, 1], got {p.data}")
        out = [-(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))
               for p, t in zip(xs, ts, strict=True)]
        return reduce_values(out, reduction)
    p, t = elementwise(input, target, where)
    if p.size and not (np.all(p.data >= 0) and np.all(p.data <= 1)):
        raise ValueError(f"{where}: input probabilities must be in [0, 1], got values in "
                         f"[{np.nanmin(p.data)}, {np.nanmax(p.data)}]")
    floor = math.exp(-100.0)

    def clamped_log(q: ad.Tensor) -> ad.Tensor:  # log(q) clamped at -100, gradient 0 there
        small = (q.data < floor)
        return ad.where(small, -100.0, ad.where(small, 1.0, q).log())

    loss = -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p))
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """binary_cross_entropy(sigmoid(z), t), computed stably from the logits z:
    (1 - t) z + (1 + (pos_weight - 1) t) softplus(-z). Finite loss and gradient
    sigmoid(z) - t even at z = +-1000. ``pos_weight`` weighs positives (per class)."""
    where = "binary_cross_entropy_with_logits"
    check_reduction(reduction, where)
    if is_scalar(input):
        xs, ts = pairs(input, target, where)
        out = [(1 - t) * z + _softplus_value(-z) for z, t in zip(xs, ts, strict=True)]
        return reduce_values(out, reduction)
    z, t = elementwise(input, target, where)
    sp = (-z).softplus()
    if pos_weight is not None:
        sp = sp * (1 + (as_tensor(pos_weight, where) - 1) * t)
    loss = (1 - t) * z + sp
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return reduce(loss, reduction)


# ------------------------------------------------------------------------------ categorical

# ------------------------------------------------------------------------------ modules
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        """The reduction, shown in the repr."""
        return f"reduction={self.reduction!r}"


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
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta!r}")
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (:func:`binary_cross_entropy`); Bernoulli NLL."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of probabilities ``input`` against 0/1 ``target``."""
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, stable (:func:`binary_cross_entropy_with_logits`)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against 0/1 ``target``."""
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits (:func:`cross_entropy`); the categorical NLL."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, \
            label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against class indices or probabilities ``target``."""
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (:func:`nll_loss`)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of log-probabilities ``input`` against class indices ``target``."""
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class GaussianNLLLoss(_Loss):
    """Module form of :func:`gaussian_nll_loss`; call it as ``loss(input, target, var)``."""

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Any, target: Any, var: Any) -> Any:
        """Loss of mean ``input`` and variance ``var`` against ``target``."""
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
