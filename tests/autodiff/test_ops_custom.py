"""User-defined ops with ``ad.Op``: first and second derivatives, variadic ops, bad definitions."""

from __future__ import annotations

import numpy as np
import pytest
from numeric import check_second_order, check_vjp

import autodiff as ad


def _cube_vjp(g: ad.Tensor, out: ad.Tensor, x: ad.Tensor) -> ad.Tensor:
    return g * 3.0 * x * x


cube = ad.Op("cube", lambda x: x ** 3, (_cube_vjp,))


def _hypot_vjp(i: int, g: ad.Tensor, out: ad.Tensor, *xs: ad.Tensor) -> ad.Tensor:
    return g * xs[i] / out


hypot = ad.Op("hypot", lambda *xs: np.sqrt(sum(x * x for x in xs)), _hypot_vjp, variadic=True)


def test_a_user_op_is_differentiable_twice() -> None:
    x = np.array([0.5, -1.5, 2.0])
    check_vjp(cube, [x], seed=0)
    check_second_order(cube, [x], seed=1)
    t = ad.tensor(x, requires_grad=True)
    y = cube(t)
    assert y._op == "cube" and y._prev == (t,)


def test_a_variadic_user_op() -> None:
    a, b, c = np.array([3.0, 1.0]), np.array([4.0, 2.0]), np.array([12.0, 2.0])
    check_vjp(hypot, [a, b, c], seed=2)
    check_second_order(hypot, [a, b, c], seed=3)
    np.testing.assert_allclose(hypot(ad.tensor(a), ad.tensor(b)).data, [5.0, np.sqrt(5.0)])


def test_broadcast_gradients_of_a_user_op_are_summed_back_by_the_engine() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.tensor([[1.0], [1.0], [1.0]], requires_grad=True)
    hypot(x, y).sum().backward()
    assert x.grad.shape == (2,) and y.grad.shape == (3, 1)
    np.testing.assert_allclose(x.grad, 3 * x.data / np.sqrt(x.data ** 2 + 1))


def test_a_non_differentiable_op_records_nothing() -> None:
    sign = ad.Op("sign", np.sign, differentiable=False)
    out = sign(ad.tensor([-2.0, 3.0], requires_grad=True))
    assert not out.requires_grad
    np.testing.assert_array_equal(out.data, [-1.0, 1.0])


def test_bad_definitions_are_type_errors() -> None:
    with pytest.raises(TypeError, match="forward"):
        ad.Op("bad", forward=None, vjps=())
    with pytest.raises(TypeError, match="vjps"):
        ad.Op("bad", np.negative, vjps=(None,))
    with pytest.raises(TypeError, match="variadic"):
        ad.Op("bad", np.add, vjps=(lambda g, out, a, b: g,), variadic=True)


def test_forward_errors_of_a_user_op_name_it() -> None:
    dot = ad.Op("mydot", np.dot, (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a))
    with pytest.raises(ValueError, match="mydot"):
        dot(ad.ones(2, 3), ad.ones(2, 3))
