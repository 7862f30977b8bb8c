"""What kind of graph node an object is: the one place that asks "Tensor or Value?".

``is_tensor`` and ``is_value`` test the engine's own classes; ``is_array_node`` is
duck-typed (an ndarray ``.data``), for code that also accepts Tensor-like objects
from elsewhere, and ``is_value_list`` recognises a scalar model's list of outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor
from .value import Value

__all__ = ["is_array_node", "is_tensor", "is_value", "is_value_list"]


def is_tensor(x: Any) -> bool:
    """True for an ``autodiff.Tensor``."""
    return isinstance(x, Tensor)


def is_value(x: Any) -> bool:
    """True for an ``autodiff.Value``."""
    return isinstance(x, Value)


def is_value_list(x: Any) -> bool:
    """True for a non-empty list or tuple whose items are all Values."""
    return isinstance(x, list | tuple) and len(x) > 0 and all(isinstance(v, Value) for v in x)


def is_array_node(x: Any) -> bool:
    """True for a node whose ``.data`` is an ndarray (a Tensor), False for a scalar node."""
    return isinstance(getattr(x, "data", None), np.ndarray)
