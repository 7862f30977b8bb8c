"""Running a model without training it: ``predict`` and ``evaluate`` (loss and metrics).

Both run in eval mode and, for tensor models, without recording a graph. How a batch is
fed to the model is shared with ``fit`` (``batch.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autodiff as ad

from ..inputs import as_array
from .batch import (
    MetricSpec,
    count,
    forward,
    is_scalar_model,
    loss_value,
    metric_table,
    split_batch,
    stack,
    to_numpy,
)

__all__ = ["predict", "evaluate", "MetricSpec"]


def _grad_context(scalar: bool) -> Any:
    """No graph for tensor models; scalar Values have no such switch."""
    if scalar:
        return contextlib.nullcontext()
    return ad.no_grad()


@contextlib.contextmanager
def _eval_mode(model: Any) -> Any:
    """Eval mode for the block; training mode again afterwards if it was on."""
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        yield
    finally:
        if was_training and hasattr(model, "train"):
            model.train()


# ---------------------------------------------------------------------- predict / evaluate
def predict(model: Any, X: Any) -> np.ndarray:
    """Run ``model`` on inputs ``X`` (shape (n, ...)) in eval mode without recording a graph.

    Tensor models get one ``autodiff.Tensor`` batch; scalar (Value) models are called
    once per row with a list of floats. Returns the outputs as a numpy array (n, ...).
    """
    scalar = is_scalar_model(model)
    x = np.asarray(as_array(X, "predict"), dtype=float)
    with _eval_mode(model), _grad_context(scalar):
        if scalar:
            return to_numpy([model(row.tolist()) for row in x])
        return to_numpy(model(ad.Tensor(x)))


def evaluate(
    model: Any, loader: Iterable[Any], metrics: MetricSpec | None = None,
    loss_fn: Callable[[Any, Any], Any] | None = None,
) -> dict[str, float]:
    """Average loss and metrics of ``model`` over every batch of ``loader``.

    Runs in eval mode without recording a graph. ``metrics`` are names (``"mse"``,
    ``"mae"``, ``"r2"``, ``"accuracy"``, ...) or callables ``f(pred, target)``, computed on
    all predictions at once. Returns ``{"loss": ..., name: value, ...}`` (``"loss"`` only
    when ``loss_fn`` is given; it is averaged per sample). Raises ValueError for an empty
    loader.
    """
    table = metric_table(metrics, "evaluate")
    scalar = is_scalar_model(model)
    total, n = 0.0, 0
    preds, targets = [], []
    with _eval_mode(model), _grad_context(scalar):
        for batch in loader:
            xb, yb = split_batch(batch)
            out, target = forward(model, xb, yb, scalar)
            k = count(target)
            if loss_fn is not None:
                total += loss_value(loss_fn(out, target)) * k
            n += k
            if table:
                preds.append(to_numpy(out))
                targets.append(to_numpy(target))
    if n == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    result: dict[str, float] = {}
    if loss_fn is not None:
        result["loss"] = total / n
    if table:
        p, t = stack(preds), stack(targets)
        result.update({name: float(fn(p, t)) for name, fn in table.items()})
    return result
