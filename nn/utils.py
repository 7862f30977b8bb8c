"""Gradient clipping and flat-vector views of a model's parameters.

A parameter is anything with ``.data`` and ``.grad``: a Tensor leaf (``.data`` an ndarray,
``.grad`` an ndarray or None) or a scalar ``Value`` (``.data`` and ``.grad`` floats). These
helpers treat both alike, so they work for tensor and scalar (micrograd-style) models.
The names and semantics follow ``torch.nn.utils``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autodiff.nodes import is_array_node, is_tensor
from autodiff.validation import check_bool, check_real

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
    "grads_to_vector",
]


def _param_list(parameters: Any, fn: str) -> list[Any]:
    """``parameters`` (one parameter or an iterable of them) as a list, type-checked."""
    if hasattr(parameters, "data") and hasattr(parameters, "grad"):
        params = [parameters]
    elif isinstance(parameters, Iterable):
        params = list(parameters)
    else:
        raise TypeError(
            f"{fn}: expected a parameter or an iterable of parameters, got "
            f"{type(parameters).__name__}"
        )
    for i, p in enumerate(params):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(
                f"{fn}: item {i} is a {type(p).__name__}; a parameter is a Tensor or a Value "
                "(an object with .data and .grad)"
            )
    return params


def _grad_array(p: Any) -> np.ndarray | None:
    """The gradient of ``p`` as an ndarray (0-d for a Value), or None when it has none."""
    g = p.grad
    if g is None:
        return None
    if is_tensor(g):  # left by backward(create_graph=True)
        return g.data
    return g if isinstance(g, np.ndarray) else np.asarray(float(g))


def _set_grad(p: Any, g: np.ndarray) -> None:
    if is_array_node(p):
        p.grad = g
    else:
        p.grad = float(g)


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the norm is taken over all gradients as if they
    were concatenated into one vector (``norm_type`` may be ``inf``); every gradient is
    multiplied by ``min(1, max_norm / (total_norm + 1e-6))``. Parameters without a gradient
    are skipped. Returns the total norm before clipping (a float).
    Raises ValueError for a negative ``max_norm`` or a ``norm_type`` <= 0, and when the
    total norm is nan/inf and ``error_if_nonfinite`` is set.
    """
    params = _param_list(parameters, "clip_grad_norm_")
    max_norm = check_real(max_norm, name="max_norm", where="clip_grad_norm_", finite=False,
                          minimum=0.0)
    norm_type = check_real(norm_type, name="norm_type (p of the p-norm, or inf)",
                           where="clip_grad_norm_", finite=False, minimum=0.0, min_open=True)
    error_if_nonfinite = check_bool(error_if_nonfinite, name="error_if_nonfinite",
                                    where="clip_grad_norm_")
    grads = [(p, g) for p in params if (g := _grad_array(p)) is not None]
    if not grads:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for _, g in grads)
    else:
        total = float(
            sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for _, g in grads)
            ** (1.0 / norm_type)
        )
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}; "
            "set error_if_nonfinite=False to clip anyway"
        )
    coef = min(1.0, max_norm / (total + 1e-6))
    for p, g in grads:
        _set_grad(p, g * coef)
    return total


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Clip every gradient element into ``[-clip_value, clip_value]`` in place.

    As ``torch.nn.utils.clip_grad_value_``. Raises ValueError for a negative ``clip_value``.
    """
    params = _param_list(parameters, "clip_grad_value_")
    clip_value = check_real(clip_value, name="clip_value", where="clip_grad_value_",
                            finite=False, minimum=0.0)
    for p in params:
        g = _grad_array(p)
        if g is not None:
            _set_grad(p, np.clip(g, -clip_value, clip_value))


def parameters_to_vector(parameters: Any) -> np.ndarray:
    """Concatenate the parameters' values into one flat ndarray (a copy), in the given order.

    A Tensor of shape ``s`` contributes ``prod(s)`` entries (row-major), a Value one.
    Unlike ``torch``, the result is a plain numpy array, not a graph node.
    """
    params = _param_list(parameters, "parameters_to_vector")
    if not params:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(p.data, dtype=_dtype(p))) for p in params])


def grads_to_vector(parameters: Any) -> np.ndarray:
    """Concatenate the parameters' gradients into one flat ndarray; a missing grad gives zeros."""
    params = _param_list(parameters, "grads_to_vector")
    if not params:
        return np.zeros(0)
    parts = []
    for p in params:
        g = _grad_array(p)
        size = p.data.size if is_array_node(p) else 1
        parts.append(np.zeros(size, dtype=_dtype(p)) if g is None else np.ravel(g))
    return np.concatenate(parts)


def vector_to_parameters(vec: Any, parameters: Any) -> None:
    """Write the flat vector ``vec`` back into the parameters' values, in place.

    ``vec`` is an ndarray or a Tensor (its ``.data`` is used) of length equal to the total
    number of parameter entries; Tensors keep their array object (updated in place) and dtype.
    Raises ValueError when the length does not match, TypeError when ``vec`` is not 1-D numeric.
    """
    params = _param_list(parameters, "vector_to_parameters")
    data = getattr(vec, "data", vec)
    arr = np.asarray(data)
    if arr.ndim != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(
            f"vector_to_parameters: expected a 1-D numeric vector, got shape {arr.shape} "
            f"dtype {arr.dtype}"
        )
    total = sum(p.data.size if is_array_node(p) else 1 for p in params)
    if arr.size != total:
        raise ValueError(
            f"vector_to_parameters: the vector has {arr.size} entries but the parameters "
            f"have {total}"
        )
    i = 0
    for p in params:
        if is_array_node(p):
            n = p.data.size
            p.data[...] = arr[i : i + n].reshape(p.data.shape)
        else:
            n = 1
            p.data = float(arr[i])
        i += n


def _dtype(p: Any) -> np.dtype:
    return p.data.dtype if is_array_node(p) else np.dtype(np.float64)
