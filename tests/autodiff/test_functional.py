"""grad, vjp, jvp, jacobian, hessian, hvp against closed forms and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numeric import central_grad
from scipy.optimize import rosen_hess

import autodiff as ad


def rosenbrock(x: ad.Tensor) -> ad.Tensor:
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """The closed form: tridiagonal, from the second partials of each term."""
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return h


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 2**32 - 1))
def test_hessian_of_rosenbrock_matches_the_closed_form(n: int, seed: int) -> None:
    x = np.random.default_rng(seed).uniform(-2, 2, n)
    h = ad.hessian(rosenbrock, ad.tensor(x))
    assert h.shape == (n, n)
    np.testing.assert_allclose(h.data, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(h.data, rosen_hess(x), rtol=1e-12, atol=1e-9)


def test_hessian_at_the_rosenbrock_minimum() -> None:
    h = ad.hessian(rosenbrock, ad.tensor([1.0, 1.0]))
    np.testing.assert_allclose(h.data, [[802.0, -400.0], [-400.0, 200.0]])


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone() -> None:
    x = ad.tensor([1.0, -2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = ad.grad(y, [x])
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    assert x.grad is None
    assert not g.requires_grad
    (g2,) = ad.grad((x ** 3).sum(), x, create_graph=True)
    assert g2.requires_grad


def test_third_derivative_by_nesting_grad() -> None:
    x = ad.tensor(1.5, requires_grad=True)
    (d1,) = ad.grad(x ** 4, x, create_graph=True)
    (d2,) = ad.grad(d1, x, create_graph=True)
    (d3,) = ad.grad(d2, x)
    np.testing.assert_allclose([d1.item(), d2.item(), d3.item()],
                               [4 * 1.5 ** 3, 12 * 1.5 ** 2, 24 * 1.5])


def test_backward_through_a_differentiable_gradient() -> None:
    x = ad.tensor([0.3, 1.1], requires_grad=True)
    (g,) = ad.grad(x.sin().sum(), x, create_graph=True)  # cos x
    (g * g).sum().backward()  # d/dx cos^2 x = -2 sin x cos x
    np.testing.assert_allclose(x.grad, -2 * np.sin(x.data) * np.cos(x.data))


def test_grad_errors_and_allow_unused() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    unused = ad.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="allow_unused"):
        ad.grad(y, [x, unused])
    gx, gu = ad.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.data, 2 * x.data)
    with pytest.raises(ValueError, match="grad_outputs"):
        ad.grad(x * x, x)
    with pytest.raises(ValueError, match="does not require grad"):
        ad.grad(ad.tensor([1.0]), x)
    (g,) = ad.grad(x * x, x, grad_outputs=np.array([1.0, -1.0]))
    np.testing.assert_allclose(g.data, [2.0, -4.0])


def test_grad_of_several_outputs_sums_them() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ad.grad([(x * x).sum(), x.sum()], x)
    np.testing.assert_allclose(g.data, 2 * x.data + 1)


def f_vec(x: ad.Tensor, y: ad.Tensor) -> ad.Tensor:
    """R^3 x R^2 -> R^(2, 3): a non-linear map with a dense Jacobian."""
    return (y.reshape(2, 1) * x.sin() + (x * x).sum()).tanh()


def numeric_jacobian(f, arrays: list[np.ndarray]) -> list[np.ndarray]:
    with ad.no_grad():
        out_shape = f(*[ad.Tensor(a) for a in arrays]).shape
    blocks = [np.zeros(out_shape + a.shape) for a in arrays]
    for k in np.ndindex(out_shape):
        def h(arr, k=k):
            with ad.no_grad():
                return float(f(*[ad.Tensor(a) for a in arr]).data[k])
        for block, g in zip(blocks, central_grad(h, arrays, 1e-6)):
            block[k] = g
    return blocks


X0, Y0 = np.array([0.3, -0.7, 1.2]), np.array([0.5, -1.5])


def test_jacobian_of_several_inputs() -> None:
    jx, jy = ad.jacobian(f_vec, (ad.tensor(X0), ad.tensor(Y0)))
    ex, ey = numeric_jacobian(f_vec, [X0.copy(), Y0.copy()])
    assert jx.shape == (2, 3, 3) and jy.shape == (2, 3, 2)
    np.testing.assert_allclose(jx.data, ex, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jy.data, ey, rtol=1e-6, atol=1e-8)


def test_jacobian_closed_forms() -> None:
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ad.jacobian(lambda x: a @ x, ad.tensor(X0)).data, a)
    np.testing.assert_allclose(ad.jacobian(lambda x: x.sin(), ad.tensor(X0)).data,
                               np.diag(np.cos(X0)))


def test_vjp_and_jvp_return_output_and_derivative() -> None:
    jx, jy = (j.data for j in ad.jacobian(f_vec, (ad.tensor(X0), ad.tensor(Y0))))
    v = np.random.default_rng(0).standard_normal((2, 3))
    out, (vx, vy) = ad.vjp(f_vec, (ad.tensor(X0), ad.tensor(Y0)), v)
    with ad.no_grad():
        np.testing.assert_allclose(out.data, f_vec(ad.tensor(X0), ad.tensor(Y0)).data)
    np.testing.assert_allclose(vx.data, np.einsum("ij,ijk->k", v, jx), rtol=1e-10)
    np.testing.assert_allclose(vy.data, np.einsum("ij,ijk->k", v, jy), rtol=1e-10)
    tx, ty = np.array([1.0, 0.5, -2.0]), np.array([0.25, 1.0])
    out, jv = ad.jvp(f_vec, (ad.tensor(X0), ad.tensor(Y0)), (ad.tensor(tx), ad.tensor(ty)))
    assert out.shape == jv.shape == (2, 3)
    np.testing.assert_allclose(jv.data, jx @ tx + jy @ ty, rtol=1e-10)
    eps = 1e-6
    with ad.no_grad():
        central = (f_vec(ad.tensor(X0 + eps * tx), ad.tensor(Y0 + eps * ty)).data
                   - f_vec(ad.tensor(X0 - eps * tx), ad.tensor(Y0 - eps * ty)).data) / (2 * eps)
    np.testing.assert_allclose(jv.data, central, rtol=1e-6, atol=1e-9)


def test_single_input_forms_return_single_tensors() -> None:
    x = ad.tensor(X0)
    out, g = ad.vjp(lambda t: (t * t).sum(), x)
    assert isinstance(g, ad.Tensor)
    np.testing.assert_allclose(g.data, 2 * X0)
    np.testing.assert_allclose(out.item(), (X0 ** 2).sum())
    out, jv = ad.jvp(lambda t: t * t, x, ad.tensor(np.ones(3)))
    np.testing.assert_allclose(jv.data, 2 * X0)
    assert x.grad is None and not x.requires_grad  # the caller's tensor is not touched


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_hvp_equals_hessian_times_v(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, v = rng.uniform(-2, 2, n), rng.standard_normal(n)
    out, hv = ad.hvp(rosenbrock, ad.tensor(x), ad.tensor(v))
    with ad.no_grad():
        np.testing.assert_allclose(out.item(), rosenbrock(ad.tensor(x)).item())
    np.testing.assert_allclose(hv.data, rosen_hess(x) @ v, rtol=1e-10, atol=1e-8)


def test_hessian_of_several_inputs_gives_blocks() -> None:
    def f(x: ad.Tensor, y: ad.Tensor) -> ad.Tensor:
        return (x * y).sum() + (x ** 3).sum()

    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    (hxx, hxy), (hyx, hyy) = ad.hessian(f, (ad.tensor(x), ad.tensor(y)))
    np.testing.assert_allclose(hxx.data, np.diag(6 * x))
    np.testing.assert_allclose(hxy.data, np.eye(2))
    np.testing.assert_allclose(hyx.data, np.eye(2))
    np.testing.assert_allclose(hyy.data, np.zeros((2, 2)))


def test_hessian_needs_a_scalar_function() -> None:
    with pytest.raises(ValueError, match="one element"):
        ad.hessian(lambda t: t * t, ad.tensor(X0))
    with pytest.raises(ValueError, match="one element"):
        ad.hvp(lambda t: t * t, ad.tensor(X0), ad.tensor(X0))


def test_grad_with_the_same_input_twice_returns_it_twice() -> None:
    # regression: the second occurrence shadowed the first, which then counted as unused
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    g1, g2 = ad.grad((x * x).sum(), [x, x])
    np.testing.assert_allclose(g1.data, 2 * x.data)
    np.testing.assert_allclose(g2.data, 2 * x.data)


def test_grad_with_respect_to_an_intermediate() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    m = x * 3.0
    gm, gx = ad.grad((m * m).sum(), [m, x])
    np.testing.assert_allclose(gm.data, 2 * m.data)
    np.testing.assert_allclose(gx.data, 18 * x.data)
    assert m.grad is None and x.grad is None
