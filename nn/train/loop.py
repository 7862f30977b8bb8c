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

import inspect
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checkpoint import load_checkpoint, save_checkpoint
from .evaluation import (
    MetricSpec,
    _count,
    _forward,
    _is_scalar_model,
    _metric_table,
    _numpy,
    _split_batch,
    _stack,
    _value,
    evaluate,
    predict,
)
from .history import EarlyStopping, History

__all__ = ["fit", "evaluate", "predict", "History", "EarlyStopping"]


# ------------------------------------------------------------------------------ helpers
def _needs_closure(optimizer: Any) -> bool:
    """``optimizer.requires_closure`` (nn.optim's flag); for other optimizers, whether
    ``step`` takes a closure at all."""
    flag = getattr(optimizer, "requires_closure", None)
    if flag is not None:
        return bool(flag)
    try:  # torch-style ``step(closure=None)`` accepts one too: pass it whenever possible
        return "closure" in inspect.signature(optimizer.step).parameters
    except (TypeError, ValueError):
        return False


def _wants_residuals(optimizer: Any) -> bool:
    """Least-squares methods (Levenberg-Marquardt) step on residuals, not on a loss."""
    return getattr(optimizer, "closure_returns", "loss") == "residuals"


def _residuals(out: Any, target: Any, scalar: bool) -> Any:
    """Residuals ``(pred - target) / sqrt(n)``: half their squared norm is half the MSE."""
    if scalar:
        preds = [o for p in out for o in (p if isinstance(p, list) else [p])]
        ts = [t for x in target for t in (x if isinstance(x, list) else [x])]
        scale = 1.0 / math.sqrt(len(ts))
        return [(p - t) * scale for p, t in zip(preds, ts, strict=True)]
    diff = out - target
    return diff.reshape(-1) * (1.0 / math.sqrt(max(1, diff.size)))


def _zero_grad(model: Any, optimizer: Any) -> None:
    if hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()
    elif hasattr(model, "zero_grad"):
        model.zero_grad()


def _state(model: Any) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in model.state_dict().items()}


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
            An optimizer with ``closure_returns == "residuals"`` (Levenberg-Marquardt,
            built without a residual closure) gets a closure returning the residuals
            ``(pred - target) / sqrt(n)`` instead: a least-squares method, for MSE-type
            losses.
        train_loader, val_loader: iterables of ``(inputs, targets)`` batches.
        epochs: total number of epochs (when resuming, including those already run).
        metrics: names or callables evaluated on the validation set (and on the
            training predictions), recorded as ``"train_<name>"`` and ``"val_<name>"``.
        progress: show a tqdm bar with the running loss (only when stdout is a terminal).
        log_every: also print one summary line every this many epochs (None: never).
        callbacks: ``cb(epoch, logs)`` after each epoch; returning True stops training.
        early_stopping: a patience (int) or ``nn.EarlyStopping``; stops when the monitored
            value has not improved for ``patience`` epochs and restores the best weights.
        checkpoint_path: write a checkpoint (model, optimizer and loader state, the model's
            random generators such as Dropout's, history) here every ``checkpoint_every``
            epochs, atomically, with ``nn.save``.
        resume: continue from ``checkpoint_path`` when it exists, reproducing exactly the
            run that was not interrupted.

    Ctrl-C (KeyboardInterrupt) stops after restoring the best weights seen so far;
    ``history.interrupted`` is then True. Raises ValueError for epochs < 0, an empty
    training loader, or ``resume`` without ``checkpoint_path``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer):
        raise TypeError(f"fit: epochs must be an int >= 0, got {type(epochs).__name__} {epochs!r}")
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
    least_squares = _wants_residuals(optimizer)
    start = 0
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
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

                def residual_closure(xb: Any = xb, yb: Any = yb,
                                     seen: dict[str, Any] = seen) -> Any:
                    out, target = _forward(model, xb, yb, scalar)
                    if "loss" not in seen:
                        seen.update(loss=_value(loss_fn(out, target)), out=out, target=target)
                    return _residuals(out, target, scalar)

                if least_squares:
                    optimizer.step(residual_closure)
                elif closure_based:
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

