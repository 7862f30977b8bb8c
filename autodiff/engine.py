"""The generic reverse-mode engine: grad mode, topological order, the backward pass.

The engine knows nodes, their inputs and their vector-Jacobian products (VJPs);
it never special-cases an op. A Tensor node carries ``_fn`` (the ``Op`` that
made it, ``None`` for a leaf), ``_inputs`` (the op's positional inputs) and
``_ctx`` (its keyword arguments). Graph walks are iterative, so graphs of any
depth work without touching Python's recursion limit.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "AnomalyError",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "run_backward",
    "set_detect_anomaly",
    "set_grad_enabled",
    "topological_order",
]


# ----------------------------------------------------------------------------- grad mode


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
        self._previous = _grad_state.enabled
        _grad_state.enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _grad_state.enabled = self._previous


# ---------------------------------------------------------------- anomaly mode, creation sites

#: When True, every new Tensor node records where in the user's code it was made (``_site``).
record_sites = False
_anomaly_enabled = False


class AnomalyError(FloatingPointError):
    """An op produced a NaN or an infinity while anomaly detection was on."""


def is_anomaly_enabled() -> bool:
    """Return True while anomaly detection is on."""
    return _anomaly_enabled


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off globally (it also records creation sites)."""
    global _anomaly_enabled, record_sites
    _anomaly_enabled = bool(mode)
    record_sites = bool(mode)


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Raise :class:`AnomalyError` at the first op whose forward or VJP yields NaN or inf.

    The error names the op, its input shapes and value summaries, and the line of
    user code that created the node. Off by default; costs one flag test per op when off.
    """

    def __enter__(self) -> None:
        self._previous = (_anomaly_enabled, record_sites)
        set_detect_anomaly(True)

    def __exit__(self, *exc: object) -> None:
        global _anomaly_enabled, record_sites
        _anomaly_enabled, record_sites = self._previous

    def _recreate_cm(self) -> detect_anomaly:
        # a fresh context per call of a decorated function, which may recurse
        return type(self)()


class _BackwardState(threading.local):
    """Per-thread: is a backward pass with anomaly detection running?"""

    active = False


_in_backward = _BackwardState()

_PACKAGE_DIRS = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (__file__, os.path.join(os.path.dirname(__file__), "..", "nn", "__init__.py"))
)


def creation_site() -> str:
    """Return ``"file:line in function"`` of the innermost frame outside autodiff and nn."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIRS):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "<unknown>"


def _summary(value: Any) -> str:
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
        described = "; ".join(f"input {i}: {_summary(x)}" for i, x in enumerate(inputs))
        raise AnomalyError(
            f"anomaly in forward: op '{fn.name}' produced NaN or inf "
            f"(output {_summary(out)}); {described}; created at {site or creation_site()}"
        )


def _anomaly_in_backward(node: Any, index: int, grad: Any) -> None:
    data = grad.data
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        described = "; ".join(f"input {i}: {_summary(x)}" for i, x in enumerate(node._inputs))
        raise AnomalyError(
            f"anomaly in backward: the VJP of op '{node._fn.name}' for input {index} "
            f"returned NaN or inf (gradient {_summary(data)}); {described}; "
            f"node created at {node._site or '<unknown>'}"
        )


def _describe_value(v: Any) -> str:
    parents = ", ".join(f"input {i}: {p.data!r}" for i, p in enumerate(v._prev))
    label = f" (label {v.label!r})" if v.label else ""
    return f"op '{v._op}'{label}; {parents or 'no inputs'}"


def value_backward_checked(root: Any, topo: list[Any]) -> None:
    """``Value.backward`` under anomaly mode: the same pass, checking every step.

    ``topo`` holds the interior nodes, parents first (as ``value._topological_order``
    returns them, grads reset). Raises AnomalyError at the first node whose forward
    result is NaN or inf, before any gradient is written; then, during the pass, at
    the first local gradient contribution that is NaN or inf (leaves keep what was
    accumulated before it). A Value records no creation site, so the op, its label
    and its inputs' values identify it.
    """
    for v in topo:  # parents before children: the first non-finite result is the origin
        if not np.isfinite(v.data):
            raise AnomalyError(f"anomaly in forward: Value op produced {v.data!r}: "
                               f"{_describe_value(v)}")
    root.grad += 1.0
    for v in reversed(topo):
        g = v.grad
        for index, (parent, d) in enumerate(((v._a, v._da), (v._b, v._db))):
            if parent is None:
                continue
            contribution = d * g
            if not np.isfinite(contribution):
                raise AnomalyError(
                    f"anomaly in backward: the gradient of Value op '{v._op}' for input "
                    f"{index} is {contribution!r} (local derivative {d!r} times upstream "
                    f"gradient {g!r}); {_describe_value(v)}"
                )
            parent.grad += contribution


