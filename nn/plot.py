"""``nn.plot``: figures of training runs by their public path; the code lives in
``nn.train.plot`` (matplotlib, the ``plot`` extra, is imported only when a figure is drawn).
"""

from .train.plot import (
    confusion_matrix,
    decision_boundary,
    loss_curves,
    optimizer_trajectories,
    predicted_vs_true,
)

__all__ = ["loss_curves", "predicted_vs_true", "decision_boundary", "optimizer_trajectories",
           "confusion_matrix"]
