"""One update per batch, in the protocol the optimizer speaks; ``fit`` chooses it once.

* plain (first-order optimizers): the loss closure runs once (zero the gradients, forward,
  loss, ``backward``), then ``optimizer.step()``;
* closure (L-BFGS, Newton, conjugate gradient, ...: ``optimizer.requires_closure``, or a
  ``step`` that takes a closure): ``optimizer.step(closure)``, which calls it as often as
  the method needs;
* residuals (Levenberg-Marquardt: ``optimizer.closure_returns == "residuals"``):
  ``optimizer.step(closure)`` with a closure returning the residuals
  ``(pred - target) / sqrt(n)`` instead of a loss.

Each returns what the batch's first evaluation saw, ``{"loss", "out", "target"}``: the loss
at the weights before the step, with the predictions and targets, for the epoch's mean
loss and its metrics.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .arguments import check_loss
from .batch import forward, loss_value

__all__ = ["Step", "make_step", "needs_closure", "wants_residuals", "residuals"]

Step = Callable[[Any, Any], dict[str, Any]]


def needs_closure(optimizer: Any) -> bool:
    """``optimizer.requires_closure`` (nn.optim's flag); for other optimizers, whether
    ``step`` takes a closure at all."""
    flag = getattr(optimizer, "requires_closure", None)
    if flag is not None:
        return bool(flag)
    try:  # torch-style ``step(closure=None)`` accepts one too: pass it whenever possible
        return "closure" in inspect.signature(optimizer.step).parameters
    except (TypeError, ValueError):
        return False


def wants_residuals(optimizer: Any) -> bool:
    """Least-squares methods (Levenberg-Marquardt) step on residuals, not on a loss."""
    return getattr(optimizer, "closure_returns", "loss") == "residuals"


def residuals(out: Any, target: Any, scalar: bool) -> Any:
    """Residuals ``(pred - target) / sqrt(n)``: half their squared norm is half the MSE.

    A flat Tensor of n residuals, or a list of n Values for a scalar model.
    """
    if scalar:
        preds = [o for p in out for o in (p if isinstance(p, list) else [p])]
        ts = [t for x in target for t in (x if isinstance(x, list) else [x])]
        scale = 1.0 / math.sqrt(len(ts))
        return [(p - t) * scale for p, t in zip(preds, ts, strict=True)]
    diff = out - target
    return diff.reshape(-1) * (1.0 / math.sqrt(max(1, diff.size)))


def _zero_grad(model: Any, optimizer: Any) -> None:
    """The optimizer's zero_grad, else the model's."""
    if hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()
    elif hasattr(model, "zero_grad"):
        model.zero_grad()


@dataclass(frozen=True)
class _Updates:
    """The closures and the three protocols for one model, loss and optimizer."""

    model: Any
    loss_fn: Callable[[Any, Any], Any]
    optimizer: Any
    scalar: bool

    def loss_closure(self, xb: Any, yb: Any, first: dict[str, Any]) -> Callable[[], Any]:
        """Zero the gradients, forward, loss, ``backward``; return the loss. The first call
        records its loss, predictions and targets in ``first``."""
        def closure() -> Any:
            _zero_grad(self.model, self.optimizer)
            out, target = forward(self.model, xb, yb, self.scalar)
            loss = check_loss(self.loss_fn(out, target), self.loss_fn)
            loss.backward()
            if "loss" not in first:  # the loss at the weights before the step
                first.update(loss=loss_value(loss), out=out, target=target)
            return loss

        return closure

    def residual_closure(self, xb: Any, yb: Any, first: dict[str, Any]) -> Callable[[], Any]:
        """Forward and return the residuals; the first call records as ``loss_closure``."""
        def closure() -> Any:
            out, target = forward(self.model, xb, yb, self.scalar)
            if "loss" not in first:
                first.update(loss=loss_value(self.loss_fn(out, target)), out=out,
                             target=target)
            return residuals(out, target, self.scalar)

        return closure

    def plain(self, xb: Any, yb: Any) -> dict[str, Any]:
        """Gradients from one evaluation, then ``optimizer.step()``."""
        first: dict[str, Any] = {}
        self.loss_closure(xb, yb, first)()
        self.optimizer.step()
        return first

    def with_closure(self, xb: Any, yb: Any) -> dict[str, Any]:
        """``optimizer.step(closure)``; one more evaluation if the step never called it."""
        first: dict[str, Any] = {}
        closure = self.loss_closure(xb, yb, first)
        self.optimizer.step(closure)
        if "loss" not in first:
            closure()
        return first

    def least_squares(self, xb: Any, yb: Any) -> dict[str, Any]:
        """``optimizer.step(residual_closure)``."""
        first: dict[str, Any] = {}
        self.optimizer.step(self.residual_closure(xb, yb, first))
        return first


def make_step(model: Any, loss_fn: Callable[[Any, Any], Any], optimizer: Any,
              scalar: bool) -> Step:
    """The update ``fit`` runs on each batch ``(xb, yb)``, chosen once from the optimizer:
    residuals, closure or plain (see the module docstring). The returned function gives
    ``{"loss": float, "out": predictions, "target": targets}`` of the first evaluation."""
    updates = _Updates(model, loss_fn, optimizer, scalar)
    if wants_residuals(optimizer):
        return updates.least_squares
    if needs_closure(optimizer):
        return updates.with_closure
    return updates.plain
