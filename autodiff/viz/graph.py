"""What a drawing says about each node of a graph (the walk itself is ``autodiff.graph``).

A node is anything with ``_prev`` (its parents) and ``_op`` (the op that made it, ``""``
for a leaf): ``autodiff.Value``, ``autodiff.Tensor`` and micrograd's ``Value`` all
qualify."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..graph import Graph, walk

__all__ = ["Graph", "walk", "value_fields", "tensor_fields", "op_label",
           "grad_magnitude", "fmt_num"]


def _check_node(node: Any, where: str) -> None:
    if not (hasattr(node, "_prev") and hasattr(node, "_op") and hasattr(node, "data")):
        raise TypeError(
            f"{where}: expected a Value or Tensor (an object with _prev, _op and data), "
            f"got {type(node).__name__}"
        )


def as_roots(root: Any, where: str) -> list[Any]:
    """``root`` as a list of graph nodes: one node, or a list/tuple of nodes."""
    roots = list(root) if isinstance(root, list | tuple) else [root]
    if not roots:
        raise ValueError(f"{where}: got an empty list of roots; pass a Value or a Tensor")
    for r in roots:
        _check_node(r, where)
    return roots


def fmt_num(x: float) -> str:
    """A number as micrograd prints it (``%.4f``), or ``%.3e`` when very large or small."""
    x = float(x)
    if x != x or x in (math.inf, -math.inf):
        return str(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def _summary(arr: Any, small: int = 4) -> str:
    """The values of a small array, or ``mean / min / max`` of a larger one."""
    if arr is None:
        return "none"
    a = np.asarray(arr)
    if a.size == 0:
        return "[]"
    if a.dtype.kind not in "fiub":
        return f"<{a.dtype}>"
    if a.size <= small:
        if a.ndim == 0:
            return fmt_num(a.item())
        return "[" + ", ".join(fmt_num(v) for v in a.reshape(-1).tolist()) + "]"
    f = a.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        return f"mean {fmt_num(f.mean())}, min {fmt_num(f.min())}, max {fmt_num(f.max())}"


def value_fields(node: Any, name: str, show_data: bool, show_grad: bool) -> list[str]:
    """Record fields of a scalar node: ``[label] | data x | grad g`` (micrograd's layout)."""
    fields = [name] if name else []
    if show_data:
        fields.append(f"data {fmt_num(node.data)}")
    if show_grad:
        grad = getattr(node, "grad", None)
        fields.append("grad none" if grad is None else f"grad {fmt_num(grad)}")
    return fields


_DTYPE_NAMES: dict[Any, str] = {}


def tensor_fields(node: Any, name: str, show_data: bool, show_grad: bool,
                  seeded: bool = False) -> list[str]:
    """Record fields of an array node: name, shape and dtype, data and grad summaries.

    ``seeded``: the node is an output that ``backward()`` started from, so its grad reads
    1 (d out / d out) although a non-leaf tensor keeps no ``.grad``."""
    data = node.data
    fields = [name] if name else []
    dtype = _DTYPE_NAMES.get(data.dtype) or _DTYPE_NAMES.setdefault(data.dtype, str(data.dtype))
    fields.append(f"{tuple(data.shape)} {dtype}")
    if show_data:
        fields.append("data " + _summary(data))
    if show_grad:
        grad = np.ones(data.shape) if seeded else getattr(node, "grad", None)
        fields.append("grad " + _summary(grad))
    return fields


def seeded_roots(graph: Graph, tensor: list[bool], has_op: list[bool]) -> set[int]:
    """The one-element Tensor outputs without a ``.grad`` of a graph whose backward has run.

    ``backward()`` seeds its output with 1 but, as in PyTorch, keeps no ``.grad`` on a
    non-leaf tensor; a leaf of the graph holding a gradient shows that it ran.
    """
    nodes = graph.nodes
    candidates = {r for r in graph.roots if tensor[r] and has_op[r]
                  and getattr(nodes[r], "grad", None) is None
                  and int(getattr(nodes[r].data, "size", 0)) == 1}
    if not candidates:
        return set()
    ran = any(not has_op[i] and getattr(node, "grad", None) is not None
              for i, node in enumerate(nodes))
    return candidates if ran else set()


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "truediv": "/", "pow": "**",
            "neg": "neg", "rsub": "-", "rdiv": "/", "rtruediv": "/"}


