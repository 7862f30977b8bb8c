"""What a gradient check differentiates with respect to: slots, and their working copies.

A *slot* is one thing a check differentiates with respect to: a Tensor, a Value, or a list of
Values. While a check runs, a Tensor slot's ``.data`` is a private float64 copy (the caller's array
is never written to) and a Value slot's ``.data`` is perturbed and then restored exactly.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..nodes import is_tensor, is_value, is_value_list

__all__ = [
    "Slot",
    "TensorSlot",
    "ValueSlot",
    "name_of",
    "slots_from_inputs",
    "slots_from_params",
    "working_copies",
]


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

    def __init__(self, t: Any, label: str, short: str | None = None) -> None:
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

    def __init__(self, values: Any, label: str, short: str | None = None) -> None:
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


def name_of(x: Any) -> str:
    """A node's display name: its ``name`` (Tensor) or ``label`` (Value), else ``""``."""
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
        name = name_of(x)
        label = f"input {k}" + (f" '{name}'" if name else "")
        short = name or f"input{k}"
        if is_tensor(x) and (x.requires_grad or include_constant_tensors):
            add(TensorSlot(x, label, short), x)
        elif is_value(x) or is_value_list(x):
            add(ValueSlot(x, label, short), x)
        elif isinstance(x, (list, tuple)):
            for i, t in enumerate(x):
                if is_tensor(t) and (t.requires_grad or include_constant_tensors):
                    tname = name_of(t)
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
                pairs.append((name_of(p) or f"param{k}", p))
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
