"""The old path ``nn.evaluation``; the code lives in ``nn.train.evaluation`` now.

Kept so that existing imports keep working; new code imports from ``nn.train.evaluation``.
"""

from .train.evaluation import MetricSpec as MetricSpec
from .train.evaluation import evaluate, predict

__all__ = ["predict", "evaluate"]
