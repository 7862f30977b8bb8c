"""The checks ``nn.fit`` runs on its arguments before training starts.

Each raises TypeError (wrong kind) or ValueError (out of range) naming ``fit``, the
argument, what was given and what is valid, so a mistake fails at the call instead of
deep in the first step.
"""

from __future__ import annotations

from typing import Any

from autodiff.validation import check_bool, check_int, describe

__all__ = ["check_fit_arguments", "check_loss"]


def _check_model(model: Any) -> None:
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be an nn.Module (callable, with parameters()), "
                        f"got {describe(model)}")


def _check_optimizer(optimizer: Any) -> None:
    if not callable(getattr(optimizer, "step", None)):
        hint = (" (a name: build the optimizer, e.g. nn.optim.Adam(model.parameters()))"
                if isinstance(optimizer, str) else "")
        raise TypeError(f"fit: optimizer must be an nn.optim optimizer (with step()), got "
                        f"{describe(optimizer)}{hint}")


def _check_loader(loader: Any, name: str, allow_none: bool) -> None:
    if loader is None and allow_none:
        return
    iterable = hasattr(loader, "__iter__") and not isinstance(loader, str | bytes | dict)
    if not iterable:
        none = " or None" if allow_none else ""
        raise TypeError(f"fit: {name} must be an iterable of (inputs, targets) batches, such "
                        f"as an nn.data.DataLoader{none}, got {describe(loader)}")


def check_fit_arguments(model: Any, loss_fn: Any, optimizer: Any, train_loader: Any,
                        val_loader: Any, epochs: Any, *, log_every: Any, callbacks: Any,
                        checkpoint_path: Any, checkpoint_every: Any, resume: Any,
                        progress: Any) -> None:
    """Raise TypeError or ValueError, naming the argument, for what ``fit`` cannot run with."""
    _check_model(model)
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be a callable loss_fn(prediction, target), such as "
                        f"nn.MSELoss(), got {describe(loss_fn)}")
    _check_optimizer(optimizer)
    _check_loader(train_loader, "train_loader", allow_none=False)
    _check_loader(val_loader, "val_loader", allow_none=True)
    check_int(epochs, name="epochs", where="fit", minimum=0)
    check_int(log_every, name="log_every", where="fit", minimum=1, allow_none=True)
    check_int(checkpoint_every, name="checkpoint_every", where="fit", minimum=1)
    check_bool(resume, name="resume", where="fit")
    check_bool(progress, name="progress", where="fit")
    if resume and checkpoint_path is None:
        raise ValueError("fit: resume=True needs checkpoint_path")
    if isinstance(callbacks, str | bytes) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"fit: callbacks must be a sequence of callables, got "
                        f"{describe(callbacks)}")
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"fit: each callback must be callable, got {describe(callback)}")


def check_loss(loss: Any, loss_fn: Any) -> Any:
    """``loss`` if it can be backpropagated (a Tensor or a Value), else TypeError naming
    ``loss_fn`` and what it returned."""
    if callable(getattr(loss, "backward", None)):
        return loss
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    raise TypeError(f"fit: loss_fn {name} returned {describe(loss)}; it must return the loss "
                    "as a scalar Tensor or Value (return extra values from a callback "
                    "instead)")
