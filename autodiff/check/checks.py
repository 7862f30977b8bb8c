"""Numerical differentiation and gradient checking for Tensor and Value graphs.

``numerical_grad`` takes central differences one element at a time; ``gradcheck`` compares the
analytic Jacobian (one vector-Jacobian product per output element) with the numerical one entry
by entry, ``|analytic - numerical| <= atol + rtol * |numerical|`` (PyTorch's criterion), and
explains a failure with a :class:`~autodiff.check.report.GradcheckReport`. ``gradgradcheck``
does the same for the gradient itself, built with ``create_graph=True``.

Every check runs on private float64 working copies of the inputs: the caller's arrays are never
written to, so inputs are unchanged afterwards even when ``f`` raises, and float32 inputs are
checked in float64 (with a one-time warning explaining why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..creation import zeros
from ..functional import grad
from ..nodes import is_tensor, is_value, is_value_list
from ..tensor import Tensor
from ..validation import describe
from .compare import check, check_tolerances, element_difference
from .outputs import evaluate
from .report import GradcheckReport
from .slots import (
    Slot,
    TensorSlot,
    ValueSlot,
    slots_from_inputs,
    slots_from_params,
    working_copies,
)

__all__ = [
    "GradcheckError",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "numerical_grad",
]

class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when the gradients disagree; ``.report`` holds the details."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


# ------------------------------------------------------------------ numerical differentiation


def numerical_grad(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    *,
    grad_output: Any = None,
) -> list[Any] | Any:
    """Gradient of ``f(*inputs)`` by central differences, one input element at a time.

    ``inputs`` is a sequence whose items are Tensors, Values or lists of Values (other items,
    such as arrays or numbers, are passed to ``f`` unchanged and get ``None``); a single Tensor or
    Value may be passed without a list, and then a single gradient is returned. ``f`` must return
    a scalar (a Tensor of size 1, a Value, or a list holding one Value) unless ``grad_output`` (an
    array of the output's shape) is given, in which case the vector-Jacobian product
    ``grad_output^T J`` is returned. Each element x is replaced by x+eps and x-eps in a float64
    working copy; the caller's arrays and floats are restored exactly, even if ``f`` raises.

    Returns a list with, per input: a float64 array of the Tensor's shape, a float for a Value,
    a float64 array of shape (n,) for a list of n Values, a list for a list of Tensors, None for
    a constant. An object passed twice is perturbed as one: both get the total derivative.
    Raises ValueError for a non-scalar output without ``grad_output`` or a shape mismatch, and
    TypeError for unsupported inputs/outputs.
    """
    check_tolerances("numerical_grad", eps, 0.0, 0.0)
    single = is_tensor(inputs) or is_value(inputs)
    items = [inputs] if single else list(inputs)
    slots = slots_from_inputs(items, include_constant_tensors=True)
    call = _caller(f, items)
    grads: dict[int, Any] = {}
    with working_copies(slots):
        base = evaluate(call)
        if grad_output is None:
            if base.total != 1:
                raise ValueError(
                    f"numerical_grad: f returned outputs of shapes {base.shapes}; a scalar is "
                    "needed, or pass grad_output=<array of the output's shape> for a "
                    "vector-Jacobian product"
                )
            weights = np.ones(1)
        else:
            weights = np.asarray(grad_output, dtype=np.float64).reshape(-1)
            if weights.size != base.total:
                raise ValueError(
                    f"numerical_grad: grad_output has {weights.size} elements but f's outputs "
                    f"have shapes {base.shapes} ({base.total} elements)"
                )
        for slot in slots:
            g = np.empty(slot.size)
            for i in range(slot.size):
                g[i] = element_difference(call, slot, i, eps).derivative(weights)
            grads[id(slot.source)] = float(g[0]) if is_value(slot.source) else g.reshape(
                slot.shape)

    def result(x: Any) -> Any:
        if is_tensor(x) or is_value(x) or is_value_list(x):
            return grads.get(id(x))
        if isinstance(x, (list, tuple)) and any(is_tensor(t) for t in x):
            return [grads.get(id(t)) for t in x]
        return None

    out = [result(x) for x in items]
    return out[0] if single else out


def _caller(f: Callable[..., Any], items: Sequence[Any]) -> Callable[[], Any]:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    return lambda: f(*items)


# ------------------------------------------------------------------ the checks


def gradcheck(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast: bool = False,
) -> bool:
    """Check the analytic gradients of ``f`` against central differences.

    Call as ``gradcheck(f, [x, w])`` (``f(x, w)`` returns a Tensor, a tuple of Tensors, a Value or
    a list of Values; inputs that are Tensors with ``requires_grad=True``, Values or lists of
    Values are checked) or as ``gradcheck(closure, params=model.parameters())`` for a zero-argument
    closure (a Module or ``named_parameters()`` pairs give the report parameter names). Every
    Jacobian entry must satisfy ``|analytic - numerical| <= atol + rtol * |numerical|``.
    ``fast=True`` compares random projections ``v^T J u`` per output/input pair instead (two
    evaluations per input instead of two per element) and builds the full report only on failure;
    if the element-wise check then passes, it warns (RuntimeWarning) and returns True.

    Returns True, or False when ``raise_exception=False``; otherwise raises
    :class:`GradcheckError` whose message is the report. Raises ValueError when nothing requires
    grad or the full Jacobian would be too large (use ``fast=True``), TypeError for bad arguments.
    """
    report = gradcheck_report(f, inputs, params=params, eps=eps, atol=atol, rtol=rtol, fast=fast)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def gradcheck_report(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    title: str = "gradcheck",
) -> GradcheckReport:
    """Run :func:`gradcheck` and return its :class:`GradcheckReport` instead of raising.

    The report is truthy when the check passed; ``print(report)`` shows the details.
    """
    call, slots = _setup(f, inputs, params)
    return check(call, slots, eps=eps, atol=atol, rtol=rtol, fast=fast, title=title)


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Any = None,
    grad_outputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast: bool = False,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, grad_outputs) -> grad(f, inputs)``.

    The first gradient is built with ``autodiff.grad(..., create_graph=True)`` for the Tensor
    outputs of ``f`` with cotangents ``grad_outputs`` (one array or Tensor per output; random
    normal ones drawn from ``seed`` when None), which are checked as inputs too. Tensor graphs
    only. Returns/raises like :func:`gradcheck`; TypeError for Value inputs.
    """
    call, slots = _setup(f, inputs, params)
    if any(isinstance(s, ValueSlot) for s in slots):
        raise TypeError(
            "gradgradcheck: Value graphs record first derivatives only; use Tensors for "
            "second derivatives"
        )
    leaves = [s.obj for s in slots]
    with working_copies(slots):
        outs = [o for o in _tensor_outputs(call()) if o.requires_grad]
    if not outs:
        raise ValueError("gradgradcheck: no output of f depends on an input that requires grad")
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        gos = [rng.standard_normal(o.shape) for o in outs]
    else:
        gos = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
        gos = [np.asarray(g.data if is_tensor(g) else g, dtype=np.float64) for g in gos]
        if [g.shape for g in gos] != [tuple(o.shape) for o in outs]:
            raise ValueError(
                f"gradgradcheck: grad_outputs have shapes {[g.shape for g in gos]}, the outputs "
                f"that require grad have shapes {[tuple(o.shape) for o in outs]}"
            )
    go_tensors = [
        Tensor(g, requires_grad=True, name=f"grad_output{k}") for k, g in enumerate(gos)
    ]
    go_slots = [TensorSlot(t, f"grad_output{k}") for k, t in enumerate(go_tensors)]

    def first_grads() -> tuple[Any, ...]:
        outputs = [o for o in _tensor_outputs(call()) if o.requires_grad]
        gs = grad(outputs, leaves, grad_outputs=go_tensors, create_graph=True,
                  allow_unused=True)
        return tuple(
            zeros(leaf.shape) if g is None else g for g, leaf in zip(gs, leaves, strict=True)
        )

    names = [(f"grad w.r.t. {s.label}", f"grad_{s.short}") for s in slots]
    report = check(first_grads, slots + go_slots, eps=eps, atol=atol, rtol=rtol, fast=fast,
                    title="gradgradcheck", output_names=names)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def _tensor_outputs(result: Any) -> list[Any]:
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    bad = [type(o).__name__ for o in items if not is_tensor(o)]
    if bad:
        raise TypeError(f"gradgradcheck: f must return Tensors, got {', '.join(bad)}")
    return items


def _setup(f: Callable[..., Any], inputs: Any, params: Any) -> tuple[Callable[[], Any], list[Slot]]:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if params is not None:
        if inputs is not None:
            raise TypeError("gradcheck: pass either inputs (f(*inputs)) or params= (f()), not both")
        slots = slots_from_params(params)
        call: Callable[[], Any] = f
    else:
        if inputs is None:
            raise TypeError("gradcheck: pass inputs=[...] for f(*inputs) or params=... for f()")
        if not (is_tensor(inputs) or is_value(inputs) or isinstance(inputs, list | tuple)):
            raise TypeError(f"gradcheck: inputs must be a Tensor, a Value or a list of them "
                            f"(the arguments of f), got {describe(inputs)}")
        items = [inputs] if is_tensor(inputs) or is_value(inputs) else list(inputs)
        slots = slots_from_inputs(items, include_constant_tensors=False)
        call = _caller(f, items)
    if not slots:
        raise ValueError(
            "gradcheck: nothing to check - no input is a Tensor with requires_grad=True, a Value "
            "or a list of Values"
        )
    return call, slots


