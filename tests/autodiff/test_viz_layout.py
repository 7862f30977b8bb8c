"""Module clusters, collapse past max_nodes, gradient-flow colours and diagnosis marks."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import to_dot
from autodiff.viz.dot import BAD_COLOR, FLAG_FILL, PALETTE, ZERO_COLOR

NODE = re.compile(r"^\s*(n\d+o?|g\d+|legend) \[(.*)\]$")
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')
FILL = re.compile(r'fillcolor="(#[0-9a-f]{6})"')


def clusters(src: str) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, ...]]]:
    """Node id -> the cluster labels around it (outermost first); every cluster's label path."""
    where: dict[str, tuple[str, ...]] = {}
    paths: list[tuple[str, ...]] = []
    stack: list[str] = []
    opening = False
    for line in src.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            opening = True
            continue
        if opening:
            name = LABEL.search(s).group(1)
            stack.append(name)
            paths.append(tuple(stack))
            opening = False
        elif s == "}" and stack:
            stack.pop()
        elif m := NODE.match(line):
            where[m.group(1)] = tuple(stack)
    return where, paths


def node_attrs(src: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for line in src.splitlines() if (m := NODE.match(line))}


def label(attrs: str) -> str:
    return LABEL.search(attrs).group(1)


def labels(src: str) -> dict[str, str]:
    return {m.group(1): LABEL.search(m.group(2)).group(1)
            for line in src.splitlines() if (m := NODE.match(line))}


def mlp_loss(sizes: list[int], batch: int, seed: int = 0) -> tuple[nn.MLP, Value]:
    model = nn.MLP(2, sizes, rng=seed)
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(batch, 2))
    loss = Value(0.0, label="start")
    for x0, x1 in xs:
        out = model([Value(float(x0), label="x0"), Value(float(x1), label="x1")])
        loss = loss + (out - Value(1.0, label="target")) ** 2
    loss.backward()
    return model, loss


def test_group_by_module_nests_network_layer_neuron() -> None:
    model, loss = mlp_loss([3, 1], batch=1)
    src = to_dot(loss, group_by_module=model)
    where, paths = clusters(src)
    nodes = node_attrs(src)
    assert paths == [("MLP",), ("MLP", "layers.0: Layer")] + [
        ("MLP", "layers.0: Layer", f"neurons.{k}: Neuron") for k in range(3)] + [
        ("MLP", "layers.1: Layer"), ("MLP", "layers.1: Layer", "neurons.0: Neuron")]
    for name, _ in model.named_parameters():  # e.g. layers.0.neurons.2.w.1
        parts = name.split(".")
        short = ".".join(parts[4:])  # inside its neuron's cluster: w.1 or b
        node = next(k for k, v in nodes.items()
                    if f'tooltip="{name}"' in v and label(v).startswith("{ " + short + " |"))
        assert where[node] == ("MLP", f"{parts[0]}.{parts[1]}: Layer",
                               f"{parts[2]}.{parts[3]}: Neuron")
    lab = labels(src)
    for node, text in lab.items():  # data, targets and the loss stay outside the model
        if text.startswith(("{ x0 |", "{ x1 |", "{ target |", "{ start |")):
            assert where[node] == ()
    root = next(k for k, v in labels(src).items() if "peripheries" in src.split(f"\t{k} [")[1]
                .split("\n")[0])
    assert where[root] == ()
    # the neuron's ops sit in its cluster: its tanh/relu and the products w * x
    ops_in_neurons = [k for k in where if k.endswith("o") and len(where[k]) == 3]
    assert len(ops_in_neurons) == 3 * (2 * 2 + 1) + 1 * (2 * 3 + 0)


