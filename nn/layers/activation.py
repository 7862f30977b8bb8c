"""Activations: each function (``nn.functional.relu``, ...) beside its Module (``nn.ReLU``, ...).

Every function takes an ``autodiff.Tensor`` (numpy arrays and numbers are wrapped as
constants) and is built from differentiable Tensor ops, so gradients of gradients flow
through it. Names, arguments and defaults follow ``torch.nn`` and ``torch.nn.functional``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad
from autodiff.validation import check_int, check_real

from ..inputs import as_tensor, positive_int
from ..module import Module

__all__ = ["relu", "leaky_relu", "prelu", "sigmoid", "tanh", "softmax", "log_softmax",
           "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"]


# ------------------------------------------------------------------------------ functions
def relu(x: ad.Tensor) -> ad.Tensor:
    """max(x, 0) elementwise; the derivative at 0 is 0 (as PyTorch)."""
    return as_tensor(x, "relu").relu()


def leaky_relu(x: ad.Tensor, negative_slope: float = 0.01) -> ad.Tensor:
    """x for x >= 0, negative_slope * x otherwise."""
    return as_tensor(x, "leaky_relu").leaky_relu(negative_slope)


def prelu(x: ad.Tensor, weight: ad.Tensor) -> ad.Tensor:
    """max(0, x) + weight * min(0, x) with a learnable slope ``weight``.

    ``weight`` has shape (1,) (one slope shared by all channels) or (C,), one slope per
    channel, the channel axis being 1 for inputs of 2+ dims (N, C, ...) and 0 for 1-D inputs.
    At x = 0 the gradient with respect to x is ``weight`` (PyTorch's convention).
    Raises ValueError when C does not match the input's channel count.
    """
    x = as_tensor(x, "prelu")
    weight = as_tensor(weight, "prelu")
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D (num_parameters,), got shape {weight.shape}")
    w = weight
    if weight.shape[0] != 1:
        ch_axis = 1 if x.ndim >= 2 else 0
        if x.ndim == 0 or x.shape[ch_axis] != weight.shape[0]:
            raise ValueError(
                f"prelu: num_parameters={weight.shape[0]} must be 1 or match the number of "
                f"channels (axis {ch_axis}) of the input, got input shape {x.shape}"
            )
        w = weight.reshape(weight.shape[0], *([1] * (x.ndim - ch_axis - 1)))
    elif x.ndim == 0:
        w = weight.reshape(())
    # x where x > 0, else w * x: at x = 0 the input gradient is w, as PyTorch's prelu and
    # leaky_relu give (the min-norm subgradient of the convex kink when 0 <= w <= 1)
    return ad.where(x.data > 0, x, w * x)


def sigmoid(x: ad.Tensor) -> ad.Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return as_tensor(x, "sigmoid").sigmoid()


def tanh(x: ad.Tensor) -> ad.Tensor:
    """Hyperbolic tangent."""
    return as_tensor(x, "tanh").tanh()


def softmax(x: ad.Tensor, dim: int = -1) -> ad.Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (stable: the max is subtracted first)."""
    return as_tensor(x, "softmax").softmax(axis=dim)


def log_softmax(x: ad.Tensor, dim: int = -1) -> ad.Tensor:
    """x - logsumexp(x) along ``dim``: finite even for logits of +-1000."""
    return as_tensor(x, "log_softmax").log_softmax(axis=dim)


# ------------------------------------------------------------------------------ modules
class ReLU(Module):
    """max(x, 0) elementwise. ``inplace`` is PyTorch's flag, accepted for ported code; Tensors
    are never changed in place here, so it has no effect."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(inplace, bool):
            raise TypeError(f"ReLU: inplace must be True or False, got {inplace!r}")
        self.inplace = inplace

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply relu."""
        return relu(x)


class LeakyReLU(Module):
    """x for x >= 0, negative_slope * x otherwise (default slope 0.01)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_real(negative_slope, name="negative_slope",
                                         where="LeakyReLU")

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply leaky relu."""
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU whose negative slope ``weight`` is learned (a model parameter).

    ``num_parameters`` is 1 (one slope for all channels) or the number of channels (axis 1
    of the input); every slope starts at ``init`` (0.25). The argument is kept as the
    attribute ``num_parameters_``: PyTorch's attribute name ``num_parameters`` is taken by
    ``Module.num_parameters()``, which here returns the same number (the slopes' count).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        self.num_parameters_ = positive_int(num_parameters, "num_parameters", "PReLU",
                                            bytes_each=8)
        init = check_real(init, name="init", where="PReLU")
        self.weight = ad.Tensor(np.full(self.num_parameters_, init, dtype=dtype),
                                requires_grad=True, name="weight")

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """max(0, x) + weight * min(0, x)."""
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"num_parameters={self.num_parameters_}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply the logistic function."""
        return sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply tanh."""
        return tanh(x)


class Softmax(Module):
    """Softmax along ``dim`` (default -1, the last axis; PyTorch asks for it explicitly)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, name="dim", where=type(self).__name__)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """exp(x) / sum(exp(x)) along dim."""
        return softmax(x, self.dim)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """x - logsumexp(x) along dim."""
        return log_softmax(x, self.dim)
