"""The old path ``nn.history``; the code lives in ``nn.train.history`` now.

Kept so that existing imports keep working; new code imports from ``nn.train.history``.
"""

from .train.history import EarlyStopping, History

__all__ = ["History", "EarlyStopping"]
