"""Locate a gradient bug: check every node's backward against its own forward.

``gradcheck`` says *whether* a function's gradient is wrong; ``diagnose`` says *where*. It runs
``f`` once with creation sites recorded, walks the graph of the output in topological order
(inputs before outputs) and, at every node, compares the vector-Jacobian products its op's
backward computes (through the engine, for a random cotangent) with central differences of
that op's own ``forward`` re-run on perturbed float64 copies of the node's inputs. A node whose
backward disagrees is wrong *locally*, whatever its neighbours do, so the first flagged node is
the bug. Non-differentiable points (one-sided differences disagree) and ops whose forward cannot
be re-run identically (random ones) are skipped and counted.

Value graphs are checked too (see :mod:`autodiff.check.diagnosis_value`): each node's recorded local
partials are compared, through the chain rule, with central differences of the whole function.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .. import anomaly
from ..functional import grad
from ..grad_mode import enable_grad
from ..graph import topological_order
from ..nodes import is_tensor, is_value
from ..tensor import Tensor
from ..validation import check_int, describe
from .compare import check_tolerances
from .cuts import find_cuts
from .diagnosis_report import DiagnoseReport, Finding
from .diagnosis_value import diagnose_values
from .numeric import central_difference, item_writer
from .report import fmt_index, fmt_shape, pattern_hints
from .slots import slots_from_inputs, slots_from_params

# the report classes live in diagnosis_report; importable from here as before
__all__ = ["DiagnoseReport", "Finding", "diagnose"]


def diagnose(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    max_elements: int = 4096,
) -> DiagnoseReport:
    """Find the first op in ``f``'s graph whose backward disagrees with its forward.

    Call like ``gradcheck``: ``diagnose(f, [x, w])`` for ``f(x, w)``, or
    ``diagnose(closure, params=model.parameters())`` for a zero-argument closure. ``f`` returns a
    Tensor (or a tuple of Tensors), a Value or a list of Values. For Tensor graphs each node's
    VJPs are checked with a random cotangent (from ``seed``) against central differences of the
    node's op, element by element for inputs up to ``max_elements`` elements and along three
    random directions beyond. Returns a :class:`DiagnoseReport` (it does not raise for a wrong
    gradient); raises TypeError for an ``f`` that returns something else.
    """
    if not callable(f):
        raise TypeError(f"diagnose: f must be callable, got {type(f).__name__}")
    check_tolerances("diagnose", eps, atol, rtol)
    check_int(seed, name="seed", where="diagnose", minimum=0)
    check_int(max_elements, name="max_elements", where="diagnose", minimum=1)
    if params is not None and inputs is not None:
        raise TypeError("diagnose: pass either inputs (f(*inputs)) or params= (f()), not both")
    if params is None and inputs is None:
        raise TypeError("diagnose: pass inputs=[...] for f(*inputs) or params=... for f()")
    if params is not None:
        call: Callable[[], Any] = f
    else:
        if not (is_tensor(inputs) or is_value(inputs) or isinstance(inputs, list | tuple)):
            raise TypeError(f"diagnose: inputs must be a Tensor, a Value or a list of them (the "
                            f"arguments of f), got {describe(inputs)}")
        items = [inputs] if is_tensor(inputs) or is_value(inputs) else list(inputs)
        if not items:
            raise ValueError("diagnose: inputs is empty; give the arguments of f (Tensors "
                             "that require grad, or Values)")

        def call() -> Any:
            return f(*items)

    with anomaly.recording_sites(), enable_grad():
        result = call()
    roots = list(result) if isinstance(result, (list, tuple)) else [result]
    if roots and all(is_value(r) for r in roots):
        return diagnose_values(call, inputs, params, roots, eps=eps, atol=atol, rtol=rtol)
    bad = [type(r).__name__ for r in roots if not is_tensor(r)]
    if bad:
        raise TypeError(f"diagnose: f must return Tensors or Values, got {', '.join(bad)}")
    order = topological_order(roots)
    rng = np.random.default_rng(seed)
    findings: list[Finding] = []
    skipped: dict[str, int] = {}
    n_nodes = n_checked = 0
    for position, node in enumerate(order):
        if node._fn is None:
            continue
        n_nodes += 1
        outcome = _check_node(node, position, rng, eps=eps, atol=atol, rtol=rtol,
                              max_elements=max_elements)
        if isinstance(outcome, str):
            skipped[outcome] = skipped.get(outcome, 0) + 1
            continue
        n_checked += 1
        findings += outcome
    notes = [f"{n} node(s): {why}" for why, n in skipped.items()]
    cut = False
    if not findings and n_nodes:  # every op is locally right: is the graph cut somewhere?
        slots = (slots_from_params(params) if params is not None
                 else slots_from_inputs(items, include_constant_tensors=False))
        cuts, cut_notes, cut_root = find_cuts(call, slots, rng, eps=eps, atol=atol, rtol=rtol)
        findings, cut, notes = cuts, bool(cuts), notes + cut_notes
    if n_nodes == 0:
        notes.append("the output has no op nodes that require grad: no input of f requires grad "
                     "(set requires_grad=True, or pass params=)")
    root = roots[0] if len(roots) == 1 else roots
    # number nodes among op nodes only, as the report counts them
    op_positions = {id(n): i for i, n in enumerate(x for x in order if x._fn is not None)}
    if cut:  # the cut's findings are nodes of the re-run graph, numbered there
        root = cut_root
    for fd in findings if not cut else ():
        fd.position = op_positions[id(fd.node)] + 1
    report = DiagnoseReport(ok=not findings, findings=findings, n_nodes=n_nodes,
                            n_checked=n_checked, skipped=notes, root=root, atol=atol, rtol=rtol,
                            eps=eps, cut=cut)
    seen: set[int] = set()
    report.bad_nodes = [fd.node for fd in findings
                        if not (id(fd.node) in seen or seen.add(id(fd.node)))]  # type: ignore
    return report


def _forward(fn: Any, arrays: list[Any], ctx: dict[str, Any]) -> np.ndarray:
    # a copy: forwards such as reshape return views of the (perturbed) input
    return np.array(fn.forward(*arrays, **ctx), dtype=np.float64)


def _projected_forward(fn: Any, arrays: list[Any], ctx: dict[str, Any], g: np.ndarray) -> float:
    """``g . forward(arrays)``: the op's output projected on the cotangent ``g``."""
    return float(np.sum(g * _forward(fn, arrays, ctx)))


