"""DOT text for a computation graph: records, op nodes, module clusters, colours, legend.

The text is built line by line (no graphviz objects, no ``dot`` binary), so a 100,000-node
graph is written in well under a second per 10,000 nodes.
"""

from __future__ import annotations

import gc
import textwrap
from typing import Any

from ..nodes import is_array_node
from ..validation import check_bool, describe
from .batch import find_samples, sample_names
from .collapse import Group, collapse
from .colors import (
    BAD_COLOR,
    CLUSTER_FILLS,
    FLAG_FILL,
    OUTPUT_FILL,
    PALETTE,
    PARAM_BORDER,
    PARAM_FILL,
    ZERO_COLOR,
    GradScale,
)
from .graph import (
    Graph,
    as_roots,
    flagged_ids,
    fmt_num,
    grad_magnitude,
    node_name,
    op_label,
    seeded_roots,
    tensor_fields,
    value_fields,
    walk,
)
from .modules import ModuleTree, assign_owners, param_names, parameter_like
from .names import other_names
from .shape import MAX_ESTIMATED, Item, band_of, choose, connect, fold, ranks
from .stages import place_parameter_free
from .text import MAX_TEXT, clean

__all__ = ["build_lines", "RANKDIRS", "DEFAULT_MAX_NODES", "PALETTE", "ZERO_COLOR", "BAD_COLOR",
           "FLAG_FILL"]

RANKDIRS = ("LR", "TB", "RL", "BT")
DEFAULT_MAX_NODES = 300

_REC_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "{": "\\{", "}": "\\}", "|": "\\|",
                              "<": "\\<", ">": "\\>", "\n": "\\n"})
_STR_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def q(text: str, limit: int | None = MAX_TEXT) -> str:
    """A DOT double-quoted string (newlines become centred line breaks), made safe by
    ``text.clean`` (unsafe characters escaped, cut past ``limit`` characters)."""
    return '"' + clean(text, limit).translate(_STR_ESCAPES) + '"'


def record(fields: list[str]) -> str:
    """A quoted record label ``{ a | b | c }`` with each field made safe and escaped."""
    return '"{ ' + " | ".join(clean(f).translate(_REC_ESCAPES) for f in fields) + ' }"'


def _attrs(**kw: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in kw.items() if v is not None)


def _group_label(group: Group, graph: Graph, tree: ModuleTree | None, is_param: list[bool],
                 has_op: list[bool]) -> str:
    members = group.members
    ops = sum(1 for i in members if has_op[i])
    params = [i for i in members if is_param[i]]
    values = sum(int(getattr(graph.nodes[i].data, "size", 1)) for i in params)
    counts = f"{len(params):,} parameters"
    if values != len(params):
        counts += f" ({values:,} values)"
    if group.kind == "module" and tree is not None:
        return f"{tree.label(group.key)}\n{counts}, {ops:,} ops\n({len(members):,} nodes)"
    if group.kind == "chain":
        names = [op_label(graph.nodes[i]).split("\n")[0] for i in members if has_op[i]]
        if len(names) > 4:
            names = names[:2] + ["..."] + names[-1:]
        return " -> ".join(names) + f"\nfolded chain of {ops:,} ops\n({len(members):,} nodes)"
    if group.kind == "batch":
        return (f"x {int(group.key) - 1:,} more samples,\neach computed like the one drawn,\n"
                f"with the same parameters\n{ops:,} ops\n({len(members):,} nodes)")
    if group.kind == "reduction":
        kinds: dict[str, int] = {}
        for i in members:
            op = op_label(graph.nodes[i]).split("\n")[0]
            kinds[op] = kinds.get(op, 0) + 1
        made = ", ".join(f"{op} x {k:,}" for op, k in kinds.items())
        return f"combines the {int(group.key):,} samples:\n{made}\n({len(members):,} nodes)"
    return f"hidden, farthest from the output:\n{ops:,} ops, {counts}\n({len(members):,} nodes)"


