"""The op table itself and the helpers that several op files share.

``REGISTRY`` maps each op's name to its ``Op``; ``register`` creates an op and enters it.
The helpers turn a reduction's gradient back into the input's shape and read arrays
behind Tensors or constants.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..op import Op
from ..tensor import Tensor

REGISTRY: dict[str, Op] = {}


def register(name: str, forward: Any, *vjps: Any, **options: Any) -> Op:
    """Create the op ``name`` from its forward and VJPs (see ``Op``) and enter it in REGISTRY."""
    op = Op(name, forward, vjps[0] if options.get("variadic") else vjps, **options)
    REGISTRY[name] = op
    return op


def arr(x: Any) -> Any:
    """The array behind ``x`` (a Tensor's data, or ``x`` itself)."""
    return x.data if isinstance(x, Tensor) else x


def keep(g: Tensor, shape: tuple, axis: Any, keepdims: bool) -> Tensor:
    """Reshape a reduction's gradient so it broadcasts against the input of ``shape``."""
    if keepdims or axis is None:
        return g  # already broadcasts against the input (a 0-d g broadcasts to anything)
    return g.reshape(kept_shape(shape, axis))


def kept_shape(shape: tuple, axis: Any) -> tuple:
    """``shape`` with the reduced axes set to 1 (all of them when ``axis`` is None)."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = {a % len(shape) for a in axes} if shape else set()
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def count(shape: tuple, axis: Any) -> int:
    """How many elements each output of a reduction over ``axis`` combines."""
    return math.prod(shape) // max(math.prod(kept_shape(shape, axis)), 1)


def ndim(x: Any) -> int:
    """Number of axes of a Tensor, an array or a constant."""
    return x.ndim if isinstance(x, Tensor | np.ndarray) else np.ndim(x)


def as_dtype(mask: np.ndarray, like: Any) -> np.ndarray:
    """``mask`` cast to the dtype of ``like``'s array."""
    return mask.astype(arr(like).dtype, copy=False)
