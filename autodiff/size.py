"""``Tensor.size``: numpy's element count that is also PyTorch's ``size()`` call.

``t.size`` is an :class:`ElementCount`, an ``int`` (so ``t.size == 6``, ``t.size * 2`` and
``range(t.size)`` keep numpy's meaning) that can be called: ``t.size()`` is the shape
tuple and ``t.size(dim)`` the length of one axis, negative axes counting from the end.
"""

from __future__ import annotations

import math
import operator

__all__ = ["ElementCount"]


class ElementCount(int):
    """The number of elements of a shape; calling it gives the shape or one axis's length."""

    _shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> ElementCount:
        """The element count of ``shape`` (1 for the 0-d shape ``()``)."""
        count = super().__new__(cls, math.prod(shape))
        count._shape = tuple(shape)
        return count

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        """``size()``: the shape tuple; ``size(dim)``: the length of axis ``dim``.

        Raises IndexError naming ``dim`` and the number of axes when ``dim`` is out of
        range, TypeError when it is not an integer.
        """
        if dim is None:
            return self._shape
        try:
            axis = operator.index(dim)
        except TypeError:
            raise TypeError(f"size: dim must be an int, got {type(dim).__name__} "
                            f"{dim!r}") from None
        ndim = len(self._shape)
        if not -ndim <= axis < ndim:
            valid = f"[{-ndim}, {ndim - 1}]" if ndim else "none (a 0-d tensor has no axes)"
            raise IndexError(f"size: dim {axis} is out of range for a tensor with ndim={ndim} "
                             f"(shape {self._shape}); valid dims: {valid}")
        return self._shape[axis]

    def __reduce__(self) -> tuple[type, tuple[int]]:
        """Pickle as a plain int (the count alone)."""
        return (int, (int(self),))
