"""Anomaly mode's check for gradients that pile up across ``backward()`` calls.

Leaves accumulate: a second ``backward()`` without a reset in between adds to the ``.grad``
the first one left, as in PyTorch; usually a forgotten ``zero_grad()``. While anomaly mode is
on, every backward pass remembers the ``.grad`` it left on each leaf (``remember``), and the
next one warns :class:`GradAccumulationWarning` (``check_leaves``) when it finds that same
gradient still there, untouched and nonzero. A reset (``zero_grad()``, ``grad = None``,
``grad = 0.0`` for a Value, a new array) removes the mark. Off by default, it costs nothing.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

from .anomaly import warn_user

__all__ = ["GradAccumulationWarning", "check_leaves", "remember", "value_leaves"]

#: id(leaf) -> (weak reference to the leaf, the grad the last backward left: a weak
#: reference to an array or Tensor, or a Value's float)
_left: dict[int, tuple[weakref.ref, Any]] = {}


class GradAccumulationWarning(UserWarning):
    """A backward pass added to a leaf's ``.grad`` left by an earlier one, never reset."""


def _forget(key: int) -> Any:
    return lambda _ref: _left.pop(key, None)


def remember(leaves: Iterable[Any]) -> None:
    """Record the ``.grad`` each leaf holds now, as left by this backward pass."""
    for leaf in leaves:
        grad = leaf.grad
        if grad is None:
            continue
        key = id(leaf)
        mark = grad if isinstance(grad, float | int) else weakref.ref(grad)
        _left[key] = (weakref.ref(leaf, _forget(key)), mark)


def _still_left(leaf: Any) -> bool:
    """True if ``leaf.grad`` is the nonzero gradient an earlier backward left there."""
    entry = _left.get(id(leaf))
    grad = leaf.grad
    if entry is None or entry[0]() is not leaf or grad is None:
        return False
    mark = entry[1]
    if isinstance(mark, weakref.ref):
        if mark() is not grad:
            return False
        data = getattr(grad, "data", grad)
        return bool(np.any(np.asarray(data) != 0))
    return grad == mark and grad != 0


def _label(leaf: Any) -> str:
    name = getattr(leaf, "name", "") or getattr(leaf, "label", "")
    shape = getattr(leaf, "shape", None)
    what = f"shape {tuple(shape)}" if shape is not None else f"data {leaf.data!r}"
    return f"{name!r} ({what})" if name else what


def check_leaves(leaves: Iterable[Any], kind: str = "tensor") -> None:
    """Warn GradAccumulationWarning, once for this pass, naming the leaves whose ``.grad``
    an earlier backward left and nothing reset since."""
    found = [leaf for leaf in leaves if _still_left(leaf)]
    if not found:
        return
    shown = ", ".join(_label(leaf) for leaf in found[:3]) + (", ..." if len(found) > 3 else "")
    reset = "v.grad = 0.0" if kind == "Value" else "t.grad = None"
    warn_user(
        f"backward: {len(found)} leaf {kind}(s) [{shown}] still hold the .grad of an earlier "
        f"backward(), never reset; this pass adds to it (gradients accumulate, as in "
        f"PyTorch). Reset with optimizer.zero_grad(), model.zero_grad() or {reset} before "
        "each backward, unless accumulating is intended",
        GradAccumulationWarning,
    )


def value_leaves(root: Any, topo: list[Any]) -> list[Any]:
    """The leaves of a Value graph: the parents without parents of the interior nodes
    ``topo`` (or ``root`` itself when it is a leaf), each once."""
    if root._a is None:
        return [root]
    seen: dict[int, Any] = {}
    for v in topo:
        for parent in (v._a, v._b):
            if parent is not None and parent._a is None:
                seen.setdefault(id(parent), parent)
    return list(seen.values())
