"""Tensor layers: Linear, Sequential, activations, Dropout, BatchNorm1d, Flatten.

Each layer is a thin Module around a function of ``nn.functional``; names, arguments and
defaults follow ``torch.nn``. Learned state (weights, biases, PReLU's slope) is made of
Tensor parameters; BatchNorm's running statistics are buffers (saved, not trained).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

import autodiff as ad

from . import functional as F
from . import init
from .module import Module

__all__ = ["Linear", "Sequential", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh", "Softmax",
           "LogSoftmax", "Dropout", "BatchNorm1d", "Flatten", "Identity"]

RngLike = np.random.Generator | int | None


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


class Linear(Module):
    """y = x @ weight.T + bias, weight of shape (out_features, in_features).

    Default init as PyTorch: weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
    bias ~ U(-1/sqrt(in), 1/sqrt(in)). ``rng`` (Generator, seed or None) seeds it;
    ``dtype`` (float64 by default, or float32) is the parameters' dtype.
    Input (*, in_features) -> output (*, out_features); another last dimension raises
    ValueError naming ``in_features``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        gen = init.get_rng(rng)
        shape = (self.out_features, self.in_features)
        self.weight = ad.Tensor(init.kaiming_uniform(shape, a=math.sqrt(5), rng=gen),
                                requires_grad=True, name="weight", dtype=dtype)
        if bias:
            bound = 1.0 / math.sqrt(self.in_features)
            self.bias = ad.Tensor(init.uniform((self.out_features,), -bound, bound, gen),
                                  requires_grad=True, name="bias", dtype=dtype)
        else:
            self.bias = None

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """(*, in_features) -> (*, out_features)."""
        shape = getattr(x, "shape", np.shape(x))
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): "
                f"input of shape {tuple(shape)} does not end in in_features="
                f"{self.in_features}; expected shape (*, {self.in_features})"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Apply modules in order: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    Children are named "0", "1", ... (or by the keys of an OrderedDict), so parameter
    names match PyTorch's (``0.weight``). Supports ``len``, iteration, indexing, slicing
    and ``append``.
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            self._add(name, m)

    def _add(self, name: str, m: Any) -> None:
        if not isinstance(m, Module):
            raise TypeError(f"Sequential: element {name!r} must be a Module, got "
                            f"{type(m).__name__}")
        setattr(self, name, m)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self._add(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*mods[index])
        try:
            return mods[index]
        except IndexError:
            raise IndexError(f"Sequential: index {index} out of range for {len(mods)} "
                             "modules") from None

    def forward(self, x: Any) -> Any:
        """Feed ``x`` through every module in order."""
        for m in self._modules.values():
            x = m(x)
        return x


class Identity(Module):
    """Return the input unchanged (a placeholder layer)."""

    def forward(self, x: Any) -> Any:
        """x -> x."""
        return x


class ReLU(Module):
    """max(x, 0) elementwise."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply relu."""
        return F.relu(x)


class LeakyReLU(Module):
    """x for x >= 0, negative_slope * x otherwise (default slope 0.01)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply leaky relu."""
        return F.leaky_relu(x, self.negative_slope)

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
        self.num_parameters_ = _positive_int(num_parameters, "num_parameters", "PReLU")
        self.weight = ad.Tensor(np.full(self.num_parameters_, float(init), dtype=dtype),
                                requires_grad=True, name="weight")

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """max(0, x) + weight * min(0, x)."""
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"num_parameters={self.num_parameters_}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply the logistic function."""
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Apply tanh."""
        return F.tanh(x)


class Softmax(Module):
    """Softmax along ``dim`` (default -1, the last axis; PyTorch asks for it explicitly)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """exp(x) / sum(exp(x)) along dim."""
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """x - logsumexp(x) along dim."""
        return F.log_softmax(x, self.dim)


class Dropout(Module):
    """Inverted dropout: in training zero each element with probability ``p`` and scale the
    survivors by 1/(1-p); the identity in eval mode. ``rng`` (Generator or seed) makes the
    masks reproducible; None uses ``nn.init``'s default generator.
    """

    def __init__(self, p: float = 0.5, rng: RngLike = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"Dropout: probability p must be a number between 0 and 1, got "
                            f"{type(p).__name__} {p!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p!r}")
        self.p = float(p)
        self._rng = init.get_rng(rng) if rng is not None else None

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Drop (training) or pass through (eval)."""
        return F.dropout(x, self.p, self.training, self._rng)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"p={self.p}"


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
        self.num_features = _positive_int(num_features, "num_features", "BatchNorm1d")
        self.eps = float(eps)
        self.momentum = momentum
        self.affine = bool(affine)
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
        use_batch = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        track = self.training and self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if track or not use_batch else None,
            self.running_var if track or not use_batch else None,
            self.weight, self.bias, use_batch, momentum, self.eps,
        )

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class Flatten(Module):
    """Merge axes start_dim..end_dim: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Flatten the axes."""
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
