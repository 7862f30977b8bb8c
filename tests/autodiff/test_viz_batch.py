"""A scalar MLP applied sample by sample is drawn once, with the rest of the batch folded."""

from __future__ import annotations

import re

import numpy as np

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import to_dot
from autodiff.viz.batch import MIXED, find_samples
from autodiff.viz.graph import walk
from autodiff.viz.modules import ModuleTree, parameter_like

NODE = re.compile(r"^\s*(n\d+o?|g\d+) \[(.*)\]$")
EDGE = re.compile(r"^\s*(\S+) -> (\S+)$")
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def parse(src: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    nodes, edges = {}, []
    for line in src.splitlines():
        if m := NODE.match(line):
            nodes[m.group(1)] = LABEL.search(m.group(2)).group(1)
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def float_batch(n: int) -> tuple[nn.MLP, Value]:
    """The guide's training step: float inputs and targets, the mean squared error."""
    model = nn.MLP(2, [16, 16, 1], rng=0)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(n, 2))
    ys = np.sign(xs[:, 0] * xs[:, 1])
    loss = sum((model([float(a), float(b)]) - float(t)) ** 2
               for (a, b), t in zip(xs, ys, strict=True)) / n
    loss.backward()
    return model, loss


def value_batch(n: int) -> tuple[nn.MLP, Value]:
    """Inputs and targets as unnamed Values."""
    model = nn.MLP(2, [4, 1], rng=1)
    rng = np.random.default_rng(1)
    loss = Value(0.0)
    for x0, x1 in rng.normal(size=(n, 2)):
        loss = loss + (model([Value(float(x0)), Value(float(x1))]) - Value(1.0)) ** 2
    loss.backward()
    return model, loss


def records_in_full(loss: Value) -> int:
    return len(walk([loss]).nodes)


def accounted(nodes: dict[str, str]) -> int:
    records = sum(1 for k in nodes if k.startswith("n") and not k.endswith("o"))
    boxed = sum(int(m.group(1).replace(",", "")) for k, t in nodes.items() if k.startswith("g")
                for m in [re.search(r"\(([\d,]+) nodes\)", t)])
    return records + boxed


def test_a_scalar_mlp_over_100_samples_is_drawn_once() -> None:
    model, loss = float_batch(100)
    src = to_dot(loss, group_by_module=model, names=False)
    nodes, edges = parse(src)
    assert len(nodes) <= 300
    boxes = {k: t for k, t in nodes.items() if k.startswith("g")}
    batch = [k for k, t in boxes.items() if t.startswith("x 99 more samples")]
    reduction = [k for k, t in boxes.items() if t.startswith("combines the 100 samples")]
    assert len(batch) == 1 and len(reduction) == 1
    assert "+ x 99" in boxes[reduction[0]]
    neurons = [t for t in boxes.values() if t.startswith("neurons.")]
    assert len(neurons) == 33  # the network, once: every neuron of one sample
    assert not any(t.startswith("MLP\\n") for t in boxes.values())  # not one opaque box
    assert "a batch of 100 samples: one drawn, the other 99 folded" in src
    assert accounted(nodes) == records_in_full(loss)  # every node drawn or in a box
    assert [e for e in edges if e[1] == batch[0]] == []  # its inputs are the parameters
    assert (batch[0], reduction[0]) in edges
    small = nn.MLP(2, [2, 1], rng=0)  # a batch that fits is drawn whole
    fits = sum((small([a, b]) - 1.0) ** 2 for a, b in [(0.5, 1.0), (1.0, -1.0)])
    src = to_dot(fits, group_by_module=small)
    assert "more samples" not in src and "Collapsed" not in src


def test_the_drawn_samples_inputs_and_target_are_named_and_the_rest_folded() -> None:
    model, loss = value_batch(60)
    src = to_dot(loss, group_by_module=model)
    nodes, _ = parse(src)
    firsts = [t.strip("{ ").split(" | ")[0] for k, t in nodes.items()
              if k.startswith("n") and not k.endswith("o")]
    assert firsts.count("x[0]") == 1 and firsts.count("x[1]") == 1 and firsts.count("y") == 1
    assert "y[0]" not in firsts  # the sum's start, Value(0.0), is not a target
    assert any(t.startswith("x 59 more samples") for t in nodes.values())
    assert accounted(nodes) == records_in_full(loss)


def test_find_samples_splits_a_batch_and_refuses_other_graphs() -> None:
    model, loss = value_batch(5)
    graph = walk([loss])
    tree = ModuleTree(model)
    names = {id(p) for _, p in tree.params}
    is_param = [id(node) in names for node in graph.nodes]
    samples = find_samples(graph, parameter_like(graph, is_param, tree))
    assert samples is not None and samples.count == 5
    sizes = [samples.sid.count(k) for k in range(5)]
    assert sizes[1:] == [sizes[1]] * 4  # the sum's start and first step join sample 0
    assert sizes[0] == sizes[1] + 2
    assert MIXED in samples.sid
    assert all(samples.sid[i] < 0 for i in range(len(graph.nodes)) if is_param[i])
    net = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 1, rng=1))
    x = ad.tensor(np.random.default_rng(0).normal(size=(50, 2)))
    tloss = (net(x) ** 2).mean()  # a tensor batch: one sample, nothing to fold
    graph = walk([tloss])
    tree = ModuleTree(net)
    names = {id(p) for _, p in tree.params}
    is_param = [id(node) in names for node in graph.nodes]
    assert find_samples(graph, parameter_like(graph, is_param, tree)) is None

