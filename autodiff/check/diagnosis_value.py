"""diagnose for Value graphs: check each node's recorded local partials via the chain rule.

A Value node stores its parents and the local partial derivatives d node / d parent, recorded
at forward time; it does not keep the function that made it (constants such as the 3 in
``x * 3`` are folded into the partial). So instead of re-running one node's op, the whole
function is re-run with each input nudged by +-eps, which gives the numerical derivative of
*every* node with respect to that input. For a node n with parents p_i and recorded partials
d_i the chain rule requires ``dn/dx = sum_i d_i * dp_i/dx``; the first node (inputs before
outputs) where this fails has a wrong partial. The graph must have the same structure at the
nudged inputs (no branching on values near the point), which is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..graph import walk
from ..nodes import is_value
from .diagnosis_report import DiagnoseReport, Finding
from .numeric import central_difference
from .slots import (
    ValueSlot,
    slots_from_inputs,
    slots_from_params,
    working_copies,
)

__all__ = ["diagnose_values"]


def _order(roots: list[Any]) -> list[Any]:
    """Every Value reachable from roots, parents before children, deterministic (iterative)."""
    return walk(roots).nodes


def _run(call: Callable[[], Any]) -> tuple[list[str], np.ndarray]:
    """Run f; return its graph's op names and node values (read now: leaves are reused)."""
    result = call()
    order = _order([result] if is_value(result) else list(result))
    return [v._op for v in order], np.array([v.data for v in order], dtype=np.float64)


def diagnose_values(call: Callable[[], Any], inputs: Any, params: Any, roots: list[Any], *,
                    eps: float, atol: float, rtol: float) -> DiagnoseReport:
    """The Value-graph half of :func:`autodiff.diagnose` (same arguments, already resolved)."""
    if params is not None:
        slots = slots_from_params(params)
    else:
        items = [inputs] if is_value(inputs) else list(inputs)
        slots = slots_from_inputs(items, include_constant_tensors=False)
    slots = [s for s in slots if isinstance(s, ValueSlot)]
    leaves = [v for s in slots for v in s.obj]
    leaf_names = [v.label or (s.short if len(s.obj) == 1 else f"{s.short}[{i}]")
                  for s in slots for i, v in enumerate(s.obj)]
    order = _order(roots)
    index = {id(v): k for k, v in enumerate(order)}
    signature = [v._op for v in order]
    n = len(order)
    base = np.array([v.data for v in order], dtype=np.float64)
    deriv = np.zeros((len(leaves), n))
    kink = np.zeros((len(leaves), n), dtype=bool)
    skipped: list[str] = []
    nudged_ops: list[list[str]] = []  # the op names of each nudged run of f

    def nudged_values() -> np.ndarray:
        ops, values = _run(call)
        nudged_ops.append(ops)
        return values

    with working_copies(slots):
        for j, leaf in enumerate(leaves):
            nudged_ops.clear()
            difference = central_difference(nudged_values, partial(setattr, leaf, "data"),
                                            leaf.data, eps, eps)
            if any(ops != signature for ops in nudged_ops):
                skipped.append(f"input {j}: the graph changes shape when it is nudged by eps "
                               "(value-dependent branching); its derivatives were not used")
                kink[j, :] = True
                continue
            deriv[j] = difference.derivative()
            kink[j] = difference.kinks(base, atol, rtol)
    findings: list[Finding] = []
    n_ops = 0
    for k, node in enumerate(order):
        parents = node._prev
        if not parents:
            continue
        n_ops += 1
        pidx = [index[id(p)] for p in parents]
        partials = node._partials
        predicted = sum(d * deriv[:, p] for d, p in zip(partials, pidx, strict=True))
        numerical = deriv[:, k]
        usable = ~kink[:, k]
        for p in pidx:
            usable &= ~kink[:, p]
        tol = atol + rtol * np.abs(numerical)
        fail = usable & ~(np.abs(predicted - numerical) <= tol)
        if not fail.any():
            continue
        j = int(np.argmax(np.where(fail, np.abs(predicted - numerical), -1.0)))
        reason = (f"recorded local partials {tuple(round(float(d), 6) for d in partials)} "
                  f"disagree with central differences: d node / d {leaf_names[j]} is "
                  f"{numerical[j]:.6g} numerically but {predicted[j]:.6g} by the chain rule "
                  "through this node")
        details = []
        if len(parents) == 1 and abs(deriv[j, pidx[0]]) > 1e-8:
            est = numerical[j] / deriv[j, pidx[0]]
            details.append(f"numerical local partial d node / d parent ~ {est:.6g}, recorded "
                           f"{partials[0]:.6g}")
        details.append(f"node data {node.data:.6g}; parents: " + ", ".join(
            f"{p._op or 'leaf'}{(' ' + repr(p.label)) if p.label else ''} = {p.data:.6g}"
            for p in parents))
        findings.append(Finding(node=node, position=0, op=node._op, input_index=-1,
                                out_shape=(), in_shapes=[() for _ in parents],
                                name=node.label, site=None, reason=reason, details=details,
                                kind="Value"))
    op_pos = {id(v): i for i, v in enumerate(v for v in order if v._prev)}
    for fd in findings:
        fd.position = op_pos[id(fd.node)] + 1
    cut = False
    if not findings:  # every partial is right: is a leaf secretly computed from an input?
        findings = _cut_leaves(order, leaves, leaf_names, deriv, kink, atol, rtol)
        cut = bool(findings)
    root = roots[0] if len(roots) == 1 else roots
    report = DiagnoseReport(ok=not findings, findings=findings, n_nodes=n_ops, n_checked=n_ops,
                            skipped=skipped, root=root, atol=atol, rtol=rtol, eps=eps,
                            kind="Value", cut=cut)
    report.bad_nodes = [fd.node for fd in findings]
    return report


