"""The graph walks: every node reachable from some roots, each once, parents first.

Two views of one graph. ``walk`` follows ``_prev`` (a node's parents) and returns every
node with index-based edges: it serves drawings, the gradient checker and the testing
helpers, and works on ``autodiff.Value``, ``autodiff.Tensor`` and micrograd's ``Value``
alike. ``topological_order`` follows a Tensor node's ``_inputs`` and keeps only nodes
that require grad: it is what the backward loop runs over. ``value_topological_order``
is the same order for a Value graph, specialised for speed: it reads Value's parent
slots directly and marks visited nodes in a slot instead of a set.
Nothing here recurses, so a chain of a million nodes is walked like a short one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Graph", "topological_order", "value_topological_order", "walk"]


class Graph:
    """The nodes reachable from the roots, parents before children, with index-based edges.

    ``nodes[i]`` is a graph node, ``parents[i]`` the positions of its parents in argument
    order (repeated when an op uses one input twice), ``roots`` the positions of the roots.
    """

    __slots__ = ("nodes", "parents", "roots", "index")

    def __init__(self, nodes: list[Any], parents: list[tuple[int, ...]], roots: list[int],
                 index: dict[int, int]) -> None:
        self.nodes = nodes
        self.parents = parents
        self.roots = roots
        self.index = index

    def __len__(self) -> int:
        return len(self.nodes)

    def children_counts(self) -> list[int]:
        """How many times each node is used as an input (its out-degree)."""
        counts = [0] * len(self.nodes)
        for ps in self.parents:
            for p in ps:
                counts[p] += 1
        return counts


def walk(roots: Sequence[Any]) -> Graph:
    """Every node reachable from ``roots`` through ``_prev``, parents first (iterative DFS).

    Nodes are told apart by identity, so unhashable nodes work too. Runs in time linear
    in the number of nodes and edges, with an explicit stack instead of recursion.
    """
    order: list[Any] = []
    index: dict[int, int] = {}
    prevs: list[tuple[Any, ...]] = []
    on_stack: set[int] = set()
    for root in roots:
        if id(root) in index:
            continue
        prev = tuple(root._prev)
        stack: list[tuple[Any, tuple[Any, ...], Any]] = [(root, prev, iter(prev))]
        on_stack.add(id(root))
        while stack:
            node, node_prev, it = stack[-1]
            for parent in it:
                pid = id(parent)
                if pid not in index and pid not in on_stack:
                    on_stack.add(pid)
                    parent_prev = tuple(parent._prev)
                    stack.append((parent, parent_prev, iter(parent_prev)))
                    break
            else:
                stack.pop()
                on_stack.discard(id(node))
                index[id(node)] = len(order)
                order.append(node)
                prevs.append(node_prev)
    parents = [tuple(index[id(p)] for p in prev) for prev in prevs]
    return Graph(order, parents, [index[id(r)] for r in roots], index)


def _needs_grad(x: Any) -> bool:
    return getattr(x, "requires_grad", False) is True


def topological_order(roots: Iterable[Any]) -> list[Any]:
    """Return every node reachable from ``roots`` that requires grad, inputs before outputs.

    Iterative depth-first search: no recursion, so any depth works.
    """
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(r, False) for r in roots if _needs_grad(r)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._inputs:
            if getattr(parent, "requires_grad", False) is True and id(parent) not in visited:
                stack.append((parent, False))
    return order


def value_topological_order(root: Any) -> list[Any]:
    """Interior nodes reachable from ``root``, every node after its parents.

    Iterative depth-first search that marks visited nodes with a fresh token in their
    ``_mark`` slot (cheaper than a set). Leaves are left out (they pass nothing on).
    Interior nodes have their ``grad`` reset to 0 so that each backward pass starts clean.
    """
    topo: list[Any] = []
    if root._a is None:
        return topo
    token = object()
    root._mark = token
    stack = [root]
    push = stack.append
    pop = stack.pop
    emit = topo.append
    while stack:
        v = stack[-1]
        a = v._a
        if a._mark is not token and a._a is not None:
            a._mark = token
            push(a)
            continue
        b = v._b
        if b is not None and b._mark is not token and b._a is not None:
            b._mark = token
            push(b)
            continue
        # both parents are leaves or already emitted: a parent still on the stack
        # would need a cycle, which a graph built forward cannot have
        pop()
        v.grad = 0.0
        emit(v)
    return topo
