"""Anomaly mode: find the first op that produced a NaN or an infinity, and where it was made.

``detect_anomaly()`` (a context manager or decorator) switches it for the current thread
and restores that thread's previous setting on exit, so blocks in two threads never leave it
on for the process; ``set_detect_anomaly`` sets the process-wide default that threads outside
such a block follow. While it is on, every new Tensor node records the user's line that created it
(``creation_site``), each op's forward result is checked (``anomaly_in_forward``) and the
backward loop checks each VJP's result (``anomaly_in_backward``). Value graphs are checked
by ``Value.backward`` itself. Off by default: the cost when off is one flag test per op.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "AnomalyError",
    "anomaly_in_backward",
    "anomaly_in_forward",
    "creation_site",
    "detect_anomaly",
    "is_anomaly_enabled",
    "recording_sites",
    "set_detect_anomaly",
    "skip_frames_in",
    "summary",
    "warn_user",
]



class _AnomalyState(threading.local):
    """Per-thread switches; the class attributes are the process-wide defaults.

    A thread that never entered ``detect_anomaly`` reads the class attributes, so
    ``set_detect_anomaly`` reaches it; a block sets the thread's own attribute and removes
    it again on exit when the thread had none. One attribute read per op either way.
    """

    #: Is anomaly detection on (checked by every op and backward step)?
    enabled = False
    #: Does every new Tensor node record where in the user's code it was made (``_site``)?
    record_sites = False


_state = _AnomalyState()
_UNSET = object()


def _set_local(name: str, value: Any) -> Any:
    """Set this thread's switch ``name``; return its previous own value (or ``_UNSET``)."""
    previous = _state.__dict__.get(name, _UNSET)
    setattr(_state, name, value)
    return previous


def _restore_local(name: str, previous: Any) -> None:
    """Undo :func:`_set_local`: back to the thread's own value, or to the process default."""
    if previous is _UNSET:
        _state.__dict__.pop(name, None)
    else:
        setattr(_state, name, previous)


class AnomalyError(FloatingPointError):
    """An op produced a NaN or an infinity while anomaly detection was on."""


def is_anomaly_enabled() -> bool:
    """Return True while anomaly detection is on in the calling thread."""
    return _state.enabled


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection (and creation sites) on or off for the whole process.

    This is the default of every thread; a thread inside a ``detect_anomaly()`` block keeps
    the block's setting until the block ends, and the calling thread's own setting is
    reset to the new default.
    """
    _AnomalyState.enabled = bool(mode)
    _AnomalyState.record_sites = bool(mode)
    _state.__dict__.pop("enabled", None)
    _state.__dict__.pop("record_sites", None)


@contextlib.contextmanager
def recording_sites() -> Iterator[None]:
    """Record creation sites of new nodes in this thread for the block's duration."""
    previous = _set_local("record_sites", True)
    try:
        yield
    finally:
        _restore_local("record_sites", previous)


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Raise :class:`AnomalyError` at the first op whose forward or VJP yields NaN or inf.

    The error names the op, its input shapes and value summaries, and the line of
    user code that created the node. Off by default; costs one flag test per op when off.
    """

    def __enter__(self) -> None:
        self._previous = (_set_local("enabled", True), _set_local("record_sites", True))

    def __exit__(self, *exc: object) -> None:
        _restore_local("enabled", self._previous[0])
        _restore_local("record_sites", self._previous[1])

    def _recreate_cm(self) -> detect_anomaly:
        # a fresh context per call of a decorated function, which may recurse
        return type(self)()


class _BackwardState(threading.local):
    """Per-thread: is a backward pass with anomaly detection running?"""

    active = False


_in_backward = _BackwardState()

_library_dirs: tuple[str, ...] = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)


def skip_frames_in(directory: str) -> None:
    """Treat code under ``directory`` as library code: creation sites point past it.

    ``autodiff`` is skipped from the start; a package built on it (``nn``) calls this
    so that a node made inside one of its layers names the user's line that called it.
    """
    global _library_dirs
    path = os.path.abspath(directory) + os.sep
    if path not in _library_dirs:
        _library_dirs = _library_dirs + (path,)


def creation_site() -> str:
    """Return ``"file:line in function"`` of the innermost frame outside library code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_library_dirs):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "<unknown>"


def warn_user(message: str, category: type[Warning] = RuntimeWarning) -> None:
    """Warn at the innermost line of user code (outside library code), not inside the engine."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _library_dirs):
        level += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)


def summary(value: Any) -> str:
    """A short description of an array's (or a node's) values: shape, dtype, range, NaN/inf."""
    data = value if isinstance(value, np.ndarray) else getattr(value, "data", value)
    if isinstance(data, np.ndarray):
        if data.size == 0:
            return f"shape {data.shape} (empty)"
        finite = np.isfinite(data) if data.dtype.kind in "fc" else np.ones(data.shape, bool)
        n_bad = int(data.size - finite.sum())
        shown = data[finite] if n_bad else data
        rng = f"min {shown.min():.4g}, max {shown.max():.4g}" if shown.size else "no finite values"
        n_nan = int(np.isnan(data).sum()) if n_bad else 0
        bad = f", {n_nan} NaN, {n_bad - n_nan} inf" if n_bad else ""
        return f"shape {data.shape} {data.dtype}: {rng}{bad}"
    return repr(data)


def anomaly_in_forward(fn: Any, inputs: Sequence[Any], out: np.ndarray, site: str | None) -> None:
    """Raise AnomalyError if ``out`` (the forward result of ``fn``) holds NaN or inf.

    Ops run inside a VJP are not checked (a VJP may mask an intermediate inf, as pow's
    does for log(0)); the backward pass checks each VJP's result instead.
    """
    if _in_backward.active:
        return
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        described = "; ".join(f"input {i}: {summary(x)}" for i, x in enumerate(inputs))
        raise AnomalyError(
            f"anomaly in forward: op '{fn.name}' produced NaN or inf "
            f"(output {summary(out)}); {described}; created at {site or creation_site()}"
        )


def anomaly_in_backward(node: Any, index: int, grad: Any) -> None:
    """Raise AnomalyError if ``grad`` (the VJP of node's op for input ``index``) has NaN/inf."""
    data = grad.data
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        described = "; ".join(f"input {i}: {summary(x)}" for i, x in enumerate(node._inputs))
        raise AnomalyError(
            f"anomaly in backward: the VJP of op '{node._fn.name}' for input {index} "
            f"returned NaN or inf (gradient {summary(data)}); {described}; "
            f"node created at {node._site or '<unknown>'}"
        )
