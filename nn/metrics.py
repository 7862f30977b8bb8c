"""``nn.metrics``: evaluation metrics by their public path; the code lives in
``nn.train.metrics``.

``from nn import metrics`` and ``nn.metrics.mse(...)`` keep working through this re-export.
"""

from .train.metrics import METRICS, accuracy, confusion_matrix, get, mae, mse, r2, rmse

__all__ = ["mse", "mae", "rmse", "r2", "accuracy", "confusion_matrix", "get", "METRICS"]
