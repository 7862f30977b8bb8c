"""The old path ``nn.training``; the code lives in ``nn.train`` now.

Kept so that existing imports keep working; new code imports from ``nn.train``.
"""

from .train import EarlyStopping, History, evaluate, fit, predict
from .train.batch import MetricSpec as MetricSpec

__all__ = ["fit", "evaluate", "predict", "History", "EarlyStopping"]