def _short(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        return f"{float(x):g}"
    if isinstance(x, np.ndarray):
        return f"{x.item():g}" if x.size == 1 else f"array{tuple(x.shape)}"
    text = repr(x)
    return text if len(text) <= 24 else text[:21] + "..."


def op_label(node: Any) -> str:
    """The op's name (arithmetic as symbols), with constant operands and keyword arguments.

    ``x * 2`` on Tensors reads ``* 2``; ``t.sum(axis=1)`` reads ``sum`` over ``axis=1``.
    """
    op = str(node._op)
    label = _SYMBOLS.get(op, op)
    inputs = getattr(node, "_inputs", None)
    if inputs:
        consts = [_short(x) for x in inputs if not hasattr(x, "_prev")]
        if consts and len(consts) <= 3:
            label += " " + ", ".join(consts)
    ctx = getattr(node, "_ctx", None)
    if isinstance(ctx, dict) and ctx:
        shown = [f"{k}={_short(v)}" for k, v in ctx.items() if v is not None and v is not False]
        if shown:
            label += "\n" + ", ".join(shown)
    return label


def grad_magnitude(node: Any) -> float | None:
    """|grad| of a scalar node, mean |grad| of an array node; None when it has no grad."""
    grad = getattr(node, "grad", None)
    if grad is None:
        return None
    if isinstance(grad, np.ndarray):
        if grad.size == 0:
            return None
        with np.errstate(all="ignore"):
            return float(np.mean(np.abs(grad.astype(np.float64, copy=False))))
    try:
        return abs(float(grad))
    except (TypeError, ValueError):
        return None


def node_name(node: Any) -> str:
    """The user's name for a node: ``label`` of a Value, ``name`` of a Tensor."""
    name = getattr(node, "label", None) or getattr(node, "name", None)
    return name if isinstance(name, str) else ""


def flagged_ids(diagnosis: Any) -> dict[int, str]:
    """The nodes a diagnosis flags, as ``id(node) -> reason``.

    Accepts an object with ``bad_nodes``, ``nodes`` or ``node`` (read in that order), or an
    iterable of nodes. An entry may be a node, an object with ``.node`` (and optionally
    ``.reason`` or ``.message``), or a ``(node, reason)`` pair. A report's ``findings``
    (objects with ``.node`` and ``.reason``) supply the reasons shown as tooltips.
    """
    if diagnosis is None:
        return {}
    entries: Any = None
    for attr in ("bad_nodes", "nodes"):
        if hasattr(diagnosis, attr):
            entries = getattr(diagnosis, attr)
            break
    else:
        if hasattr(diagnosis, "node") and not hasattr(diagnosis, "_prev"):
            entries = [diagnosis]
        elif hasattr(diagnosis, "_prev"):
            entries = [diagnosis]
        else:
            entries = diagnosis
    if entries is None:
        return {}
    if not isinstance(entries, Iterable):
        raise TypeError(
            f"draw_dot(diagnosis=...): expected a report with .bad_nodes or .nodes, or an "
            f"iterable of nodes, got {type(diagnosis).__name__}"
        )
    out: dict[int, str] = {}
    for entry in entries:
        reason = ""
        if isinstance(entry, tuple) and len(entry) == 2 and hasattr(entry[0], "_prev"):
            entry, reason = entry[0], str(entry[1])
        elif not hasattr(entry, "_prev") and hasattr(entry, "node"):
            reason = str(getattr(entry, "reason", "") or getattr(entry, "message", "") or "")
            entry = entry.node
        if entry is None:
            continue
        out[id(entry)] = reason or "flagged by the diagnosis"
    for finding in getattr(diagnosis, "findings", None) or ():  # reasons, when a report has them
        node, reason = getattr(finding, "node", None), getattr(finding, "reason", None)
        if id(node) in out and reason:
            out[id(node)] = str(reason)
    return out