class Dense(nn.Module):
    """A tiny tensor layer defined here, so these tests do not depend on nn.Linear."""

    def __init__(self, nin: int, nout: int, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.weight = ad.tensor(rng.normal(size=(nin, nout)), requires_grad=True)
        self.bias = ad.tensor(np.zeros(nout), requires_grad=True)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        return x @ self.weight + self.bias


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = Dense(3, 4, 0)
        self.out = Dense(4, 1, 1)

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        return self.out(self.hidden(x).tanh())


def test_tensor_module_names_and_clusters() -> None:
    net = Net()
    x = ad.tensor(np.random.default_rng(0).normal(size=(5, 3)), name="X")
    y = ad.tensor(np.ones((5, 1)), name="y")
    loss = ((net(x) - y) ** 2).mean()
    loss.backward()
    src = to_dot(loss, group_by_module=net)
    where, paths = clusters(src)
    lab = labels(src)
    assert paths == [("Net",), ("Net", "hidden: Dense"), ("Net", "out: Dense")]
    w = next(k for k, t in lab.items() if t.startswith("{ weight | (3, 4) float64"))
    assert 'tooltip="hidden.weight"' in node_attrs(src)[w]
    assert where[w] == ("Net", "hidden: Dense")
    mm = [k for k, t in lab.items() if t == "matmul"]
    assert sorted(where[k] for k in mm) == [("Net", "hidden: Dense"), ("Net", "out: Dense")]
    for k, t in lab.items():
        if t.startswith(("{ X |", "{ y |")) or t == "mean":
            assert where[k] == ()


def test_ops_on_transformed_parameters_stay_in_their_layer() -> None:
    """nn.Linear computes x @ weight.T: the matmul belongs to the layer, not to the network."""
    net = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    x = ad.tensor(np.random.default_rng(0).normal(size=(5, 3)), name="X")
    loss = ((net(x) - 1.0) ** 2).mean()
    loss.backward()
    where, _ = clusters(to_dot(loss, group_by_module=net))
    lab = labels(to_dot(loss, group_by_module=net))
    placed = sorted(where[k] for k, t in lab.items() if t in ("matmul", "transpose"))
    assert placed == [("Sequential", "0: Linear")] * 2 + [("Sequential", "2: Linear")] * 2
    root = next(k for k, t in lab.items() if t.startswith("{ () float64"))
    assert where[root] == () and where[root + "o"] == ()  # the loss is drawn outside the net
    assert all(where[k] == () for k, t in lab.items() if t.startswith("{ X |"))


def test_collapse_keeps_the_drawing_under_max_nodes_and_says_what_it_hid() -> None:
    model, loss = mlp_loss([16, 16, 1], batch=8)
    full = labels(to_dot(loss, max_nodes=None))
    assert len(full) > 3000
    for max_nodes in (10, 40, 120, 300):
        src = to_dot(loss, group_by_module=model, max_nodes=max_nodes)
        lab = labels(src)
        assert len(lab) <= max_nodes
        assert "Collapsed to fit max_nodes=" in src and "Pass max_nodes=None" in src
    src = to_dot(loss, group_by_module=model)  # default: neurons become summary boxes
    lab = labels(src)
    boxes = [t for k, t in lab.items() if k.startswith("g")]
    assert sum(t.startswith("neurons.") for t in boxes) == 33
    assert any(t.startswith("neurons.3: Neuron\\n3 parameters") for t in boxes)
    assert any(t.startswith("neurons.3: Neuron\\n17 parameters") for t in boxes)
    assert "33 module cluster(s)" in src


def _accounted(src: str) -> int:
    """Graph nodes drawn as records plus the nodes each summary box says it holds."""
    lab = labels(src)
    records = sum(1 for k in lab if k.startswith("n") and not k.endswith("o"))
    boxed = sum(int(m.group(1).replace(",", "")) for k, t in lab.items() if k.startswith("g")
                for m in [re.search(r"\(([\d,]+) nodes\)", t)])
    return records + boxed


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(30, 400), st.integers(10, 150))
def test_collapse_of_random_graphs_accounts_for_every_node(seed: int, n: int,
                                                           max_nodes: int) -> None:
    rng = np.random.default_rng(seed)
    nodes = [Value(float(v)) for v in rng.normal(size=3)]
    for _ in range(n):
        k = int(rng.integers(0, 3))
        a = nodes[int(rng.integers(max(0, len(nodes) - 20), len(nodes)))]
        if k == 0:
            nodes.append(a.tanh())
        elif k == 1:
            nodes.append(a * 0.5)
        else:
            nodes.append(a + nodes[int(rng.integers(0, len(nodes)))])
    root = nodes[-1]
    total = len(labels(to_dot(root, max_nodes=None, show_grad=False)))
    src = to_dot(root, max_nodes=max_nodes, show_grad=False)
    assert len(labels(src)) <= max_nodes
    records_full = sum(1 for k in labels(to_dot(root, max_nodes=None)) if not k.endswith("o"))
    assert _accounted(src) == records_full
    assert (total <= max_nodes) == ("Collapsed" not in src)


def test_long_chains_fold_into_one_box() -> None:
    x = Value(0.3, label="x")
    y = x
    for _ in range(500):
        y = (y * 0.9).tanh()
    src = to_dot(y, max_nodes=50)
    lab = labels(src)
    assert len(lab) <= 50
    assert any("folded chain of" in t for t in lab.values())
    assert _accounted(src) == 1 + 1000


def test_grad_flow_colours_follow_log_grad_with_a_legend() -> None:
    leaves = [Value(1.0, label=f"a{k}") for k in range(8)]
    total = Value(0.0, label="zero")
    for k, a in enumerate(leaves):
        total = total + a * 10.0 ** (-k)  # d total / d a_k = 10^-k
    dead = Value(2.0, label="dead")
    total = total + dead.relu() * 0.0
    total.backward()
    src = to_dot(total, grad_flow=True)
    assert "legend [" in src and "|grad| (log scale)" in src and "1e-7 to 1e-6" in src
    fills = {}
    for line in src.splitlines():
        if (m := NODE.match(line)) and (f := FILL.search(m.group(2))):
            fills[LABEL.search(m.group(2)).group(1).split(" | ")[0].strip("{ ")] = f.group(1)
    order = [PALETTE.index(fills[f"a{k}"]) for k in range(8)]
    assert order == sorted(order, reverse=True) and order[0] > order[-1]
    assert fills["dead"] == ZERO_COLOR
    nan = Value(float("nan"), label="nan_leaf")
    out = nan * 2.0
    out.backward()
    src = to_dot(out, grad_flow=True)
    assert "nan or inf" not in src  # the leaf's grad is 2, finite; its data is nan
    nan.grad = math.inf
    assert BAD_COLOR in to_dot(out, grad_flow=True)


