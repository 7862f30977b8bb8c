"""Choose the layout direction from the drawing's shape, and keep its aspect ratio in bounds.

graphviz's ``dot`` puts each node on a *rank* (a row top to bottom, or a column left to
right) after the nodes it depends on. The drawing's size is estimated from the ranks
without running graphviz: a record's size from its text (about 5.3 pt per character at
10 pt, 16 pt of margins per field), a rank's depth from its largest node, its breadth
from the sum of its nodes, 36 pt between ranks and 18 pt between nodes (graphviz's
defaults). The rule (``choose``):

* a small scalar graph (Values only, no module clusters) whose left-to-right drawing is
  at most ``SMALL_WIDTH`` wide stays left to right, as micrograd draws it;
* otherwise top to bottom, unless left to right is clearly squarer (by 1.5x);
* a drawing of more than ``MAX_ESTIMATED`` nodes (``max_nodes=None`` on a large graph)
  is drawn top to bottom without an estimate.

When the chosen drawing is still a long strip, more than ``MAX_ASPECT`` times longer than
wide along its ranks and more than ``LONG`` points long, and has no module clusters, its
ranks are folded into bands laid side by side (``fold``), as text wraps onto the next
line: each edge from one band into the next is drawn as a pair of numbered circles, one
at the end of the band and one at the start of the next (``connect``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Item", "Shape", "ranks", "estimate", "choose", "fold", "band_of", "connect",
           "MAX_ASPECT", "SMALL_WIDTH"]

MAX_ASPECT = 4.0  # the long side of a drawing at most this many times its short side
FOLD_TO = 1.5  # a folded strip aims at this ratio
LONG = 2000.0  # points: a drawing shorter than this along its ranks is never folded
MAX_CROSSING = 12  # a drawing that would need more connectors is not folded
MAX_ESTIMATED = 5000  # a drawing of more nodes is drawn top to bottom without an estimate
SMALL_WIDTH = 1600.0  # points: a left-to-right scalar graph up to this wide stays so
CHAR = 5.3  # points per character at 10 pt Helvetica, on average
RANKSEP, NODESEP = 36.0, 18.0


class Item:
    """A drawn node: ``kind`` "record" (fields), "op" (an ellipse) or "box" (lines)."""

    __slots__ = ("kind", "texts", "size", "_extents")

    def __init__(self, kind: str, texts: Sequence[str], size: float = 10.0) -> None:
        self.kind = kind
        self.texts = [t for text in texts for t in text.split("\n")] if kind != "record" \
            else list(texts)
        self.size = size  # font size in points
        self._extents: dict[str, tuple[float, float]] = {}

    def extent(self, rankdir: str) -> tuple[float, float]:
        """``(width, height)`` in points when drawn in direction ``rankdir``."""
        found = self._extents.get(rankdir)
        if found is None:
            found = self._extents[rankdir] = self._extent(rankdir)
        return found

    def _extent(self, rankdir: str) -> tuple[float, float]:
        char = CHAR * self.size / 10.0
        if self.kind == "op":
            return max(54.0, char * max(map(len, self.texts), default=0) + 18.0), 22.0
        if self.kind == "box":
            width = char * max(map(len, self.texts), default=0) + 16.0
            return width, max(36.0, 12.0 * len(self.texts) + 8.0)
        fields = [char * len(t) + 16.0 for t in self.texts] or [54.0]
        if rankdir in ("LR", "RL"):  # fields side by side, as micrograd draws them
            return max(54.0, sum(fields)), 37.0
        return max(54.0, max(fields)), max(36.0, 19.5 * len(fields))


class Shape:
    """An estimated drawing: width and height in points."""

    __slots__ = ("width", "height")

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height

    @property
    def aspect(self) -> float:
        """The long side over the short side (1 for a square)."""
        return max(self.width, self.height) / max(1.0, min(self.width, self.height))

    def __repr__(self) -> str:
        return f"Shape({self.width:.0f} x {self.height:.0f} pt)"


def ranks(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """The rank of each item: one past its deepest input; an item without inputs sits just
    above the first item that uses it (where graphviz's ranking puts it)."""
    index = {k: i for i, k in enumerate(ids)}
    preds: list[list[int]] = [[] for _ in ids]
    succs: list[list[int]] = [[] for _ in ids]
    indegree = [0] * len(ids)
    for a, b in edges:
        if a in index and b in index and a != b:
            preds[index[b]].append(index[a])
            succs[index[a]].append(index[b])
            indegree[index[b]] += 1
    order = [i for i in range(len(ids)) if indegree[i] == 0]
    for i in order:  # Kahn's algorithm; the list grows as it is read
        for j in succs[i]:
            indegree[j] -= 1
            if indegree[j] == 0:
                order.append(j)
    rank = [0] * len(ids)
    for i in order:
        if preds[i]:
            rank[i] = max(rank[p] for p in preds[i]) + 1
    for i in order:
        if not preds[i] and succs[i]:
            rank[i] = max(0, min(rank[j] for j in succs[i]) - 1)
    return {k: rank[i] for k, i in index.items()}


def estimate(items: dict[str, Item], rank: dict[str, int], rankdir: str,
             caption: Item | None = None, bands: int = 1) -> Shape:
    """The estimated size of the drawing in direction ``rankdir``, its ranks folded into
    ``bands`` bands."""
    depth: dict[int, float] = {}
    breadth: dict[int, float] = {}
    across = rankdir in ("TB", "BT")
    top = max(rank.values(), default=0) + 1
    per_band = math.ceil(top / bands)
    for key, item in items.items():
        w, h = item.extent(rankdir)
        along, side = (h, w) if across else (w, h)
        r = rank.get(key, 0)
        depth[r % per_band] = max(depth.get(r % per_band, 0.0), along)
        breadth[r] = breadth.get(r, -NODESEP) + side + NODESEP
    long_side = sum(depth.values()) + RANKSEP * max(0, len(depth) - 1)
    band_breadth = [max((breadth.get(r, 0.0) for r in range(b * per_band, (b + 1) * per_band)),
                        default=0.0) for b in range(bands)]
    short_side = sum(band_breadth) + 2 * NODESEP * (bands - 1)
    width, height = (short_side, long_side) if across else (long_side, short_side)
    if caption is not None:
        cw, ch = caption.extent("TB")
        width, height = max(width, cw), height + ch
    return Shape(width, height)


def choose(items: dict[str, Item], rank: dict[str, int], scalar: bool, clustered: bool,
           caption: Item | None = None) -> str:
    """The direction for a drawing: "LR" for a small scalar graph, else "TB" unless "LR"
    is clearly squarer."""
    lr = estimate(items, rank, "LR", caption)
    if scalar and not clustered and lr.width <= SMALL_WIDTH:
        return "LR"
    tb = estimate(items, rank, "TB", caption)
    return "LR" if lr.aspect * 1.5 < tb.aspect else "TB"


def fold(items: dict[str, Item], rank: dict[str, int], rankdir: str,
         caption: Item | None = None) -> int:
    """How many bands to fold the ranks into (1: none): a drawing whose long side, along
    its ranks, is more than ``MAX_ASPECT`` times its short side and more than ``LONG``
    points is folded to be about ``FOLD_TO`` times as long as wide."""
    shape = estimate(items, rank, rankdir, caption)
    down = rankdir in ("TB", "BT")
    along, side = (shape.height, shape.width) if down else (shape.width, shape.height)
    if along <= MAX_ASPECT * side or along <= LONG:
        return 1
    top = max(rank.values(), default=0) + 1
    return max(1, min(top, round(math.sqrt(along / (side * FOLD_TO)))))


def band_of(rank: dict[str, int], edges: Sequence[tuple[str, str]],
            bands: int) -> dict[str, int]:
    """The band of each item: ranks cut into ``bands`` equal runs; an item without inputs
    goes with the first item that uses it."""
    per_band = math.ceil((max(rank.values(), default=0) + 1) / bands)
    band = {k: r // per_band for k, r in rank.items()}
    has_input = {b for _, b in edges}
    first_use: dict[str, int] = {}
    for a, b in edges:
        if a not in has_input and b in band:
            first_use[a] = min(first_use.get(a, band[b]), band[b])
    band.update(first_use)
    return band


def connect(edges: Sequence[tuple[str, str]], band: dict[str, int]
            ) -> tuple[list[tuple[str, str]], list[str]] | None:
    """The edges with each one that crosses bands replaced by a pair of numbered connector
    nodes (``a -> (1)`` at the end of one band, ``(1) -> b`` at the start of the next), and
    the connectors' node lines; None when more than ``MAX_CROSSING`` edges would cross."""
    kept: list[tuple[str, str]] = []
    nodes: list[str] = []
    crossing = 0
    for a, b in edges:
        if band.get(a, 0) == band.get(b, 0):
            kept.append((a, b))
            continue
        crossing += 1
        if crossing > MAX_CROSSING:
            return None
        out, into = f"c{crossing}a", f"c{crossing}b"
        for key in (out, into):
            nodes.append(f'\t{key} [label="{crossing}", shape=circle, width=0.3, height=0.3, '
                         'fixedsize=true, fontsize=9, style=filled, fillcolor="#ffffff", '
                         'tooltip="continues at the other circle with this number"]\n')
        kept.extend([(a, out), (into, b)])
    return kept, nodes