def build_lines(root: Any, **options: Any) -> list[str]:
    """The body lines (each ending in a newline) of the DOT digraph for ``root``'s graph.

    Options as ``to_dot``'s. The cyclic garbage collector is paused meanwhile: the build
    allocates a few strings per node and frees no cycles, and the collector's passes over
    a large live graph would otherwise take more time than the build itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_lines(root, **options)
    finally:
        if enabled:
            gc.enable()


def _build_lines(root: Any, *, params: Any = None, group_by_module: Any = None,
                 rankdir: str | None = None, show_data: bool = True, show_grad: bool = True,
                 max_nodes: int | None = DEFAULT_MAX_NODES, grad_flow: bool = False,
                 diagnosis: Any = None, title: str | None = None, names: Any = True,
                 where: str = "to_dot") -> list[str]:
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"{where}: rankdir must be one of {RANKDIRS} or None (chosen from "
                         f"the graph's shape), got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 10):
        raise ValueError(f"{where}: max_nodes must be an int >= 10 or None (draw every node), "
                         f"got {max_nodes!r}")
    for flag, label in ((show_data, "show_data"), (show_grad, "show_grad"),
                        (grad_flow, "grad_flow")):
        check_bool(flag, name=label, where=where)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"{where}: title must be a string or None, got {describe(title)}")
    if diagnosis is not None and (isinstance(diagnosis, str | bytes | int | float | complex)
                                  or not (hasattr(diagnosis, "__iter__")
                                          or hasattr(diagnosis, "bad_nodes")
                                          or hasattr(diagnosis, "nodes")
                                          or hasattr(diagnosis, "_prev"))):
        raise TypeError(f"{where}: diagnosis must be a report of ad.diagnose (or anything with "
                        f".bad_nodes or .nodes), an iterable of nodes, or None, got "
                        f"{describe(diagnosis)}")
    graph = walk(as_roots(root, where))
    nodes, parents = graph.nodes, graph.parents
    n = len(nodes)
    tree = ModuleTree(group_by_module) if group_by_module is not None else None
    pnames = param_names(params, tree)
    tensor = [is_array_node(node) for node in nodes]
    has_op = [bool(node._op) for node in nodes]
    given = other_names(nodes, has_op, pnames, names, where)
    is_param = [
        (id(node) in pnames and not has_op[i])
        or (tensor[i] and not has_op[i] and bool(getattr(node, "requires_grad", False)))
        for i, node in enumerate(nodes)
    ]
    owner = None
    if tree is not None:
        owner = assign_owners(graph, is_param, tree)
        forced = place_parameter_free(graph, owner, is_param, tree)
        if forced:
            owner = assign_owners(graph, is_param, tree, forced)
    flagged = flagged_ids(diagnosis)
    cost = [2 if h else 1 for h in has_op]
    budget = None if max_nodes is None else max_nodes - (1 if grad_flow else 0)
    samples = None
    if tree is not None and budget is not None and sum(cost) > budget:
        samples = find_samples(graph, parameter_like(graph, is_param, tree))
    layout = collapse(graph, cost, has_op, is_param, owner, tree, budget, samples)
    rep, groups = layout.rep, layout.groups
    if samples is not None and layout.sample is not None and owner is not None:
        for i, name in sample_names(graph, samples, layout.sample, owner).items():
            given.setdefault(id(nodes[i]), name)
    roots = set(graph.roots)
    seeded = seeded_roots(graph, tensor, has_op) if show_grad or grad_flow else set()

    scale = None
    group_grads: list[float | None] = []
    if grad_flow:
        for group in groups:  # a box shows the mean |grad| of the parameters it holds
            mags = [m for i in group.members if is_param[i]
                    for m in [grad_magnitude(nodes[i])] if m is not None]
            group_grads.append(sum(mags) / len(mags) if mags else None)
        scale = GradScale([1.0 if i in seeded else grad_magnitude(nodes[i])
                           for i in range(n) if rep[i] == i]
                          + [m for m in group_grads if m is not None])

    lines: list[str] = []
    drawn = len(groups) + sum(cost[i] for i in range(n) if rep[i] == i)
    if rankdir is None and drawn > MAX_ESTIMATED:
        rankdir = "TB"  # too large to read whole anyway: no estimate, the default direction
    items: dict[str, Item] = {}  # what is drawn, for the estimate of the drawing's shape
    shaping = rankdir is None
    by_cluster: dict[str | None, list[str]] = {}
    op_tail = ', shape=ellipse, fontsize=9, margin="0.05,0.02", height=0.3'
    value_ops: dict[str, str] = {}  # a Value's op label depends on its _op only
    param_style = f"color={q(PARAM_BORDER)}, penwidth=2"

    for i in range(n):
        if rep[i] != i:
            continue
        node = nodes[i]
        name = pnames.get(id(node)) or node_name(node) or given.get(id(node), "")
        full_name = ""
        cluster = owner[i] if owner is not None else None
        if cluster and name.startswith(cluster + "."):  # the cluster title says the rest
            full_name, name = name, name[len(cluster) + 1:]
        if tensor[i]:
            fields = tensor_fields(node, name, show_data, show_grad, i in seeded)
        else:
            fields = value_fields(node, name, show_data, show_grad)
        attrs = ["label=" + record(fields)]
        fill = None
        if is_param[i]:
            attrs.append(param_style)
            fill = PARAM_FILL
        if i in roots:
            attrs.append("peripheries=2")
            fill = OUTPUT_FILL
        if scale is not None:
            colors = scale.color(1.0 if i in seeded else grad_magnitude(node))
            fill = colors[0] if colors else "white"
            if colors:
                attrs.append(f"fontcolor={q(colors[1])}")
        reason = flagged.get(id(node))
        if reason is not None:
            fill = FLAG_FILL
            attrs.append(f"color=red, fontcolor=red, penwidth=3, tooltip={q(reason)}")
        elif getattr(node, "_site", None):
            attrs.append(f"tooltip={q('created at ' + str(node._site))}")
        elif full_name:
            attrs.append(f"tooltip={q(full_name)}")
        if fill is not None:
            attrs.append(f'style=filled, fillcolor="{fill}"')
        out = by_cluster.setdefault(cluster, [])
        out.append(f"\tn{i} [{', '.join(attrs)}]\n")
        if shaping:
            items[f"n{i}"] = Item("record", fields)
        if has_op[i]:
            if tensor[i]:
                op_text = q(op_label(node))
            else:
                op_text = value_ops.get(node._op) or value_ops.setdefault(
                    node._op, q(op_label(node)))
            red = ", color=red, fontcolor=red, penwidth=3" if reason is not None else ""
            out.append(f"\tn{i}o [label={op_text}{op_tail}{red}]\n")
            if shaping:
                items[f"n{i}o"] = Item("op", [op_text[1:-1].replace("\\n", "\n")], 9.0)

    order = {path: k for k, path in enumerate(tree.kind)} if tree is not None else {}
    def place(k: int) -> tuple[int, int]:
        module = groups[k].kind == "module"
        return (order.get(groups[k].key, -1) if module else -1), k

    for k in sorted(range(len(groups)), key=place):
        group = groups[k]  # module boxes in the model's order: neurons.0, neurons.1, ...
        label = _group_label(group, graph, tree, is_param, has_op)
        bad = any(id(nodes[i]) in flagged for i in group.members)
        fill, font = "#eeeeee", None
        if scale is not None and group_grads[k] is not None:
            label += f"\nmean |grad| of parameters {fmt_num(group_grads[k])}"
            fill, font = scale.color(group_grads[k]) or (fill, None)
        if bad:
            label += "\ncontains a flagged node"
            fill, font = FLAG_FILL, None
        style = {"label": q(label),
                 "shape": "note" if group.kind == "hidden" else "box",
                 "style": q("rounded,filled" if group.kind != "hidden" else "filled"),
                 "fillcolor": q(fill), "fontcolor": q(font) if font else None,
                 "color": "red" if bad else None}
        by_cluster.setdefault(group.cluster, []).append(f"\tg{k} [{_attrs(**style)}]\n")
        items[f"g{k}"] = Item("box", [label])

    lines.extend(by_cluster.pop(None, []))
    if by_cluster:
        assert tree is not None
        lines.extend(_clusters(by_cluster, tree))

    def item_id(r: int) -> str:
        return f"n{r}" if r < n else f"g{r - n}"

    edges: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    for i in range(n):
        r = rep[i]
        if r == i:
            if not has_op[i]:
                continue
            edges.append((f"n{i}o", f"n{i}"))
            for p in parents[i]:
                rp = rep[p]
                if rp >= n:
                    if (rp, i) in seen:
                        continue
                    seen.add((rp, i))
                edges.append((item_id(rp), f"n{i}o"))
        elif groups[r - n].kind != "batch":  # a folded batch's inputs are the parameters
            for p in parents[i]:
                rp = rep[p]
                if rp != r and (rp, r) not in seen:
                    seen.add((rp, r))
                    edges.append((item_id(rp), item_id(r)))

    if scale is not None:
        lines.append(f"\tlegend [{_attrs(shape='plaintext', label=scale.legend(bool(flagged)))}]\n")
        items["legend"] = Item("box", ["|grad| (log scale) xx"] * (scale.bins + 3))
    notes = [wrap(clean(title))] if title else []
    if layout.notes:
        note = (f"Collapsed to fit max_nodes={max_nodes}: " + "; ".join(layout.notes)
                + ". Pass max_nodes=None to draw every node.")
        lines.append("\t// " + clean(note, None) + "\n")
        notes.append(wrap(note))
    caption = Item("box", notes, 11.0) if notes else None
    if rankdir is None:
        rank = ranks(list(items), edges)
        scalar = not any(tensor[i] for i in range(n) if rep[i] == i)
        rankdir = choose(items, rank, scalar, bool(by_cluster), caption)
        bands = 1 if by_cluster else fold(items, rank, rankdir, caption)
        folded = connect(edges, band_of(rank, edges, bands)) if bands > 1 else None
        if folded is not None:
            edges, connectors = folded
            lines.extend(connectors)
    lines.extend(f"\t{a} -> {b}\n" for a, b in edges)
    if notes:
        lines.append(f"\tlabel={q(chr(10).join(notes), None)}\n")
        lines.append("\tlabelloc=b\n")
    head = [f"\tgraph [{_attrs(rankdir=rankdir, fontname='Helvetica', fontsize=11)}]\n",
            f"\tnode [{_attrs(shape='record', fontname='Helvetica', fontsize=10)}]\n",
            f"\tedge [{_attrs(arrowsize='0.6', color=q('#555555'))}]\n"]
    return head + lines


def wrap(text: str, width: int = 90) -> str:
    """``text`` with each line broken at spaces into lines of at most ``width`` characters."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) or line
                     for line in text.split("\n"))


