"""Fit a large graph into ``max_nodes`` drawn nodes, saying what was hidden.

Four steps, each taken only while the drawing is still too large:

0. **Batch.** A scalar model applied sample by sample (``batch.find_samples``) is drawn
   for one sample; the other samples go into one box, and the ops that combine them
   (the sum of the loss terms) into another.
1. **Modules.** With a model, the deepest module clusters (neurons) become one summary
   box each, then the next level up (layers), then the whole network.
2. **Chains.** Runs of single-input ops (``tanh`` of ``* 2`` of ``exp`` ...) fold into
   one box each.
3. **Distance.** Nodes are kept in breadth-first order from the output back towards the
   inputs; whatever does not fit goes into one box that says how many nodes it holds.

Every node is mapped to an *item*: itself (``rep[i] == i``) or a ``Group``
(``rep[i] == len(nodes) + k`` for ``groups[k]``). Roots always stay visible.
"""

from __future__ import annotations

from collections import deque

from .batch import MIXED, Samples
from .graph import Graph
from .modules import ModuleTree

__all__ = ["Group", "Layout", "collapse"]


class Group:
    """Nodes drawn as one box: a collapsed module, a folded chain, or the hidden remainder."""

    __slots__ = ("kind", "key", "cluster", "members")

    def __init__(self, kind: str, key: str, cluster: str | None) -> None:
        self.kind = kind  # "module" | "chain" | "hidden" | "batch" | "reduction"
        self.key = key  # module path for "module", the number of samples for a batch
        self.cluster = cluster  # module cluster the box is drawn in (None: top level)
        self.members: list[int] = []


class Layout:
    """The result of ``collapse``: node -> item map, the groups, and notes for the reader."""

    __slots__ = ("rep", "groups", "notes", "sample")

    def __init__(self, rep: list[int], groups: list[Group], notes: list[str],
                 sample: int | None = None) -> None:
        self.rep = rep
        self.groups = groups
        self.notes = notes
        self.sample = sample  # the sample drawn when a batch was folded


def _modules(graph: Graph, cost: list[int], owner: list[str | None], tree: ModuleTree,
             keep: set[int], budget: int, base: list[int],
             base_groups: list[Group]) -> tuple[list[int], list[Group], int]:
    """Collapse module clusters, deepest level first, until the drawing fits (or level 0).

    Nodes already in a group of ``base`` / ``base_groups`` (a folded batch) stay there."""
    n = len(graph)
    depths = {tree.depth[o] for i, o in enumerate(owner) if o is not None and base[i] == i}
    start = len(base_groups) + sum(cost[i] for i in range(n) if base[i] == i)
    if not depths:
        return list(base), list(base_groups), start
    best: tuple[list[int], list[Group], int] | None = None
    for level in range(max(depths), -1, -1):
        rep = list(base)
        groups: list[Group] = list(base_groups)
        by_key: dict[str, int] = {}
        ancestor: dict[str, str] = {}
        total = len(base_groups)
        for i in range(n):
            if base[i] != i:
                continue
            o = owner[i]
            if o is None or i in keep or tree.depth[o] < level:
                total += cost[i]
                continue
            key = ancestor.get(o)
            if key is None:
                key = ancestor[o] = tree.ancestor_at(o, level)
            g = by_key.get(key)
            if g is None:
                g = by_key[key] = len(groups)
                groups.append(Group("module", key, tree.parent[key]))
                total += 1
            groups[g].members.append(i)
            rep[i] = n + g
        best = (rep, groups, total)
        if total <= budget:
            break
    assert best is not None
    return best


def _batch(graph: Graph, cost: list[int], samples: Samples, keep: set[int],
           has_op: list[bool]) -> tuple[list[int], list[Group], int]:
    """Fold every sample but the first into one box, and the ops that combine the samples
    (the sum of the loss terms) into another; return (rep, groups, drawn sample)."""
    n = len(graph)
    sid = samples.sid
    drawn = next(s for s in sid if s >= 0)
    rep = list(range(n))
    folded = Group("batch", str(samples.count), None)
    mixed = Group("reduction", str(samples.count), None)
    for i in range(n):
        s = sid[i]
        if i in keep:
            continue
        if s >= 0 and s != drawn:
            folded.members.append(i)
        elif s == MIXED and has_op[i]:
            mixed.members.append(i)
    groups = [folded]
    for i in folded.members:
        rep[i] = n
    if len(mixed.members) > 2:  # a short reduction is drawn as it is
        groups.append(mixed)
        for i in mixed.members:
            rep[i] = n + 1
    return rep, groups, drawn
