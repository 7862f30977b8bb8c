"""Behaviour of the closure-based methods: Newton's exact step, descent where the Hessian is
indefinite, LM's accept/reject rule, scalar (Value) models, PyTorch's L-BFGS defaults, and
the line searches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn.optim as optim
from nn.optim.line_search import backtracking, cubic_interpolate, strong_wolfe

RNG = np.random.default_rng(7)
M = RNG.normal(size=(5, 5))
A = M @ M.T + 5 * np.eye(5)  # symmetric positive definite
B = RNG.normal(size=5)


def quadratic(u: ad.Tensor, v: ad.Tensor) -> ad.Tensor:
    """0.5 x^T A x - b^T x with x = concat(u, v): minimum at A^-1 b."""
    x = ad.concatenate([u.reshape(-1), v], 0)
    return 0.5 * (x * (A @ x)).sum() - (B * x).sum()


def make_closure(opt, loss_fn, *params):
    def closure():
        opt.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("hessian", ["exact", "fd"])
def test_newton_one_iteration_solves_a_convex_quadratic(hessian) -> None:
    u = ad.Tensor(np.ones((2, 2)), requires_grad=True)
    v = ad.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.Newton([u, v], max_iter=1, hessian=hessian)
    opt.step(make_closure(opt, quadratic, u, v))
    x = np.concatenate([u.data.ravel(), v.data])
    np.testing.assert_allclose(x, np.linalg.solve(A, B), atol=1e-10 if hessian == "exact" else 1e-7)
    assert opt.state[0]["tau"] == 0.0 and opt.state[0]["n_iter"] == 1


def test_newton_descends_where_the_hessian_is_indefinite() -> None:
    """f = x^4/4 - x^2/2 + y^2 at (0.1, 1): the x-curvature is negative there; the pure
    Newton step would head for the saddle at x = 0. Damped Newton must lower f every
    iteration and end in a minimum (+-1, 0)."""
    p = ad.Tensor(np.array([0.1, 1.0]), requires_grad=True)

    def f(p):
        return p[0] ** 4 / 4 - p[0] ** 2 / 2 + p[1] ** 2

    opt = optim.Newton([p], max_iter=1)
    closure = make_closure(opt, f, p)
    values = [f(p).item()]
    for _ in range(15):
        opt.step(closure)
        values.append(f(p).item())
    assert all(b < a for a, b in zip(values[:3], values[1:4]))
    assert all(b <= a for a, b in zip(values, values[1:]))
    np.testing.assert_allclose(np.abs(p.data), [1.0, 0.0], atol=1e-8)


def test_newton_shift_is_used_on_the_first_iteration_from_an_indefinite_point() -> None:
    x = ad.Tensor(np.array([0.0, 1.0]), requires_grad=True)  # Rosenbrock's H is indefinite here

    def rosen(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    opt = optim.Newton([x], max_iter=1)
    before = rosen(x).item()
    opt.step(make_closure(opt, rosen, x))
    assert opt.state[0]["tau"] > 0 and rosen(x).item() < before


def rosen_values(a: ad.Value, b: ad.Value) -> ad.Value:
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2


@pytest.mark.parametrize("factory,budget", [
    (lambda p: optim.Newton(p, max_iter=30, tolerance_change=1e-14), 30),
    (lambda p: optim.BFGS(p, max_iter=45, max_eval=400, tolerance_change=1e-14), 45),
    (lambda p: optim.LBFGS(p, max_iter=40, max_eval=400, tolerance_grad=1e-12,
                           tolerance_change=1e-14, line_search_fn="strong_wolfe"), 40),
    (lambda p: optim.ConjugateGradient(p, max_iter=40, max_eval=400, tolerance_grad=1e-12,
                                       tolerance_change=1e-14), 40),
], ids=["Newton-fd", "BFGS", "LBFGS", "CG"])
def test_scalar_value_models_work_with_closure_methods(factory, budget) -> None:
    a, b = ad.Value(-1.2), ad.Value(1.0)
    opt = factory([a, b])
    opt.step(make_closure(opt, rosen_values, a, b))
    assert np.hypot(a.data - 1, b.data - 1) < 1e-6
    assert opt.state[0]["n_iter"] <= budget
    assert isinstance(a.data, float)


def test_newton_refuses_exact_hessian_for_values_and_requires_a_closure() -> None:
    with pytest.raises(ValueError, match="fd"):
        optim.Newton([ad.Value(1.0)], hessian="exact")
    with pytest.raises(TypeError, match="closure"):
        optim.Newton([ad.Tensor(np.ones(2), requires_grad=True)]).step()


def test_levenberg_marquardt_never_raises_the_cost_and_rejects_bad_steps() -> None:
    x = ad.Tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = optim.LevenbergMarquardt([x], lambda: ad.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]]),
                                   max_iter=1, tolerance_change=0.0)
    costs = [opt.step() for _ in range(25)] + [opt.state[0]["cost"]]
    assert all(b <= a for a, b in zip(costs, costs[1:]))
    assert costs[-1] < 1e-20
    # some trial steps were rejected (more residual evaluations than Jacobians + 1)
    assert opt.state[0]["func_evals"] > opt.state[0]["jac_evals"] + 1


def test_levenberg_marquardt_on_a_scalar_value_model() -> None:
    t = np.linspace(0, 2, 12)
    y = 2.0 * np.exp(-1.5 * t)
    a, b = ad.Value(1.0), ad.Value(0.0)

    def residuals():
        return [a * (b * float(ti)).exp() - float(yi) for ti, yi in zip(t, y)]

    opt = optim.LevenbergMarquardt([a, b], residuals, max_iter=50)
    opt.step()
    assert abs(a.data - 2.0) < 1e-8 and abs(b.data + 1.5) < 1e-8
    assert a.grad == 0.0  # Jacobian passes leave no gradient behind


def test_lbfgs_pytorch_defaults_stop_short_of_1e6_on_rosenbrock() -> None:
    """The issue's note: tolerance_change=1e-9 stops L-BFGS about 4e-5 from (1, 1)."""
    x = ad.Tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=500, line_search_fn="strong_wolfe")
    opt.step(make_closure(opt, lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, x))
    assert 1e-5 < np.linalg.norm(x.data - 1) < 1e-4
    assert opt.param_groups[0]["max_eval"] == 500 * 5 // 4


