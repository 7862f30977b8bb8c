"""The backward loop: propagate gradients through a Tensor graph, one VJP per edge.

The engine knows nodes, their inputs and their vector-Jacobian products (VJPs); it
never special-cases an op. A Tensor node carries ``_fn`` (the ``Op`` that made it,
``None`` for a leaf), ``_inputs`` (the op's positional inputs) and ``_ctx`` (its
keyword arguments). The order comes from ``graph.topological_order``; grad mode
and anomaly mode are read from their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import accumulation, anomaly
from .grad_mode import _grad_state
from .graph import topological_order
from .validation import describe

__all__ = ["accumulate_grad", "run_backward", "topological_order"]


def _needs_grad(x: Any) -> bool:
    return getattr(x, "requires_grad", False) is True


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


def accumulate_grad(node: Any, grad: Any, create_graph: bool) -> None:
    """Add ``grad`` (a Tensor of the node's shape) into ``node.grad``: a numpy array, or,
    with ``create_graph=True``, a Tensor that records the graph (PyTorch's ``.grad``)."""
    if not create_graph:
        _store_grad(node, grad.data, set())
        return
    previous = node.grad
    if previous is None:
        node.grad = grad
    elif isinstance(previous, np.ndarray):
        node.grad = grad + previous  # the array is a constant of the new graph
    else:
        node.grad = previous + grad


def _bad_vjp_result(fn: Any, i: int, gx: Any) -> TypeError:
    """The error for a VJP that returned something other than a Tensor or None."""
    return TypeError(f"{fn.name}: the VJP for input {i} returned {describe(gx)}; a VJP returns "
                     "a Tensor shaped like the input (or broadcastable to it), or None for "
                     "no gradient")


def run_backward(
    roots: Sequence[Any],
    root_grads: Sequence[Any],
    *,
    create_graph: bool = False,
    targets: Sequence[Any] | None = None,
) -> list[Any] | None:
    """Propagate ``root_grads`` (Tensors shaped like ``roots``) back through the graph.

    Without ``targets`` the gradients are accumulated into the ``.grad`` of every
    leaf that requires grad (and of nodes marked with ``retain_grad()``), and None
    is returned. With ``targets`` nothing is stored: the gradient Tensor of each
    target is returned (None where a target is not reached). ``create_graph=True``
    records the backward pass itself so the gradients can be differentiated again
    (stored ones are then Tensors; otherwise numpy arrays); without it the pass runs
    under ``no_grad`` and records nothing.
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
    check = anomaly._state.enabled
    leaves = [n for n in order if n._fn is None] if check and targets is None else []
    if leaves:
        accumulation.check_leaves(leaves)
    previous_mode = _grad_state.enabled
    _grad_state.enabled = create_graph
    in_backward = anomaly._in_backward
    previous_check = in_backward.active
    in_backward.active = check
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
                if create_graph:
                    accumulate_grad(node, g, True)
                else:
                    _store_grad(node, g.data, owned)
            if fn is None:
                continue
            inputs = node._inputs
            ctx = node._ctx or _EMPTY
            vjps = fn.vjps
            all_grads = fn.vjp_all(g, node, *inputs, **ctx) if fn.vjp_all is not None else None
            for i, x in enumerate(inputs):
                if getattr(x, "requires_grad", False) is not True:
                    continue
                if all_grads is not None:
                    gx = all_grads[i]
                elif fn.variadic:
                    gx = vjps(i, g, node, *inputs, **ctx)
                else:
                    gx = vjps[i](g, node, *inputs, **ctx)
                if gx is None:
                    continue
                try:  # free unless it raises (3.11+): a user's VJP may return anything
                    if gx.shape != x.shape:
                        gx = gx.sum_to(x.shape)
                except AttributeError:
                    if hasattr(gx, "sum_to"):  # a Tensor: the error is not the VJP's
                        raise
                    raise _bad_vjp_result(fn, i, gx) from None
                if check:
                    anomaly.anomaly_in_backward(node, i, gx)
                previous = pending.get(id(x))
                pending[id(x)] = gx if previous is None else previous + gx
    finally:
        _grad_state.enabled = previous_mode
        in_backward.active = previous_check
    if leaves:
        accumulation.remember(leaves)
    return results if targets is not None else None


_EMPTY: dict[str, Any] = {}
