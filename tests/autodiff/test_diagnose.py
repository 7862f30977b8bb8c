"""diagnose: locating the op whose backward is wrong, in Tensor and Value graphs."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff import anomaly


def _swish_forward(a: np.ndarray) -> np.ndarray:
    return a / (1.0 + np.exp(-a))


def _swish_vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
    s = a.sigmoid()
    return g * (s + a * s * (1.0 - s))


GOOD_SWISH = ad.Op("swish", _swish_forward, (_swish_vjp,))
BAD_SWISH = ad.Op("swish", _swish_forward, (lambda g, out, a: _swish_vjp(g, out, a) * 0.9,))


class Swish(nn.Module):
    """An activation module built on a custom op."""

    def __init__(self, op: ad.Op) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        return self.op(x)  # SWISH-SITE


def _network(op: ad.Op, seed: int = 0) -> tuple[nn.Module, ad.Tensor, ad.Tensor]:
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.Tanh(), nn.Linear(8, 8, rng=rng),
                          Swish(op), nn.Linear(8, 6, rng=rng), nn.ReLU(),
                          nn.Linear(6, 1, rng=rng))
    X = ad.Tensor(rng.standard_normal((10, 4)))
    y = ad.Tensor(rng.standard_normal((10, 1)))
    return model, X, y


def _site_line() -> int:
    with open(__file__) as fh:
        return next(i for i, line in enumerate(fh, 1) if "# SWISH-SITE" in line)


def test_finds_a_wrong_custom_op_hidden_in_a_network() -> None:
    model, X, y = _network(BAD_SWISH)
    loss_fn = nn.MSELoss()
    report = ad.diagnose(lambda: loss_fn(model(X), y), params=model)
    assert not report.ok
    assert len(report.bad_nodes) == 1 and report.bad_nodes[0]._op == "swish"
    finding = report.findings[0]
    assert finding.input_index == 0 and finding.out_shape == (10, 8)
    assert finding.site is not None and f"test_diagnose.py:{_site_line()}" in finding.site
    text = str(report)
    assert "first wrong node" in text and "op 'swish'" in text and "0.9 x numerical" in text
    assert 3 < finding.position < report.n_nodes  # in the middle, not at either end
    assert anomaly._state.record_sites is False  # switched back on exit


def test_a_correct_network_is_clean() -> None:
    model, X, y = _network(GOOD_SWISH)
    loss_fn = nn.MSELoss()
    report = ad.diagnose(lambda: loss_fn(model(X), y), params=model.parameters())
    assert report.ok and report.bad_nodes == [] and report.n_checked == report.n_nodes > 10
    assert "no wrong backward" in str(report)


def test_kinks_are_not_reported() -> None:
    x = ad.Tensor(np.array([[-1.0, 0.5, 2.0], [0.3, -0.2, 1.0]]), requires_grad=True)
    # the outer relu and abs see exact zeros; the max sees a tie
    report = ad.diagnose(lambda x: (x.relu().relu().abs() + ad.maximum(x, x)).max(), [x])
    assert report.ok, str(report)


def test_random_ops_are_skipped_not_flagged() -> None:
    rng = np.random.default_rng(0)
    noisy = ad.Op("noisy", lambda a: a + rng.normal(size=a.shape), (lambda g, out, a: g,))
    x = ad.Tensor(np.ones((2, 2)), requires_grad=True)
    report = ad.diagnose(lambda x: (noisy(x) * x).sum(), [x])
    assert report.ok and report.n_checked == report.n_nodes - 1
    assert "different result" in str(report)


def test_a_backward_that_raises_is_a_finding() -> None:
    broken = ad.Op("broken", lambda a: 2.0 * a,
                   (lambda g, out, a: ad.Tensor(np.ones(a.size + 1)),))
    x = ad.Tensor(np.ones(3), requires_grad=True)
    report = ad.diagnose(lambda x: broken(x.exp()).sum(), [x])
    assert not report.ok and report.bad_nodes[0]._op == "broken"
    assert "raised" in report.findings[0].reason


def test_large_inputs_use_random_directions() -> None:
    x = ad.Tensor(np.random.default_rng(1).standard_normal((30, 30)), requires_grad=True)
    sign = ad.Op("neg_cube", lambda a: a ** 3, (lambda g, out, a: -3.0 * g * a * a,))
    report = ad.diagnose(lambda x: sign(x.tanh()).sum(), [x], max_elements=100)
    assert not report.ok and "random direction" in report.findings[0].reason


def test_value_graph_bug_is_located() -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", rng=1)
    xs = [[ad.Value(0.5), ad.Value(-1.0)], [ad.Value(1.5), ad.Value(0.25)]]

    def loss(planted: bool) -> ad.Value:
        total = ad.Value(0.0)
        for x in xs:
            out = model(x)
            if planted:
                out._da = out._da + 0.5  # the output neuron's last partial is wrong
                out.label = "planted"
            total = total + (out - 1.0) ** 2
        return total

    clean = ad.diagnose(lambda: loss(False), params=model)
    assert clean.ok and clean.kind == "Value"
    report = ad.diagnose(lambda: loss(True), params=model)
    assert not report.ok and all(n.label == "planted" for n in report.bad_nodes)
    assert "recorded local partials" in str(report)


def test_report_marks_bad_nodes_in_a_drawing() -> None:
    from autodiff import viz
    x = ad.Tensor(np.array([0.3, -0.4]), requires_grad=True)
    report = ad.diagnose(lambda x: BAD_SWISH(x * 2.0).sum(), [x])
    dot = viz.to_dot(report.root, diagnosis=report)
    assert "red" in dot


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        ad.diagnose(1, [])
    with pytest.raises(TypeError, match="inputs"):
        ad.diagnose(lambda: None)
    with pytest.raises(TypeError, match="Tensors or Values"):
        ad.diagnose(lambda x: 3.0, [ad.Tensor(np.ones(2), requires_grad=True)])


def test_nothing_requires_grad_is_explained() -> None:
    report = ad.diagnose(lambda x: (x * 2.0).sum(), [ad.Tensor(np.ones(3))])
    assert report.ok and report.n_nodes == 0 and "requires_grad" in str(report)


def test_nan_forward_is_skipped_with_a_pointer_to_anomaly_mode() -> None:
    x = ad.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        report = ad.diagnose(lambda x: (x.sqrt() * 2.0).sum(), [x])
    assert report.ok and report.n_checked == 0 and "detect_anomaly" in str(report)