def _clusters(by_cluster: dict[str | None, list[str]], tree: ModuleTree) -> list[str]:
    """Nested ``subgraph cluster_*`` blocks for the module paths that hold drawn items."""
    children: dict[str, list[str]] = {}
    needed: set[str] = set()
    for path in by_cluster:
        p: str | None = path
        while p is not None and p not in needed:
            needed.add(p)
            parent = tree.parent[p]
            if parent is not None:
                children.setdefault(parent, []).append(p)
            p = parent
    order = {path: k for k, path in enumerate(tree.kind)}
    lines: list[str] = []
    stack: list[tuple[str, bool]] = [("", False)] if "" in needed else []
    ids = {path: k for k, path in enumerate(sorted(needed, key=order.__getitem__))}
    while stack:
        path, closing = stack.pop()
        depth = tree.depth[path]
        indent = "\t" * (depth + 1)
        if closing:
            lines.append(f"{indent}}}\n")
            continue
        fill = CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]
        lines.append(f"{indent}subgraph cluster_{ids[path]} {{\n")
        lines.append(f"{indent}\t{_attrs(label=q(tree.label(path)))}\n")
        lines.append(f"{indent}\tstyle=\"rounded,filled\" fillcolor={q(fill)} "
                     f"color=\"#999999\" tooltip={q(path or tree.kind[''])}\n")
        lines.extend(indent + line for line in by_cluster.get(path, ()))
        stack.append((path, True))
        for child in sorted(children.get(path, ()), key=order.__getitem__, reverse=True):
            stack.append((child, False))
    return lines
