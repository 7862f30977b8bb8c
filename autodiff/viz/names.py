"""Names for unnamed nodes: the variables of the calling code that hold them.

``to_dot(loss)`` called where ``X = ad.tensor(...)`` and ``y = ...`` are variables draws
those inputs as ``X`` and ``y``. The frames are read from the innermost caller outside
``autodiff.viz`` outwards; the nearest variable wins. A variable holding a list, tuple or
dict of nodes names its items (``xs[3]``, ``xs[3][1]``, ``batch['y']``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from .graph import node_name

__all__ = ["names_in", "caller_names", "explicit_names", "other_names"]

MAX_ITEMS = 100_000  # items of containers searched per namespace, at most


def _is_node(x: Any) -> bool:
    return hasattr(x, "_prev") and hasattr(x, "_op") and hasattr(x, "data")


def names_in(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: node}`` for the graph nodes held by a namespace's variables, or by the items
    of a list, tuple or dict they hold (two levels deep: ``xs[3][1]``).

    Names starting with an underscore are skipped (``_``, ``__builtins__``); past
    ``MAX_ITEMS`` container items the search stops.
    """
    found: dict[str, Any] = {}
    budget = MAX_ITEMS
    stack: list[tuple[str, Any, int]] = [
        (name, value, 2) for name, value in reversed(list(namespace.items()))
        if isinstance(name, str) and not name.startswith("_")]
    while stack and budget > 0:
        name, value, depth = stack.pop()
        if _is_node(value):
            found.setdefault(name, value)
            continue
        if depth == 0:
            continue
        if isinstance(value, list | tuple):
            items: Iterable[tuple[Any, Any]] = enumerate(value)
        elif isinstance(value, dict):
            items = ((k, v) for k, v in value.items() if isinstance(k, str | int))
        else:
            continue
        children = []
        for key, item in items:
            budget -= 1
            if budget < 0:
                break
            if _is_node(item) or isinstance(item, list | tuple | dict):
                label = f"{name}[{key}]" if isinstance(key, int) else f"{name}[{key!r}]"
                children.append((label, item, depth - 1))
        stack.extend(reversed(children))
    return found


def caller_names(wanted: set[int]) -> dict[int, str]:
    """``id(node) -> name`` for the nodes in ``wanted`` held by variables of the callers.

    Frames are read from the innermost one outside ``autodiff.viz`` outwards, each
    frame's locals (module-level code: its globals); the first name found for a node wins.
    """
    out: dict[int, str] = {}
    if not wanted:
        return out
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
            "autodiff.viz"):
        frame = frame.f_back
    while frame is not None and len(out) < len(wanted):
        for name, node in names_in(frame.f_locals).items():
            key = id(node)
            if key in wanted and key not in out:
                out[key] = name
        frame = frame.f_back
    return out


def explicit_names(names: Any, where: str) -> dict[int, str]:
    """``id(node) -> name`` from ``names=``: a mapping name -> node or ``(name, node)`` pairs.

    Raises TypeError for anything else, naming ``where`` and what is accepted.
    """
    items = names.items() if isinstance(names, Mapping) else names
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"{where}(names=...): expected True, False, a dict name -> node or "
                        f"(name, node) pairs, got {type(names).__name__}") from None
    out: dict[int, str] = {}
    for k, item in enumerate(items):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and _is_node(item[1])):
            raise TypeError(f"{where}(names=...): entry {k} is {item!r:.60}; expected a "
                            "(name, node) pair with a str name and a Value or Tensor")
        out.setdefault(id(item[1]), item[0])
    return out


def other_names(nodes: list[Any], has_op: list[bool], taken: Mapping[int, str], names: Any,
                where: str) -> dict[int, str]:
    """Names for nodes that have none of their own (no label/name, not a named parameter).

    ``names=True``: the callers' variables, for leaves; ``False`` / ``None``: none; a
    mapping or pairs: those names, for any node.
    """
    if names is True:
        wanted = {id(node) for i, node in enumerate(nodes)
                  if not has_op[i] and id(node) not in taken and not node_name(node)}
        return caller_names(wanted)
    if names is False or names is None:
        return {}
    return explicit_names(names, where)
