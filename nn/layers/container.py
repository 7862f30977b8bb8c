"""Containers: ``Sequential`` applies modules in order, ``Identity`` passes its input on."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from ..module import Module

__all__ = ["Sequential", "Identity"]


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

