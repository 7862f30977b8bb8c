"""Inverted dropout: ``dropout`` (``nn.functional.dropout``) beside its Module ``nn.Dropout``."""

from __future__ import annotations

import numpy as np

import autodiff as ad

from .. import init
from ..inputs import RngLike, as_tensor
from ..module import Module

__all__ = ["dropout", "Dropout"]


def dropout(x: ad.Tensor, p: float = 0.5, training: bool = True,
            rng: RngLike = None) -> ad.Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The identity when ``training`` is False or p == 0; all zeros when p == 1. ``rng`` is a
    Generator, a seed, or None (the default generator that ``ad.manual_seed`` seeds).
    Raises TypeError when p is not a number, ValueError unless 0 <= p <= 1.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"dropout: probability p must be a number between 0 and 1, got "
                        f"{type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p!r}")
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    keep = init.get_rng(rng).random(x.shape) >= p
    return x * (keep.astype(x.dtype) / np.asarray(1.0 - p, dtype=x.dtype))


class Dropout(Module):
    """Inverted dropout: in training zero each element with probability ``p`` and scale the
    survivors by 1/(1-p); the identity in eval mode. ``rng`` (Generator or seed) makes the
    masks reproducible; None draws from the default generator (``ad.manual_seed``).
    """

    def __init__(self, p: float = 0.5, rng: RngLike = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"Dropout: probability p must be a number between 0 and 1, got "
                            f"{type(p).__name__} {p!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p!r}")
        self.p = float(p)
        self._rng = init.get_rng(rng, "Dropout") if rng is not None else None

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Drop (training) or pass through (eval)."""
        return dropout(x, self.p, self.training, self._rng)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"p={self.p}"

