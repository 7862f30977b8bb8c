"""Find the ops of parameter-free modules (ReLU, Tanh, Dropout, Flatten...) in a graph.

A graph records ops, not the module calls that made them, and a parameter-free module
leaves no parameter to place its ops by. Its ops are found by what it does: the module
is run once on a copy of the tensor it must have received (the output of the sibling
registered just before it, or the container's input for the first child), and the ops
of that probe are looked for in the graph, starting from that tensor. The probe runs on
a deep copy of the module with the default generator's state restored afterwards, so
drawing changes nothing (no random numbers drawn, no statistics updated).

Children are taken to run in the order they were registered, as ``nn.Sequential``
does; a module whose probe does not match (another order, or a different mode since
the graph was built) is left as before: its ops stay where the other rules put them.
"""

from __future__ import annotations

import copy
from typing import Any

from ..grad_mode import enable_grad
from ..nodes import is_array_node
from ..random import default_generator
from ..tensor import Tensor
from .graph import Graph, walk
from .modules import ModuleTree

__all__ = ["place_parameter_free"]

BACK = 4  # how far before a container's first op its input is looked for


def place_parameter_free(graph: Graph, owner: list[str | None], is_param: list[bool],
                         tree: ModuleTree) -> dict[int, str]:
    """Node position -> path of the parameter-free module whose ops it is."""
    with_params = tree.with_parameters()
    if all(path in with_params for path in tree.kind):
        return {}
    children: list[list[int]] = [[] for _ in graph.nodes]
    for i, ps in enumerate(graph.parents):
        for p in ps:
            children[p].append(i)
    touches = _touches_params(graph, is_param, owner)
    members: dict[str, list[int]] = {}  # module path -> the nodes inside it, at any depth
    for i, o in enumerate(owner):
        while o is not None:
            members.setdefault(o, []).append(i)
            o = tree.parent[o]
    forced: dict[int, str] = {}
    for path in tree.kind:
        kids = tree.kids[path]
        if all(k in with_params for k in kids):
            continue
        previous: list[int] = _entry_candidates(graph, is_param, members.get(path, []))
        for kid in kids:
            if kid in with_params:
                previous = _exit_candidates(touches, members.get(kid, []))
                continue
            found = None
            for start in previous:
                found = _match(graph, children, start, tree.module[kid], forced)
                if found is not None:
                    break
            if found is None:
                previous = []
                continue
            matched, out = found
            for i in matched:
                forced[i] = kid
            previous = [out]
    return forced


def _touches_params(graph: Graph, is_param: list[bool], owner: list[str | None]) -> list[bool]:
    """Whether a node is a parameter, computed from parameters only, or takes one directly."""
    from_params = [False] * len(graph.nodes)
    touches = [False] * len(graph.nodes)
    for i, ps in enumerate(graph.parents):
        if is_param[i]:
            from_params[i] = touches[i] = owner[i] is not None
        elif ps:
            from_params[i] = all(from_params[p] for p in ps)
            touches[i] = any(from_params[p] for p in ps)
    return touches


def _exit_candidates(touches: list[bool], inside: list[int]) -> list[int]:
    """Where a module with parameters may hand its output on: its last node that touches
    a parameter and the nodes after it inside the module, latest first."""
    last = max((i for i in inside if touches[i]), default=None)
    if last is None:
        return []
    return sorted((i for i in inside if i >= last), reverse=True)


def _entry_candidates(graph: Graph, is_param: list[bool], inside: list[int]) -> list[int]:
    """A container's input: nodes outside it that feed it, and a few of their ancestors."""
    within = set(inside)
    entries = sorted({p for i in inside for p in graph.parents[i]
                      if not is_param[p] and p not in within}, reverse=True)
    out: list[int] = []
    for e in entries:
        k = e
        for _ in range(BACK):
            out.append(k)
            ps = [p for p in graph.parents[k] if not is_param[p]]
            if len(ps) != 1:
                break
            k = ps[0]
    return list(dict.fromkeys(out))


def _probe(module: Any, data: Any) -> tuple[Any, Any] | None:
    """``(leaf, output)`` of a deep copy of ``module`` run on a leaf holding ``data``."""
    generator = default_generator()
    state = generator.bit_generator.state
    try:
        leaf = Tensor(data.copy(), requires_grad=True)
        with enable_grad():
            out = copy.deepcopy(module)(leaf)
    except Exception:  # a module that cannot run on this tensor alone: not this one
        return None
    finally:
        generator.bit_generator.state = state
    return leaf, out


def _match(graph: Graph, children: list[list[int]], start: int, module: Any,
           taken: dict[int, str]) -> tuple[list[int], int] | None:
    """The graph nodes that repeat ``module``'s probe from node ``start``, and the output."""
    node = graph.nodes[start]
    if not is_array_node(node):
        return None
    probe = _probe(module, node.data)
    if probe is None:
        return None
    leaf, out = probe
    if out is leaf:
        return [], start  # the identity (Dropout in eval mode): no op to draw
    if not (hasattr(out, "_prev") and is_array_node(out)):
        return None
    pg = walk([out])
    if id(leaf) not in pg.index:
        return None
    mapped = {pg.index[id(leaf)]: start}
    used: set[int] = set()
    for k, pnode in enumerate(pg.nodes):
        ps = pg.parents[k]
        known = [(pos, mapped[q]) for pos, q in enumerate(ps) if q in mapped]
        if not known:
            continue  # a constant made inside the module
        candidates = children[known[0][1]]
        hit = next((c for c in candidates
                    if c not in used and c not in taken and graph.nodes[c]._op == pnode._op
                    and len(graph.parents[c]) == len(ps)
                    and all(graph.parents[c][pos] == real for pos, real in known)), None)
        if hit is None:
            return None
        mapped[k] = hit
        used.add(hit)
    if pg.roots[0] not in mapped:
        return None
    inputs = set(mapped.values()) - used
    for i in sorted(used):  # constants only this module uses (a dropout mask) go with it
        for p in graph.parents[i]:
            if (not graph.parents[p] and p not in used and p not in inputs
                    and all(c in used for c in children[p])):
                used.add(p)
    return sorted(used), mapped[pg.roots[0]]
