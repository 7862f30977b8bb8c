"""gradcheck fails on deliberately wrong VJPs, and its report points at the right entries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import testing
from autodiff.check import gradcheck_report


def _x(shape: tuple[int, ...], seed: int = 0, name: str = "x") -> ad.Tensor:
    rng = np.random.default_rng(seed)
    return ad.Tensor(rng.standard_normal(shape), requires_grad=True, name=name)


def test_wrong_sign() -> None:
    swish = ad.Op("swish", lambda a: a / (1.0 + np.exp(-a)),
                  (lambda g, out, a: -g * (a.sigmoid() * (1.0 + a * (1.0 - a.sigmoid()))),))
    x = _x((3, 4))
    report = gradcheck_report(lambda x: swish(x).sum(), [x])
    assert not report.ok and report.n_fail == 12
    w = report.worst[0]
    assert w.analytic == pytest.approx(-w.numerical, rel=1e-6)
    assert "sign error" in str(report)


def _bias_add(vjp_b: object) -> ad.Op:
    return ad.Op("bias_add", lambda x, b: x + b, (lambda g, out, x, b: g, vjp_b))


def test_missing_broadcast_reduction_first_row_only() -> None:
    # the VJP of b forgets to sum over the batch: it keeps only row 0
    op = _bias_add(lambda g, out, x, b: g[0])
    x, b = _x((4, 3), name="x"), _x((3,), 1, name="b")
    report = gradcheck_report(op, [x, b])
    assert not report.ok and report.n_fail == 9  # rows 1..3 of d out / d b
    assert len(report.pairs) == 1 and report.pairs[0].input_label == "input 1 'b'"
    for e in report.worst:
        assert e.input_label == "b" and e.out_index[0] >= 1 and e.in_index == (e.out_index[1],)
        assert e.analytic == 0.0 and e.numerical == pytest.approx(1.0)


def test_mean_where_a_sum_belongs() -> None:
    op = _bias_add(lambda g, out, x, b: g.mean(axis=0))
    x, b = _x((4, 3)), _x((3,), 1, name="b")
    report = gradcheck_report(lambda x, b: op(x, b).sum(), [x, b])
    assert not report.ok and report.n_fail == 3
    assert "0.25 x numerical" in str(report) and "1/4" in str(report)


def test_engine_reduces_broadcast_gradients_itself() -> None:
    # returning the unreduced gradient is fine: the engine sums it back to b's shape
    op = _bias_add(lambda g, out, x, b: g)
    assert ad.gradcheck(op, [_x((4, 3)), _x((3,), 1)])
    # a gradient that cannot be summed back is reported, not swallowed
    bad = _bias_add(lambda g, out, x, b: g.sum(axis=1))
    report = gradcheck_report(bad, [_x((4, 3)), _x((3,), 1)])
    assert not report.ok and "raised" in str(report)


def test_transposed_gradient() -> None:
    rng = np.random.default_rng(3)
    X = ad.Tensor(rng.standard_normal((5, 3)))
    right = ad.Op("xw", lambda x, w: x @ w,
                  (lambda g, out, x, w: g @ w.T, lambda g, out, x, w: x.T @ g))
    wrong = ad.Op("xw", lambda x, w: x @ w,
                  (lambda g, out, x, w: g @ w.T, lambda g, out, x, w: (x.T @ g).T))
    W = _x((3, 3), 4, name="W")
    assert ad.gradcheck(lambda W: right(X, W).sum(), [W])
    report = gradcheck_report(lambda W: (wrong(X, W) ** 2).sum(), [W])
    assert not report.ok
    assert "transposed" in str(report)
    worst = report.worst[0]
    assert worst.in_index[0] != worst.in_index[1]  # the diagonal is right


def test_off_by_a_factor_at_one_element() -> None:
    def vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
        scale = np.ones(a.shape)
        scale[1, 2] = 1.5
        return g * a.cos() * ad.Tensor(scale)

    sin = ad.Op("my_sin", np.sin, (vjp,))
    x = _x((3, 4), name="angles")
    report = gradcheck_report(lambda x: sin(x).sum(), [x])
    assert report.n_fail == 1 and report.n_total == 12
    e = report.worst[0]
    assert e.in_index == (1, 2) and e.analytic == pytest.approx(1.5 * e.numerical, rel=1e-5)
    text = str(report)
    assert "d out0 / d angles[1, 2]" in text and "only one entry is wrong" in text


def test_kink_is_flagged_in_the_report() -> None:
    x = ad.Tensor(np.array([0.0, 1.0, -1.0]), requires_grad=True)
    report = gradcheck_report(lambda x: x.relu().sum(), [x])
    assert not report.ok and report.n_fail == 1
    assert report.worst[0].kink and "non-differentiable" in str(report)


def test_wrong_value_partial() -> None:
    def f(a: ad.Value, b: ad.Value) -> ad.Value:
        t = (a * b).tanh()
        t._da = 2.0 * t._da  # planted: the recorded local derivative is doubled
        return t + a

    a, b = ad.Value(0.4, label="a"), ad.Value(-0.9, label="b")
    report = gradcheck_report(f, [a, b])
    assert not report.ok and report.n_fail == 2
    assert {e.input_label for e in report.worst} == {"a", "b"}


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_report_points_at_a_randomly_planted_element(data: st.DataObject) -> None:
    x = data.draw(testing.tensors(elements=(-2.0, 2.0), min_dims=1, max_side=5, name="x"))
    k = data.draw(st.integers(0, x.size - 1))
    factor = data.draw(st.sampled_from([-1.0, 0.0, 2.0, 1.1]))

    def vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
        scale = np.ones(a.size)
        scale[k] = factor
        return g * a.cos() * ad.Tensor(scale.reshape(a.shape))

    sin = ad.Op("planted_sin", np.sin, (vjp,))
    report = gradcheck_report(lambda x: (sin(x) * 3.0).sum(), [x])
    target = tuple(int(i) for i in np.unravel_index(k, x.shape))
    if abs(np.cos(x.data.reshape(-1)[k])) < 1e-3:  # the planted factor scales ~0
        return
    assert not report.ok and report.n_fail == 1 and report.worst[0].in_index == target
