"""The training loop: ``fit`` runs epochs of mini-batch updates and returns a ``History``.

One epoch visits every training sample once, in batches from a ``DataLoader``; each
batch makes one update: forward pass, loss, ``backward()``, ``optimizer.step()``.
The same loop drives first-order optimizers (``step()`` after ``backward``) and
closure-based ones (L-BFGS, Newton, Levenberg-Marquardt: ``step(closure)``, where the
closure re-evaluates the loss and its gradient as often as the method needs); which one
is chosen once per run (``steps.py``).

Around that core: validation loss and metrics per epoch, a tqdm progress bar with the
running loss (shown only on a terminal), early stopping that restores the best
weights, Ctrl-C that stops cleanly and keeps the best weights, and checkpoints every N
epochs that ``resume`` continues from with identical results.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autodiff.validation import describe

from ..optim.schedule import ReduceLROnPlateau
from .arguments import check_fit_arguments
from .batch import MetricSpec, count, is_scalar_model, metric_table, split_batch, stack, to_numpy
from .checkpoint import load_checkpoint, save_checkpoint
from .evaluation import evaluate
from .history import EarlyStopping, History, Tracker
from .progress import print_line, progress_bar, show_epoch
from .steps import Step, make_step

__all__ = ["fit"]

Callback = Callable[[int, dict[str, Any]], Any]


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
    callbacks: Sequence[Callback] = (),
    early_stopping: int | EarlyStopping | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    scheduler: Any = None,
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
        train_loader: an iterable of ``(inputs, targets)`` batches.
        val_loader: the same for validation, or None.
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
            run that was not interrupted (whatever stopped it, ``kill -9`` included). A
            checkpoint of a run that finished (all its epochs, or an early stop) resumes
            as finished: nothing more is trained and the early stop's best weights are
            restored. Resuming needs the same optimizer class, the same architecture,
            a scheduler exactly when the checkpoint has one, and ``epochs`` at least the
            epochs the checkpoint has run (ValueError otherwise).
        scheduler: a learning-rate scheduler of ``optimizer`` (``nn.optim.StepLR``, ...),
            stepped once per epoch after validation; ``ReduceLROnPlateau`` is given the
            monitored value (``val_loss`` by default). Its state is in the checkpoints,
            so a resumed run follows the same schedule; each epoch logs its ``lr``. (A
            scheduler stepped in a callback instead is not in the checkpoints.)

    Ctrl-C (KeyboardInterrupt) stops after restoring the best weights seen so far;
    ``history.interrupted`` is then True. Raises ValueError for epochs < 0, an empty
    training loader, ``resume`` without ``checkpoint_path``, or a scheduler of another
    optimizer. When a checkpoint cannot be written, the error propagates with the run's
    History attached as its ``history`` attribute.
    """
    check_fit_arguments(model, loss_fn, optimizer, train_loader, val_loader, epochs,
                        log_every=log_every, callbacks=callbacks,
                        checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
                        resume=resume, progress=progress)
    _check_scheduler(scheduler, optimizer)
    table = metric_table(metrics)
    stopper = _as_early_stopping(early_stopping)
    monitor = _monitor(stopper, val_loader)
    tracker = Tracker(monitor=monitor, mode=stopper.mode if stopper else "min",
                      min_delta=stopper.min_delta if stopper else 0.0)
    run = _Run(model=model, loss_fn=loss_fn, optimizer=optimizer, train_loader=train_loader,
               val_loader=val_loader, epochs=int(epochs), table=table,
               step=make_step(model, loss_fn, optimizer, is_scalar_model(model)),
               history=History(monitor=monitor), tracker=tracker, stopper=stopper,
               callbacks=callbacks, log_every=log_every, checkpoint_path=checkpoint_path,
               checkpoint_every=int(checkpoint_every), scheduler=scheduler)
    start = run.resume() if resume else 0
    if run.finished:
        return run.history
    n_batches = len(train_loader) if hasattr(train_loader, "__len__") else 0
    bar = progress_bar(progress and sys.stdout.isatty(), run.epochs * n_batches,
                       start * n_batches)
    return run.epochs_from(start, bar)


