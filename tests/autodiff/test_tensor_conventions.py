"""Kinks, ties and numerical edges: PyTorch's conventions (REFERENCE.md section 6)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numeric import check_second_order, check_vjp

import autodiff as ad


def grad_of(f, x: list[float] | np.ndarray) -> np.ndarray:
    t = ad.tensor(x, requires_grad=True)
    f(t).sum().backward()
    return t.grad


def test_relu_derivative_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(grad_of(lambda t: t.relu(), [-1.0, 0.0, 2.0]), [0, 0, 1])


def test_abs_derivative_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(grad_of(lambda t: t.abs(), [-1.0, 0.0, 2.0]), [-1, 0, 1])


def test_leaky_relu_at_zero_takes_the_negative_slope() -> None:
    g = grad_of(lambda t: t.leaky_relu(0.1), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(g, [0.1, 0.1, 1.0])


def test_sqrt_derivative_at_zero_is_inf() -> None:
    with np.errstate(divide="ignore"):
        g = grad_of(lambda t: t.sqrt(), [0.0, 4.0])
    assert g[0] == np.inf
    np.testing.assert_allclose(g[1], 0.25)


def test_clip_passes_the_gradient_on_its_boundaries() -> None:
    g = grad_of(lambda t: t.clip(0.0, 1.0), [-1.0, 0.0, 0.5, 1.0, 2.0])
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(grad_of(lambda t: t.clip(min=0.0), [-1.0, 0.0, 3.0]), [0, 1, 1])
    np.testing.assert_array_equal(grad_of(lambda t: t.clip(max=0.0), [-1.0, 0.0, 3.0]), [1, 1, 0])


def test_max_and_min_reductions_split_the_gradient_among_ties() -> None:
    np.testing.assert_allclose(grad_of(lambda t: t.max(), [1.0, 3.0, 3.0, 2.0]), [0, .5, .5, 0])
    np.testing.assert_allclose(grad_of(lambda t: t.min(), [1.0, 1.0, 1.0, 2.0]),
                               [1 / 3, 1 / 3, 1 / 3, 0])
    x = [[1.0, 1.0, 0.0], [2.0, 0.0, 2.0]]
    np.testing.assert_allclose(grad_of(lambda t: t.max(axis=1), x), [[.5, .5, 0], [.5, 0, .5]])
    np.testing.assert_allclose(grad_of(lambda t: t.min(axis=0, keepdims=True), x),
                               [[1, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(grad_of(lambda t: t.max(axis=(0, 1)), x), [[0, 0, 0], [.5, 0, .5]])


def test_maximum_and_minimum_give_half_to_each_side_of_a_tie() -> None:
    a = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ad.tensor([1.0, 5.0, 0.0], requires_grad=True)
    ad.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.5, 0, 1])
    np.testing.assert_allclose(b.grad, [0.5, 1, 0])
    a.grad = b.grad = None
    ad.minimum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.5, 1, 0])
    np.testing.assert_allclose(b.grad, [0.5, 0, 1])


def test_maximum_tie_with_broadcasting_and_a_constant() -> None:
    a = ad.tensor([0.0, 1.0, 2.0], requires_grad=True)
    s = ad.tensor(1.0, requires_grad=True)
    ad.maximum(a, s).sum().backward()
    np.testing.assert_allclose(a.grad, [0, 0.5, 1])
    np.testing.assert_allclose(s.grad, 1.5)
    np.testing.assert_allclose(grad_of(lambda t: ad.maximum(t, 1.0), [0.0, 1.0, 2.0]), [0, .5, 1])


def test_where_sends_the_gradient_to_the_chosen_side() -> None:
    a = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ad.tensor([4.0, 5.0, 6.0], requires_grad=True)
    ad.where(np.array([True, False, True]), a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 0, 1])
    np.testing.assert_array_equal(b.grad, [0, 1, 0])


def test_prod_gradient_with_zeros() -> None:
    np.testing.assert_allclose(grad_of(lambda t: t.prod(), [2.0, 0.0, 3.0]), [0, 6, 0])
    np.testing.assert_allclose(grad_of(lambda t: t.prod(), [2.0, 0.0, 0.0]), [0, 0, 0])
    np.testing.assert_allclose(grad_of(lambda t: t.prod(axis=1), [[2.0, 0.0], [3.0, 4.0]]),
                               [[0, 2], [4, 3]])


def _prod_hessian(a: np.ndarray) -> np.ndarray:
    n = len(a)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                h[i, j] = np.prod([a[m] for m in range(n) if m not in (i, j)])
    return h


@pytest.mark.parametrize("a", [[0.0, 1.0, 2.0], [0.0, 0.0, 2.0], [3.0, 0.0, 2.0, 5.0], [0.0] * 3])
def test_prod_hessian_with_zeros_matches_the_closed_form(a: list[float]) -> None:
    # regression: with a zero the VJP used a numpy constant, so the Hessian came out all zero
    h = ad.hessian(lambda t: t.prod(), ad.tensor(a))
    np.testing.assert_allclose(h.data, _prod_hessian(np.array(a)))


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_prod_with_zeros_first_and_second_order(shape: tuple, data: st.DataObject) -> None:
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                               hnp.valid_tuple_axes(len(shape), min_size=1)))
    keepdims = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 0.0, 1.0], shape)

    def f(t: ad.Tensor) -> ad.Tensor:
        return t.prod(axis=axis, keepdims=keepdims)

    check_vjp(f, [x], seed=1)
    check_second_order(f, [x], seed=2)


def test_pow_exponent_gradient_is_zero_at_a_zero_base() -> None:
    a = ad.tensor([0.0, 2.0], requires_grad=True)
    b = ad.tensor([2.0, 3.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(a.grad, [0.0, 12.0])


def test_logsumexp_is_stable_and_inf_safe() -> None:
    x = ad.tensor([1000.0, 1000.0], requires_grad=True)
    y = x.logsumexp()
    np.testing.assert_allclose(y.item(), 1000 + np.log(2.0))
    y.backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.5])
    z = ad.tensor([-np.inf, -np.inf], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no invalid-value warnings on the way
        w = z.logsumexp()
        w.backward()
    assert w.item() == -np.inf
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])
    part = ad.tensor([[-np.inf, 0.0], [-np.inf, -np.inf]]).logsumexp(axis=1)
    np.testing.assert_array_equal(part.data, [0.0, -np.inf])


@pytest.mark.parametrize("x", [[1000.0, 0.0], [-1000.0, 0.0], [-800.0, 800.0]])
def test_softmax_log_softmax_and_sigmoid_do_not_overflow(x: list[float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ad.tensor(x, requires_grad=True)
        s, ls, sig = t.softmax(), t.log_softmax(), t.sigmoid()
        (s * ad.tensor([1.0, 2.0])).sum().backward()
        ls.sum().backward()
        sig.sum().backward()
    assert np.all(np.isfinite(s.data)) and np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(s.data.sum(), 1.0)
    np.testing.assert_allclose(np.exp(ls.data), s.data, atol=1e-300)
    assert np.all(np.isfinite(t.grad))


def test_sigmoid_at_large_magnitudes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ad.tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    np.testing.assert_allclose(s.data, [0.0, 0.5, 1.0])


def test_tanh_of_large_values_is_not_nan() -> None:
    np.testing.assert_array_equal(ad.tensor([-1000.0, 1000.0]).tanh().data, [-1.0, 1.0])


def test_log1p_and_expm1_keep_tiny_values() -> None:
    np.testing.assert_allclose(ad.tensor([1e-20]).log1p().data, [1e-20])
    np.testing.assert_allclose(ad.tensor([1e-10]).expm1().data, [1.00000000005e-10], rtol=1e-15)


def test_log_of_zero_is_minus_inf() -> None:
    with np.errstate(divide="ignore"):
        assert ad.tensor([0.0]).log().data[0] == -np.inf


def test_softplus_is_stable() -> None:
    np.testing.assert_allclose(ad.tensor([-1000.0, 1000.0]).softplus().data, [0.0, 1000.0])


def test_pow_with_a_zero_exponent_has_a_zero_gradient_even_at_zero() -> None:
    # regression: the base gradient was 0 * 0**-1 = nan at x = 0 (PyTorch gives 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(grad_of(lambda t: t ** 0, [0.0, 2.0]), [0.0, 0.0])
        np.testing.assert_array_equal(grad_of(lambda t: t ** ad.tensor([0.0, 1.0]), [0.0, 2.0]),
                                      [0.0, 1.0])


def test_transpose_of_two_axes_swaps_them_as_in_pytorch() -> None:
    """``x.transpose(0, 1)`` swaps axes 0 and 1 (numpy's permutation form would be the
    identity on a 2-D tensor); a tuple or one int per axis is a permutation."""
    data = np.arange(6.0).reshape(2, 3)
    x = ad.tensor(data, requires_grad=True)
    np.testing.assert_array_equal(x.transpose(0, 1).data, data.T)
    np.testing.assert_array_equal(x.transpose(1, 0).data, data.T)
    np.testing.assert_array_equal(x.transpose((0, 1)).data, data)  # a permutation: identity
    y = np.arange(24.0).reshape(2, 3, 4)
    t = ad.tensor(y)
    np.testing.assert_array_equal(t.transpose(0, 2).data, np.swapaxes(y, 0, 2))
    np.testing.assert_array_equal(t.transpose(2, 0, 1).data, y.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.permute(2, 0, 1).data, y.transpose(2, 0, 1))
    (x.transpose(0, 1) * np.arange(3.0).reshape(3, 1)).sum().backward()  # row i of x.T: col i
    np.testing.assert_array_equal(x.grad, np.tile(np.arange(3.0), (2, 1)))