def _check_node(node: Any, position: int, rng: np.random.Generator, *, eps: float, atol: float,
                rtol: float, max_elements: int) -> list[Finding] | str:
    """Findings for one node, or a string saying why it was skipped."""
    fn, inputs, ctx = node._fn, node._inputs, node._ctx or {}
    if not fn.differentiable:
        return "not differentiable"
    positions = [i for i, x in enumerate(inputs) if is_tensor(x) and x.requires_grad]
    arrays = [np.array(x.data, dtype=np.float64, order="C") if i in positions else
              (x.data if is_tensor(x) else x) for i, x in enumerate(inputs)]
    try:
        y0 = _forward(fn, arrays, ctx)
    except Exception as exc:  # noqa: BLE001 - reported as a skip reason
        return f"forward could not be re-run ({type(exc).__name__})"
    ref = np.asarray(node.data, dtype=np.float64)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    if y0.shape != ref.shape or not np.allclose(y0, ref, rtol=1e-4, atol=1e-6 * (1 + scale),
                                                equal_nan=True):
        return "re-running the forward gives a different result (a random op such as dropout?)"
    if not np.all(np.isfinite(y0)):
        return ("its forward gives NaN or inf (an input outside the op's domain?); "
                "ad.detect_anomaly() names the first such op")
    g = rng.standard_normal(y0.shape)
    leaves = {i: Tensor(arrays[i].copy(), requires_grad=True) for i in positions}
    args = [leaves.get(i, x) for i, x in enumerate(inputs)]
    in_shapes = [tuple(np.shape(x.data if is_tensor(x) else x)) for x in inputs]
    common = dict(node=node, position=position, op=fn.name, out_shape=tuple(ref.shape),
                  in_shapes=in_shapes, name=str(getattr(node, "name", "") or ""),
                  site=node._site)
    try:
        with enable_grad():
            y = fn(*args, **ctx)
            grads = grad(y, [leaves[i] for i in positions], grad_outputs=Tensor(g),
                         allow_unused=True)
    except Exception as exc:  # noqa: BLE001 - a backward that raises is a finding
        return [Finding(input_index=-1, reason=f"backward raised {type(exc).__name__}: {exc}",
                        **common)]
    findings = []
    for i, gi in zip(positions, grads, strict=True):
        analytic = np.zeros(arrays[i].shape) if gi is None else np.asarray(gi.data, np.float64)
        finding = _compare_input(fn, arrays, ctx, i, g, y0, analytic, eps=eps, atol=atol,
                                 rtol=rtol, max_elements=max_elements, rng=rng)
        if finding is not None:
            reason, details = finding
            findings.append(Finding(input_index=i, reason=reason, details=details, **common))
    return findings


