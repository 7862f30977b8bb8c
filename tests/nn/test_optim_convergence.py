"""Every optimizer reaches the minimum of 2-D Rosenbrock from (-1.2, 1) and of a small
least-squares curve fit, within the iteration budget stated in each case.

Rosenbrock: f(x) = (1 - x0)^2 + 100 (x1 - x0^2)^2, minimum (1, 1). First-order methods must
get within 1e-3 (their tail along the curved valley is slow; the budgets are about 1.2x what
they need), closure-based ones within 1e-6. Curve fit: y = a exp(b t) on 15 noiseless points
of a = 2, b = -1.5, from (a, b) = (1, 0); everyone must get within 1e-3 (1e-6 for the
closure-based methods).
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn.optim as optim

T = np.linspace(0.0, 2.0, 15)
Y = 2.0 * np.exp(-1.5 * T)
CURVE_MIN = np.array([2.0, -1.5])


def rosenbrock(x: ad.Tensor) -> ad.Tensor:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosen_residuals(x: ad.Tensor) -> ad.Tensor:
    return ad.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def curve_residuals(theta: ad.Tensor) -> ad.Tensor:
    return (theta[0] * (theta[1] * T).exp() - Y) / np.sqrt(T.size)


def curve_loss(theta: ad.Tensor) -> ad.Tensor:
    r = curve_residuals(theta)
    return (r * r).sum()  # the mean squared error


FIRST_ORDER_ROSENBROCK = [  # (name, kwargs, budget)
    ("SGD", dict(lr=2e-3), 10_000),
    ("SGD", dict(lr=1e-3, momentum=0.9), 2_000),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True), 2_000),
    ("Adagrad", dict(lr=0.5), 11_000),
    ("RMSprop", dict(lr=1e-3), 10_000),
    ("Adam", dict(lr=0.05), 2_200),
    ("AdamW", dict(lr=0.05, weight_decay=0.0), 2_200),  # decay would move the minimum
]

FIRST_ORDER_CURVE = [
    ("SGD", dict(lr=1.0), 70),
    ("SGD", dict(lr=0.05, momentum=0.9), 170),
    ("Adagrad", dict(lr=1.0), 100),
    ("RMSprop", dict(lr=1e-2), 500),
    ("Adam", dict(lr=0.1), 160),
    ("AdamW", dict(lr=0.1, weight_decay=0.0), 160),
]


def _first_order(name, kwargs, budget, loss_fn, x0, target, tol) -> int:
    x = ad.Tensor(np.array(x0), requires_grad=True)
    opt = getattr(optim, name)([x], **kwargs)
    for it in range(1, budget + 1):
        opt.zero_grad()
        loss_fn(x).backward()
        opt.step()
        if np.linalg.norm(x.data - target) < tol:
            return it
    raise AssertionError(f"{name}{kwargs} still {np.linalg.norm(x.data - target):.2e} away "
                         f"after {budget} steps")


@pytest.mark.parametrize("name,kwargs,budget", FIRST_ORDER_ROSENBROCK)
def test_first_order_rosenbrock(name, kwargs, budget) -> None:
    assert _first_order(name, kwargs, budget, rosenbrock, [-1.2, 1.0], np.ones(2), 1e-3) > 10


@pytest.mark.parametrize("name,kwargs,budget", FIRST_ORDER_CURVE)
def test_first_order_curve_fit(name, kwargs, budget) -> None:
    assert _first_order(name, kwargs, budget, curve_loss, [1.0, 0.0], CURVE_MIN, 1e-3) > 3


TIGHT = dict(tolerance_grad=1e-12, tolerance_change=1e-14)
CLOSURE_METHODS = [  # (name, factory(params, budget, residuals), Rosenbrock budget)
    ("LBFGS", lambda p, k, r: optim.LBFGS(p, max_iter=k, max_eval=10 * k,
                                          line_search_fn="strong_wolfe", **TIGHT), 40),
    ("BFGS", lambda p, k, r: optim.BFGS(p, max_iter=k, max_eval=10 * k, **TIGHT), 45),
    ("CG-PR", lambda p, k, r: optim.ConjugateGradient(p, max_iter=k, max_eval=10 * k,
                                                      **TIGHT), 40),
    ("CG-FR", lambda p, k, r: optim.ConjugateGradient(p, "fletcher-reeves", max_iter=k,
                                                      max_eval=10 * k, **TIGHT), 40),
    ("Newton", lambda p, k, r: optim.Newton(p, max_iter=k, **TIGHT), 30),
    ("Newton-hvp", lambda p, k, r: optim.Newton(p, hessian="hvp", max_iter=k, **TIGHT), 90),
    ("Newton-fd", lambda p, k, r: optim.Newton(p, hessian="fd", max_iter=k, **TIGHT), 30),
    ("LM", lambda p, k, r: optim.LevenbergMarquardt(p, r, max_iter=k), 20),
]


def _closure_run(factory, budget, loss_fn, residual_fn, x0):
    x = ad.Tensor(np.array(x0), requires_grad=True)
    opt = factory([x], budget, lambda: residual_fn(x))

    def closure():
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        return loss

    opt.step(None if isinstance(opt, optim.LevenbergMarquardt) else closure)
    return x.data, opt.state[0]["n_iter"]


@pytest.mark.parametrize("name,factory,budget", CLOSURE_METHODS,
                         ids=[c[0] for c in CLOSURE_METHODS])
def test_closure_methods_rosenbrock(name, factory, budget) -> None:
    x, n_iter = _closure_run(factory, budget, rosenbrock, rosen_residuals, [-1.2, 1.0])
    assert np.linalg.norm(x - 1.0) < 1e-6, (name, x)
    assert n_iter <= budget


@pytest.mark.parametrize("name,factory,budget", CLOSURE_METHODS,
                         ids=[c[0] for c in CLOSURE_METHODS])
def test_closure_methods_curve_fit(name, factory, budget) -> None:
    x, n_iter = _closure_run(factory, 60, curve_loss, curve_residuals, [1.0, 0.0])
    assert np.linalg.norm(x - CURVE_MIN) < 1e-6, (name, x)
    assert n_iter <= 60