def _chains(graph: Graph, cost: list[int], rep: list[int], groups: list[Group],
            owner: list[str | None] | None, has_op: list[bool], is_param: list[bool],
            keep: set[int]) -> tuple[int, int]:
    """Fold runs of single-input ops into one group each; return (chains, nodes folded)."""
    n = len(graph)
    uses = graph.children_counts()
    parents = graph.parents

    def private_leaf(p: int) -> bool:
        return not parents[p] and not is_param[p] and uses[p] == 1 and p not in keep

    nxt: dict[int, int] = {}
    linked: set[int] = set()
    for i in range(n):
        if rep[i] != i or i in keep or not has_op[i]:
            continue
        main = [p for p in parents[i] if not private_leaf(p)]
        if len(main) != 1:
            continue
        p = main[0]
        if (rep[p] == p and p not in keep and has_op[p] and uses[p] == 1
                and (owner is None or owner[p] == owner[i])):
            nxt[p] = i
            linked.add(i)
    count = folded = 0
    for head in nxt:
        if head in linked:
            continue
        chain = [head]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        g = len(groups)
        group = Group("chain", "", owner[head] if owner is not None else None)
        for i in chain:
            for p in parents[i]:
                if private_leaf(p) and rep[p] == p:
                    rep[p] = n + g
                    group.members.append(p)
            rep[i] = n + g
            group.members.append(i)
        groups.append(group)
        count += 1
        folded += len(group.members)
    return count, folded


def _distance(graph: Graph, cost: list[int], rep: list[int], groups: list[Group],
              budget: int) -> int:
    """Keep items nearest the roots that fit in ``budget - 1``; hide the rest in one group."""
    n = len(graph)
    item_parents: dict[int, set[int]] = {}
    for i in range(n):
        r = rep[i]
        for p in graph.parents[i]:
            rp = rep[p]
            if rp != r:
                item_parents.setdefault(r, set()).add(rp)
    item_cost = {i: cost[i] for i in range(n) if rep[i] == i}
    for g in range(len(groups)):
        item_cost[n + g] = 1
    kept: set[int] = set()
    used = 0
    queue = deque(dict.fromkeys(rep[r] for r in graph.roots))
    for item in queue:
        kept.add(item)
        used += item_cost[item]
    while queue:
        item = queue.popleft()
        for p in sorted(item_parents.get(item, ())):
            if p in kept:
                continue
            if used + item_cost[p] > budget - 1:
                continue
            kept.add(p)
            used += item_cost[p]
            queue.append(p)
    new_groups: list[Group] = []
    remap: dict[int, int] = {}
    for g, group in enumerate(groups):
        if n + g in kept:
            remap[n + g] = n + len(new_groups)
            new_groups.append(group)
    hidden = Group("hidden", "", None)
    h = n + len(new_groups)
    for i in range(n):
        r = rep[i]
        if r not in kept:
            rep[i] = h
            hidden.members.append(i)
        elif r >= n:
            rep[i] = remap[r]
    if hidden.members:
        new_groups.append(hidden)
    groups[:] = new_groups
    return len(hidden.members)


def collapse(graph: Graph, cost: list[int], has_op: list[bool], is_param: list[bool],
             owner: list[str | None] | None, tree: ModuleTree | None,
             budget: int | None, samples: Samples | None = None) -> Layout:
    """Map nodes to drawn items so that the drawn node count stays within ``budget``.

    ``cost[i]`` is how many drawn nodes node ``i`` takes on its own (2 with an op node,
    1 for a leaf); a group takes 1. ``budget=None`` keeps everything. ``samples``: the
    samples of a batch (``batch.find_samples``), folded first.
    """
    n = len(graph)
    total = sum(cost)
    rep = list(range(n))
    groups: list[Group] = []
    notes: list[str] = []
    if budget is None or total <= budget:
        return Layout(rep, groups, notes)
    keep = set(graph.roots)
    drawn: int | None = None
    if samples is not None:
        rep, groups, drawn = _batch(graph, cost, samples, keep, has_op)
        total = len(groups) + sum(cost[i] for i in range(n) if rep[i] == i)
        notes.append(f"a batch of {samples.count:,} samples: one drawn, the other "
                     f"{samples.count - 1:,} folded into one box")
    if total > budget and tree is not None and owner is not None:
        base = len(groups)
        rep, groups, total = _modules(graph, cost, owner, tree, keep, budget, rep, groups)
        if len(groups) > base:
            hidden = sum(len(g.members) for g in groups[base:])
            notes.append(f"{len(groups) - base} module cluster(s) ({hidden:,} nodes) drawn as "
                         "summary boxes")
    if total > budget:
        count, folded = _chains(graph, cost, rep, groups, owner, has_op, is_param, keep)
        if count:
            total = sum(cost[i] for i in range(n) if rep[i] == i) + len(groups)
            notes.append(f"{count:,} chain(s) of single-input ops ({folded:,} nodes) folded")
    if total > budget:
        hidden = _distance(graph, cost, rep, groups, budget)
        if hidden:
            notes.append(f"{hidden:,} nodes farthest from the output hidden in one box")
    return Layout(rep, groups, notes, drawn)