# ----------------------------------------------------------------------------- graph walk


def _needs_grad(x: Any) -> bool:
    return getattr(x, "requires_grad", False) is True


def topological_order(roots: Iterable[Any]) -> list[Any]:
    """Return every node reachable from ``roots`` that requires grad, inputs before outputs.

    Iterative depth-first search: no recursion, so any depth works.
    """
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in roots if _needs_grad(r)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._inputs:
            if getattr(parent, "requires_grad", False) is True and id(parent) not in visited:
                stack.append((parent, False))
    return order


# ----------------------------------------------------------------------------- backward pass


def _store_grad(node: Any, grad: np.ndarray, owned: set[int]) -> None:
    """Accumulate ``grad`` into ``node.grad`` (a numpy array of the node's dtype)."""
    if grad.dtype != node.data.dtype:
        grad = grad.astype(node.data.dtype)
    elif grad.base is not None or id(grad) in owned:
        grad = grad.copy()  # it aliases another array: give this node its own
    if node.grad is None:
        node.grad = grad
        owned.add(id(grad))
    else:
        node.grad = node.grad + grad


def run_backward(
    roots: Sequence[Any],
    root_grads: Sequence[Any],
    *,
    create_graph: bool = False,
    targets: Sequence[Any] | None = None,
) -> list[Any] | None:
    """Propagate ``root_grads`` (Tensors shaped like ``roots``) back through the graph.

    Without ``targets`` the gradients are accumulated, as numpy arrays, into the
    ``.grad`` of every leaf that requires grad (and of nodes marked with
    ``retain_grad()``), and None is returned. With ``targets`` nothing is stored:
    the gradient Tensor of each target is returned (None where a target is not
    reached). ``create_graph=True`` records the backward pass itself so the
    returned gradients can be differentiated again; otherwise it runs under
    ``no_grad`` and records nothing.
    """
    order = topological_order(roots)
    pending: dict[int, Any] = {}
    for root, g in zip(roots, root_grads):
        if _needs_grad(root):
            previous = pending.get(id(root))
            pending[id(root)] = g if previous is None else previous + g
    target_index = None
    results: list[Any] = []
    if targets is not None:
        target_index = {}
        for i, t in enumerate(targets):  # the same tensor may be asked for twice
            target_index.setdefault(id(t), []).append(i)
        results = [None] * len(targets)
    owned: set[int] = set()
    anomaly = _anomaly_enabled
    previous_mode = _grad_state.enabled
    _grad_state.enabled = create_graph
    previous_check = _in_backward.active
    _in_backward.active = anomaly
    try:
        for node in reversed(order):
            g = pending.pop(id(node), None)
            if g is None:
                continue
            fn = node._fn
            if target_index is not None:
                for i in target_index.get(id(node), ()):
                    results[i] = g
            elif fn is None or node._retain:
                _store_grad(node, g.data, owned)
            if fn is None:
                continue
            inputs = node._inputs
            ctx = node._ctx or _EMPTY
            vjps = fn.vjps
            for i, x in enumerate(inputs):
                if getattr(x, "requires_grad", False) is not True:
                    continue
                if fn.variadic:
                    gx = vjps(i, g, node, *inputs, **ctx)
                else:
                    gx = vjps[i](g, node, *inputs, **ctx)
                if gx is None:
                    continue
                if gx.shape != x.shape:
                    gx = gx.sum_to(x.shape)
                if anomaly:
                    _anomaly_in_backward(node, i, gx)
                previous = pending.get(id(x))
                pending[id(x)] = gx if previous is None else previous + gx
    finally:
        _grad_state.enabled = previous_mode
        _in_backward.active = previous_check
    return results if targets is not None else None


_EMPTY: dict[str, Any] = {}


def no_grad_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate ``function`` so that it always runs under :class:`no_grad`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with no_grad():
            return function(*args, **kwargs)

    return wrapper
