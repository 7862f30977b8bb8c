"""Value: every op's forward value and derivative, numerics at the edges, input errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from micrograd_expression import readme_expression

from autodiff import Value


def central_diff(f, x: float, h: float = 1e-6) -> float:
    """(f(x + h) - f(x - h)) / 2h in float64, h scaled to |x|."""
    h = h * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def assert_close(got: float, want: float, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    assert math.isclose(got, want, rel_tol=rtol, abs_tol=atol), (got, want)


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# name -> (function on a Value, float reference, strategy for x away from kinks/poles)
UNARY = {
    "neg": (lambda v: -v, lambda x: -x, finite(-50, 50)),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0), finite(-50, 50).filter(
        lambda x: abs(x) > 1e-3)),
    "tanh": (lambda v: v.tanh(), math.tanh, finite(-5, 5)),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), finite(-20, 20)),
    "exp": (lambda v: v.exp(), math.exp, finite(-20, 20)),
    "log": (lambda v: v.log(), math.log, finite(1e-2, 1e3)),
    "abs": (lambda v: v.abs(), abs, finite(-50, 50).filter(lambda x: abs(x) > 1e-3)),
    "builtin_abs": (lambda v: abs(v), abs, finite(-50, 50).filter(lambda x: abs(x) > 1e-3)),
    "square": (lambda v: v**2, lambda x: x**2, finite(-50, 50)),
    "cube": (lambda v: v**3, lambda x: x**3, finite(-20, 20)),
    "inverse": (lambda v: v**-1, lambda x: 1 / x, finite(0.1, 50)),
    "sqrt": (lambda v: v**0.5, math.sqrt, finite(0.1, 50)),
    "add_const": (lambda v: v + 2.5, lambda x: x + 2.5, finite(-50, 50)),
    "radd_const": (lambda v: 2.5 + v, lambda x: 2.5 + x, finite(-50, 50)),
    "sub_const": (lambda v: v - 2.5, lambda x: x - 2.5, finite(-50, 50)),
    "rsub_const": (lambda v: 2.5 - v, lambda x: 2.5 - x, finite(-50, 50)),
    "mul_const": (lambda v: v * -3.0, lambda x: x * -3.0, finite(-50, 50)),
    "rmul_const": (lambda v: -3 * v, lambda x: -3 * x, finite(-50, 50)),
    "div_const": (lambda v: v / 4.0, lambda x: x / 4.0, finite(-50, 50)),
    "rdiv_const": (lambda v: 4.0 / v, lambda x: 4.0 / x, finite(0.1, 50)),
    "rpow_const": (lambda v: 2.0**v, lambda x: 2.0**x, finite(-10, 10)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_matches_reference_and_central_difference(name: str) -> None:
    fn, ref, strategy = UNARY[name]

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(strategy)
    def check(x: float) -> None:
        v = Value(x)
        out = fn(v)
        assert_close(out.data, ref(x), rtol=1e-12, atol=1e-12)
        out.backward()
        assert_close(v.grad, central_diff(lambda t: fn(Value(t)).data, x))

    check()


# name -> (function on two Values, strategy for (x, y))
BINARY = {
    "add": (lambda a, b: a + b, st.tuples(finite(-50, 50), finite(-50, 50))),
    "sub": (lambda a, b: a - b, st.tuples(finite(-50, 50), finite(-50, 50))),
    "mul": (lambda a, b: a * b, st.tuples(finite(-50, 50), finite(-50, 50))),
    "div": (lambda a, b: a / b, st.tuples(finite(-50, 50), finite(0.2, 50))),
    "div_neg": (lambda a, b: a / b, st.tuples(finite(-50, 50), finite(-50, -0.2))),
    "pow": (lambda a, b: a**b, st.tuples(finite(0.1, 5), finite(-3, 3))),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_gradients_match_central_difference(name: str) -> None:
    fn, strategy = BINARY[name]

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(strategy)
    def check(xy: tuple[float, float]) -> None:
        x, y = xy
        a, b = Value(x), Value(y)
        out = fn(a, b)
        assert out._prev == (a, b)
        out.backward()
        assert_close(a.grad, central_diff(lambda t: fn(Value(t), Value(y)).data, x))
        assert_close(b.grad, central_diff(lambda t: fn(Value(x), Value(t)).data, y))

    check()


def test_micrograd_readme_expression() -> None:
    a, b, g = readme_expression()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


def test_kinks_have_zero_derivative() -> None:
    for op in (Value.relu, Value.abs):
        x = Value(0.0)
        op(x).backward()
        assert x.grad == 0.0
    x = Value(-1.0)
    x.relu().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize(
    "expr, data, grad",
    [
        (lambda v: v.tanh(), 1.0, 0.0),  # tanh(1000)
        (lambda v: (-v).sigmoid(), 0.0, 0.0),  # sigmoid(-1000)
        (lambda v: v.sigmoid(), 1.0, 0.0),  # sigmoid(1000)
    ],
)
def test_saturating_functions_at_1000(expr, data: float, grad: float) -> None:
    x = Value(1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = expr(x)
        out.backward()
    assert out.data == data
    assert x.grad == grad


def test_exp_is_finite_at_700_and_inf_past_overflow() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Value(700.0)
        y = x.exp()
        y.backward()
        assert y.data == math.exp(700.0) and math.isfinite(y.data)
        assert x.grad == y.data
        assert Value(710.0).exp().data == math.inf
        assert Value(-1e6).exp().data == 0.0


def test_ieee_results_outside_the_domain_without_exceptions() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = Value(0.0)
        lz = z.log()
        lz.backward()
        assert lz.data == -math.inf and z.grad == math.inf
        assert math.isnan(Value(-1.0).log().data)
        assert (Value(1.0) / 0.0).data == math.inf
        assert (Value(-1.0) / Value(0.0)).data == -math.inf
        assert math.isnan((Value(0.0) / 0).data)
        assert (1.0 / Value(0.0)).data == math.inf
        assert (Value(0.0) ** -1).data == math.inf
        assert (Value(10.0) ** 400).data == math.inf
        assert (Value(-10.0) ** 401).data == -math.inf
        assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_value_exponent_gradients_including_negative_and_zero_base() -> None:
    a, b = Value(-2.0), Value(2.0)
    out = a**b
    out.backward()
    assert out.data == 4.0
    assert a.grad == -4.0  # 2 * (-2)**1
    assert math.isnan(b.grad)  # d/db = a**b log(a), log of a negative base
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert a.grad == 0.0 and b.grad == 0.0
    c = Value(3.0)
    (2.0**c).backward()
    assert c.grad == pytest.approx(8.0 * math.log(2.0))


def test_zero_exponent_has_zero_base_gradient() -> None:
    a = Value(0.0)
    out = a**0
    out.backward()
    assert out.data == 1.0 and a.grad == 0.0


@pytest.mark.parametrize("bad", ["3", None, [1.0], Value(1.0), 1 + 2j])
def test_non_number_data_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(bad)


def test_operand_that_is_not_a_number_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        "a" * Value(1.0)
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_numpy_and_int_inputs_become_python_floats() -> None:
    for x in (np.float32(1.5), np.int64(3), 7, True):
        v = Value(x)
        assert type(v.data) is float and v.data == float(x)
    out = Value(2.0) * np.float32(1.5)
    assert type(out.data) is float and out.data == 3.0


def test_comparisons_return_plain_bools_and_record_nothing() -> None:
    a, b = Value(1.0), Value(2.0)
    for result in (a < b, a <= 1.0, b > a, b >= 3, a > 5.0):
        assert type(result) is bool
    assert (a < b, a <= 1.0, b > a, b >= 3) == (True, True, True, False)
    assert a == a and a != Value(1.0)  # equality is identity, as in micrograd
    assert len({a, b, a}) == 2


def test_graph_attributes_repr_and_labels() -> None:
    a, b = Value(2.0, label="a"), Value(3.0)
    c = a * b
    assert c._prev == (a, b) and (b * a)._prev == (b, a)
    assert c._op == "*" and a._op == "" and a._prev == ()
    assert (a**2)._op == "**2" and (a + 1)._prev == (a,)
    assert a.label == "a" and c.label == ""
    assert repr(c) == "Value(data=6.0, grad=0.0)"
    assert float(c) == 6.0
    assert c._partials == (3.0, 2.0)


def test_nan_propagates_through_relu() -> None:
    assert math.isnan(Value(math.nan).relu().data)
