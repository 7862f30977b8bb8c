"""Shape ops: reshape, transpose, swapaxes, broadcast_to, sum_to, concatenate, stack, pad."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..op import BROADCAST_RULE, OpError
from ..tensor import Tensor
from .base import arr, register


def _reshape_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    try:
        return a.reshape(shape)
    except ValueError:
        raise OpError(f"reshape: cannot reshape shape {a.shape} ({a.size} elements) into "
                      f"{shape}; the new shape must hold the same number of elements") from None


def _transpose_forward(a: np.ndarray, axes: Any = None) -> np.ndarray:
    if axes is not None and sorted(ax % max(a.ndim, 1) for ax in axes) != list(range(a.ndim)):
        raise OpError(f"transpose: axes {axes} are not a permutation of the {a.ndim} axes of "
                      f"shape {a.shape}")
    return a.transpose(axes)


def _transpose_vjp(g: Tensor, out: Tensor, a: Tensor, axes: Any = None) -> Tensor:
    if axes is None:
        return g.permute()
    return g.permute(*np.argsort([ax % a.ndim for ax in axes]).tolist())


def _broadcast_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    # A filled array instead of np.broadcast_to's read-only view: as fast to make for the
    # sizes gradients have, and the result can be handed out as a writable .grad.
    if a.ndim > len(shape):
        raise OpError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape} (fewer axes)")
    out = np.empty(shape, dtype=a.dtype)
    try:
        out[...] = a
    except ValueError:
        raise OpError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}; "
                      f"{BROADCAST_RULE}") from None
    return out


def _sum_to_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    return out.reshape(shape)


reshape = register("reshape", _reshape_forward, lambda g, out, a, shape: g.reshape(a.shape))
transpose = register("transpose", _transpose_forward, _transpose_vjp)
swapaxes = register("swapaxes", lambda a, axis1, axis2: a.swapaxes(axis1, axis2),
                     lambda g, out, a, axis1, axis2: g.swapaxes(axis1, axis2))
broadcast_to = register("broadcast_to", _broadcast_forward,
                         lambda g, out, a, shape: g.sum_to(a.shape))
sum_to = register("sum_to", _sum_to_forward, lambda g, out, a, shape: g.broadcast_to(a.shape))


def _concatenate_forward(*arrays: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.concatenate(arrays, axis=axis)


def _concatenate_vjp_all(g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> list[Any]:
    ends = np.cumsum([np.shape(arr(x))[axis] for x in inputs])
    index: list[Any] = [slice(None)] * g.ndim
    grads: list[Any] = []
    for x, start, end in zip(inputs, [0, *ends[:-1]], ends):
        if getattr(x, "requires_grad", False) is not True:
            grads.append(None)
            continue
        index[axis] = slice(int(start), int(end))
        grads.append(g[tuple(index)])
    return grads


def _stack_vjp_all(g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> list[Any]:
    index: list[Any] = [slice(None)] * g.ndim
    grads: list[Any] = []
    for i, x in enumerate(inputs):
        if getattr(x, "requires_grad", False) is not True:
            grads.append(None)
            continue
        index[axis] = i
        grads.append(g[tuple(index)])
    return grads


def _concatenate_vjp(i: int, g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> Any:
    return _concatenate_vjp_all(g, out, *inputs, axis=axis)[i]


def _stack_vjp(i: int, g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> Any:
    return _stack_vjp_all(g, out, *inputs, axis=axis)[i]


def _stack_forward(*arrays: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.stack(arrays, axis=axis)


# The per-input VJP serves checkers that ask about one input; the backward pass calls the
# all-at-once one, once per node, which keeps it linear in the number of inputs.
concatenate = register("concatenate", _concatenate_forward, _concatenate_vjp, variadic=True,
                       vjp_all=_concatenate_vjp_all)
stack = register("stack", _stack_forward, _stack_vjp, variadic=True, vjp_all=_stack_vjp_all)


def _pad_forward(a: np.ndarray, pad_width: Any, value: float = 0.0) -> np.ndarray:
    return np.pad(a, pad_width, mode="constant", constant_values=value)


def _pad_vjp(g: Tensor, out: Tensor, a: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (a.ndim, 2))
    index = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, a.shape))
    return g[index]


pad = register("pad", _pad_forward, _pad_vjp)
