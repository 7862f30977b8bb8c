"""What ``nn.fit`` records (``History``) and how it decides to stop early (``EarlyStopping``,
with the ``Tracker`` that keeps the best value and weights so far)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodiff.validation import check_bool, check_choice, check_int, check_real, describe

__all__ = ["History", "EarlyStopping", "Tracker"]


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; then restore the weights of the best epoch (``restore_best``).

    ``monitor`` is a logged name: ``"val_loss"`` (the default; falls back to
    ``"train_loss"`` without a validation loader), ``"train_loss"`` or a metric such as
    ``"val_accuracy"`` (use ``mode="max"`` for metrics where larger is better).
    Raises ValueError for a negative patience or an unknown mode.
    """

    patience: int = 10
    min_delta: float = 0.0
    monitor: str = "val_loss"
    mode: str = "min"
    restore_best: bool = True

    def __post_init__(self) -> None:
        where = "EarlyStopping"
        check_int(self.patience, name="patience", where=where, minimum=0)
        check_real(self.min_delta, name="min_delta", where=where, minimum=0.0)
        if not isinstance(self.monitor, str):
            raise TypeError(f"{where}: monitor must be a logged name such as 'val_loss' or "
                            f"'val_accuracy', got {describe(self.monitor)}")
        check_choice(self.mode, ("min", "max"), name="mode", where=where)
        check_bool(self.restore_best, name="restore_best", where=where)


@dataclass
class Tracker:
    """Best monitored value so far, the weights that gave it, and patience used up.

    ``fit`` keeps one per run (it is saved in checkpoints); ``mode`` and ``min_delta`` are
    those of the run's ``EarlyStopping`` ("min" and 0 without one).
    """

    monitor: str
    mode: str = "min"
    min_delta: float = 0.0
    best: float | None = None
    best_epoch: int | None = None
    wait: int = 0
    best_state: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta`` (NaN never)."""
        if value is None or math.isnan(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def observe(self, epoch: int, value: float, model: Any) -> None:
        """Record ``epoch``'s value: on improvement keep it and a copy of ``model``'s
        weights and reset the patience, otherwise use up one epoch of patience."""
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.best_state = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
        else:
            self.wait += 1


@dataclass
class History:
    """Per-epoch record of a training run.

    ``train_loss[i]`` is the mean loss over the batches of epoch ``i + 1`` (measured
    while training, before each update); ``val_loss[i]`` the loss on the validation
    set after that epoch (None without one); ``metrics["val_mse"][i]`` and so on the
    metrics; ``epoch_time[i]`` seconds. ``best_epoch`` (1-based) and ``best_value``
    refer to ``monitor``. ``history["val_loss"]`` is a shortcut for the lists.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    epoch_time: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    monitor: str = "val_loss"
    best_epoch: int | None = None
    best_value: float | None = None
    stopped_early: bool = False
    interrupted: bool = False
    wall_time: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def record(self, epoch: int, logs: dict[str, Any], wall_time: float) -> None:
        """Append one epoch's logs (``train_loss``, ``val_loss``, metrics, ``epoch_time``)."""
        self.epoch.append(int(epoch))
        self.train_loss.append(float(logs["train_loss"]))
        self.val_loss.append(None if logs.get("val_loss") is None else float(logs["val_loss"]))
        self.epoch_time.append(float(logs.get("epoch_time", math.nan)))
        for k, v in logs.items():
            if k not in ("train_loss", "val_loss", "epoch_time"):
                self.metrics.setdefault(k, []).append(float(v))
        self.wall_time = wall_time

    def __getitem__(self, key: str) -> list[Any]:
        if key in ("train_loss", "val_loss", "epoch_time", "epoch"):
            return list(getattr(self, key))
        if key in self.metrics:
            return list(self.metrics[key])
        raise KeyError(f"History has no {key!r}; recorded: "
                       f"{['train_loss', 'val_loss', 'epoch_time', *self.metrics]}")

    def as_dict(self) -> dict[str, Any]:
        """Everything as plain Python values (for ``nn.save`` or JSON)."""
        return {
            "train_loss": list(self.train_loss), "val_loss": list(self.val_loss),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
            "epoch_time": list(self.epoch_time), "epoch": list(self.epoch),
            "monitor": self.monitor, "best_epoch": self.best_epoch,
            "best_value": self.best_value, "stopped_early": self.stopped_early,
            "interrupted": self.interrupted, "wall_time": self.wall_time,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """Rebuild a History written by :meth:`as_dict`."""
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def __repr__(self) -> str:
        last = f", last train_loss={self.train_loss[-1]:.4g}" if self.train_loss else ""
        val = self.val_loss[-1] if self.val_loss else None
        last += f", val_loss={val:.4g}" if val is not None else ""
        return f"History(epochs={self.epochs}{last}, best_epoch={self.best_epoch})"
