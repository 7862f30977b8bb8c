"""The argument order of the asymmetric losses, ``loss_fn(prediction, target)``, checked.

Cross-entropy, NLL and binary cross-entropy treat their two arguments differently, so a
call with them swapped computes a wrong loss, often without an error. Two signs are
refused here: an integer input (class indices or 0/1 labels where the model's float
output belongs) and a target that requires grad while the input does not. MSE, L1, Huber
and the Gaussian NLL are symmetric in input and target, so they are not checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.nodes import is_tensor

__all__ = ["ORDER", "check_order"]

ORDER = "the order is loss_fn(prediction, target), the model's output first"


def _dtype(x: Any) -> np.dtype | None:
    """The dtype of a Tensor, an ndarray or a (nested) list of numbers; None otherwise."""
    data = x.data if is_tensor(x) else x
    if isinstance(data, np.ndarray):
        return data.dtype
    try:
        return np.asarray(data).dtype
    except (TypeError, ValueError):
        return None


def _requires_grad(x: Any) -> bool:
    return is_tensor(x) and bool(x.requires_grad)


def check_order(input: Any, target: Any, where: str, wants: str) -> None:
    """Raise when ``input`` and ``target`` look swapped: TypeError for an integer input
    (``wants`` names what the input should be, e.g. "float logits"), ValueError for a target
    that requires grad while the input does not. Both messages give :data:`ORDER`."""
    x_dtype, t_dtype = _dtype(input), _dtype(target)
    if x_dtype is not None and x_dtype.kind in "biu":
        swapped = ("; the target is float, so the arguments look swapped"
                   if t_dtype is not None and t_dtype.kind == "f" else "")
        shape = np.shape(input.data if is_tensor(input) else input)
        raise TypeError(f"{where}: input has dtype {x_dtype} (shape {shape}) but must be "
                        f"{wants}{swapped}; {ORDER}")
    if _requires_grad(target) and not _requires_grad(input):
        raise ValueError(f"{where}: the target requires grad but the input does not, so the "
                         f"arguments look swapped; {ORDER}")
