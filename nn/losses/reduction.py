"""What every loss shares: the ``reduction`` argument (checked, applied; held by the base of
the loss Modules), scalar-Value detection, and the input/target shape checks."""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Value
from autodiff.nodes import is_value

from ..inputs import as_tensor
from ..module import Module


def check_reduction(reduction: str, where: str) -> None:
    """Raise ValueError naming ``where`` unless reduction is mean, sum or none."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def is_scalar(x: Any) -> bool:
    """True for a Value or a (nested) list holding Values: a scalar model's output."""
    if is_value(x):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and any(is_scalar(v) for v in x)


def reduce(loss: ad.Tensor, reduction: str) -> ad.Tensor:
    """Mean, sum, or the per-element losses unchanged."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def reduce_values(losses: list[Value], reduction: str) -> Any:
    """Mean or sum of a list of Values, or the list itself for "none"."""
    if reduction == "none":
        return losses
    total = losses[0]
    for v in losses[1:]:
        total = total + v
    return total / len(losses) if reduction == "mean" else total


def pairs(input: Any, target: Any, where: str) -> tuple[list[Any], list[Any]]:
    """Predictions and targets as equal-length lists (ValueError otherwise)."""
    xs = list(input) if isinstance(input, (list, tuple)) else [input]
    ts = list(target) if isinstance(target, (list, tuple, np.ndarray)) else [target]
    if len(xs) != len(ts):
        raise ValueError(f"{where}: got {len(xs)} predictions but {len(ts)} targets")
    return xs, ts


def elementwise(input: Any, target: Any, where: str) -> tuple[ad.Tensor, ad.Tensor]:
    """Input and target as Tensors of equal shape (ValueError naming both shapes otherwise)."""
    x, t = as_tensor(input, where), as_tensor(target, where)
    if x.shape != t.shape:
        raise ValueError(
            f"{where}: input shape {x.shape} and target shape {t.shape} differ; they must be "
            "equal (broadcasting e.g. (N, 1) against (N,) is almost always a bug)"
        )
    return x, t


class _Loss(Module):
    """Base of the loss Modules: checks and holds ``reduction`` ("mean", "sum" or "none")."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        """The reduction, shown in the repr."""
        return f"reduction={self.reduction!r}"
