"""Running a model without training it: ``predict`` and ``evaluate`` (loss and metrics).

Shared with ``nn.fit`` (``loop.py``): how a batch is fed to a tensor model (one Tensor) or to a
scalar Value model (one call per sample), and how predictions are gathered for metrics.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

import autodiff as ad

from ..inputs import as_array
from . import metrics as _metrics

__all__ = ["predict", "evaluate"]

MetricSpec = Sequence[str | Callable[[Any, Any], float]] | Mapping[str, Callable[[Any, Any], float]]

# ------------------------------------------------------------------------------ helpers
def _is_scalar_model(model: Any) -> bool:
    """True for models built from ``autodiff.Value`` (the scalar ``nn.MLP``)."""
    params = getattr(model, "parameters", None)
    if params is None:
        return False
    for p in params():
        return not isinstance(getattr(p, "data", None), np.ndarray)
    return False


def _grad_context(scalar: bool) -> Any:
    if scalar:
        return contextlib.nullcontext()
    return ad.no_grad()


@contextlib.contextmanager
def _eval_mode(model: Any) -> Any:
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        yield
    finally:
        if was_training and hasattr(model, "train"):
            model.train()


def _metric_table(metrics: MetricSpec | None) -> dict[str, Callable[[Any, Any], float]]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return {str(k): _metrics.get(v) for k, v in metrics.items()}
    if isinstance(metrics, str):
        metrics = [metrics]
    return {(m if isinstance(m, str) else getattr(m, "__name__", "metric")): _metrics.get(m)
            for m in metrics}


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        "fit/evaluate: each batch must be an (inputs, targets) pair; got "
        f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}"
    )


def _forward(model: Any, xb: Any, yb: Any, scalar: bool) -> tuple[Any, Any]:
    """Run the model on a batch; return (predictions, targets) shaped for the loss."""
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


def _count(yb: Any) -> int:
    if isinstance(yb, list):
        return len(yb)
    shape = getattr(yb, "shape", ())
    return int(shape[0]) if len(shape) else 1


def _value(loss: Any) -> float:
    if hasattr(loss, "item"):
        return float(loss.item())
    return float(getattr(loss, "data", loss))


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(as_array(x), dtype=float)


def _stack(chunks: list[np.ndarray]) -> np.ndarray:
    chunks = [np.atleast_1d(c) for c in chunks]
    return np.concatenate(chunks) if chunks else np.zeros(0)



# ---------------------------------------------------------------------- predict / evaluate
def predict(model: Any, X: Any) -> np.ndarray:
    """Run ``model`` on inputs ``X`` (shape (n, ...)) in eval mode without recording a graph.

    Tensor models get one ``autodiff.Tensor`` batch; scalar (Value) models are called
    once per row with a list of floats. Returns the outputs as a numpy array (n, ...).
    """
    scalar = _is_scalar_model(model)
    x = np.asarray(as_array(X, "predict"), dtype=float)
    with _eval_mode(model), _grad_context(scalar):
        if scalar:
            return _numpy([model(row.tolist()) for row in x])
        return _numpy(model(ad.Tensor(x)))


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
    table = _metric_table(metrics)
    scalar = _is_scalar_model(model)
    total, n = 0.0, 0
    preds, targets = [], []
    with _eval_mode(model), _grad_context(scalar):
        for batch in loader:
            xb, yb = _split_batch(batch)
            out, target = _forward(model, xb, yb, scalar)
            k = _count(target)
            if loss_fn is not None:
                total += _value(loss_fn(out, target)) * k
            n += k
            if table:
                preds.append(_numpy(out))
                targets.append(_numpy(target))
    if n == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    result: dict[str, float] = {}
    if loss_fn is not None:
        result["loss"] = total / n
    if table:
        p, t = _stack(preds), _stack(targets)
        result.update({name: float(fn(p, t)) for name, fn in table.items()})
    return result