def _cut_leaves(order: list[Any], leaves: list[Any], leaf_names: list[str], deriv: np.ndarray,
                kink: np.ndarray, atol: float, rtol: float) -> list[Finding]:
    """Leaves that are not inputs yet move with an input, when they make the gradient wrong.

    A Value rebuilt from another's ``.data`` (``Value(v.data)``) starts a new graph: its
    consumers' partials are right, but no gradient reaches the input through it. Reported
    only when the chain rule through the recorded partials misses the numerical d root /
    d input, and only leaves the root depends on (a stop-gradient times 0 is no cut).
    """
    index = {id(v): k for k, v in enumerate(order)}
    root = len(order) - 1
    adjoint = np.zeros(len(order))  # d root / d node through the recorded partials
    adjoint[root] = 1.0
    for k in range(root, -1, -1):
        node = order[k]
        for d, p in zip(node._partials, node._prev, strict=True):
            adjoint[index[id(p)]] += d * adjoint[k]
    analytic = np.array([adjoint[index[id(v)]] if id(v) in index else 0.0 for v in leaves])
    usable = ~kink[:, root]
    if not (usable & (np.abs(analytic - deriv[:, root]) > atol + rtol * np.abs(
            deriv[:, root]))).any():
        return []
    inputs = {id(v) for v in leaves}
    op_position = {id(v): i + 1 for i, v in enumerate(v for v in order if v._prev)}
    findings = []
    for k, node in enumerate(order):
        if node._prev or id(node) in inputs or adjoint[k] == 0.0:
            continue
        moved = ~kink[:, k] & (np.abs(deriv[:, k]) > atol)
        if not moved.any():
            continue
        j = int(np.argmax(np.where(moved, np.abs(deriv[:, k]), -1.0)))
        consumer = next((c for c in order[k + 1:] if any(p is node for p in c._prev)), None)
        label = f" {node.label!r}" if node.label else ""
        findings.append(Finding(
            node=node, position=op_position.get(id(consumer), 0), op="leaf", input_index=-1,
            out_shape=(), in_shapes=[], name=node.label, site=None,
            reason=f"the graph is cut at the leaf{label} = {node.data:.6g} (used by op "
                   f"#{op_position.get(id(consumer), 0)}): it changes with {leaf_names[j]} "
                   f"(d leaf / d {leaf_names[j]} ~ {deriv[j, k]:.6g}) but has no recorded "
                   "path to it",
            details=["likely cause: a Value rebuilt from another Value's .data "
                     "(Value(v.data)) or a float taken from the graph and fed back"],
            kind="Value"))
    return findings
