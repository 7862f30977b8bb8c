"""gradcheck, numerical_grad, gradgradcheck: behaviour, inputs left intact, Values, modules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.check import compare as gc_module
from autodiff.check import gradcheck_report


def _t(rng: np.random.Generator, shape: tuple[int, ...], name: str = "") -> ad.Tensor:
    return ad.Tensor(rng.standard_normal(shape), requires_grad=True, name=name)


# ------------------------------------------------------------------ numerical_grad


def test_numerical_grad_matches_closed_form_for_tensors() -> None:
    rng = np.random.default_rng(0)
    x, w = _t(rng, (3, 4)), _t(rng, (4,))
    gx, gw = ad.numerical_grad(lambda x, w: ((x * w).sin()).sum(), [x, w])
    c = np.cos(x.data * w.data)
    np.testing.assert_allclose(gx, c * w.data, atol=1e-8)
    np.testing.assert_allclose(gw, (c * x.data).sum(axis=0), atol=1e-8)


def test_numerical_grad_values_and_lists_of_values() -> None:
    a, b = ad.Value(0.7), ad.Value(-1.3)
    ga, gb = ad.numerical_grad(lambda a, b: a * b + a.exp(), [a, b])
    assert ga == pytest.approx(-1.3 + np.exp(0.7), abs=1e-8)
    assert gb == pytest.approx(0.7, abs=1e-8)
    vs = [ad.Value(1.0), ad.Value(2.0), ad.Value(3.0)]
    (g,) = ad.numerical_grad(lambda vs: vs[0] * vs[1] * vs[2], [vs])
    np.testing.assert_allclose(g, [6.0, 3.0, 2.0], atol=1e-7)
    assert ad.numerical_grad(lambda v: v * v, ad.Value(3.0)) == pytest.approx(6.0, abs=1e-7)


def test_numerical_grad_vjp_and_constants() -> None:
    x = ad.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    g, none = ad.numerical_grad(lambda x, c: x * x * c, [x, 3.0], grad_output=[1.0, 10.0])
    np.testing.assert_allclose(g, [6.0, 120.0], atol=1e-6)
    assert none is None
    with pytest.raises(ValueError, match="scalar"):
        ad.numerical_grad(lambda x: x * 2.0, [x])


def test_inputs_restored_exactly_even_if_f_raises() -> None:
    rng = np.random.default_rng(1)
    x = _t(rng, (2, 3))
    before, array = x.data.copy(), x.data
    calls = []

    def f(x: ad.Tensor) -> ad.Tensor:
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return (x * x).sum()

    with pytest.raises(RuntimeError, match="boom"):
        ad.numerical_grad(f, [x])
    assert x.data is array and np.array_equal(x.data, before)
    v = ad.Value(0.1234567890123)
    with pytest.raises(ZeroDivisionError):
        ad.numerical_grad(lambda v: v * (1 / 0), [v])
    assert v.data == 0.1234567890123


def test_gradcheck_leaves_data_and_grads_unchanged() -> None:
    rng = np.random.default_rng(2)
    x, w = _t(rng, (3, 2), "x"), _t(rng, (2,), "w")
    x.grad = np.full((3, 2), 7.0)
    saved = (x.data.copy(), w.data.copy(), x.data, x.grad)
    assert ad.gradcheck(lambda x, w: (x * w).tanh(), [x, w])
    assert x.data is saved[2] and np.array_equal(x.data, saved[0])
    assert np.array_equal(w.data, saved[1]) and w.grad is None
    assert x.grad is saved[3] and np.all(x.grad == 7.0)
    a = ad.Value(0.5)
    a.grad = 2.5
    assert ad.gradcheck(lambda a: a.tanh() * a, [a])
    assert a.data == 0.5 and a.grad == 2.5


# ------------------------------------------------------------------ gradcheck


def test_gradcheck_multiple_outputs_and_unused_inputs() -> None:
    rng = np.random.default_rng(3)
    x, y, unused = _t(rng, (3,)), _t(rng, (2, 3)), _t(rng, (4,))
    assert ad.gradcheck(lambda x, y, u: (x * y, (x.exp() + y).sum(axis=0)), [x, y, unused])


def test_gradcheck_values_and_value_lists() -> None:
    a, b = ad.Value(0.3), ad.Value(-0.8)
    assert ad.gradcheck(lambda a, b: (a * b).tanh() + (a / b) ** 2, [a, b])
    vs = [ad.Value(0.2), ad.Value(1.5)]
    assert ad.gradcheck(lambda vs: [vs[0] * vs[1], vs[0].sigmoid() - vs[1].log()], [vs])


def test_gradcheck_params_of_a_tensor_module() -> None:
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Linear(5, 2, rng=rng))
    X = ad.Tensor(rng.standard_normal((6, 3)))
    assert ad.gradcheck(lambda: (model(X) ** 2).mean(), params=model)
    assert ad.gradcheck(lambda: (model(X) ** 2).mean(), params=model.parameters(), fast=True)


def test_gradcheck_params_of_a_scalar_mlp() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    xs = [[ad.Value(0.5), ad.Value(-1.0)], [ad.Value(1.5), ad.Value(0.25)]]

    def loss() -> ad.Value:
        return sum(((model(x) - 1.0) ** 2 for x in xs), ad.Value(0.0))

    assert ad.gradcheck(loss, params=model)


def _bad_at(flat_index: int) -> ad.Op:
    """Identity whose VJP doubles the gradient of one element (flat index)."""

    def vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
        scale = np.where(np.arange(a.size).reshape(a.shape) == flat_index, 2.0, 1.0)
        return g * ad.Tensor(scale)

    return ad.Op("double_one", lambda a: a * 1.0, (vjp,))


def test_report_names_param_and_element() -> None:
    rng = np.random.default_rng(5)
    first = nn.Linear(3, 4, rng=rng)
    model = nn.Sequential(first, nn.Tanh(), nn.Linear(4, 1, rng=rng))
    X = ad.Tensor(rng.standard_normal((5, 3)))
    bad = _bad_at(7)
    with pytest.raises(ad.GradcheckError) as info:
        ad.gradcheck(lambda: model(X).sum() + (bad(first.weight) ** 2).sum(), params=model)
    report = info.value.report
    assert report.n_fail == 1 and report.n_total == 21
    assert report.worst[0].input_label == "0.weight" and report.worst[0].in_index == (2, 1)
    assert "param '0.weight'" in str(info.value) and "d out0 / d 0.weight[2, 1]" in str(info.value)


def test_report_names_input_and_element() -> None:
    rng = np.random.default_rng(5)
    X = ad.Tensor(rng.standard_normal((5, 3)), requires_grad=True, name="X")
    with pytest.raises(ad.GradcheckError) as info:
        ad.gradcheck(lambda X: _bad_at(7)(X).tanh().sum(), [X])
    report = info.value.report
    assert isinstance(info.value, RuntimeError)
    assert report.n_fail == 1 and report.n_total == 15
    assert report.worst[0].in_index == (2, 1)  # flat 7 in shape (5, 3)
    text = str(info.value)
    assert "input 0 'X'" in text and "d out0 / d X[2, 1]" in text and "1 of 15" in text
    assert "only one entry is wrong" in text


def test_raise_exception_false_returns_false() -> None:
    x = ad.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    neg = ad.Op("bad_sq", lambda a: a * a, (lambda g, out, a: -2.0 * g * a,))
    assert ad.gradcheck(lambda x: neg(x).sum(), [x], raise_exception=False) is False


def test_report_of_a_large_input_is_short() -> None:
    x = ad.Tensor(np.random.default_rng(6).standard_normal((40, 50)), requires_grad=True)
    neg = ad.Op("bad_sq", lambda a: a * a, (lambda g, out, a: -2.0 * g * a,))
    report = gradcheck_report(lambda x: neg(x).sum(), [x])
    text = str(report)
    assert not report.ok and report.n_fail == 2000
    assert len(text.splitlines()) < 20 and "sign error" in text


def test_float32_inputs_warn_once_and_check_in_float64() -> None:
    gc_module._FLOAT32_WARNED = False
    x = ad.Tensor(np.linspace(-1, 1, 5).astype(np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64") as caught:
        assert ad.gradcheck(lambda x: (x.exp() * x).sum(), [x])
    assert caught[0].filename == __file__  # points at the caller, not into the package
    assert x.data.dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ad.gradcheck(lambda x: (x.exp() * x).sum(), [x])


def test_fast_mode_passes_and_catches_a_bug_with_full_report() -> None:
    rng = np.random.default_rng(7)
    x = _t(rng, (20, 20), "x")
    assert ad.gradcheck(lambda x: (x.tanh() * x).sum(), [x], fast=True)
    off = ad.Op("off", lambda a: np.sin(a), (lambda g, out, a: g * a.cos() * 1.01,))
    report = gradcheck_report(lambda x: off(x).sum(), [x], fast=True)
    assert not report.ok and report.n_fail == 400 and "1.01 x numerical" in str(report)


def test_fast_failure_within_elementwise_tolerance_warns_and_passes() -> None:
    # every entry is off by 0.9 * rtol (within tolerance), always upwards, while the
    # alternating signs of the derivatives cancel in the projection: only fast mode objects
    c = np.where(np.arange(100) % 2 == 0, 10.0, -10.0)
    scaled = ad.Op("scaled", lambda a: a * c,
                   (lambda g, out, a: g * ad.Tensor(c + 0.9e-3 * np.abs(c)),))
    x = ad.Tensor(np.linspace(-1.0, 1.0, 100), requires_grad=True)
    f = lambda x: scaled(x).sum()  # noqa: E731
    assert ad.gradcheck(f, [x])
    with pytest.warns(RuntimeWarning, match="every Jacobian entry is within tolerance") as w:
        assert ad.gradcheck(f, [x], fast=True)
    assert w[0].filename == __file__


def test_too_large_full_check_is_refused_with_advice() -> None:
    x = ad.Tensor(np.zeros(3000), requires_grad=True)
    with pytest.raises(ValueError, match="fast=True"):
        ad.gradcheck(lambda x: x * 2.0, [x])


def test_bad_arguments() -> None:
    x = ad.Tensor(np.ones(2))
    with pytest.raises(ValueError, match="requires_grad"):
        ad.gradcheck(lambda x: x * 2.0, [x])
    with pytest.raises(TypeError, match="callable"):
        ad.gradcheck(3, [x])
    with pytest.raises(TypeError, match="not both"):
        ad.gradcheck(lambda: x, [x], params=[x])
    y = ad.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="must return"):
        ad.gradcheck(lambda y: 3.0, [y])


def test_backward_that_raises_is_reported() -> None:
    y = ad.Tensor(np.ones(3), requires_grad=True)
    wrong_shape = ad.Op("wrong_shape", lambda a: a * 2.0,
                        (lambda g, out, a: ad.Tensor(np.ones(5)),))
    report = gradcheck_report(lambda y: wrong_shape(y), [y])
    assert not report.ok and "raised" in str(report)


# ------------------------------------------------------------------ gradgradcheck


def test_gradgradcheck_passes_on_smooth_functions() -> None:
    rng = np.random.default_rng(8)
    x, w = _t(rng, (2, 3), "x"), _t(rng, (3, 2), "w")
    assert ad.gradgradcheck(lambda x, w: (x @ w).tanh(), [x, w])
    assert ad.gradgradcheck(lambda x: (x.sigmoid() * x).sum(), [x])


def test_gradgradcheck_catches_a_vjp_that_is_not_differentiable() -> None:
    x = ad.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, name="x")
    # first derivative right, but built from a constant: its own derivative is lost
    cube = ad.Op("cube", lambda a: a ** 3,
                 (lambda g, out, a: g * ad.Tensor(3.0 * a.data ** 2),))
    assert ad.gradcheck(lambda x: cube(x), [x])
    with pytest.raises(ad.GradcheckError, match="gradgradcheck failed") as info:
        ad.gradgradcheck(lambda x: cube(x), [x])
    assert "grad w.r.t. input 0 'x'" in str(info.value)
    with pytest.raises(TypeError, match="Value"):
        ad.gradgradcheck(lambda a: a * a, [ad.Value(1.0)])


def test_fortran_ordered_and_read_only_inputs() -> None:
    data = np.asfortranarray(np.random.default_rng(9).standard_normal((3, 4)))
    x = ad.Tensor(data, requires_grad=True)
    (g,) = ad.numerical_grad(lambda x: (x * x).sum(), [x])
    np.testing.assert_allclose(g, 2.0 * data, atol=1e-7)
    frozen = np.arange(1.0, 5.0)
    frozen.flags.writeable = False
    y = ad.Tensor(frozen, requires_grad=True)
    assert ad.gradcheck(lambda y: y.log() * y, [y])
    assert y.data is frozen


def test_numerical_grad_repeated_inputs_and_lists_of_tensors() -> None:
    x = ad.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = ad.Tensor(np.array([3.0, -1.0]), requires_grad=True)
    gx, gx_again = ad.numerical_grad(lambda a, b: (a * b).sum(), [x, x])
    np.testing.assert_allclose(gx, 2.0 * x.data, atol=1e-7)  # total derivative, reported twice
    assert gx_again is gx
    ([gx2, gw2],) = ad.numerical_grad(lambda ts: (ts[0] * ts[1]).sum(), [[x, w]])
    np.testing.assert_allclose(gx2, w.data, atol=1e-7)
    np.testing.assert_allclose(gw2, x.data, atol=1e-7)


def test_gradcheck_restores_inputs_when_f_raises_midway() -> None:
    x = ad.Tensor(np.array([0.5, 1.5, 2.5]), requires_grad=True)
    v = ad.Value(0.75)
    array, calls = x.data, []

    def f(x: ad.Tensor, v: ad.Value) -> ad.Tensor:
        calls.append(1)
        if len(calls) == 3:
            raise FloatingPointError("midway")
        return x * v.data

    with pytest.raises(FloatingPointError):
        ad.gradcheck(f, [x, v])
    assert x.data is array and np.array_equal(array, [0.5, 1.5, 2.5]) and v.data == 0.75


def test_fast_mode_on_a_jacobian_too_large_for_a_full_report() -> None:
    x = ad.Tensor(np.linspace(0.1, 2.0, 2500), requires_grad=True, name="x")
    off = ad.Op("off", np.exp, (lambda g, out, a: g * out * 1.1,))
    report = gradcheck_report(lambda x: off(x), [x], fast=True)
    assert not report.ok and report.mode == "fast"
    text = str(report)
    assert "projection v^T J u of output 0 w.r.t. input 0 'x'" in text and "too large" in text


@pytest.mark.parametrize("kw", [{"eps": 0.0}, {"eps": -1e-6}, {"atol": -1.0},
                                {"rtol": float("nan")}])
def test_bad_tolerances(kw: dict[str, float]) -> None:
    x = ad.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="gradcheck: (eps|atol|rtol)"):
        ad.gradcheck(lambda x: x * 2.0, [x], **kw)
    with pytest.raises(ValueError, match="diagnose"):
        ad.diagnose(lambda x: x * 2.0, [x], **kw)


def test_outside_the_domain_is_explained_not_blamed_on_backward() -> None:
    x = ad.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True, name="x")
    with np.errstate(all="ignore"):
        report = gradcheck_report(lambda x: x.log(), [x])
    text = str(report)
    assert not report.ok and "not multiplied" not in text
    assert "NaN" in text and "detect_anomaly" in text


def test_random_function_is_reported_as_not_deterministic() -> None:
    rng = np.random.default_rng(10)
    model = nn.Sequential(nn.Linear(3, 8, rng=rng), nn.Dropout(0.5, rng=rng),
                          nn.Linear(8, 1, rng=rng))
    X = ad.Tensor(rng.standard_normal((4, 3)))
    report = gradcheck_report(lambda: model(X).sum(), params=model)
    assert not report.ok and "not deterministic" in str(report) and "eval()" in str(report)
    model.eval()
    assert ad.gradcheck(lambda: model(X).sum(), params=model)


def test_report_names_named_outputs() -> None:
    x = ad.Tensor(np.array([0.5, 1.0]), requires_grad=True, name="x")
    bad = ad.Op("bad_sq", lambda a: a * a, (lambda g, out, a: -2.0 * g * a,))

    def f(x: ad.Tensor) -> tuple[ad.Tensor, ad.Tensor]:
        good, wrong = x.exp(), bad(x)
        wrong.name = "energy"
        return good, wrong

    text = str(gradcheck_report(f, [x]))
    assert "output 1 'energy' (2,) w.r.t. input 0 'x'" in text and "d energy[0] / d x[0]" in text
