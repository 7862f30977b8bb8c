"""Inputs and targets drawn with names, and the output's grad of 1 after backward()."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import draw_dot, render, to_dot

LABEL = re.compile(r'^\s*n(\d+) \[label="\{ ((?:[^"\\]|\\.)*) \}"(.*)\]$')


def records(src: str) -> list[tuple[list[str], str]]:
    """Each record's fields and the rest of its attributes."""
    out = []
    for line in src.splitlines():
        if m := LABEL.match(line):
            out.append(([f.strip() for f in m.group(2).split(" | ")], m.group(3)))
    return out


def first_fields(src: str) -> set[str]:
    return {fields[0] for fields, _ in records(src)}


def regression():
    net = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    X = ad.tensor(np.random.default_rng(0).normal(size=(8, 3)))
    Y = ad.tensor(np.random.default_rng(1).normal(size=(8, 1)))
    return net, X, Y


def test_inputs_and_targets_take_the_callers_variable_names() -> None:
    net, X, Y = regression()
    loss = nn.MSELoss()(net(X), Y)
    names = first_fields(to_dot(loss, group_by_module=net))
    assert {"X", "Y", "weight", "bias"} <= names


def test_names_come_from_the_nearest_caller_and_from_lists() -> None:
    def inner(out: Value) -> str:
        xs = "not a node"  # a nearer variable of that name, holding no node, changes nothing
        del xs
        return to_dot(out)

    xs = [Value(1.0), Value(2.0)]
    pairs = [[Value(3.0), Value(4.0)]]
    target = Value(0.5)
    out = (xs[0] * xs[1] + pairs[0][1] - target).tanh()
    src = inner(out)
    names = first_fields(src)
    assert {"xs[0]", "xs[1]", "pairs[0][1]", "target"} <= names
    batch = {"y": Value(2.0)}
    assert "batch['y']" in first_fields(to_dot(batch["y"] * 3.0))


def test_own_labels_and_parameter_names_win_over_variable_names() -> None:
    w = Value(0.5, label="weight")
    x = Value(2.0)
    src = to_dot(w * x, params={"w_param": w})
    names = first_fields(src)
    assert "w_param" in names and "x" in names and "w" not in names
    labelled = Value(1.0, label="mine")
    assert "mine" in first_fields(to_dot(labelled * x))


def test_names_false_and_an_explicit_mapping() -> None:
    x, y = Value(1.0), Value(2.0)
    out = x * y
    assert first_fields(to_dot(out, names=False)) == {"data 1.0000", "data 2.0000"}
    src = to_dot(out, names={"input": x, "product": out})
    assert {"input", "product"} <= first_fields(src)
    assert "y" not in first_fields(src)  # an explicit mapping turns the caller lookup off
    assert {"input", "product"} <= first_fields(to_dot(out, names=[("input", x),
                                                                    ("product", out)]))
    with pytest.raises(TypeError, match=r"to_dot\(names=...\).*entry 0"):
        to_dot(out, names=[("x", 1.0)])
    with pytest.raises(TypeError, match=r"draw_dot\(names=...\)"):
        draw_dot(out, names=3)


def test_render_and_draw_dot_see_the_callers_names(tmp_path) -> None:
    net, X, Y = regression()
    loss = nn.MSELoss()(net(X), Y)
    assert {"X", "Y"} <= first_fields(draw_dot(loss).source)
    path = render(loss, tmp_path / "loss.dot")
    assert {"X", "Y"} <= first_fields(path.read_text())


def test_the_output_reads_grad_one_after_backward() -> None:
    net, X, Y = regression()
    loss = nn.MSELoss()(net(X), Y)
    before = [r for r in records(to_dot(loss)) if "peripheries=2" in r[1]]
    assert before[0][0][-1] == "grad none"  # backward has not run
    loss.backward()
    root = [r for r in records(to_dot(loss)) if "peripheries=2" in r[1]]
    assert len(root) == 1 and root[0][0][-1] == "grad 1.0000"
    one = (X.sum() * 0.0 + (net(X) ** 2).sum()).reshape(1)
    one.backward()
    root = [r for r in records(to_dot(one)) if "peripheries=2" in r[1]]
    assert root[0][0][-1] == "grad [1.0000]"
    v = Value(2.0)
    out = v * 3.0
    out.backward()
    root = [r for r in records(to_dot(out)) if "peripheries=2" in r[1]]
    assert root[0][0][-1] == "grad 1.0000"  # a Value keeps its grad: drawn as it is
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.backward(np.ones(2))
    root = [r for r in records(to_dot(y)) if "peripheries=2" in r[1]]
    assert root[0][0][-1] == "grad none"  # the seed was the user's array, not 1
    z = ad.tensor([3.0], requires_grad=True) * 2.0
    root = [r for r in records(to_dot(z.sum())) if "peripheries=2" in r[1]]
    assert root[0][0][-1] == "grad none"