def _compare_input(fn: Any, arrays: list[Any], ctx: dict[str, Any], i: int, g: np.ndarray,
                   y0: np.ndarray, analytic: np.ndarray, *, eps: float, atol: float, rtol: float,
                   max_elements: int, rng: np.random.Generator
                   ) -> tuple[str, list[str]] | None:
    x = arrays[i]
    flat = x.reshape(-1)
    shape = x.shape
    if analytic.shape != shape:
        return (f"the gradient for input {i} has shape {analytic.shape}, the input has shape "
                f"{shape}", [])
    if flat.size > max_elements:
        return _compare_projected(fn, arrays, ctx, i, g, analytic, eps=eps, atol=atol,
                                  rtol=rtol, rng=rng)
    num = np.empty(flat.size)
    kink = np.zeros(flat.size, dtype=bool)
    g0 = float(np.sum(g * y0))
    projected = partial(_projected_forward, fn, arrays, ctx, g)
    for e in range(flat.size):
        difference = central_difference(projected, item_writer(flat, e), flat[e], eps, eps)
        num[e] = difference.derivative()
        kink[e] = difference.kinks(g0, atol, rtol)
    a = analytic.reshape(-1)
    tol = atol + rtol * np.abs(num)
    fail = ~(np.abs(a - num) <= tol) & ~kink
    if not fail.any():
        return None
    err = np.where(fail, np.abs(a - num), -1.0)
    worst = int(np.nanargmax(np.nan_to_num(err, nan=np.inf)))
    nf = int(fail.sum())
    idx = np.unravel_index(worst, shape) if shape else ()
    reason = (f"VJP for input {i} (shape {fmt_shape(shape)}) is wrong at {nf} of {flat.size} "
              f"elements; worst at {fmt_index(tuple(int(j) for j in idx)) or '[]'}: analytic "
              f"{a[worst]:.6g}, numerical {num[worst]:.6g}")
    hints = pattern_hints(a[None, :], num[None, :], fail[None, :], kink[None, :], shape,
                          tol[None, :])
    details = [f"hint: {h}" for h in hints if "non-differentiable" not in h]
    if kink.any():
        details.append(f"{int(kink.sum())} element(s) at non-differentiable points not compared")
    return reason, details


def _compare_projected(fn: Any, arrays: list[Any], ctx: dict[str, Any], i: int, g: np.ndarray,
                       analytic: np.ndarray, *, eps: float, atol: float, rtol: float,
                       rng: np.random.Generator) -> tuple[str, list[str]] | None:
    x = arrays[i]
    x0 = x.copy()
    projected = partial(_projected_forward, fn, arrays, ctx, g)
    for _ in range(3):
        u = rng.standard_normal(x.shape)
        n = central_difference(projected, item_writer(x, ...), x0, eps * u, eps).derivative()
        a = float(np.sum(analytic * u))
        tol = atol * float(np.abs(u).sum()) + rtol * abs(n)
        if not abs(a - n) <= tol:
            return (f"VJP for input {i} (shape {fmt_shape(x.shape)}) is wrong along a random "
                    f"direction u: analytic g^T J u = {a:.6g}, numerical {n:.6g} (input too "
                    f"large for an element-wise check)", [])
    return None
