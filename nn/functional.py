"""Stateless network functions: activations, dropout, batch norm, linear, conv, pooling, losses.

Re-exports only: each function lives beside the Module it backs, in ``nn.layers`` (the
layers) or ``nn.losses`` (the losses), and none of those imports this module. Inputs are
``autodiff.Tensor`` objects (numpy arrays and numbers are wrapped as constants); every
function is built from differentiable Tensor ops, so gradients (and gradients of gradients)
flow through it. Argument names and defaults follow ``torch.nn.functional``.
"""

from .inputs import as_tensor as as_tensor  # the old home of as_tensor
from .layers.activation import leaky_relu, log_softmax, prelu, relu, sigmoid, softmax, tanh
from .layers.conv import col2im, conv2d, im2col, max_pool2d
from .layers.dropout import dropout
from .layers.linear import linear
from .layers.normalization import batch_norm
from .layers.shape import flatten
from .losses.classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from .losses.regression import gaussian_nll_loss, huber_loss, l1_loss, mse_loss

__all__ = [
    "relu", "leaky_relu", "prelu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "batch_norm", "linear", "flatten", "conv2d", "max_pool2d", "im2col", "col2im",
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "gaussian_nll_loss",
]
