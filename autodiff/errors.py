"""The errors an op raises for bad input; a leaf module, so any room can import it."""

from __future__ import annotations

__all__ = ["AllocationError", "OpError", "OpIndexError"]


class OpError(ValueError):
    """A bad input to an op: wrong shapes, a bad axis, a bad index."""


class OpIndexError(OpError, IndexError):
    """An axis or an index out of range: an ``IndexError`` as in numpy and PyTorch, and an
    ``OpError`` (so a ``ValueError``) like every other bad input to an op."""


class AllocationError(ValueError, MemoryError):
    """A size whose array would not fit in the memory available, refused before allocating:
    a ``ValueError`` like every bad argument, and a ``MemoryError`` for code that catches
    that."""
