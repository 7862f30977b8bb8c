"""Evaluation metrics on predictions and targets (numpy in, Python float out).

Every function accepts numpy arrays, nested lists, ``autodiff.Tensor`` or lists of
``autodiff.Value``; nothing here builds a graph. These are for *reporting*; to train,
use the differentiable losses in ``nn.losses``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.validation import check_int, check_shape, describe

from ..inputs import as_array

__all__ = ["mse", "mae", "rmse", "r2", "accuracy", "confusion_matrix", "get", "METRICS"]


def _pair(pred: Any, target: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(as_array(pred, name), dtype=float)
    t = np.asarray(as_array(target, name), dtype=float)
    if p.shape != t.shape:
        if p.size == t.size and (p.ndim <= 2 and t.ndim <= 2):
            p = p.reshape(t.shape)  # (n, 1) predictions vs (n,) targets
        else:
            raise ValueError(
                f"{name}: predictions of shape {p.shape} do not match targets of shape {t.shape}"
            )
    if p.size == 0:
        raise ValueError(f"{name}: needs at least one prediction, got none")
    return p, t


def mse(pred: Any, target: Any) -> float:
    """Mean squared error ``mean((pred - target)^2)``; (n, 1) vs (n,) shapes are accepted."""
    p, t = _pair(pred, target, "mse")
    return float(np.mean((p - t) ** 2))


def rmse(pred: Any, target: Any) -> float:
    """Root mean squared error, in the target's units."""
    return float(np.sqrt(mse(pred, target)))


def mae(pred: Any, target: Any) -> float:
    """Mean absolute error ``mean(|pred - target|)``."""
    p, t = _pair(pred, target, "mae")
    return float(np.mean(np.abs(p - t)))


def r2(pred: Any, target: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (1 is perfect, 0 = predicting
    the mean). Constant targets give 1.0 for a perfect prediction and 0.0 otherwise,
    as in scikit-learn."""
    p, t = _pair(pred, target, "r2")
    ss_res = float(np.sum((t - p) ** 2))
    ss_tot = float(np.sum((t - t.mean(axis=0)) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def _labels(pred: Any, name: str) -> np.ndarray:
    """Class labels from labels (n,), scores/logits (n, k), or one probability (n,)/(n, 1)."""
    p = np.asarray(as_array(pred, name))
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)
    p = p.reshape(-1)
    if np.issubdtype(p.dtype, np.integer) or p.dtype == np.bool_:
        return p.astype(np.int64)
    if np.all(np.mod(p, 1) == 0):
        return p.astype(np.int64)
    return (p > 0.5).astype(np.int64)  # probabilities of the positive class


def accuracy(pred: Any, target: Any) -> float:
    """Fraction of correct class predictions.

    ``pred`` may be labels (n,), scores or logits (n, k) (argmax is taken), or
    probabilities of class 1 (n,) (thresholded at 0.5). ``target`` is labels (n,) or
    one-hot (n, k). Raises ValueError for different sample counts.
    """
    p = _labels(pred, "accuracy")
    t = _labels(target, "accuracy")
    if p.shape != t.shape:
        raise ValueError(f"accuracy: {p.shape[0]} predictions but {t.shape[0]} targets")
    if p.size == 0:
        raise ValueError("accuracy: needs at least one prediction, got none")
    return float(np.mean(p == t))


def confusion_matrix(pred: Any, target: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples with true class ``i`` predicted as class ``j``.

    Shape (k, k), k = ``num_classes`` or 1 + the largest label seen. Same input forms
    as :func:`accuracy`. Raises ValueError for negative labels or labels >= num_classes.
    """
    p = _labels(pred, "confusion_matrix")
    t = _labels(target, "confusion_matrix")
    if p.shape != t.shape:
        raise ValueError(f"confusion_matrix: {p.shape[0]} predictions but {t.shape[0]} targets")
    num_classes = check_int(num_classes, name="num_classes", where="confusion_matrix",
                            minimum=1, allow_none=True)
    k = num_classes if num_classes is not None else int(max(p.max(), t.max())) + 1
    check_shape((k, k), where="confusion_matrix", name="matrix shape", itemsize=8)
    if min(p.min(), t.min()) < 0 or max(p.max(), t.max()) >= k:
        raise ValueError(f"confusion_matrix: labels must lie in [0, {k})")
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


METRICS: dict[str, Callable[[Any, Any], float]] = {
    "mse": mse,
    "rmse": rmse,
    "mae": mae,
    "r2": r2,
    "accuracy": accuracy,
}


def get(metric: str | Callable[[Any, Any], float],
        where: str = "metrics.get") -> Callable[[Any, Any], float]:
    """Look up a metric by name (``"mse"``, ``"rmse"``, ``"mae"``, ``"r2"``, ``"accuracy"``)
    or return a callable unchanged. Raises ValueError for an unknown name, TypeError for
    what is neither a name nor a callable (``where`` names the caller in the message)."""
    if callable(metric):
        return metric
    if not isinstance(metric, str):
        raise TypeError(f"{where}: a metric is a name ({', '.join(sorted(METRICS))}) or a "
                        f"callable metric(prediction, target), got {describe(metric)}")
    if metric not in METRICS:
        raise ValueError(f"{where}: unknown metric {metric!r}; valid names: {sorted(METRICS)}")
    return METRICS[metric]
