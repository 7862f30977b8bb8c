"""Batch normalisation: ``batch_norm`` (``nn.functional.batch_norm``) beside ``nn.BatchNorm1d``.

Learned state (``weight``, ``bias``) is made of Tensor parameters; the running statistics
are buffers (saved, not trained).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad
from autodiff.validation import check_bool, check_real

from ..dtypes import warn_if_promoted
from ..inputs import as_tensor, positive_int
from ..module import Module

__all__ = ["batch_norm", "BatchNorm1d"]


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


class BatchNorm1d(Module):
    """Batch normalisation of (N, C) or (N, C, L) input over N (and L), per feature C.

    Training: normalise with the batch mean and biased variance; update the buffers
    ``running_mean`` and ``running_var`` with momentum 0.1 (``r = 0.9 r + 0.1 stat``), using
    the *unbiased* variance, and count ``num_batches_tracked`` (``momentum=None`` gives the
    cumulative average). Eval: normalise with the running statistics. ``weight`` (gamma, 1s)
    and ``bias`` (beta, 0s) are learned when ``affine``.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        where = "BatchNorm1d"
        self.num_features = positive_int(num_features, "num_features", where, bytes_each=32)
        self.eps = check_real(eps, name="eps", where=where, minimum=0.0, min_open=True)
        self.momentum = check_real(momentum, name="momentum", where=where, minimum=0.0,
                                   maximum=1.0, allow_none=True)
        self.affine = check_bool(affine, name="affine", where=where)
        track_running_stats = check_bool(track_running_stats, name="track_running_stats",
                                         where=where)
        self.track_running_stats = bool(track_running_stats)
        if self.affine:
            self.weight = ad.Tensor(np.ones(self.num_features, dtype=dtype), requires_grad=True,
                                    name="weight")
            self.bias = ad.Tensor(np.zeros(self.num_features, dtype=dtype), requires_grad=True,
                                  name="bias")
        else:
            self.weight = self.bias = None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.running_mean = self.running_var = None

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Normalise (N, C) or (N, C, L) input; see the class docstring."""
        shape = tuple(getattr(x, "shape", np.shape(x)))
        if len(shape) not in (2, 3) or shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d(num_features={self.num_features}): expected input of shape "
                f"(N, {self.num_features}) or (N, {self.num_features}, L), got {shape}"
            )
        if self.weight is not None:
            warn_if_promoted(self, x, self.weight)
        use_batch = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        track = self.training and self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track or not use_batch else None,
            self.running_var if track or not use_batch else None,
            self.weight, self.bias, use_batch, momentum, self.eps,
        )

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")

