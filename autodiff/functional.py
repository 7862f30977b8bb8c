"""Derivatives as functions: grad, vjp, jvp, jacobian, hessian, hvp.

Each takes Tensors (or a function of Tensors) and returns Tensors; none touches
any ``.grad``. ``create_graph=True`` keeps the graph of the derivative itself,
so derivatives of derivatives can be taken (Hessians, Newton's method).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .creation import stack
from .tensor import Tensor
from .validation import check_bool, describe

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "vjp"]

Tensors = Tensor | Sequence[Tensor]


def _tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def grad(outputs: Tensors, inputs: Tensors, grad_outputs: Any = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors.

    ``grad_outputs`` (one per output, shaped like it) weights the outputs; it may be
    left out for one-element outputs. ``.grad`` attributes are not touched. With
    ``create_graph=True`` the returned gradients are differentiable. Raises
    ValueError for a non-scalar output without ``grad_outputs``, for an output that
    does not require grad, and for an input the outputs do not depend on (unless
    ``allow_unused=True``, which returns None for it).
    """
    check_bool(create_graph, name="create_graph", where="grad")
    check_bool(allow_unused, name="allow_unused", where="grad")
    outs, ins = _tuple(outputs), _tuple(inputs)
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: input {i} is a {type(x).__name__}, expected a Tensor")
    if grad_outputs is None:
        gos: list[Any] = [None] * len(outs)
    else:
        gos = list(_tuple(grad_outputs))
        if len(gos) != len(outs):
            raise ValueError(f"grad: {len(outs)} outputs but {len(gos)} grad_outputs")
    roots, root_grads = [], []
    for i, (out, go) in enumerate(zip(outs, gos)):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise ValueError(f"grad: output {i} does not require grad: it does not depend on "
                             "any input that requires grad")
        if go is None:
            if out.size != 1:
                raise ValueError(f"grad: output {i} has shape {out.shape}; grad_outputs is "
                                 "needed for a non-scalar output")
            go = Tensor(np.ones(out.shape, dtype=out.dtype))
        elif not isinstance(go, Tensor):
            go = Tensor(np.asarray(go, dtype=out.dtype))
        if go.shape != out.shape:
            raise ValueError(f"grad: grad_outputs[{i}] has shape {go.shape} but output {i} has "
                             f"shape {out.shape}")
        roots.append(out)
        root_grads.append(go)
    results = engine.run_backward(roots, root_grads, create_graph=create_graph, targets=ins)
    assert results is not None
    for i, (x, r) in enumerate(zip(ins, results)):
        if r is None and not allow_unused:
            raise ValueError(f"grad: input {i} (shape {x.shape}) is not used to compute the "
                             "outputs; pass allow_unused=True to get None for it")
        if r is not None and r.shape != x.shape:
            results[i] = r.sum_to(x.shape)
        if r is not None and not create_graph:
            results[i] = results[i].detach()
    return tuple(results)


def _float_array(x: Any, what: str, where: str) -> np.ndarray:
    """``x`` (an array, a list or a number) as float64; TypeError naming ``where``."""
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be Tensors, arrays or numbers, got "
                        f"{describe(x)}") from None
    return array


def _fresh_inputs(inputs: Tensors, create_graph: bool,
                  where: str = "jacobian") -> tuple[Tensor, ...]:
    """Nodes standing for ``inputs``, each requiring grad, to take derivatives at.

    With ``create_graph=True`` an input that requires grad is stood for by an identity
    node computed from it, so the derivative stays connected to the caller's input and
    can be differentiated again with respect to it (as ``torch.autograd.functional``).
    Otherwise each is a fresh leaf over the input's array, cut from any graph.
    """
    if isinstance(inputs, list | tuple) and not inputs:
        raise ValueError(f"{where}: inputs is empty; give the Tensor (or a list of the "
                         "Tensors) to differentiate with respect to")
    result = []
    for x in _tuple(inputs):
        if create_graph and isinstance(x, Tensor) and x.requires_grad:
            result.append(x.reshape(x.shape))
            continue
        array = x.data if isinstance(x, Tensor) else _float_array(x, "inputs", where)
        result.append(Tensor(array, requires_grad=True))
    return tuple(result)


