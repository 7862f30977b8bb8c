"""Op: one differentiable operation, its forward beside its vector-Jacobian products.

Built-in ops live in the ``ops`` package; users define their own the same way::

    import autodiff as ad

    def square_vjp(g, out, x):           # g: upstream gradient, out: the result
        return g * 2.0 * x               # written with Tensor ops: differentiable again

    square = ad.Op("square", forward=lambda x: x * x, vjps=(square_vjp,))
    y = square(ad.tensor([1.0, 2.0], requires_grad=True))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import anomaly
from .errors import OpError, OpIndexError
from .grad_mode import _grad_state  # the thread-local grad-mode switch
from .tensor import Tensor, new_node
from .validation import describe

__all__ = ["Op"]

VJP = Callable[..., Any]


class Op:
    """A differentiable operation: ``forward`` on arrays, one VJP per positional input.

    ``forward(*arrays, **kwargs) -> ndarray`` computes the result from the inputs'
    arrays (non-Tensor inputs are passed through unchanged). ``vjps[i](g, out,
    *inputs, **kwargs)`` returns the gradient for input ``i`` given the upstream
    gradient ``g`` (a Tensor shaped like the result), the result ``out`` and the
    original inputs (Tensors or constants); return None for "no gradient". Write
    VJPs with Tensor operations so that they can be differentiated again. A
    gradient whose shape is a broadcast of the input's is summed back by the
    engine. For ops with any number of inputs pass ``vjps`` as one function
    ``vjp(i, g, out, *inputs, **kwargs)`` and set ``variadic=True``; such an op may
    also give ``vjp_all(g, out, *inputs, **kwargs)``, returning every input's gradient
    at once (None where there is none), which the backward pass then calls once per
    node instead of once per input: linear instead of quadratic in the number of
    inputs, since each call of ``vjp`` receives them all.
    ``differentiable=False`` marks ops whose result never requires grad
    (comparisons). Calling the op on Tensors, numbers or arrays returns a Tensor.
    """

    __slots__ = ("name", "forward", "vjps", "vjp_all", "variadic", "differentiable",
                 "__weakref__")

    def __init__(self, name: str, forward: Callable[..., Any], vjps: Sequence[VJP] | VJP = (),
                 *, variadic: bool = False, differentiable: bool = True,
                 vjp_all: VJP | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Op: name must be a string, got {describe(name)}")
        if not callable(forward):
            raise TypeError(f"Op {name!r}: forward must be callable, got {forward!r}")
        if not variadic and not isinstance(vjps, list | tuple):
            raise TypeError(f"Op {name!r}: vjps must be a sequence of callables, one per input "
                            f"(or one function with variadic=True), got {describe(vjps)}")
        if variadic and not callable(vjps):
            raise TypeError(f"Op {name!r}: a variadic op takes one vjp(i, g, out, *inputs)")
        if not variadic and differentiable and not all(callable(v) for v in vjps):  # type: ignore
            raise TypeError(f"Op {name!r}: vjps must be a sequence of callables, one per input")
        if vjp_all is not None and not (variadic and callable(vjp_all)):
            raise TypeError(f"Op {name!r}: vjp_all must be a callable and needs variadic=True, "
                            f"got {vjp_all!r} with variadic={variadic}")
        self.name = name
        self.forward = forward
        self.vjps = vjps if variadic else tuple(vjps)  # type: ignore[arg-type]
        self.vjp_all = vjp_all
        self.variadic = variadic
        self.differentiable = differentiable

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __call__(self, *inputs: Any, **kwargs: Any) -> Tensor:
        record = False
        if _grad_state.enabled and self.differentiable:
            arrays = []
            for x in inputs:
                if isinstance(x, Tensor):
                    arrays.append(x.data)
                    if x.requires_grad:
                        record = True
                else:
                    arrays.append(x)
        else:  # nothing is recorded (e.g. the backward pass): just unwrap
            arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        try:
            out = self.forward(*arrays, **kwargs)
        except (ValueError, IndexError, TypeError, np.exceptions.AxisError) as error:
            raise _op_error(self.name, arrays, kwargs, error) from None
        if type(out) is not np.ndarray:
            out = _forward_result(self.name, out)
        # tensor.fill_node's fields, written out: a call here costs 8% of a small op's
        # forward (1.28 vs 1.18 us for a * b on shape (4,)); test_tensor_fields.py checks
        # that this and fill_node set the same slots
        t = new_node(Tensor)
        t.data = out
        t.grad = None
        t.name = ""
        t._retain = False
        if record and out.dtype.kind == "f":
            t.requires_grad = True
            t._fn = self
            t._inputs = inputs
            t._ctx = kwargs or None
            t._site = anomaly.creation_site() if anomaly._state.record_sites else None
        else:
            if out.dtype.kind == "O":  # e.g. a Value operand: numpy made an array of objects
                raise _object_result(self.name, inputs)
            if record and out.dtype.kind == "c":
                raise TypeError(f"{self.name}: the result is complex ({out.dtype}) but an input "
                                "requires grad; gradients are defined for real tensors only "
                                "(take .real, .imag or abs() of the complex values first, on "
                                "constants)")
            t.requires_grad = False
            t._fn = None
            t._inputs = ()
            t._ctx = None
            t._site = None
        if anomaly._state.enabled:
            anomaly.anomaly_in_forward(self, inputs, out, t._site)
        return t




def _forward_result(name: str, out: Any) -> np.ndarray:
    """A forward's result that is not an ndarray, as one; TypeError for what is not numbers."""
    if out is None or isinstance(out, str | bytes):
        raise TypeError(f"{name}: forward returned {describe(out)}; it must return a numeric "
                        "array (or a number)")
    array = np.asarray(out)
    if array.dtype.kind not in "biufcO":  # objects: see _object_result
        raise TypeError(f"{name}: forward returned {describe(out)} (dtype {array.dtype}); it "
                        "must return a numeric array (or a number)")
    return array


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"shape {x.shape} {x.dtype}"
    return type(x).__name__ if not isinstance(x, int | float) else repr(x)


