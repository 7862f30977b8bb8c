"""jacobian/hessian/vjp/jvp/hvp with ``create_graph=True`` stay connected to the caller's
inputs, so their results can be differentiated again (third derivatives, closed forms)."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

X0 = np.array([0.3, -0.7, 1.1])
V0 = np.array([0.5, -1.0, 2.0])


def _x() -> ad.Tensor:
    return ad.tensor(X0, requires_grad=True)


def test_hessian_then_backward_reaches_the_input() -> None:
    """d/dz sum(H**2) for f = sum(sin(z) z): 2 f'' f''' with f'' = 2cos z - z sin z."""
    x = _x()
    h = ad.hessian(lambda z: (z.sin() * z).sum(), x, create_graph=True)
    (h ** 2).sum().backward()
    z = X0
    f2 = 2 * np.cos(z) - z * np.sin(z)
    f3 = -3 * np.sin(z) - z * np.cos(z)
    np.testing.assert_allclose(x.grad, 2 * f2 * f3, rtol=1e-12)
    np.testing.assert_allclose(x.grad, [-4.275, 5.325, 0.464], atol=5e-4)  # PyTorch's numbers


def test_jacobian_then_grad() -> None:
    x = _x()
    jac = ad.jacobian(lambda z: z ** 3, x, create_graph=True)  # diag(3 z^2)
    (g,) = ad.grad(jac.sum(), x)
    np.testing.assert_allclose(g.data, 6 * X0, rtol=1e-12)


def test_vjp_then_grad() -> None:
    x = _x()
    out, vj = ad.vjp(lambda z: z ** 3, x, ad.tensor(V0), create_graph=True)  # 3 z^2 v
    (g,) = ad.grad(vj.sum(), x)
    np.testing.assert_allclose(g.data, 6 * X0 * V0, rtol=1e-12)
    assert out.requires_grad  # the output stays connected as well


def test_jvp_then_grad() -> None:
    x = _x()
    _, jv = ad.jvp(lambda z: (z ** 3).sum(), x, ad.tensor(V0), create_graph=True)
    (g,) = ad.grad(jv, x)  # d/dz sum(3 z^2 v) = 6 z v
    np.testing.assert_allclose(g.data, 6 * X0 * V0, rtol=1e-12)


def test_hvp_then_grad() -> None:
    x = _x()
    _, hv = ad.hvp(lambda z: (z ** 4).sum() / 12.0, x, ad.tensor(V0), create_graph=True)
    (g,) = ad.grad(hv.sum(), x)  # H v = z^2 v, so d/dz sum = 2 z v
    np.testing.assert_allclose(g.data, 2 * X0 * V0, rtol=1e-12)


def test_third_derivative_through_nested_functional_calls() -> None:
    """d^3/dz^3 of z^5 at z: 60 z^2, through jacobian(grad) nested in grad."""
    x = _x()

    def first(z: ad.Tensor) -> ad.Tensor:
        (g,) = ad.grad((z ** 5).sum(), z, create_graph=True)
        return g

    second = ad.jacobian(first, x, create_graph=True)  # diag(20 z^3)
    (third,) = ad.grad(second.sum(), x)
    np.testing.assert_allclose(third.data, 60 * X0 ** 2, rtol=1e-12)


@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_without_create_graph_the_result_is_cut(name: str) -> None:
    x = _x()
    result = getattr(ad, name)(lambda z: (z ** 3).sum() if name == "hessian" else z ** 3, x)
    assert not result.requires_grad and x.grad is None