def _output(out: Tensor, create_graph: bool) -> Tensor:
    """``f``'s output as returned: connected with ``create_graph=True``, else detached."""
    return out if create_graph else out.detach()


def _single(xs: tuple, was_tuple: bool) -> Any:
    return xs if was_tuple else xs[0]


def _call(f: Callable[..., Tensor], xs: tuple, where: str = "f") -> Tensor:
    if not callable(f):
        raise TypeError(f"{where}: f must be a callable taking Tensors and returning a Tensor, "
                        f"got {type(f).__name__} {f!r}")
    out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"the function must return a Tensor, got {type(out).__name__}")
    return out


def _zeros_for_unused(grads: tuple, xs: tuple) -> tuple[Tensor, ...]:
    return tuple(Tensor(np.zeros_like(x.data)) if g is None else g for g, x in zip(grads, xs))


def vjp(f: Callable[..., Tensor], inputs: Tensors, v: Any = None,
        create_graph: bool = False) -> tuple[Tensor, Any]:
    """Return ``(f(*inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    ``v`` has the output's shape (it may be left out for a scalar output).
    """
    many = isinstance(inputs, list | tuple)
    xs = _fresh_inputs(inputs, create_graph, "vjp")
    out = _call(f, xs, "vjp")
    if not out.requires_grad:
        zeros = tuple(Tensor(np.zeros_like(x.data)) for x in xs)
        return _output(out, create_graph), _single(zeros, many)
    grads = grad(out, xs, grad_outputs=v, create_graph=create_graph, allow_unused=True)
    return _output(out, create_graph), _single(_zeros_for_unused(grads, xs), many)


def jvp(f: Callable[..., Tensor], inputs: Tensors, v: Any,
        create_graph: bool = False) -> tuple[Tensor, Tensor]:
    """Return ``(f(*inputs), J v)``: the Jacobian-vector product (forward-mode derivative).

    Computed by the double-VJP trick: ``J v = d/du (u^T J v)`` where ``u^T J`` is a
    VJP recorded with ``create_graph``. ``v`` has the inputs' shapes.
    """
    xs = _fresh_inputs(inputs, create_graph, "jvp")
    vs = tuple(x if isinstance(x, Tensor) else Tensor(_float_array(x, "v", "jvp"))
               for x in _tuple(v))
    if len(vs) != len(xs):
        raise ValueError(f"jvp: {len(xs)} inputs but {len(vs)} tangent vectors")
    for i, (x, t) in enumerate(zip(xs, vs)):
        if x.shape != t.shape:
            raise ValueError(f"jvp: tangent {i} has shape {t.shape}, input {i} has {x.shape}")
    out = _call(f, xs, "jvp")
    if not out.requires_grad:
        return _output(out, create_graph), Tensor(np.zeros_like(out.data))
    u = Tensor(np.zeros_like(out.data), requires_grad=True)
    grads = grad(out, xs, grad_outputs=u, create_graph=True, allow_unused=True)
    inner = None
    for g, t in zip(grads, vs):
        if g is not None and g.requires_grad:
            term = (g * t).sum()
            inner = term if inner is None else inner + term
    if inner is None:
        return _output(out, create_graph), Tensor(np.zeros_like(out.data))
    (result,) = grad(inner, u, create_graph=create_graph, allow_unused=True)
    if result is None:
        result = Tensor(np.zeros_like(out.data))
    return _output(out, create_graph), result