def test_lbfgs_without_line_search_takes_fixed_steps() -> None:
    u = ad.Tensor(np.zeros((2, 2)), requires_grad=True)
    v = ad.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.LBFGS([u, v], lr=1.0, max_iter=100, tolerance_grad=1e-10, tolerance_change=0.0)
    opt.step(make_closure(opt, quadratic, u, v))
    x = np.concatenate([u.data.ravel(), v.data])
    np.testing.assert_allclose(x, np.linalg.solve(A, B), atol=1e-6)


def test_closure_methods_reject_parameter_groups_and_bad_options() -> None:
    p, q = (ad.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [q]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="variant"):
        optim.ConjugateGradient([p], variant="hestenes")
    with pytest.raises(ValueError, match="max_iter"):
        optim.BFGS([p], max_iter=0)
    with pytest.raises(ValueError, match="damping"):
        optim.Newton([p], damping=-1.0)
    with pytest.raises(ValueError, match="damping"):
        optim.LevenbergMarquardt([p], lambda: p, damping=-1.0)
    with pytest.raises(TypeError, match="residual_closure"):
        optim.LevenbergMarquardt([p], "residuals")
    lm = optim.LevenbergMarquardt([p])  # the residual closure is optional (nn.fit passes one)
    with pytest.raises(TypeError, match="needs residuals"):
        lm.step()
    lm.step(lambda: p - 3.0)  # a closure given to step is used as the residual closure
    np.testing.assert_allclose(p.data, [3.0, 3.0], atol=1e-8)


# ------------------------------------------------------------------ line searches
def test_cubic_interpolate_is_exact_for_a_cubic() -> None:
    def f(t):
        return t**3 - 3 * t  # minimum at t = 1 on [0, 3]

    def df(t):
        return 3 * t**2 - 3

    assert cubic_interpolate(0.0, f(0.0), df(0.0), 3.0, f(3.0), df(3.0)) == pytest.approx(1.0)


def test_strong_wolfe_returns_a_point_meeting_both_conditions() -> None:
    c = np.array([1.0, 10.0])

    def obj(t):
        x = np.array([-3.0, 1.0]) + t * d
        return float(0.5 * (c * x**4).sum()), 2 * c * x**3

    x0 = np.array([-3.0, 1.0])
    g0 = 2 * c * x0**3
    d = -g0
    f0, gtd = float(0.5 * (c * x0**4).sum()), float(g0.dot(d))
    f_new, g_new, t, n = strong_wolfe(obj, 1.0, d, f0, g0, gtd)
    assert f_new <= f0 + 1e-4 * t * gtd
    assert abs(float(g_new.dot(d))) <= 0.9 * abs(gtd)
    assert n >= 2 and t > 0


def test_backtracking_takes_the_full_step_when_it_suffices_and_shrinks_otherwise() -> None:
    f_new, t, n = backtracking(lambda t: (t - 1.0) ** 2, 1.0, 1.0, -2.0)
    assert (t, n, f_new) == (1.0, 1, 0.0)
    f_new, t, n = backtracking(lambda t: (t - 0.01) ** 2, 1.0, 1e-4, -0.02)
    assert 0 < t < 1 and f_new <= 1e-4 - 1e-4 * t * 0.02 and n > 1


# ------------------------------------------------------------------ properties
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6))
def test_newton_solves_random_spd_quadratics_in_one_iteration(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, n))
    a = m @ m.T + 0.5 * np.eye(n)
    b = rng.normal(size=n)
    x = ad.Tensor(rng.normal(size=n), requires_grad=True)
    opt = optim.Newton([x], max_iter=1)
    opt.step(make_closure(opt, lambda x: 0.5 * (x * (a @ x)).sum() - (b * x).sum(), x))
    np.testing.assert_allclose(x.data, np.linalg.solve(a, b), rtol=1e-7, atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_levenberg_marquardt_cost_is_monotone_on_random_fits(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2, 10)
    y = rng.uniform(0.5, 3) * np.exp(rng.uniform(-2, 1) * t) + 0.05 * rng.normal(size=10)
    theta = ad.Tensor(rng.uniform(-2, 2, size=2), requires_grad=True)
    opt = optim.LevenbergMarquardt(
        [theta], lambda: theta[0] * (theta[1] * t).exp() - y, max_iter=1)
    costs = [opt.step() for _ in range(15)] + [opt.state[0]["cost"]]
    assert all(c1 <= c0 for c0, c1 in zip(costs, costs[1:]))
    assert costs[-1] < costs[0]


def test_conjugate_gradient_restarts_on_rosenbrock() -> None:
    x = ad.Tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = optim.ConjugateGradient([x], max_iter=40, tolerance_change=1e-14)
    opt.step(make_closure(opt, lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, x))
    assert 0 < opt.state[0]["restarts"] < opt.state[0]["n_iter"]
