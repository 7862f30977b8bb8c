"""Tell apart the samples of a batch that a scalar model was applied to one at a time.

``sum((model(x) - y) ** 2 for x, y in batch)`` builds one copy of the model's forward
graph per sample, all sharing the parameters: each parameter is used once per sample.
Take one parameter used N >= 2 times (every parameter must be used N times): its N
consumers start the N samples. A node computed from exactly one of them belongs to that
sample; from several, it combines samples (the sum of the loss terms: the *reduction*);
from none, it belongs to the sample that all its consumers belong to (the inputs, the
other neurons of the first layer, a sample's target), else to no sample.
"""

from __future__ import annotations

from .graph import Graph

__all__ = ["Samples", "find_samples", "sample_names", "SHARED", "MIXED"]

SHARED = -1  # parameters, constants: no sample
MIXED = -2  # combines several samples


class Samples:
    """Sample id per node (``SHARED``, ``MIXED`` or 0..count-1) and the count."""

    __slots__ = ("sid", "count")

    def __init__(self, sid: list[int], count: int) -> None:
        self.sid = sid
        self.count = count


def find_samples(graph: Graph, param_like: list[bool]) -> Samples | None:
    """The samples of ``graph`` when every parameter is used the same number N >= 2 of
    times and the N parts have about the same size; None otherwise.

    ``param_like[i]``: node ``i`` is a parameter or computed from parameters only.
    """
    n = len(graph.nodes)
    parents = graph.parents
    uses: dict[int, list[int]] = {}
    for i in range(n):
        if not param_like[i]:
            for p in dict.fromkeys(parents[i]):
                if param_like[p]:
                    uses.setdefault(p, []).append(i)
    counts = {len(v) for v in uses.values()}
    if len(counts) != 1 or (count := counts.pop()) < 2:
        return None
    seeds = next(iter(uses.values()))
    bits = [0] * n
    for k, c in enumerate(seeds):
        bits[c] |= 1 << k
    for i in range(n):
        if not param_like[i]:
            b = bits[i]
            for p in parents[i]:
                b |= bits[p]
            bits[i] = b
    sid = [SHARED] * n
    for i in range(n):
        b = bits[i]
        if b:
            sid[i] = b.bit_length() - 1 if b & (b - 1) == 0 else MIXED
    children: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for p in parents[i]:
            children[p].append(i)
    for i in range(n - 1, -1, -1):  # children first: a node upstream of one sample only
        if bits[i] or param_like[i]:
            continue
        found = {sid[c] for c in children[i]}
        if len(found) == 1 and (s := found.pop()) >= 0:
            sid[i] = s
    sizes: dict[int, int] = {}
    for s in sid:
        if s >= 0:
            sizes[s] = sizes.get(s, 0) + 1
    small, large = min(sizes.values(), default=0), max(sizes.values(), default=0)
    if len(sizes) != count or large - small > max(2, small // 10):
        return None  # not N runs of one computation (a first sum step may join one)
    order: dict[int, int] = {}  # number the samples in the order the graph meets them
    for s in sid:
        if s >= 0 and s not in order:
            order[s] = len(order)
    return Samples([order[s] if s >= 0 else s for s in sid], count)


def sample_names(graph: Graph, samples: Samples, drawn: int,
                 owner: list[str | None]) -> dict[int, str]:
    """Names for the drawn sample's leaves: inputs of the model ``x[0]``, ``x[1]``, ... in
    the order the graph first uses them, and the other leaves (targets) ``y`` (``y[k]``).

    Only leaves that every sample has (by the ops that use them) are named, so the start
    of a sum (``Value(0.0) + ...``), which only the first sample meets, is not a target.
    """
    sid, parents, nodes = samples.sid, graph.parents, graph.nodes
    uses: dict[int, list[tuple[str, int]]] = {}
    for i in range(len(nodes)):
        for pos, p in enumerate(parents[i]):
            if not parents[p] and sid[p] >= 0:
                uses.setdefault(p, []).append((str(nodes[i]._op), pos))
    other = 1 if drawn == 0 else 0
    seen_elsewhere = {tuple(sorted(u)) for p, u in uses.items() if sid[p] == other}
    feeds_model = {p for i in range(len(nodes)) if owner[i] is not None for p in parents[i]}
    inputs: list[int] = []
    targets: list[int] = []
    for p in sorted(uses):
        if sid[p] == drawn and tuple(sorted(uses[p])) in seen_elsewhere:
            (inputs if p in feeds_model else targets).append(p)
    names = {i: f"x[{k}]" for k, i in enumerate(inputs)}
    names.update({i: "y" if len(targets) == 1 else f"y[{k}]" for k, i in enumerate(targets)})
    return names
