"""Reshaping: ``flatten`` (``nn.functional.flatten``) beside its Module ``nn.Flatten``."""

from __future__ import annotations

import autodiff as ad
from autodiff.validation import check_int

from ..inputs import as_tensor
from ..module import Module

__all__ = ["flatten", "Flatten"]


def flatten(x: ad.Tensor, start_dim: int = 1, end_dim: int = -1) -> ad.Tensor:
    """Merge axes start_dim..end_dim (inclusive) into one; (N, C, H, W) -> (N, C*H*W)."""
    x = as_tensor(x, "flatten")
    return x.flatten(start_dim, end_dim)


class Flatten(Module):
    """Merge axes start_dim..end_dim: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_int(start_dim, name="start_dim", where="Flatten")
        self.end_dim = check_int(end_dim, name="end_dim", where="Flatten")

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """Flatten the axes."""
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """Hyperparameters shown in the repr tree."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
