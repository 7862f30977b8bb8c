"""autodiff.testing: the strategies draw what they promise; the assertions catch wrong gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import testing as adt


@settings(max_examples=40, deadline=None)
@given(adt.tensors(shape=(2, 3), elements=(-1.0, 1.0), away_from=(0.0, 0.5), margin=0.1))
def test_tensors_respect_shape_domain_and_away_from(t: ad.Tensor) -> None:
    assert isinstance(t, ad.Tensor) and t.requires_grad and t.shape == (2, 3)
    assert t.dtype == np.float64 and np.all(np.abs(t.data) <= 1.1)
    assert np.all(np.abs(t.data) >= 0.1) and np.all(np.abs(t.data - 0.5) >= 0.1 - 1e-12)


@settings(max_examples=30, deadline=None)
@given(adt.tensors(dtype=np.float32, requires_grad=False, max_dims=2, unique=True))
def test_tensors_float32_unique_random_shapes(t: ad.Tensor) -> None:
    assert t.dtype == np.float32 and not t.requires_grad and t.ndim <= 2
    assert len(np.unique(t.data)) == t.size and np.all(np.isfinite(t.data))


@settings(max_examples=40, deadline=None)
@given(adt.broadcastable_tensors(3, elements=(0.5, 2.0)))
def test_broadcastable_tensors_broadcast(ts: tuple[ad.Tensor, ...]) -> None:
    assert len(ts) == 3
    np.broadcast_shapes(*(t.shape for t in ts))  # raises if they do not broadcast
    assert all(np.all((t.data >= 0.5) & (t.data <= 2.0)) for t in ts)


@settings(max_examples=30, deadline=None)
@given(adt.broadcastable_tensors(2, away_from=0.0))
def test_mul_div_gradients_on_broadcast_shapes(ab: tuple[ad.Tensor, ad.Tensor]) -> None:
    a, b = ab
    adt.assert_grad_close(lambda a, b: a * b / (b * b + 1.0) + (a / b).tanh(), [a, b])


@settings(max_examples=30, deadline=None)
@given(adt.values(elements=(-2.0, 2.0), away_from=0.0), adt.values(elements=(0.1, 3.0)))
def test_value_gradients(a: ad.Value, b: ad.Value) -> None:
    assert isinstance(a, ad.Value) and abs(a.data) >= 1e-2
    adt.assert_grad_close(lambda a, b: (a * b).tanh() + b.log() * a.relu(), [a, b])


@settings(max_examples=60, deadline=None)
@given(adt.graphs(max_nodes=6))
def test_random_graphs_have_correct_gradients(drawn: tuple[adt.Graph, list[ad.Tensor]]) -> None:
    f, xs = drawn
    assert 1 <= len(f.steps) <= 6 and all(x.requires_grad for x in xs)
    adt.assert_grad_close(f, xs)


@settings(max_examples=15, deadline=None)
@given(adt.graphs(ops=["mul", "tanh", "sum", "relu"], max_nodes=4))
def test_random_graphs_second_order(drawn: tuple[adt.Graph, list[ad.Tensor]]) -> None:
    f, xs = drawn
    assert set(f.ops) <= {"mul", "tanh", "sum", "relu"}
    assert "return" in repr(f)
    if "relu" not in f.ops:
        adt.assert_grad_close(f, xs, second_order=True)


def test_graphs_rejects_unknown_ops() -> None:
    with pytest.raises(ValueError, match="unknown ops"):
        adt.graphs(ops=["no_such_op"])
    with pytest.raises(ValueError, match="max_nodes"):
        adt.graphs(max_nodes=0)


def test_graph_repr_and_call() -> None:
    g = adt.Graph(2, [("mul", (0, 1)), ("tanh", (2,))])
    assert repr(g) == "Graph(x0, x1 -> t2 = x0 * x1; t3 = tanh(t2); return t3)"
    out = g(ad.tensor([0.5]), ad.tensor([2.0]))
    assert out.item() == pytest.approx(np.tanh(1.0))


def test_assert_grad_close_raises_assertion_with_report() -> None:
    bad = ad.Op("half_square", lambda a: a * a, (lambda g, out, a: g * a,))
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AssertionError, match=r"0\.5 x numerical"):
        adt.assert_grad_close(lambda x: bad(x).sum(), [x])


def test_check_op_accepts_a_correct_custom_op() -> None:
    def forward(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.sin(x) * w

    op = ad.Op("sin_scale", forward,
               (lambda g, out, x, w: g * x.cos() * w, lambda g, out, x, w: g * x.sin()))
    adt.check_op(op, shapes=[(3, 4), (4,)], max_examples=10, second_order=True)
    adt.check_op(op, max_examples=10)  # broadcastable shapes drawn for its two inputs
    adt.check_op(ad.ops.REGISTRY["log"], shapes=(5,), domain=(0.1, 4.0), max_examples=10)


def test_check_op_reports_a_wrong_custom_op() -> None:
    op = ad.Op("my_exp", np.exp, (lambda g, out, a: g * out * 1.01,))
    with pytest.raises(AssertionError, match=r"1\.01 x numerical") as info:
        adt.check_op(op, shapes=(3,), domain=(0.0, 2.0), max_examples=10)
    assert str(info.value).startswith("check_op: the VJPs of op 'my_exp' disagree")


def test_check_op_argument_errors() -> None:
    op = ad.Op("sq", lambda a: a * a, (lambda g, out, a: 2.0 * g * a,))
    with pytest.raises(ValueError, match="domains"):
        adt.check_op(op, shapes=[(2,)], domain=[(0, 1), (0, 1)])
    with pytest.raises(TypeError, match="callable"):
        adt.check_op("sq")
    with pytest.raises(ValueError, match="low <= high"):
        adt.floats((2.0, 1.0))


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_floats_elements_strategy(data: st.DataObject) -> None:
    v = data.draw(adt.floats(st.sampled_from([-0.001, 1.0]), away_from=0.0, margin=0.05))
    assert v in (-0.05, 1.0)
