"""Grad mode: whether new operations are recorded for differentiation, per thread.

``no_grad`` / ``enable_grad`` / ``set_grad_enabled`` follow PyTorch: context managers
(and the first two decorators) that set the mode for the current thread and restore
the previous one on exit.
"""

from __future__ import annotations

import contextlib
import threading

from .validation import check_bool

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]


class _GradState(threading.local):
    """Per-thread switch: is the graph being recorded?"""

    enabled = True


_grad_state = _GradState()


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for differentiation (this thread)."""
    return _grad_state.enabled


class _GradModeContext(contextlib.ContextDecorator):
    """Context manager and decorator that sets grad mode for this thread, then restores it."""

    _mode: bool

    def __enter__(self) -> None:
        self._previous = _grad_state.enabled
        _grad_state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        _grad_state.enabled = self._previous

    def _recreate_cm(self) -> _GradModeContext:
        # a fresh context per call of a decorated function: it may recurse or run in threads
        return type(self)()


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Stop recording operations: ``with ad.no_grad(): ...`` or ``@ad.no_grad()``.

    Results computed inside do not require grad and keep no graph. Thread-local.
    """

    _mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Record operations again inside a ``no_grad`` block (context manager or decorator)."""

    _mode = True


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Set grad mode to ``mode`` at once; used as ``with``, restore the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        if mode is not True and mode is not False:
            mode = check_bool(mode, name="mode", where="set_grad_enabled")
        self._previous = _grad_state.enabled
        _grad_state.enabled = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _grad_state.enabled = self._previous
