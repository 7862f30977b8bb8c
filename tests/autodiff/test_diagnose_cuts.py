"""diagnose finds graph cuts: every op locally right, the whole gradient wrong."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn


def _no_grad_exp(t: ad.Tensor) -> ad.Tensor:
    with ad.no_grad():
        s = t.exp()
    return (t * s).sum()


X0 = np.array([0.5, -1.0, 2.0])
CUTS = {
    "detach()": (lambda t: (t * t.detach()).sum(), "detach() or .data"),
    ".data round trip": (lambda t: (t * ad.tensor(t.data)).sum(), ".data"),
    ".numpy() round trip": (lambda t: (t * ad.tensor(t.numpy() * 2.0)).sum(), ".numpy()"),
    "no_grad": (_no_grad_exp, "no_grad"),
    ".item()": (lambda t: (t * t.sum().item()).sum(), ".item()"),
}


@pytest.mark.parametrize("cause", sorted(CUTS))
def test_each_usual_cause_of_a_cut_is_located_and_named(cause: str) -> None:
    f, hint = CUTS[cause]
    x = ad.tensor(X0, requires_grad=True)
    report = ad.diagnose(f, [x])
    assert not report and report.cut, str(report)
    first = report.findings[0]
    assert first.op == "mul" and first.input_index == 1
    assert hint in str(report)
    assert first.site is not None and __file__ in first.site  # the user's line
    assert report.bad_nodes == [first.node]
    dot = ad.to_dot(report.root, diagnosis=report)
    assert "red" in dot  # the drawing marks the cut node
    np.testing.assert_array_equal(x.data, X0)  # inputs restored


def test_no_cut_is_reported_for_correct_graphs() -> None:
    x = ad.tensor(X0, requires_grad=True)
    for f in (lambda t: (t * t).sum(), lambda t: (t.exp() * t.detach().sum() * 0.0 + t).sum(),
              lambda t: (t * (t.data > 0)).sum()):
        report = ad.diagnose(f, [x])
        assert report and not report.cut, str(report)


def test_a_cut_inside_a_model_found_through_params() -> None:
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    x = ad.tensor(np.random.default_rng(2).standard_normal((5, 3)))

    def closure() -> ad.Tensor:
        hidden = model[1](model[0](x))
        return (model[2](hidden.detach() * 0.5 + hidden * 0.5) ** 2).mean()

    report = ad.diagnose(closure, params=model.parameters())
    assert report.cut and "detach()" in str(report)
    assert report.findings[0].op == "add"  # where the cut value rejoins the graph


def test_a_value_rebuilt_from_data_is_a_cut() -> None:
    a, b = ad.Value(0.7, label="a"), ad.Value(-1.3, label="b")

    def f(x: ad.Value, y: ad.Value) -> ad.Value:
        copy = ad.Value((x * y).data, label="copy")  # rebuilt: no path back to x and y
        return (copy * x + y).tanh()

    report = ad.diagnose(f, [a, b])
    assert not report and report.cut, str(report)
    assert report.bad_nodes[0].label == "copy"
    assert "Value(v.data)" in str(report)
    assert "red" in ad.to_dot(report.root, diagnosis=report)
    assert ad.diagnose(lambda x, y: (x * y * x + y).tanh(), [a, b])  # the uncut version


def test_value_leaves_that_move_but_do_not_change_the_gradient_are_no_cut() -> None:
    """A stable log-sum-exp (its shift M is rebuilt from data, exactly) and a stop-gradient
    times 0: the whole gradient is right, so nothing is reported."""
    a, b = ad.Value(0.7), ad.Value(0.3)

    def log_sum_exp(x: ad.Value, y: ad.Value) -> ad.Value:
        shift = ad.Value(max(x.data, y.data))
        return ((x - shift).exp() + (y - shift).exp()).log() + shift

    assert ad.diagnose(log_sum_exp, [a, b])
    assert ad.diagnose(lambda x, y: x * 2.0 + ad.Value(x.data) * 0.0 + y, [a, b])
