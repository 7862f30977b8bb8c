"""The old path ``nn.checkpoint``; the code lives in ``nn.train.checkpoint`` now.

Kept so that existing imports keep working; new code imports from ``nn.train.checkpoint``.
"""

from .train.checkpoint import KIND as KIND
from .train.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["save_checkpoint", "load_checkpoint"]
