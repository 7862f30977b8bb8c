"""Parameter names and module membership of graph nodes, for grouping a drawing by module.

A model is anything with ``named_children()`` and ``named_parameters()`` (``nn.Module``).
Its modules form a tree addressed by dotted paths (``""`` is the model itself,
``layers.0`` a layer, ``layers.0.neurons.3`` a neuron). Each parameter belongs to the
deepest module whose path prefixes its name; every other node is placed by its inputs:

* a node computed from parameters only (``weight.T``) counts as a parameter of the
  smallest module holding them all; not a scalar op with a number operand
  (``w * 0.5``), since a scalar model gets its inputs as numbers;
* a node that takes parameters directly belongs to the smallest module holding all of
  them (``w * x`` sits in ``w``'s neuron, ``x @ weight.T`` in ``weight``'s layer);
* otherwise it belongs to the smallest module holding all of its inputs, or to no module
  when any input is outside every module (data, targets: the loss stays outside the net).

The output (a root) is always drawn outside the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..nodes import is_array_node
from .graph import Graph

__all__ = ["ModuleTree", "param_names", "assign_owners", "parameter_like"]


class ModuleTree:
    """The modules of a model by dotted path: class name, parent path and depth."""

    def __init__(self, model: Any) -> None:
        if not (hasattr(model, "named_children") and hasattr(model, "named_parameters")):
            raise TypeError(
                "draw_dot(group_by_module=...): expected an nn.Module (with named_children() "
                f"and named_parameters()), got {type(model).__name__}"
            )
        self.kind: dict[str, str] = {"": type(model).__name__}
        self.short: dict[str, str] = {"": type(model).__name__}
        self.parent: dict[str, str | None] = {"": None}
        self.depth: dict[str, int] = {"": 0}
        self.module: dict[str, Any] = {"": model}
        self.kids: dict[str, list[str]] = {"": []}
        stack: list[tuple[str, Any]] = [("", model)]
        seen = {id(model)}
        while stack:
            path, module = stack.pop()
            found: list[tuple[str, Any]] = []
            for name, child in module.named_children():
                if id(child) in seen:
                    continue
                seen.add(id(child))
                child_path = f"{path}.{name}" if path else str(name)
                self.kind[child_path] = type(child).__name__
                self.short[child_path] = str(name)
                self.parent[child_path] = path
                self.depth[child_path] = self.depth[path] + 1
                self.module[child_path] = child
                self.kids[child_path] = []
                self.kids[path].append(child_path)
                found.append((child_path, child))
            stack.extend(reversed(found))
        self.params: list[tuple[str, Any]] = list(model.named_parameters())
        self.param_owner: dict[int, str] = {}
        for name, p in self.params:
            self.param_owner[id(p)] = self.owner_of_name(name)

    def with_parameters(self) -> set[str]:
        """The module paths that hold a parameter (themselves or a descendant)."""
        out: set[str] = set()
        for owner in self.param_owner.values():
            p: str | None = owner
            while p is not None and p not in out:
                out.add(p)
                p = self.parent[p]
        return out

    def owner_of_name(self, name: str) -> str:
        """The deepest module path that prefixes a parameter name."""
        parts = name.split(".")
        for k in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:k])
            if prefix in self.kind:
                return prefix
        return ""

    def ancestor_at(self, path: str, depth: int) -> str:
        """The ancestor of ``path`` (or ``path`` itself) at ``depth``."""
        while self.depth[path] > depth:
            path = self.parent[path]  # type: ignore[assignment]
        return path

    def lca(self, a: str, b: str) -> str:
        """The smallest module containing both ``a`` and ``b``."""
        while a != b:
            if self.depth[a] >= self.depth[b]:
                a = self.parent[a]  # type: ignore[assignment]
            else:
                b = self.parent[b]  # type: ignore[assignment]
        return a

    def label(self, path: str) -> str:
        """A cluster title: the attribute name and the class, e.g. ``layers.0: Layer``."""
        if path == "":
            return self.kind[""]
        return f"{self.short[path]}: {self.kind[path]}"


def param_names(params: Any, tree: ModuleTree | None) -> dict[int, str]:
    """``id(node) -> name`` from ``params=`` (mapping, (name, node) pairs or nodes) or a model."""
    names: dict[int, str] = {}
    if tree is not None:
        for name, p in tree.params:
            names[id(p)] = name
    if params is None:
        return names
    items = params.items() if isinstance(params, Mapping) else params
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            "draw_dot(params=...): expected a dict name -> parameter, (name, parameter) pairs "
            f"or a list of parameters, got {type(params).__name__}"
        ) from None
    for k, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            names[id(item[1])] = item[0]
        elif hasattr(item, "_prev"):
            label = getattr(item, "label", None) or getattr(item, "name", None)
            names.setdefault(id(item), label if isinstance(label, str) and label else f"p{k}")
        else:
            raise TypeError(
                f"draw_dot(params=...): entry {k} is {type(item).__name__}; expected a "
                "parameter (Value or Tensor) or a (name, parameter) pair"
            )
    return names


_NUMBER_OPS = frozenset(("+", "*", "-", "/"))


def _takes_number(node: Any, n_parents: int) -> bool:
    """A Value op with a Python number operand (``w * 0.5``): the number may be a sample's
    input, which a scalar model receives as a float, so the result is not parameter-like."""
    return n_parents == 1 and node._op in _NUMBER_OPS and not is_array_node(node)


def parameter_like(graph: Graph, is_param: list[bool], tree: ModuleTree) -> list[bool]:
    """Whether each node is a model parameter or computed from parameters only."""
    out = [False] * len(graph.nodes)
    param_owner = tree.param_owner
    for i, node in enumerate(graph.nodes):
        ps = graph.parents[i]
        if is_param[i] or not ps:
            out[i] = id(node) in param_owner
        else:
            out[i] = all(out[p] for p in ps) and not _takes_number(node, len(ps))
    return out


def assign_owners(graph: Graph, is_param: list[bool], tree: ModuleTree,
                  forced: dict[int, str] | None = None) -> list[str | None]:
    """The module path each node belongs to (None: outside the model), in one forward pass.

    ``forced``: node position -> module path, for nodes placed by other means (the ops of
    a parameter-free module, see ``stages``); the pass then places the rest from them.
    """
    owner: list[str | None] = [None] * len(graph.nodes)
    from_params = parameter_like(graph, is_param, tree)
    param_owner = tree.param_owner
    lca = tree.lca
    forced = forced or {}
    for i, node in enumerate(graph.nodes):
        ps = graph.parents[i]
        if i in forced:
            owner[i] = forced[i]
            from_params[i] = False
            continue
        if is_param[i] or not ps:
            owner[i] = param_owner.get(id(node))
            continue
        direct = [owner[p] for p in ps if from_params[p]]
        if direct:
            found = direct[0]
            for o in direct[1:]:
                if o != found:
                    found = lca(found, o)
            owner[i] = found
            continue
        found = owner[ps[0]]
        for p in ps[1:]:
            o = owner[p]
            if o is None or found is None:
                found = None
                break
            if o != found:
                found = lca(found, o)
        owner[i] = found
    for r in graph.roots:  # the output is drawn outside the model, where the reader looks
        if not is_param[r]:
            owner[r] = None
    return owner