def _check_scheduler(scheduler: Any, optimizer: Any) -> None:
    """TypeError for a scheduler without ``step``; ValueError for one of another optimizer."""
    if scheduler is None:
        return
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must be an nn.optim scheduler (with step()), got "
                        f"{type(scheduler).__name__}")
    own = getattr(scheduler, "optimizer", optimizer)
    if own is not optimizer:
        raise ValueError(f"fit: the scheduler ({type(scheduler).__name__}) steps another "
                         f"optimizer than the one given to fit; build it on that optimizer")


def _as_early_stopping(spec: Any) -> EarlyStopping | None:
    """None, a patience (int) or an EarlyStopping as an EarlyStopping (or None)."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, EarlyStopping):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec < 0:
            raise ValueError(f"fit: early_stopping is a patience (an int >= 0), None or an "
                             f"nn.EarlyStopping, got {spec}")
        return EarlyStopping(patience=spec)
    raise TypeError(
        f"fit: early_stopping must be None, a patience (int) or nn.EarlyStopping, got "
        f"{describe(spec)}"
    )


def _monitor(stopper: EarlyStopping | None, val_loader: Any) -> str:
    """The logged value that decides the best epoch: the stopper's, else the validation
    loss; the training loss without a validation loader."""
    monitor = stopper.monitor if stopper else ("val_loss" if val_loader is not None else
                                               "train_loss")
    return "train_loss" if monitor == "val_loss" and val_loader is None else monitor


@dataclass
class _Run:
    """One call of ``fit``: what it trains with, what it records, and its epoch loop."""

    model: Any
    loss_fn: Callable[[Any, Any], Any]
    optimizer: Any
    train_loader: Iterable[Any]
    val_loader: Iterable[Any] | None
    epochs: int
    table: dict[str, Callable[[Any, Any], float]]
    step: Step
    history: History
    tracker: Tracker
    stopper: EarlyStopping | None
    callbacks: Sequence[Callback]
    log_every: int | None
    checkpoint_path: str | os.PathLike[str] | None
    checkpoint_every: int
    scheduler: Any = None
    bar: Any = None
    t_start: float = 0.0
    finished: bool = False

    # ------------------------------------------------------------------ checkpoints
    def resume(self) -> int:
        """Restore the checkpoint when it exists; return the last epoch it finished (or 0).

        A checkpoint of a finished run (an early stop, or all of its epochs) marks this
        run finished, with the early stop's best weights restored."""
        if self.checkpoint_path is None or not os.path.exists(self.checkpoint_path):
            return 0
        done = load_checkpoint(self.checkpoint_path, self.model, self.optimizer,
                               self.train_loader, self.val_loader, self.history, self.tracker,
                               self.scheduler, self.epochs)
        if done.stopped:
            self.finished = True
            self.restore_best_after_stop()
        return done.epoch

    def save(self, epoch: int, stop: bool) -> None:
        """Write a checkpoint every ``checkpoint_every`` epochs, on stopping, and at the end.

        A failed write propagates with the History attached (``error.history``)."""
        if self.checkpoint_path is not None and (epoch % self.checkpoint_every == 0 or stop
                                                 or epoch == self.epochs):
            try:
                save_checkpoint(self.checkpoint_path, epoch, self.model, self.optimizer,
                                self.train_loader, self.val_loader, self.history,
                                self.tracker, self.scheduler, stopped=stop)
            except Exception as error:
                error.history = self.history  # type: ignore[attr-defined]
                error.add_note(f"fit: the checkpoint after epoch {epoch} was not written; "
                               f"the run's History is this error's .history")
                raise

    def restore_best_after_stop(self) -> None:
        """An early stop ends with the best weights when the stopper says so."""
        if self.stopper is not None and self.stopper.restore_best and self.tracker.best_state:
            self.model.load_state_dict(self.tracker.best_state)

    # ------------------------------------------------------------------ the loop
    def epochs_from(self, start: int, bar: Any) -> History:
        """Run epochs ``start + 1 .. epochs`` (until a stop); return the history."""
        self.bar = bar
        self.t_start = time.perf_counter() - self.history.wall_time
        if hasattr(self.model, "train"):
            self.model.train()
        try:
            for epoch in range(start + 1, self.epochs + 1):
                if self.epoch(epoch):
                    break
        except KeyboardInterrupt:
            self.interrupted()
        finally:
            if self.bar is not None:
                self.bar.close()
        self.history.wall_time = time.perf_counter() - self.t_start
        return self.history

    def epoch(self, epoch: int) -> bool:
        """Train, validate, record, report and checkpoint one epoch; True to stop."""
        t0 = time.perf_counter()
        lr = self.current_lr()
        logs = self.train_epoch(epoch)
        if self.val_loader is not None:
            self.validate(logs)
        if lr is not None:
            logs["lr"] = lr
        logs["epoch_time"] = time.perf_counter() - t0
        self.history.record(epoch, logs, time.perf_counter() - self.t_start)
        self.track(epoch, logs)
        show_epoch(self.bar, epoch, logs)
        if self.log_every and (epoch % self.log_every == 0 or epoch == self.epochs):
            print_line(epoch, self.epochs, logs, self.bar)
        stop = self.should_stop(epoch, logs)
        self.step_scheduler(logs)
        self.save(epoch, stop)
        if stop:
            self.restore_best_after_stop()
        return stop

    def current_lr(self) -> float | None:
        """The first group's learning rate this epoch trains with (None without a scheduler)."""
        if self.scheduler is None:
            return None
        return float(self.optimizer.param_groups[0]["lr"])

    def step_scheduler(self, logs: dict[str, Any]) -> None:
        """One scheduler step per epoch; ReduceLROnPlateau is given the monitored value."""
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs[self.tracker.monitor])
        else:
            self.scheduler.step()

    def train_epoch(self, epoch: int) -> dict[str, Any]:
        """One update per training batch; the logs ``train_loss`` and ``train_<metric>``.

        Raises ValueError when the loader yields no batches.
        """
        total, n = 0.0, 0
        preds: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        for batch in self.train_loader:
            xb, yb = split_batch(batch)
            first = self.step(xb, yb)
            k = count(first["target"])
            total += first["loss"] * k
            n += k
            if self.table:
                preds.append(to_numpy(first["out"]))
                targets.append(to_numpy(first["target"]))
            if self.bar is not None:
                self.bar.update(1)
                self.bar.set_postfix_str(f"epoch {epoch} loss {total / n:.4g}", refresh=False)
        if n == 0:
            raise ValueError("fit: the training loader yielded no batches")
        logs: dict[str, Any] = {"train_loss": total / n}
        if self.table:
            p, t = stack(preds), stack(targets)
            logs.update({f"train_{k}": float(fn(p, t)) for k, fn in self.table.items()})
        return logs

    def validate(self, logs: dict[str, Any]) -> None:
        """Add ``val_loss`` and ``val_<metric>`` to ``logs``; back to training mode after."""
        res = evaluate(self.model, self.val_loader, self.table, self.loss_fn)
        logs["val_loss"] = res.pop("loss")
        logs.update({f"val_{k}": v for k, v in res.items()})
        if hasattr(self.model, "train"):
            self.model.train()

    def track(self, epoch: int, logs: dict[str, Any]) -> None:
        """Update the best value and weights; raises ValueError if the monitored value is
        not logged."""
        value = logs.get(self.tracker.monitor)
        if value is None:
            raise ValueError(
                f"fit: early stopping monitors {self.tracker.monitor!r}, which is not among "
                f"the logged values {sorted(logs)}"
            )
        self.tracker.observe(epoch, value, self.model)
        self.history.best_epoch, self.history.best_value = self.tracker.best_epoch, \
            self.tracker.best

    def should_stop(self, epoch: int, logs: dict[str, Any]) -> bool:
        """A callback returned True, or early stopping ran out of patience."""
        stop = any(cb(epoch, logs) is True for cb in self.callbacks)
        if self.stopper is not None and self.tracker.wait >= self.stopper.patience:
            self.history.stopped_early = True
            stop = True
        return stop

    def interrupted(self) -> None:
        """Ctrl-C: mark the history, restore the best weights and say so on stderr."""
        self.history.interrupted = True
        tracker = self.tracker
        if tracker.best_state is not None:
            self.model.load_state_dict(tracker.best_state)
        msg = "fit: interrupted"
        if tracker.best_epoch is not None:
            msg += f"; restored the weights of epoch {tracker.best_epoch} ({tracker.monitor} " \
                   f"{tracker.best:.4g})"
        print(msg, file=sys.stderr)
