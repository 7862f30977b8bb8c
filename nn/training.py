"""The training loop: ``fit`` runs epochs of mini-batch updates and returns a ``History``.

One epoch visits every training sample once, in batches from a ``DataLoader``; each
batch makes one update: forward pass, loss, ``backward()``, ``optimizer.step()``.
The same loop drives first-order optimizers (``step()`` after ``backward``) and
closure-based ones (L-BFGS, Newton, Levenberg-Marquardt: ``step(closure)``, where the
closure re-evaluates the loss and its gradient as often as the method needs).

Around that core: validation loss and metrics per epoch, a tqdm progress bar with the
running loss (shown only on a terminal), early stopping that restores the best
weights, Ctrl-C that stops cleanly and keeps the best weights, and checkpoints every N
epochs that ``resume`` continues from with identical results.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import metrics as _metrics
from .data import as_array
from .history import EarlyStopping, History

__all__ = ["fit", "evaluate", "predict", "History", "EarlyStopping"]

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
    import autodiff as ad

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


def _needs_closure(optimizer: Any) -> bool:
    flag = getattr(optimizer, "requires_closure", None)
    if flag is not None:
        return bool(flag)
    try:  # torch-style ``step(closure=None)`` accepts one too: pass it whenever possible
        return "closure" in inspect.signature(optimizer.step).parameters
    except (TypeError, ValueError):
        return False


def _zero_grad(model: Any, optimizer: Any) -> None:
    if hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()
    elif hasattr(model, "zero_grad"):
        model.zero_grad()


def _state(model: Any) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}


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
        import autodiff as ad

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


# ----------------------------------------------------------------------------- the loop
def _progress_bar(enabled: bool, total: int, initial: int) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency, but the loop must not need it
        return None
    return tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=True)


@dataclass
class _Tracker:
    """Best monitored value so far, the weights that gave it, and patience used up."""

    monitor: str
    mode: str = "min"
    min_delta: float = 0.0
    best: float | None = None
    best_epoch: int | None = None
    wait: int = 0
    best_state: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def improved(self, value: float) -> bool:
        if value is None or math.isnan(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


def _as_early_stopping(spec: Any) -> EarlyStopping | None:
    if spec is None or spec is False:
        return None
    if isinstance(spec, EarlyStopping):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        return EarlyStopping(patience=spec)
    raise TypeError(
        f"fit: early_stopping must be None, a patience (int) or nn.EarlyStopping, got {spec!r}"
    )


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    train_loader: Iterable[Any],
    val_loader: Iterable[Any] | None = None,
    epochs: int = 10,
    *,
    metrics: MetricSpec | None = None,
    progress: bool = True,
    log_every: int | None = None,
    callbacks: Sequence[Callable[[int, dict[str, Any]], Any]] = (),
    early_stopping: int | EarlyStopping | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return its ``History``.

    Args:
        model: a tensor ``nn.Module`` (called on a batch Tensor) or a scalar one (called on
            each sample's list of floats; use ``DataLoader(..., output="python")``).
        loss_fn: ``loss_fn(predictions, targets)`` -> scalar Tensor or Value.
        optimizer: has ``step(closure)`` (torch style: the closure zeroes the gradients,
            computes the loss, calls ``backward`` and returns the loss; closure-based
            methods call it as often as they need) or a plain ``step()`` run after
            ``backward``. ``optimizer.requires_closure``, when present, decides which.
        train_loader, val_loader: iterables of ``(inputs, targets)`` batches.
        epochs: total number of epochs (when resuming, including those already run).
        metrics: names or callables evaluated on the validation set (and on the
            training predictions), recorded as ``"train_<name>"`` and ``"val_<name>"``.
        progress: show a tqdm bar with the running loss (only when stdout is a terminal).
        log_every: also print one summary line every this many epochs (None: never).
        callbacks: ``cb(epoch, logs)`` after each epoch; returning True stops training.
        early_stopping: a patience (int) or ``nn.EarlyStopping``; stops when the monitored
            value has not improved for ``patience`` epochs and restores the best weights.
        checkpoint_path: write a checkpoint (model, optimizer and loader state, history)
            here every ``checkpoint_every`` epochs, atomically, with ``nn.save``.
        resume: continue from ``checkpoint_path`` when it exists, reproducing exactly the
            run that was not interrupted.

    Ctrl-C (KeyboardInterrupt) stops after restoring the best weights seen so far;
    ``history.interrupted`` is then True. Raises ValueError for epochs < 0, an empty
    training loader, or ``resume`` without ``checkpoint_path``.
    """
    if int(epochs) < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    if resume and checkpoint_path is None:
        raise ValueError("fit: resume=True needs checkpoint_path")
    if int(checkpoint_every) < 1:
        raise ValueError(f"fit: checkpoint_every must be >= 1, got {checkpoint_every}")
    table = _metric_table(metrics)
    stopper = _as_early_stopping(early_stopping)
    monitor = stopper.monitor if stopper else ("val_loss" if val_loader is not None else
                                               "train_loss")
    if monitor == "val_loss" and val_loader is None:
        monitor = "train_loss"
    tracker = _Tracker(monitor=monitor, mode=stopper.mode if stopper else "min",
                       min_delta=stopper.min_delta if stopper else 0.0)
    history = History(monitor=monitor)
    scalar = _is_scalar_model(model)
    closure_based = _needs_closure(optimizer)
    start = 0
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
        from .checkpoint import load_checkpoint

        start = load_checkpoint(checkpoint_path, model, optimizer, train_loader, val_loader,
                                history, tracker)
    n_batches = len(train_loader) if hasattr(train_loader, "__len__") else 0
    show = progress and sys.stdout.isatty()
    bar = _progress_bar(show, int(epochs) * n_batches, start * n_batches)
    t_start = time.perf_counter() - history.wall_time
    if hasattr(model, "train"):
        model.train()
    try:
        for epoch in range(start + 1, int(epochs) + 1):
            t0 = time.perf_counter()
            total, n = 0.0, 0
            preds: list[np.ndarray] = []
            targets: list[np.ndarray] = []
            for batch in train_loader:
                xb, yb = _split_batch(batch)
                seen: dict[str, Any] = {}

                def closure(xb: Any = xb, yb: Any = yb, seen: dict[str, Any] = seen) -> Any:
                    _zero_grad(model, optimizer)
                    out, target = _forward(model, xb, yb, scalar)
                    loss = loss_fn(out, target)
                    loss.backward()
                    if "loss" not in seen:  # the loss at the weights before the step
                        seen.update(loss=_value(loss), out=out, target=target)
                    return loss

                if closure_based:
                    optimizer.step(closure)
                    if "loss" not in seen:
                        closure()
                else:
                    closure()
                    optimizer.step()
                k = _count(seen["target"])
                total += seen["loss"] * k
                n += k
                if table:
                    preds.append(_numpy(seen["out"]))
                    targets.append(_numpy(seen["target"]))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"epoch {epoch} loss {total / n:.4g}", refresh=False)
            if n == 0:
                raise ValueError("fit: the training loader yielded no batches")
            logs: dict[str, Any] = {"train_loss": total / n}
            if table:
                p, t = _stack(preds), _stack(targets)
                logs.update({f"train_{k}": float(fn(p, t)) for k, fn in table.items()})
            if val_loader is not None:
                res = evaluate(model, val_loader, table, loss_fn)
                logs["val_loss"] = res.pop("loss")
                logs.update({f"val_{k}": v for k, v in res.items()})
                if hasattr(model, "train"):
                    model.train()
            logs["epoch_time"] = time.perf_counter() - t0
            history.record(epoch, logs, time.perf_counter() - t_start)
            value = logs.get(tracker.monitor)
            if value is None:
                raise ValueError(
                    f"fit: early stopping monitors {tracker.monitor!r}, which is not among the "
                    f"logged values {sorted(logs)}"
                )
            if tracker.improved(value):
                tracker.best, tracker.best_epoch, tracker.wait = value, epoch, 0
                tracker.best_state = _state(model)
            else:
                tracker.wait += 1
            history.best_epoch, history.best_value = tracker.best_epoch, tracker.best
            if bar is not None:
                val = f" val {logs['val_loss']:.4g}" if "val_loss" in logs else ""
                bar.set_postfix_str(f"epoch {epoch} loss {logs['train_loss']:.4g}{val}")
            if log_every and (epoch % log_every == 0 or epoch == epochs):
                _print_line(epoch, int(epochs), logs, bar)
            stop = any(cb(epoch, logs) is True for cb in callbacks)
            if stopper is not None and tracker.wait >= stopper.patience:
                history.stopped_early = True
                stop = True
            if checkpoint_path is not None and (epoch % int(checkpoint_every) == 0 or stop
                                                or epoch == epochs):
                from .checkpoint import save_checkpoint

                save_checkpoint(checkpoint_path, epoch, model, optimizer, train_loader,
                                val_loader, history, tracker)
            if stop:
                if stopper is not None and stopper.restore_best and tracker.best_state:
                    model.load_state_dict(tracker.best_state)
                break
    except KeyboardInterrupt:
        history.interrupted = True
        if tracker.best_state is not None:
            model.load_state_dict(tracker.best_state)
        msg = "fit: interrupted"
        if tracker.best_epoch is not None:
            msg += f"; restored the weights of epoch {tracker.best_epoch} ({monitor} " \
                   f"{tracker.best:.4g})"
        print(msg, file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    history.wall_time = time.perf_counter() - t_start
    return history


def _print_line(epoch: int, epochs: int, logs: Mapping[str, Any], bar: Any) -> None:
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    parts += [f"{k} {v:.4g}" for k, v in logs.items() if k != "epoch_time"]
    parts.append(f"({logs['epoch_time'] * 1000:.0f} ms)")
    line = "  ".join(parts)
    if bar is not None:
        bar.write(line)
    else:
        print(line, flush=True)