class Report:
    def __init__(self, bad_nodes: list) -> None:
        self.bad_nodes = bad_nodes


class Finding:
    def __init__(self, node, reason: str) -> None:
        self.node, self.reason = node, reason


def test_diagnosis_nodes_are_drawn_red() -> None:
    a = Value(1.0, label="a")
    b = (a * 3.0).tanh()
    c = b + a
    for diagnosis in (Report([b]), [b], [(b, "vjp off by 2")], [Finding(b, "vjp off by 2")]):
        src = to_dot(c, diagnosis=diagnosis)
        red = [line for line in src.splitlines() if "color=red" in line]
        assert len(red) == 2  # the record and its op node
        assert any("tanh" in line for line in red)
        assert f'fillcolor="{FLAG_FILL}"' in src
    src = to_dot(c, diagnosis=[(b, "vjp off by 2")])
    assert 'tooltip="vjp off by 2"' in src
    with pytest.raises(TypeError, match="diagnosis"):
        to_dot(c, diagnosis=42)


def test_flagged_node_inside_a_collapsed_module_turns_its_box_red() -> None:
    model, loss = mlp_loss([4, 1], batch=30)
    bad = model.layers[0].neurons[2].w[1]
    src = to_dot(loss, group_by_module=model, max_nodes=60, diagnosis=[bad])
    boxes = [line for line in src.splitlines() if "contains a flagged node" in line]
    assert len(boxes) == 1 and "color=red" in boxes[0]


def test_a_diagnose_report_marks_the_planted_wrong_op() -> None:
    from autodiff.check import diagnose

    def wrong_vjp(g, out, x):
        return g * -2.0 * x  # the sign is wrong: d(x^2)/dx = 2x

    square = ad.Op("bad_square", forward=lambda x: x * x, vjps=(wrong_vjp,))
    net = Net()
    x = ad.tensor(np.random.default_rng(1).normal(size=(4, 3)), name="X")

    def loss() -> ad.Tensor:
        return square(net(x)).mean()

    report = diagnose(loss, params=net.parameters())
    assert not report.ok
    src = to_dot(report.root, diagnosis=report, group_by_module=net)
    red = [line for line in src.splitlines() if "color=red" in line]
    assert len(red) == 2 and any('label="bad_square"' in line for line in red)


class Square(nn.Module):
    """A parameter-free module defined here, around a custom op."""

    def __init__(self) -> None:
        super().__init__()
        self.op = ad.Op("square", forward=lambda x: x * x, vjps=(lambda g, out, x: g * 2.0 * x,))

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        return self.op(x)


def test_parameter_free_modules_get_their_own_cluster() -> None:
    net = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Dropout(0.5, rng=7),
                        nn.Linear(4, 4, rng=1), Square(), nn.Linear(4, 1, rng=2), nn.ReLU())
    x = ad.tensor(np.random.default_rng(0).normal(size=(5, 3)), name="X")
    y = ad.tensor(np.ones((5, 1)), name="y")
    loss = ((net(x) - y) ** 2).mean()
    loss.backward()
    dropout_state = net[2]._rng.bit_generator.state
    default_state = ad.random.default_generator().bit_generator.state
    src = to_dot(loss, group_by_module=net)
    assert net[2]._rng.bit_generator.state == dropout_state  # drawing drew no mask
    assert ad.random.default_generator().bit_generator.state == default_state
    where, paths = clusters(src)
    lab = labels(src)
    for path in ("1: Tanh", "2: Dropout", "4: Square", "6: ReLU"):
        assert ("Sequential", path) in paths
    ops = {t.split("\\n")[0]: where[k] for k, t in lab.items() if k.endswith("o")}
    assert ops["tanh"] == ("Sequential", "1: Tanh")
    assert ops["square"] == ("Sequential", "4: Square")
    assert ops["relu"] == ("Sequential", "6: ReLU")
    assert ops["* array(5, 4)"] == ("Sequential", "2: Dropout")  # the mask goes with it
    for k, t in lab.items():  # each Linear holds only its own ops
        if where.get(k, ())[1:2] == ("0: Linear",):
            assert t.split(" |")[0].strip("{ ") in ("weight", "(3, 4) float64", "(5, 4) float64",
                                                  "bias", "transpose", "matmul", "+")
    assert where[next(k for k, t in lab.items() if t.startswith("{ X |"))] == ()
    boxed = labels(to_dot(loss, group_by_module=net, max_nodes=20))
    assert any(t.startswith("1: Tanh\\n0 parameters, 1 ops") for t in boxed.values())
    net.eval()  # Dropout is now the identity: nothing of it to draw, the rest as before
    _, paths = clusters(to_dot(net(x).sum(), group_by_module=net))
    assert ("Sequential", "2: Dropout") not in paths
    assert ("Sequential", "1: Tanh") in paths and ("Sequential", "6: ReLU") in paths