def jacobian(f: Callable[..., Tensor], inputs: Tensors, create_graph: bool = False) -> Any:
    """The Jacobian of ``f`` at ``inputs``: shape ``out.shape + x.shape`` for each input.

    Returns one Tensor for a single input, a tuple for a tuple of inputs. One
    backward pass per output element.
    """
    many = isinstance(inputs, list | tuple)
    xs = _fresh_inputs(inputs, create_graph)
    out = _call(f, xs, "jacobian")
    rows: list[list[Tensor]] = [[] for _ in xs]
    flat_out = out.reshape(-1)
    for k in range(out.size):
        if out.requires_grad:
            grads = grad(flat_out[k], xs, create_graph=create_graph, allow_unused=True)
        else:
            grads = (None,) * len(xs)
        for j, g in enumerate(_zeros_for_unused(grads, xs)):
            rows[j].append(g)
    result = []
    for j, x in enumerate(xs):
        if rows[j]:
            stacked = _stack(rows[j]).reshape(out.shape + x.shape)
        else:
            stacked = Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
        result.append(stacked)
    return _single(tuple(result), many)


def _stack(tensors: list[Tensor]) -> Tensor:
    return stack(tensors, axis=0)


def hessian(f: Callable[..., Tensor], inputs: Tensors, create_graph: bool = False) -> Any:
    """The Hessian of a scalar-valued ``f`` at ``inputs``: shape ``x.shape + x.shape``.

    For several inputs returns the nested tuple ``H[i][j]`` of blocks
    ``xi.shape + xj.shape``. Raises ValueError when ``f`` does not return one element.
    """
    many = isinstance(inputs, list | tuple)
    xs = _fresh_inputs(inputs, create_graph, "hessian")
    out = _call(f, xs, "hessian")
    if out.size != 1:
        raise ValueError(f"hessian: f must return one element, got shape {out.shape}")
    if not out.requires_grad:
        blocks = tuple(tuple(Tensor(np.zeros(a.shape + b.shape)) for b in xs) for a in xs)
        return blocks if many else blocks[0][0]
    first = _zeros_for_unused(grad(out, xs, create_graph=True, allow_unused=True), xs)
    blocks = []
    for gi, xi in zip(first, xs):
        rows: list[list[Tensor]] = [[] for _ in xs]
        flat = gi.reshape(-1)
        for k in range(xi.size):
            if gi.requires_grad:
                second = grad(flat[k], xs, create_graph=create_graph, allow_unused=True)
            else:
                second = (None,) * len(xs)
            for j, g in enumerate(_zeros_for_unused(second, xs)):
                rows[j].append(g)
        blocks.append(tuple(_stack(rows[j]).reshape(xi.shape + xj.shape)
                            for j, xj in enumerate(xs)))
    return tuple(blocks) if many else blocks[0][0]


def hvp(f: Callable[..., Tensor], inputs: Tensors, v: Any,
        create_graph: bool = False) -> tuple[Tensor, Any]:
    """Return ``(f(*inputs), H v)``: a Hessian-vector product without forming H.

    Two backward passes: ``H v = d/dx (grad f(x) . v)``. ``v`` has the inputs' shapes.
    """
    many = isinstance(inputs, list | tuple)
    xs = _fresh_inputs(inputs, create_graph, "hvp")
    vs = tuple(x if isinstance(x, Tensor) else Tensor(_float_array(x, "v", "hvp"))
               for x in _tuple(v))
    if len(vs) != len(xs):
        raise ValueError(f"hvp: {len(xs)} inputs but {len(vs)} vectors")
    out = _call(f, xs, "hvp")
    if out.size != 1:
        raise ValueError(f"hvp: f must return one element, got shape {out.shape}")
    zeros = tuple(Tensor(np.zeros_like(x.data)) for x in xs)
    if not out.requires_grad:
        return _output(out, create_graph), _single(zeros, many)
    first = grad(out, xs, create_graph=True, allow_unused=True)
    inner = None
    for g, t in zip(first, vs):
        if g is not None and g.requires_grad:
            term = (g * t).sum()
            inner = term if inner is None else inner + term
    if inner is None:
        return _output(out, create_graph), _single(zeros, many)
    second = grad(inner, xs, create_graph=create_graph, allow_unused=True)
    return _output(out, create_graph), _single(_zeros_for_unused(second, xs), many)
