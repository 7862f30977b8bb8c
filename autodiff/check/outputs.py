"""What f returns, for a gradient check: its outputs flattened, and their analytic Jacobian.

:class:`Outputs` normalises f's result (a Tensor, a tuple of Tensors, a Value or a list of
Values) into one flat float64 vector with labels per output; :func:`analytic_rows` gets the
analytic Jacobian (or vector-Jacobian products) of those outputs with respect to the slots
through the engine's backward pass, and reports a backward that raises, returns a gradient of
the wrong shape, or ignores its grad_output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..functional import grad
from ..graph import walk
from ..nodes import is_tensor, is_value, is_value_list
from ..tensor import Tensor
from .slots import Slot, TensorSlot, ValueSlot, name_of

__all__ = ["Outputs", "analytic_rows", "evaluate"]


class Outputs:
    """f's result, normalised: a list of outputs (Tensor, or list of Values) and their values."""

    def __init__(self, result: Any) -> None:
        if is_tensor(result) or is_value(result) or is_value_list(result):
            raw = [result]
        elif isinstance(result, (list, tuple)):
            raw = list(result)
        else:
            raise TypeError(
                "gradcheck: f must return a Tensor, a Value, a list of Values or a tuple of "
                f"Tensors, got {type(result).__name__}"
            )
        self.items: list[tuple[str, Any]] = []
        values = []
        self.any_float32 = False
        for k, o in enumerate(raw):
            if is_tensor(o):
                self.items.append(("tensor", o))
                arr = np.asarray(o.data)
                self.any_float32 |= arr.dtype != np.float64
                values.append(np.asarray(arr, dtype=np.float64).reshape(-1))
            elif is_value(o) or is_value_list(o):
                vs = [o] if is_value(o) else list(o)
                self.items.append(("values", vs))
                values.append(np.array([v.data for v in vs], dtype=np.float64))
            else:
                raise TypeError(
                    f"gradcheck: output {k} of f is a {type(o).__name__}; outputs must be "
                    "Tensors, Values or lists of Values"
                )
        self.shapes = [
            tuple(np.shape(o.data)) if kind == "tensor" else (() if is_value(raw[k]) else
                                                              (len(o),))
            for k, (kind, o) in enumerate(self.items)
        ]
        self.sizes = [v.size for v in values]
        self.total = int(sum(self.sizes))
        self.flat = np.concatenate(values) if values else np.zeros(0)
        names = [name_of(o) if is_tensor(o) or is_value(o) else "" for o in raw]
        self.labels = [f"output {k}" + (f" '{n}'" if n else "") for k, n in enumerate(names)]
        self.shorts = [n or f"out{k}" for k, n in enumerate(names)]


def evaluate(call: Callable[[], Any]) -> Outputs:
    """Run f and normalise its result (the graph lives on in the returned output objects)."""
    return Outputs(call())


def analytic_rows(
    base: Outputs, slots: list[Slot], cotangent: np.ndarray | None = None
) -> tuple[list[np.ndarray], list[str]]:
    """The analytic Jacobian blocks per slot, shape (base.total, slot.size), or with a
    ``cotangent`` (flat, base.total) the VJPs per output, shape (n_outputs, slot.size).
    Returns (arrays, problems); problems are messages for a backward pass that raised, returned
    a gradient of the wrong shape, or ignored its grad_output."""
    n_rows = len(base.items) if cotangent is not None else base.total
    rows = [np.zeros((n_rows, s.size)) for s in slots]
    problems: list[str] = []
    t_idx = [j for j, s in enumerate(slots) if isinstance(s, TensorSlot)]
    v_idx = [j for j, s in enumerate(slots) if isinstance(s, ValueSlot)]
    offsets = np.cumsum([0, *base.sizes])
    for k, (kind, out) in enumerate(base.items):
        lo = int(offsets[k])
        label = base.labels[k]
        if kind == "tensor":
            if not t_idx or not getattr(out, "requires_grad", False):
                continue
            leaves = [slots[j].obj for j in t_idx]
            shape = base.shapes[k]
            if cotangent is not None:
                cots = [(k, cotangent[lo:lo + base.sizes[k]].reshape(shape))]
            else:
                cots = []
                for e in range(base.sizes[k]):
                    onehot = np.zeros(base.sizes[k])
                    onehot[e] = 1.0
                    cots.append((lo + e, onehot.reshape(shape)))
            for row, cot in cots:
                grads = _tensor_vjp(out, leaves, cot, label, [slots[j] for j in t_idx], problems)
                if grads is None:
                    return rows, problems
                for j, g in zip(t_idx, grads, strict=True):
                    rows[j][row] = g
            if cotangent is None:
                zeros = _tensor_vjp(out, leaves, np.zeros(shape), label,
                                    [slots[j] for j in t_idx], problems)
                if zeros is None:
                    return rows, problems
                for j, g in zip(t_idx, zeros, strict=True):
                    if np.any(np.isfinite(g) & (g != 0)):  # NaN from 0 * nan is a domain issue
                        problems.append(
                            f"backward not multiplied by grad_output: with a zero grad_output "
                            f"for {label} the gradient w.r.t. {slots[j].label} is nonzero "
                            f"(max |g| = {np.nanmax(np.abs(g)):.3g})"
                        )
                if problems:
                    return rows, problems
        else:
            if not v_idx:
                continue
            nodes = walk(out).nodes
            saved = [(v, v.grad) for v in nodes]
            try:
                for e, o in enumerate(out):
                    for v in nodes:
                        v.grad = 0.0
                    for j in v_idx:
                        for v in slots[j].obj:
                            v.grad = 0.0
                    o.backward()
                    w = 1.0 if cotangent is None else float(cotangent[lo + e])
                    row = lo + e if cotangent is None else k
                    for j in v_idx:
                        rows[j][row] += w * np.array([float(v.grad) for v in slots[j].obj])
            except Exception as exc:  # noqa: BLE001 - reported, not swallowed
                problems.append(f"backward of {label} raised {type(exc).__name__}: {exc}")
                return rows, problems
            finally:
                for v, g in saved:
                    v.grad = g
    return rows, problems


def _tensor_vjp(
    out: Any, leaves: list[Any], cot: np.ndarray, label: str, slots: list[Slot],
    problems: list[str],
) -> list[np.ndarray] | None:
    try:
        gs = grad([out], leaves, grad_outputs=[Tensor(cot)], allow_unused=True)
    except Exception as exc:  # noqa: BLE001 - reported, not swallowed
        problems.append(f"backward of {label} raised {type(exc).__name__}: {exc}")
        return None
    result = []
    for g, slot in zip(gs, slots, strict=True):
        if g is None:
            result.append(np.zeros(slot.size))
            continue
        arr = np.asarray(g.data if is_tensor(g) else g, dtype=np.float64)
        if arr.shape != slot.shape:
            problems.append(
                f"the gradient of {label} w.r.t. {slot.label} has shape {arr.shape}, "
                f"the input has shape {slot.shape}"
            )
            return None
        result.append(arr.reshape(-1))
    return result
