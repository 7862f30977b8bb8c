"""First-order optimizers reproduce torch.optim's trajectories (float64, 50 steps, 1e-10).

The reference below is PyTorch's published update rule for each optimizer, written out
independently in numpy (torch/optim/{sgd,adagrad,rmsprop,adam,adamw}.py, single-tensor
path). The problem is a fixed least-squares fit with two parameters (a 3x2 weight and a
bias), whose gradient comes from the engine's backward pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff as ad
import nn.optim as optim

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3))
Y = RNG.normal(size=(8, 2))
W0 = RNG.normal(size=(3, 2))
B0 = RNG.normal(size=(2,))


def analytic_grads(w: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Gradient of mean((X w + b - Y)^2) + 0.1 * sum(sin(w)) (independent of the engine)."""
    r = X @ w + b - Y
    n = r.size
    return [2.0 / n * X.T @ r + 0.1 * np.cos(w), 2.0 / n * r.sum(axis=0)]


def engine_loss(w: ad.Tensor, b: ad.Tensor) -> ad.Tensor:
    r = X @ w + b - Y
    return (r * r).mean() + 0.1 * w.sin().sum()


# ---------------------------------------------------------------- PyTorch's equations
def ref_sgd(params, grads, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
            nesterov=False, maximize=False):
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            if i not in state:
                buf = g.copy()  # b_1 = g (no dampening on the first step)
            else:
                buf = momentum * state[i] + (1 - dampening) * g
            state[i] = buf
            g = g + momentum * buf if nesterov else buf
        params[i] = p - lr * g


def ref_adagrad(params, grads, state, lr, lr_decay=0.0, weight_decay=0.0,
                initial_accumulator_value=0.0, eps=1e-10):
    for i, (p, g) in enumerate(zip(params, grads)):
        st = state.setdefault(i, {"step": 0, "sum": np.full_like(p, initial_accumulator_value)})
        st["step"] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (st["step"] - 1) * lr_decay)
        st["sum"] = st["sum"] + g * g
        params[i] = p - clr * g / (np.sqrt(st["sum"]) + eps)


def ref_rmsprop(params, grads, state, lr, alpha=0.99, eps=1e-8, weight_decay=0.0,
                momentum=0.0, centered=False):
    for i, (p, g) in enumerate(zip(params, grads)):
        st = state.setdefault(i, {"v": np.zeros_like(p), "gbar": np.zeros_like(p),
                                  "b": np.zeros_like(p)})
        if weight_decay != 0:
            g = g + weight_decay * p
        st["v"] = alpha * st["v"] + (1 - alpha) * g * g
        v = st["v"]
        if centered:
            st["gbar"] = alpha * st["gbar"] + (1 - alpha) * g
            v = v - st["gbar"] ** 2
        avg = np.sqrt(v) + eps  # eps after the square root
        if momentum > 0:
            st["b"] = momentum * st["b"] + g / avg
            params[i] = p - lr * st["b"]
        else:
            params[i] = p - lr * g / avg


def ref_adam(params, grads, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
             amsgrad=False, decoupled=False):
    b1, b2 = betas
    for i, (p, g) in enumerate(zip(params, grads)):
        st = state.setdefault(i, {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p),
                                  "vmax": np.zeros_like(p)})
        st["t"] += 1
        t = st["t"]
        if weight_decay != 0:
            if decoupled:
                p = p * (1 - lr * weight_decay)  # AdamW: decay first, no L2 term in g
            else:
                g = g + weight_decay * p
        st["m"] = b1 * st["m"] + (1 - b1) * g
        st["v"] = b2 * st["v"] + (1 - b2) * g * g
        v = st["v"]
        if amsgrad:
            st["vmax"] = np.maximum(st["vmax"], st["v"])  # max over the raw v
            v = st["vmax"]
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + eps
        params[i] = p - (lr / (1 - b1**t)) * st["m"] / denom


CASES = [
    ("SGD", dict(lr=0.05), ref_sgd, {}),
    ("SGD", dict(lr=0.05, momentum=0.9), ref_sgd, {}),
    ("SGD", dict(lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.01), ref_sgd, {}),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.05), ref_sgd, {}),
    ("SGD", dict(lr=0.01, maximize=True), ref_sgd, {}),
    ("Adagrad", dict(lr=0.1), ref_adagrad, {}),
    ("Adagrad", dict(lr=0.2, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1,
                     eps=1e-6), ref_adagrad, {}),
    ("RMSprop", dict(lr=0.01), ref_rmsprop, {}),
    ("RMSprop", dict(lr=0.005, alpha=0.9, momentum=0.7, weight_decay=0.01), ref_rmsprop, {}),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.5, eps=1e-6), ref_rmsprop, {}),
    ("Adam", dict(lr=0.05), ref_adam, {}),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True), ref_adam, {}),
    ("AdamW", dict(lr=0.05), ref_adam, dict(decoupled=True, weight_decay=1e-2)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, eps=1e-6), ref_adam,
     dict(decoupled=True)),
]


@pytest.mark.parametrize("name,kwargs,ref,extra", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_matches_torch_equations(name, kwargs, ref, extra) -> None:
    w = ad.Tensor(W0.copy(), requires_grad=True)
    b = ad.Tensor(B0.copy(), requires_grad=True)
    opt = getattr(optim, name)([w, b], **kwargs)
    ref_params, ref_state = [W0.copy(), B0.copy()], {}
    ref_kwargs = {**kwargs, **extra}
    for _ in range(50):
        opt.zero_grad()
        engine_loss(w, b).backward()
        opt.step()
        ref(ref_params, analytic_grads(*ref_params), ref_state, **ref_kwargs)
        np.testing.assert_allclose(w.data, ref_params[0], rtol=0, atol=1e-10)
        np.testing.assert_allclose(b.data, ref_params[1], rtol=0, atol=1e-10)
    assert not np.allclose(w.data, W0)  # it moved


def test_value_parameters_follow_the_same_equations() -> None:
    """A scalar (Value) model: Adam on f(a, b) = (a b - 1)^2 + a^2 / 10."""
    a, b = ad.Value(0.5), ad.Value(-1.0)
    opt = optim.Adam([a, b], lr=0.05, amsgrad=True)
    ref_params, state = [np.asarray(0.5), np.asarray(-1.0)], {}
    for _ in range(50):
        opt.zero_grad()
        loss = (a * b - 1) ** 2 + a * a / 10
        loss.backward()
        opt.step()
        pa, pb = ref_params
        grads = [2 * (pa * pb - 1) * pb + pa / 5, 2 * (pa * pb - 1) * pa]
        ref_adam(ref_params, grads, state, lr=0.05, amsgrad=True)
        assert abs(a.data - float(ref_params[0])) < 1e-10
        assert abs(b.data - float(ref_params[1])) < 1e-10
    assert isinstance(a.data, float)


def test_parameters_without_gradient_are_skipped_and_groups_have_own_lr() -> None:
    w = ad.Tensor(np.ones(3), requires_grad=True)
    frozen = ad.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([{"params": [w], "lr": 0.5}, {"params": [frozen]}], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, 1 - 0.5 * 2)
    np.testing.assert_array_equal(frozen.data, np.ones(2))
    assert 1 not in opt.state and opt.param_groups[1]["lr"] == 0.1


def test_step_returns_closure_loss_and_zero_grad() -> None:
    w = ad.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = ad.Value(3.0)
    opt = optim.SGD([w, v], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum() + (v * v).data
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(5.0 + 9.0)
    v.grad = 2.0
    opt.zero_grad()
    assert w.grad is None and v.grad == 0.0
    w.grad = np.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad, np.zeros(2))
