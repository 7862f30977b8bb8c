"""How a batch meets a model, shared by ``fit`` and ``evaluate``.

A batch is an ``(inputs, targets)`` pair. A tensor model is called once on the batch
Tensor; a scalar (``autodiff.Value``) model once per sample. Predictions and targets are
gathered as numpy arrays for the metrics, which are looked up once per run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autodiff.nodes import is_array_node
from autodiff.validation import describe

from ..inputs import as_array
from . import metrics as _metrics

__all__ = ["MetricSpec", "is_scalar_model", "metric_table", "split_batch", "forward", "count",
           "loss_value", "to_numpy", "stack"]

MetricSpec = Sequence[str | Callable[[Any, Any], float]] | Mapping[str, Callable[[Any, Any], float]]


def is_scalar_model(model: Any) -> bool:
    """True for models built from ``autodiff.Value`` (the scalar ``nn.MLP``): the first
    parameter's ``.data`` is not an ndarray. False for models without parameters."""
    params = getattr(model, "parameters", None)
    if params is None:
        return False
    for p in params():
        return not is_array_node(p)
    return False


def metric_table(metrics: MetricSpec | None,
                 where: str = "fit") -> dict[str, Callable[[Any, Any], float]]:
    """``{name: metric function}`` from names, callables or a mapping; empty for None.

    Raises ValueError for an unknown name, TypeError for what is not a name, a callable,
    a list of them or a mapping (``where`` names the caller)."""
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return {str(k): _metrics.get(v, where) for k, v in metrics.items()}
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, list | tuple):
        raise TypeError(f"{where}: metrics must be a metric name, a callable, a list of them "
                        f"or a dict of them, got {describe(metrics)}")
    return {(m if isinstance(m, str) else getattr(m, "__name__", "metric")):
            _metrics.get(m, where) for m in metrics}


def split_batch(batch: Any) -> tuple[Any, Any]:
    """``(inputs, targets)`` of a batch; raises ValueError for anything but a pair."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        "fit/evaluate: each batch must be an (inputs, targets) pair; got "
        f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}"
    )


def forward(model: Any, xb: Any, yb: Any, scalar: bool) -> tuple[Any, Any]:
    """Run the model on a batch; return (predictions, targets) shaped for the loss.

    A scalar model gets one call per sample (a single sample when ``yb`` is not a list).
    For a tensor model, (B,) targets of (B, 1) predictions are reshaped to (B, 1).
    """
    if scalar:
        if not isinstance(yb, list):  # a single sample (batch_size=None)
            xb, yb = [xb], [yb]
        return [model(x) for x in xb], yb
    out = model(xb)
    shape_o, shape_t = getattr(out, "shape", None), getattr(yb, "shape", None)
    if (shape_o is not None and shape_t is not None and len(shape_o) == len(shape_t) + 1
            and shape_o[-1] == 1 and tuple(shape_o[:-1]) == tuple(shape_t)):
        yb = yb.reshape(*shape_o)  # (B, 1) predictions vs (B,) targets: compare elementwise
    return out, yb


def count(yb: Any) -> int:
    """Number of samples in a batch of targets (a list, an array or a Tensor)."""
    if isinstance(yb, list):
        return len(yb)
    shape = getattr(yb, "shape", ())
    return int(shape[0]) if len(shape) else 1


def loss_value(loss: Any) -> float:
    """A loss (Tensor, Value or number) as a float."""
    if hasattr(loss, "item"):
        return float(loss.item())
    return float(getattr(loss, "data", loss))


def to_numpy(x: Any) -> np.ndarray:
    """Predictions or targets (Tensor, Values, lists) as a float ndarray."""
    return np.asarray(as_array(x), dtype=float)


def stack(chunks: list[np.ndarray]) -> np.ndarray:
    """Concatenate per-batch arrays along the sample axis (0-d chunks count as 1 sample)."""
    chunks = [np.atleast_1d(c) for c in chunks]
    return np.concatenate(chunks) if chunks else np.zeros(0)