BROADCAST_RULE = ("shapes broadcast when, axis by axis from the right, their sizes are equal "
                   "or one of them is 1")


def _object_result(name: str, inputs: tuple) -> TypeError:
    """The error for an op whose numpy result is an array of Python objects."""
    kinds = ", ".join(type(x).__name__ for x in inputs)
    hint = ("a Value (the scalar engine) cannot join a Tensor graph: use ad.tensor(v.data) "
            "for a constant, or build the whole computation with one engine"
            if any(type(x).__name__ == "Value" for x in inputs) else
            "every operand must be a Tensor, a number or a numeric array")
    return TypeError(f"{name}: operands ({kinds}) give an array of objects, not numbers; {hint}")


def _op_error(name: str, arrays: list, kwargs: dict, error: Exception) -> Exception:
    for i, a in enumerate(arrays):
        if isinstance(a, str | bytes) or a is None:
            return TypeError(f"{name}: input {i} is {type(a).__name__} {a!r}; expected a Tensor, "
                             "a number or a numeric array")
    if isinstance(error, OpError):
        return error
    described = ", ".join(_describe(a) for a in arrays)
    options = "".join(f", {k}={v!r}" for k, v in kwargs.items()
                      if k not in ("index",) and not isinstance(v, np.ndarray))
    if isinstance(error, TypeError):
        cls: type[Exception] = TypeError
    elif isinstance(error, IndexError):  # numpy's AxisError is an IndexError too
        cls = OpIndexError
    else:
        cls = OpError
    rule = f"; {BROADCAST_RULE}" if "broadcast" in str(error) else ""
    return cls(f"{name}: invalid input ({described}{options}): {error}{rule}")
