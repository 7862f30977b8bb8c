"""Plumbing for gradient checks: what is differentiated (slots), f's outputs, analytic Jacobians.

A *slot* is one thing a check differentiates with respect to: a Tensor, a Value, or a list of
Values. While a check runs, a Tensor slot's ``.data`` is a private float64 copy (the caller's array
is never written to) and a Value slot's ``.data`` is perturbed and then restored exactly.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..functional import grad
from ..graph import walk
from ..nodes import is_tensor, is_value, is_value_list
from ..tensor import Tensor


class Slot(abc.ABC):
    """One input of a check: ``size`` scalars addressed by flat index, with a report label."""

    label: str  # long form for pair lines: "input 1 'w'", "param 'layers.0.weight'"
    short: str  # short form for entry lines: "w", "input1", "layers.0.weight"
    shape: tuple[int, ...]
    size: int
    obj: Any
    source: Any = None  # the object passed by the caller (a Tensor, a Value, a list of Values)
    orig_dtype: Any = None

    @abc.abstractmethod
    def begin(self) -> None:
        """Install the working copy."""

    @abc.abstractmethod
    def end(self) -> None:
        """Restore the caller's data and gradient exactly."""

    @abc.abstractmethod
    def get(self, i: int) -> float:
        """The working value of flat element ``i``."""

    @abc.abstractmethod
    def set(self, i: int, x: float) -> None:
        """Set flat element ``i`` of the working copy to ``x``."""

    def get_all(self) -> np.ndarray:
        """All working values, flat, shape (size,)."""
        return np.array([self.get(i) for i in range(self.size)])

    def set_all(self, x: np.ndarray) -> None:
        """Set every element of the working copy from a flat array of shape (size,)."""
        for i in range(self.size):
            self.set(i, float(x[i]))


class TensorSlot(Slot):
    """A Tensor input; while checked its ``.data`` is a float64 working copy."""

    def __init__(self, t: Any, label: str, short: str | None = None):
        self.obj = t
        self.label = label
        self.short = short or label.replace(" ", "")
        self.shape = tuple(int(s) for s in np.shape(t.data))
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.orig_dtype = np.asarray(t.data).dtype
        self._orig: Any = None
        self._work: np.ndarray | None = None

    def begin(self) -> None:
        t = self.obj
        self._orig = t.data
        self._orig_grad = t.grad
        self._grad_copy = None if t.grad is None else np.array(t.grad, copy=True)
        self._work = np.array(self._orig, dtype=np.float64, copy=True, order="C")
        self._flat = self._work.reshape(-1)
        t.data = self._work

    def end(self) -> None:
        t = self.obj
        t.data = self._orig
        if t.grad is not self._orig_grad:
            t.grad = self._orig_grad
        if self._grad_copy is not None and not np.array_equal(self._orig_grad, self._grad_copy):
            self._orig_grad[...] = self._grad_copy

    def get(self, i: int) -> float:
        return float(self._flat[i])

    def set(self, i: int, x: float) -> None:
        self._flat[i] = x

    def get_all(self) -> np.ndarray:
        return self._flat.copy()

    def set_all(self, x: np.ndarray) -> None:
        self._flat[...] = x


class ValueSlot(Slot):
    """A Value (shape ()) or a list of Values (shape (n,)); ``.data`` is perturbed in place."""

    def __init__(self, values: Any, label: str, short: str | None = None):
        self.single = is_value(values)
        self.obj = [values] if self.single else list(values)
        self.label = label
        self.short = short or label.replace(" ", "")
        self.shape = () if self.single else (len(self.obj),)
        self.size = len(self.obj)

    def begin(self) -> None:
        self._data = [v.data for v in self.obj]
        self._grads = [v.grad for v in self.obj]

    def end(self) -> None:
        for v, d, g in zip(self.obj, self._data, self._grads, strict=True):
            v.data, v.grad = d, g

    def get(self, i: int) -> float:
        return float(self.obj[i].data)

    def set(self, i: int, x: float) -> None:
        self.obj[i].data = x


@contextlib.contextmanager
def working_copies(slots: list[Slot]) -> Iterator[None]:
    """Install every slot's working copy; restore all of them on exit, even on error."""
    begun: list[Slot] = []
    try:
        for s in slots:
            s.begin()
            begun.append(s)
        yield
    finally:
        for s in reversed(begun):
            s.end()


def _name_of(x: Any) -> str:
    return str(getattr(x, "name", "") or getattr(x, "label", "") or "")


def slots_from_inputs(items: list[Any], include_constant_tensors: bool) -> list[Slot]:
    """Slots for the positional inputs of f (each slot's ``source`` is the object it came from).

    Tensors with requires_grad (any Tensor if ``include_constant_tensors``), Values and lists of
    Values are slots; a list of Tensors gives one slot per Tensor; an object passed twice gives
    one slot. Everything else is a constant.
    """
    slots: list[Slot] = []
    seen: set[int] = set()

    def add(slot: Slot, source: Any) -> None:
        if id(source) not in seen:
            seen.add(id(source))
            slot.source = source
            slots.append(slot)

    for k, x in enumerate(items):
        name = _name_of(x)
        label = f"input {k}" + (f" '{name}'" if name else "")
        short = name or f"input{k}"
        if is_tensor(x) and (x.requires_grad or include_constant_tensors):
            add(TensorSlot(x, label, short), x)
        elif is_value(x) or is_value_list(x):
            add(ValueSlot(x, label, short), x)
        elif isinstance(x, (list, tuple)):
            for i, t in enumerate(x):
                if is_tensor(t) and (t.requires_grad or include_constant_tensors):
                    tname = _name_of(t)
                    add(TensorSlot(t, f"input {k}[{i}]" + (f" '{tname}'" if tname else ""),
                                   tname or f"input{k}[{i}]"), t)
    return slots


def slots_from_params(params: Any) -> list[Slot]:
    """Slots for ``params``: a Module, an iterable of Tensors/Values, or (name, param) pairs."""
    if hasattr(params, "named_parameters"):
        pairs = list(params.named_parameters())
    else:
        pairs = []
        for k, p in enumerate(params):
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                pairs.append(p)
            else:
                pairs.append((_name_of(p) or f"param{k}", p))
    slots: list[Slot] = []
    seen: set[int] = set()
    for name, p in pairs:
        if id(p) in seen:
            continue
        seen.add(id(p))
        if is_tensor(p):
            slots.append(TensorSlot(p, f"param '{name}'", name))
        elif is_value(p):
            slots.append(ValueSlot(p, f"param '{name}'", name))
        else:
            raise TypeError(
                f"gradcheck: params must be Tensors or Values (or a Module), got "
                f"{type(p).__name__} for '{name}'"
            )
    return slots


class Outputs:
    """f's result, normalised: a list of outputs (Tensor, or list of Values) and their values."""

    def __init__(self, result: Any):
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
        names = [_name_of(o) if is_tensor(o) or is_value(o) else "" for o in raw]
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
