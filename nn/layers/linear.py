"""The affine map: ``linear`` (``nn.functional.linear``) beside its Module ``nn.Linear``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff.validation import check_bool, check_shape

from .. import init
from ..dtypes import warn_if_promoted
from ..inputs import RngLike, as_tensor, positive_int
from ..module import Module

__all__ = ["linear", "Linear"]


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


class Linear(Module):
    """y = x @ weight.T + bias, weight of shape (out_features, in_features).

    Default init as PyTorch: weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
    bias ~ U(-1/sqrt(in), 1/sqrt(in)). ``rng`` (Generator, seed or None) seeds it;
    ``dtype`` (float64 by default, or float32) is the parameters' dtype; a float32 input
    meeting float64 parameters is computed in float64, with a ``DtypePromotionWarning``
    (once per module): build with ``dtype=np.float32`` or cast with ``model.float()``.
    Input (*, in_features) -> output (*, out_features); another last dimension raises
    ValueError naming ``in_features``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        bias = check_bool(bias, name="bias", where="Linear")
        shape = check_shape((self.out_features, self.in_features), where="Linear",
                            name="weight shape", itemsize=8)
        gen = init.get_rng(rng, "Linear")
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
        warn_if_promoted(self, x, self.weight)
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

