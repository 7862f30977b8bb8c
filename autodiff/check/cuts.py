"""Find where a Tensor graph is cut: every op locally right, the whole gradient wrong.

A cut is a value that depends on an input but reaches the output without a recorded path
to it: ``t.detach()``, a ``.data`` or ``.numpy()`` round trip, an op run under ``no_grad``,
a Python float taken with ``.item()`` and fed back. Each op's backward is then right, so
the local checks pass, but the gradient misses the cut path. ``find_cuts`` first compares
the whole gradient with a central difference along a random direction; when they disagree
it re-runs ``f`` with the inputs nudged and reports the first op (inputs first) one of whose
constant inputs (not recorded as depending on anything) changed: the graph is cut there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import anomaly
from ..functional import grad
from ..grad_mode import enable_grad, no_grad
from ..graph import walk
from ..nodes import is_tensor
from .diagnosis_report import Finding
from .numeric import central_difference
from .slots import Slot, TensorSlot, working_copies

__all__ = ["find_cuts"]

NUDGE = 1e-4  # relative size of the input change that reveals a cut constant

CAUSES = {
    "number": "a Python number taken from the graph (.item(), float()) and fed back",
    "shared": "the same numbers without their graph: detach() or .data",
    "other": ("a value computed outside the graph: ops on a detach() or .data copy, a "
              ".numpy() / np.array round trip, or ops under no_grad"),
}


def _roots(result: Any) -> list[Any]:
    return list(result) if isinstance(result, list | tuple) else [result]


def _projection(call: Callable[[], Any], weights: list[np.ndarray]) -> float:
    with no_grad():
        return float(sum(np.sum(w * r.data) for w, r in zip(weights, _roots(call()))))


def _whole_gradient_disagrees(call: Callable[[], Any], slots: list[TensorSlot],
                              rng: np.random.Generator, eps: float, atol: float,
                              rtol: float) -> tuple[bool, float, float]:
    """(disagree, analytic, numerical) directional derivatives of a random projection."""
    with enable_grad():
        roots = _roots(call())
    weights = [rng.standard_normal(r.shape) for r in roots]
    directions = [rng.standard_normal(s.shape) for s in slots]
    total = None
    for w, r in zip(weights, roots):
        if r.requires_grad:
            term = (r * w).sum()
            total = term if total is None else total + term
    if total is None:
        return False, 0.0, 0.0
    grads = grad(total, [s.obj for s in slots], allow_unused=True)
    analytic = float(sum(np.sum(g.data * d) for g, d in zip(grads, directions) if g is not None))
    base = [s.get_all() for s in slots]

    def write(step: Any) -> None:
        for s, x0, d in zip(slots, base, directions):
            s.set_all(x0 + step * d.reshape(-1))

    central = central_difference(lambda: _projection(call, weights), write, 0.0, eps, eps)
    numerical = float(central.derivative())
    return abs(analytic - numerical) > atol + rtol * abs(numerical), analytic, numerical


def _cause(value: Any, graph_arrays: list[np.ndarray]) -> str:
    """Which of CAUSES fits a cut constant best."""
    if not is_tensor(value) and not (isinstance(value, np.ndarray) and value.ndim > 0):
        return "number"
    data = value.data if is_tensor(value) else value
    if any(np.shares_memory(data, a) for a in graph_arrays):
        return "shared"
    return "other"


def _constant_slots(node: Any) -> list[tuple[int, Any]]:
    return [(j, x) for j, x in enumerate(node._inputs)
            if not (is_tensor(x) and x.requires_grad) and np.asarray(
                getattr(x, "data", x)).dtype.kind in "fiu"]


def find_cuts(call: Callable[[], Any], slots: list[Slot], rng: np.random.Generator, *,
              eps: float, atol: float, rtol: float) -> tuple[list[Finding], list[str], Any]:
    """(findings at the ops where the graph is cut, notes, the output whose graph they are
    in); ([], [], None) when the whole gradient agrees with central differences. Tensor
    inputs only (other slots are kept fixed)."""
    tensor_slots = [s for s in slots if isinstance(s, TensorSlot)]
    if not tensor_slots:
        return [], [], None
    with working_copies(tensor_slots):
        weights_probe = rng.standard_normal(1)
        if _projection(call, [weights_probe]) != _projection(call, [weights_probe]):
            return [], ["the whole gradient was not compared: f gives different results at "
                        "the same inputs (a random op)"], None
        disagree, analytic, numerical = _whole_gradient_disagrees(call, tensor_slots, rng, eps,
                                                                  atol, rtol)
        if not disagree:
            return [], [], None
        whole = (f"the whole gradient disagrees with central differences along a random "
                 f"direction (analytic {analytic:.6g}, numerical {numerical:.6g})")
        # with creation sites, so a cut names the user's line
        with anomaly.recording_sites(), enable_grad():
            base_roots = _roots(call())
        base = walk(base_roots).nodes
        # copies now: a detached constant shares the input's array, which the nudge rewrites
        constants = {(k, j): np.array(getattr(x, "data", x), dtype=np.float64)
                     for k, n in enumerate(base) if n._fn is not None
                     for j, x in _constant_slots(n)}
        start = [s.get_all() for s in tensor_slots]
        try:
            for s, x0 in zip(tensor_slots, start):
                s.set_all(x0 + NUDGE * (1.0 + np.abs(x0)) * rng.standard_normal(x0.shape))
            with enable_grad():
                nudged = walk(_roots(call())).nodes
            moved = {(k, j): np.array(getattr(n._inputs[j], "data", n._inputs[j]),
                                      dtype=np.float64)
                     for (k, j) in constants if k < len(nudged)
                     for n in (nudged[k],) if n._fn is not None and j < len(n._inputs)}
        finally:
            for s, x0 in zip(tensor_slots, start):
                s.set_all(x0)
        graph_arrays = [n.data for n in base if n.requires_grad]
        graph_arrays += [s.obj.data for s in tensor_slots]
    if len(base) != len(nudged):
        return [], [f"{whole}, but the graph changes shape when the inputs move (a branch on "
                    "their values), so the cut cannot be located"], None
    findings: list[Finding] = []
    position = 0  # among op nodes, as the report counts them
    for k, (a, b) in enumerate(zip(base, nudged)):
        if a._fn is None or b._fn is not a._fn:
            continue
        position += 1
        for j, value in _constant_slots(a):
            before, after = constants[(k, j)], moved.get((k, j))
            if (after is None or before.shape != after.shape
                    or np.allclose(before, after, rtol=1e-12, atol=0)):
                continue
            cause = CAUSES[_cause(value, graph_arrays)]
            findings.append(Finding(
                node=a, position=position, op=a._fn.name, input_index=j,
                out_shape=tuple(a.shape), in_shapes=[tuple(np.shape(getattr(x, "data", x)))
                                                     for x in a._inputs],
                name=a.name, site=a._site,
                reason=f"the graph is cut at input {j}: it changes with the inputs of f but "
                       "has no recorded path to them",
                details=[whole, f"likely cause: {cause}"]))
            break
    if not findings:
        return [], [f"{whole}, but no op input depends on the inputs without a recorded path: "
                    "the difference is likely a kink or another non-smooth point"], None
    return findings, [], base_roots[0] if len(base_roots) == 1 else base_roots
