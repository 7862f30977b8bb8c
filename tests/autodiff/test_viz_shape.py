"""The layout direction follows the graph's shape, and no drawing is a long strip."""

from __future__ import annotations

import re

import numpy as np
import pytest
from micrograd_expression import readme_expression

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import draw_dot, render, to_dot
from autodiff.viz.shape import LONG, MAX_ASPECT, Item, estimate, ranks

SIZE = re.compile(r'<svg width="(\d+)pt" height="(\d+)pt"')


def rankdir_of(src: str) -> str:
    return re.search(r"rankdir=(\w+)", src).group(1)


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    return o


def tensor_net() -> tuple[ad.Tensor, nn.Module]:
    net = nn.Sequential(nn.Linear(6, 32, rng=0), nn.ReLU(), nn.Linear(32, 1, rng=1))
    x = ad.tensor(np.random.default_rng(0).normal(size=(4, 6)))
    y = ad.tensor(np.random.default_rng(1).normal(size=(4, 1)))
    loss = nn.MSELoss()(net(x), y)
    loss.backward()
    return loss, net


def chain(n: int) -> Value:
    y = Value(0.3, label="x")
    for _ in range(n):
        y = (y * 0.9).tanh()
    return y


def scalar_batch() -> tuple[Value, nn.MLP]:
    model = nn.MLP(2, [16, 16, 1], rng=0)
    xs = np.random.default_rng(0).normal(size=(20, 2))
    loss = sum((model([float(a), float(b)]) - 1.0) ** 2 for a, b in xs) / len(xs)
    loss.backward()
    return loss, model


def deep_tanh() -> tuple[Value, nn.MLP]:
    model = nn.MLP(2, [4] * 9 + [1], activation="tanh", rng=3)
    loss = (model([Value(0.8), Value(-1.2)]) - Value(1.0)) ** 2
    loss.backward()
    return loss, model


def test_small_scalar_graphs_stay_left_to_right_networks_go_top_to_bottom() -> None:
    assert rankdir_of(to_dot(neuron())) == "LR"  # micrograd's drawing
    loss, net = tensor_net()
    assert rankdir_of(to_dot(loss, group_by_module=net)) == "TB"
    assert rankdir_of(to_dot(loss)) == "TB"
    _, _, g = readme_expression()
    assert rankdir_of(to_dot(g)) == "TB"  # 25 ops deep: a strip from left to right
    deep, model = deep_tanh()
    assert rankdir_of(to_dot(deep, group_by_module=model)) == "TB"


def test_rankdir_given_is_used_as_given() -> None:
    loss, net = tensor_net()
    for rankdir in ("LR", "TB", "RL", "BT"):
        src = to_dot(chain(60), rankdir=rankdir)
        assert rankdir_of(src) == rankdir and "shape=circle" not in src  # not folded
        assert rankdir_of(draw_dot(loss, group_by_module=net, rankdir=rankdir).source) == rankdir
    with pytest.raises(ValueError, match=r"rankdir must be one of .* or None"):
        to_dot(chain(2), rankdir="lr")


def test_a_long_chain_is_folded_into_bands_joined_by_numbered_circles() -> None:
    src = to_dot(chain(60))
    connectors = re.findall(r'^\s*(c\d+[ab]) \[label="(\d+)", shape=circle', src, flags=re.M)
    assert connectors, src[:400]
    numbers = [label for _, label in connectors]
    assert all(numbers.count(k) == 2 for k in numbers)  # each number: one end, one start
    edges = re.findall(r"^\s*(\S+) -> (\S+)$", src, flags=re.M)
    for key, _ in connectors:
        ins = [a for a, b in edges if b == key]
        outs = [b for a, b in edges if a == key]
        assert (len(ins), len(outs)) == ((1, 0) if key.endswith("a") else (0, 1))
    records = re.findall(r"^\s*n\d+ \[", src, flags=re.M)
    assert len(records) == 1 + 2 * 60  # every node still drawn
    assert "constraint=false" not in src  # graphviz cannot route those next to records


@pytest.mark.parametrize("case", ["neuron", "tensor_net", "tensor_net_grouped", "chain",
                                  "collapsed_chain", "readme", "scalar_batch", "deep_tanh",
                                  "tensor_chain"])
def test_no_long_drawing_is_more_than_four_times_longer_than_wide(case, tmp_path,
                                                                 require_dot) -> None:
    options: dict = {}
    if case == "neuron":
        root = neuron()
    elif case.startswith("tensor_net"):
        root, net = tensor_net()
        if case.endswith("grouped"):
            options["group_by_module"] = net
    elif case.endswith("chain") and not case.startswith("tensor"):
        root = chain(60 if case == "chain" else 400)
    elif case == "readme":
        root = readme_expression()[2]
    elif case == "scalar_batch":
        root, options["group_by_module"] = scalar_batch()
    elif case == "deep_tanh":
        root, options["group_by_module"] = deep_tanh()
    else:
        t = ad.tensor(np.ones(3), requires_grad=True, name="t")
        root = t
        for _ in range(40):
            root = (root * 0.5).exp()
        root = root.sum()
    svg = render(root, tmp_path / f"{case}.svg", **options).read_text()
    width, height = map(int, SIZE.search(svg).groups())
    # a drawing up to LONG points long may be a strip: micrograd's neuron is 1408 x 230
    assert max(width, height) <= max(LONG, MAX_ASPECT * min(width, height)), (width, height)
    if case in ("chain", "readme", "tensor_net", "tensor_chain"):  # 7:1 to 700:1 before
        assert max(width, height) <= MAX_ASPECT * min(width, height), (width, height)


def test_the_estimate_follows_graphviz_sizes() -> None:
    record = Item("record", ["data 1.0000", "grad 0.5000"])
    assert record.extent("LR") == pytest.approx((148, 37), abs=12)  # dot: 148 x 37
    assert record.extent("TB") == pytest.approx((74, 39), abs=12)  # dot: 74 x 39
    assert Item("op", ["transpose"], 9.0).extent("TB") == pytest.approx((63, 22), abs=6)
    items = {f"n{k}": Item("record", ["data 1.0000"]) for k in range(10)}
    edges = [(f"n{k}", f"n{k + 1}") for k in range(9)]
    rank = ranks(list(items), edges)
    assert [rank[f"n{k}"] for k in range(10)] == list(range(10))
    tb, lr = estimate(items, rank, "TB"), estimate(items, rank, "LR")
    assert tb.height > 5 * tb.width and lr.width > 5 * lr.height
    leaves = ranks(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("d", "c")])
    assert leaves["d"] == 1  # a leaf sits just above its user, where dot puts it
