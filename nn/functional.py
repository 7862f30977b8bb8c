"""Stateless network functions: activations, dropout, batch norm, linear, conv, pooling, losses.

Every layer in ``nn.layers`` and ``nn.conv`` is a thin module around one of these; the
losses here are the same functions that back ``nn.losses``. Inputs are ``autodiff.Tensor``
objects (numpy arrays and numbers are wrapped as constants); every function is built from
differentiable Tensor ops, so gradients (and gradients of gradients) flow through it.
Argument names and defaults follow ``torch.nn.functional``.
"""

from __future__ import annotations

import numpy as np

import autodiff as ad

from . import init
from .conv import col2im, conv2d, im2col, max_pool2d
from .inputs import as_tensor
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
)

__all__ = [
    "relu", "leaky_relu", "prelu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "batch_norm", "linear", "flatten", "conv2d", "max_pool2d", "im2col", "col2im",
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "gaussian_nll_loss",
]


# ------------------------------------------------------------------------------ activations
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


# ------------------------------------------------------------------------------ regularizers
def dropout(x: ad.Tensor, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | int | None = None) -> ad.Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The identity when ``training`` is False or p == 0; all zeros when p == 1. ``rng`` is a
    Generator, a seed, or None (``nn.init``'s default generator). Raises TypeError when p is
    not a number, ValueError unless 0 <= p <= 1.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"dropout: probability p must be a number between 0 and 1, got "
                        f"{type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p!r}")
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    keep = init.get_rng(rng).random(x.shape) >= p
    return x * (keep.astype(x.dtype) / np.asarray(1.0 - p, dtype=x.dtype))


def batch_norm(x: ad.Tensor, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: ad.Tensor | None = None, bias: ad.Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> ad.Tensor:
    """Batch normalisation over the batch (and length) axes of (N, C) or (N, C, L) input.

    Training: normalise with the batch mean and the *biased* batch variance, and update
    ``running_mean``/``running_var`` in place (numpy arrays of shape (C,)) as
    ``r = (1 - momentum) * r + momentum * batch_stat``, using the *unbiased* variance.
    Eval (``training=False``): normalise with the running statistics. Then scale by
    ``weight`` and shift by ``bias`` (shape (C,)) when given. Raises ValueError for other
    ranks, mismatched C, or a training batch with one value per channel.
    """
    x = as_tensor(x, "batch_norm")
    if x.ndim not in (2, 3):
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, L), got {x.shape}")
    c = x.shape[1]
    for name, arr in (("running_mean", running_mean), ("running_var", running_var),
                      ("weight", weight), ("bias", bias)):
        if arr is not None and tuple(arr.shape) != (c,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({c},) for input {x.shape}, got {arr.shape}"
            )
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, c) if x.ndim == 2 else (1, c, 1)
    if training:
        n = x.size // c
        if n <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"{x.shape}; use a batch of 2 or more, or eval mode"
            )
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            m = momentum
            running_mean *= 1.0 - m
            running_mean += m * mean.data.reshape(c)
        if running_var is not None:
            running_var *= 1.0 - momentum
            running_var += momentum * var.data.reshape(c) * (n / (n - 1))
        y = (x - mean) / (var + eps).sqrt()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: eval mode needs running_mean and running_var")
        inv_std = 1.0 / np.sqrt(running_var.reshape(shape) + eps)
        y = (x - running_mean.reshape(shape).astype(x.dtype)) * inv_std.astype(x.dtype)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


# ------------------------------------------------------------------------------ linear maps
def linear(x: ad.Tensor, weight: ad.Tensor, bias: ad.Tensor | None = None) -> ad.Tensor:
    """x @ weight.T + bias, with weight of shape (out_features, in_features) (PyTorch's layout).

    ``x`` has shape (*, in_features); the result (*, out_features). Raises ValueError naming
    ``in_features`` and both shapes when the last axis of ``x`` does not match.
    """
    x = as_tensor(x, "linear")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got "
                         f"{weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input shape {x.shape} does not end in in_features={weight.shape[1]} "
            f"(weight shape {weight.shape}); expected input of shape (*, {weight.shape[1]})"
        )
    if x.ndim > 2:
        lead = x.shape[:-1]
        y = x.reshape(-1, x.shape[-1]) @ weight.T
        y = y.reshape(*lead, weight.shape[0])
    else:
        y = x @ weight.T
    if bias is not None:
        y = y + bias
    return y


def flatten(x: ad.Tensor, start_dim: int = 1, end_dim: int = -1) -> ad.Tensor:
    """Merge axes start_dim..end_dim (inclusive) into one; (N, C, H, W) -> (N, C*H*W)."""
    x = as_tensor(x, "flatten")
    return x.flatten(start_dim, end_dim)
