"""Checkpoints of a training run for ``nn.fit``: write every N epochs, resume exactly.

A checkpoint is one ``nn.save`` file (npz, no pickle, written atomically) holding the
model's state, the optimizer's state (and its class), the learning-rate scheduler's state,
the data loaders' random states, the history, the early-stopping bookkeeping (best
weights included), whether the run had stopped, and the random generators the model
draws from (each module's own ``_rng``, such as Dropout's, and ``nn.init``'s default
generator). Restoring all of it makes a resumed run continue with the very numbers the
uninterrupted run would have produced, Dropout masks included.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from .. import init
from ..io import load, save
from .history import History

__all__ = ["save_checkpoint", "load_checkpoint", "Restored"]

KIND = "nn.fit checkpoint"


def _loader_state(loader: Any) -> Any:
    return loader.state_dict() if hasattr(loader, "state_dict") else None


def _model_rngs(model: Any) -> dict[str, Any]:
    """Generator states by module name ("" for the model itself; "nn.init" for the default)."""
    states = {"nn.init": init.get_rng(None).bit_generator.state}
    named = model.named_modules() if hasattr(model, "named_modules") else ()
    for name, module in named:
        rng = getattr(module, "_rng", None)
        if isinstance(rng, np.random.Generator):
            states[f"module:{name}"] = rng.bit_generator.state
    return states


def _restore_rngs(model: Any, states: dict[str, Any]) -> None:
    init.get_rng(None).bit_generator.state = states["nn.init"]
    named = dict(model.named_modules()) if hasattr(model, "named_modules") else {}
    for key, state in states.items():
        rng = getattr(named.get(key[len("module:"):]), "_rng", None)
        if key.startswith("module:") and isinstance(rng, np.random.Generator):
            rng.bit_generator.state = state


class Restored(NamedTuple):
    """What a loaded checkpoint says about its run: the last finished epoch, and whether
    the run had stopped there (early stopping or a callback)."""

    epoch: int
    stopped: bool


def save_checkpoint(path: str | os.PathLike[str], epoch: int, model: Any, optimizer: Any,
                    train_loader: Any, val_loader: Any, history: History, tracker: Any,
                    scheduler: Any = None, stopped: bool = False) -> None:
    """Write the state after ``epoch`` to ``path`` (atomically, via ``nn.save``)."""
    state = {
        "kind": KIND,
        "epoch": int(epoch),
        "stopped": bool(stopped),
        "model": model.state_dict(),
        "optimizer_class": type(optimizer).__name__,
        "optimizer": optimizer.state_dict() if hasattr(optimizer, "state_dict") else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "train_loader": _loader_state(train_loader),
        "val_loader": _loader_state(val_loader),
        "rngs": _model_rngs(model),
        "history": history.as_dict(),
        "tracker": {"best": tracker.best, "best_epoch": tracker.best_epoch,
                    "wait": tracker.wait, "best_state": tracker.best_state},
    }
    save(state, path)


def _check_compatible(state: dict[str, Any], where: str, optimizer: Any, scheduler: Any,
                      epochs: int | None) -> None:
    """ValueError when this run cannot continue the checkpointed one exactly."""
    saved = state.get("optimizer_class")
    if saved is not None and saved != type(optimizer).__name__:
        raise ValueError(f"fit: {where} was written by a run with optimizer {saved}; this run "
                         f"has {type(optimizer).__name__}. Resume with the same optimizer "
                         f"class, or use another checkpoint_path to start afresh")
    has_scheduler = state.get("scheduler") is not None
    if has_scheduler != (scheduler is not None):
        had, has = ("a", "no") if has_scheduler else ("no", "a")
        raise ValueError(f"fit: {where} was written by a run with {had} scheduler; this run "
                         f"has {has} scheduler. Pass the same scheduler= as the first run")
    if epochs is not None and int(state["epoch"]) > epochs:
        raise ValueError(f"fit: {where} has already run {int(state['epoch'])} epochs, more "
                         f"than epochs={epochs}; pass epochs >= {int(state['epoch'])} (the "
                         f"total, including the epochs already run)")


def load_checkpoint(path: str | os.PathLike[str], model: Any, optimizer: Any,
                    train_loader: Any, val_loader: Any, history: History, tracker: Any,
                    scheduler: Any = None, epochs: int | None = None) -> Restored:
    """Restore everything :func:`save_checkpoint` wrote; return its epoch and stop flag.

    Raises ValueError when ``path`` is not a checkpoint of ``nn.fit``, or when this run
    differs from the checkpointed one in optimizer class, in having a scheduler, or has
    fewer ``epochs`` than the checkpoint has run; nothing is changed then.
    """
    state = load(path)
    where = repr(os.fspath(path))
    if not isinstance(state, dict) or state.get("kind") != KIND:
        raise ValueError(f"fit: {where} is not a checkpoint written by nn.fit")
    _check_compatible(state, where, optimizer, scheduler, epochs)
    model.load_state_dict(state["model"])
    if state["optimizer"] is not None and hasattr(optimizer, "load_state_dict"):
        optimizer.load_state_dict(state["optimizer"])
    if state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    for loader, key in ((train_loader, "train_loader"), (val_loader, "val_loader")):
        if state[key] is not None and hasattr(loader, "load_state_dict"):
            loader.load_state_dict(state[key])
    if "rngs" in state:  # absent in checkpoints written before the generators were saved
        _restore_rngs(model, state["rngs"])
    restored = History.from_dict(state["history"])
    history.__dict__.update(restored.__dict__)
    t = state["tracker"]
    tracker.best, tracker.best_epoch, tracker.wait = t["best"], t["best_epoch"], t["wait"]
    tracker.best_state = t["best_state"]
    return Restored(int(state["epoch"]), bool(state.get("stopped", False)))
