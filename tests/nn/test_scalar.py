"""nn.Neuron / nn.Layer / nn.MLP built from Values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autodiff import Value


def mse(model: nn.Module, xs: np.ndarray, ys: np.ndarray) -> Value:
    return sum((model(list(x)) - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_gradients_match_central_differences(activation: str) -> None:
    rng = np.random.default_rng(1)
    model = nn.MLP(3, [4, 4, 1], activation=activation, rng=7)
    xs, ys = rng.normal(size=(5, 3)), rng.normal(size=5)
    loss = mse(model, xs, ys)
    model.zero_grad()
    loss.backward()
    h = 1e-6
    for name, p in model.named_parameters():
        old = p.data
        p.data = old + h
        up = mse(model, xs, ys).data
        p.data = old - h
        down = mse(model, xs, ys).data
        p.data = old
        assert math.isclose(p.grad, (up - down) / (2 * h), rel_tol=1e-4, abs_tol=1e-7), name


def test_neuron_computes_activation_of_weighted_sum() -> None:
    n = nn.Neuron(3, activation="tanh", rng=0)
    x = [0.5, -1.0, 2.0]
    want = math.tanh(n.b.data + sum(w.data * xi for w, xi in zip(n.w, x, strict=True)))
    assert n(x).data == pytest.approx(want, rel=1e-15)
    lin = nn.Neuron(2, activation="linear", rng=0)
    assert lin([1.0, 1.0])._op == "+"
    assert nn.Neuron(2, rng=0)([1.0, 1.0])._op == "ReLU"


def test_one_graph_node_per_scalar_operation() -> None:
    n = nn.Neuron(2, activation="linear", rng=0)
    out = n([1.0, 2.0])  # ((b + w0*x0) + w1*x1)
    assert out._op == "+"
    left, right = out._prev
    assert right._op == "*" and right._prev == (n.w[1],)
    assert left._op == "+" and left._prev[0] is n.b


def test_seeded_initialization_is_reproducible() -> None:
    a, b = nn.MLP(2, [8, 1], rng=3), nn.MLP(2, [8, 1], rng=np.random.default_rng(3))
    c = nn.MLP(2, [8, 1], rng=4)
    da, db, dc = (np.array([p.data for p in m.parameters()]) for m in (a, b, c))
    np.testing.assert_array_equal(da, db)
    assert not np.array_equal(da, dc)
    weights = np.array([w.data for n in a.layers[0].neurons for w in n.w])
    assert np.all((weights >= -1) & (weights < 1))
    assert all(n.b.data == 0.0 for n in a.layers[0].neurons)


def test_mlp_structure_last_layer_linear_and_outputs() -> None:
    m = nn.MLP(2, [16, 16, 1], rng=0)
    assert [layer.activation for layer in m.layers] == ["relu", "relu", "linear"]
    assert m.num_parameters() == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == len(m.parameters())
    assert isinstance(m([0.1, 0.2]), Value)
    out = nn.MLP(2, [3, 2], rng=0)([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 2
    text = repr(m)
    assert "MLP(2, [16, 16, 1]) [337 parameters]" in text
    assert "16 x Neuron(16, activation='relu')" in text


def test_mlp_with_single_unit_hidden_layer() -> None:
    m = nn.MLP(2, [1, 1], rng=0)
    assert isinstance(m([1.0, 2.0]), Value)


def test_training_lowers_the_loss() -> None:
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(20, 2))
    ys = xs[:, 0] - 2 * xs[:, 1]
    model = nn.MLP(2, [8, 1], rng=0)
    first = None
    for _ in range(30):
        loss = mse(model, xs, ys)
        first = loss.data if first is None else first
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    assert loss.data < 0.5 * first


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: nn.Neuron(0), ValueError, "nin"),
        (lambda: nn.Neuron(2, activation="gelu"), ValueError, "activation"),
        (lambda: nn.Neuron(2, rng="seed"), TypeError, "rng"),
        (lambda: nn.Layer(2, 0), ValueError, "nout"),
        (lambda: nn.MLP(2, []), ValueError, "nouts"),
        (lambda: nn.MLP(2, 3), ValueError, "nouts"),
        (lambda: nn.Neuron(2, rng=0)([1.0]), ValueError, "expected 2 inputs"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, exc, match: str) -> None:
    with pytest.raises(exc, match=match):
        make()
