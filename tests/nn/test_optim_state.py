"""Optimizer state: state_dict round trips through nn.save/nn.load resume identically; bad
hyperparameters raise; learning-rate schedules; nn.utils clipping and flat vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.optim as optim
from nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

RNG = np.random.default_rng(3)
X = RNG.normal(size=(10, 3))
Y = RNG.normal(size=(10,))


def make_params() -> list[ad.Tensor]:
    return [ad.Tensor(np.array([0.3, -0.2, 0.5]), requires_grad=True),
            ad.Tensor(np.array([0.1]), requires_grad=True)]


def loss_fn(w: ad.Tensor, b: ad.Tensor) -> ad.Tensor:
    r = (X @ w + b - Y).tanh()
    return (r * r).mean() + 0.01 * (w * w * w * w).sum()


FACTORIES = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adam": lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.05),
    "LBFGS": lambda p: optim.LBFGS(p, max_iter=3, history_size=4,
                                   line_search_fn="strong_wolfe"),
    "BFGS": lambda p: optim.BFGS(p, max_iter=2),
    "CG": lambda p: optim.ConjugateGradient(p, max_iter=2),
    "Newton": lambda p: optim.Newton(p, max_iter=1, damping=0.1),
    "LM": lambda p: optim.LevenbergMarquardt(
        p, lambda: (X @ p[0] + p[1] - Y).tanh() * 0.3, max_iter=1),
}


def run_steps(opt, params, n: int) -> None:
    def closure():
        opt.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss

    for _ in range(n):
        if isinstance(opt, optim.LevenbergMarquardt):
            opt.step()
        elif isinstance(opt, optim.ClosureOptimizer):
            opt.step(closure)
        else:
            closure()
            opt.step()


@pytest.mark.parametrize("name", list(FACTORIES))
def test_state_dict_round_trip_through_nn_save_resumes_identically(name, tmp_path) -> None:
    straight = make_params()
    opt = FACTORIES[name](straight)
    run_steps(opt, straight, 6)

    first = make_params()
    opt1 = FACTORIES[name](first)
    run_steps(opt1, first, 3)
    nn.save(opt1, tmp_path / "opt.npz")
    values = [p.data.copy() for p in first]

    resumed = make_params()
    for p, v in zip(resumed, values):
        p.data[...] = v
    opt2 = FACTORIES[name](resumed)
    opt2.load_state_dict(nn.load(tmp_path / "opt.npz"))
    run_steps(opt2, resumed, 3)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.data, b.data)
    assert opt2.state  # something was restored and advanced


def test_state_dict_is_a_copy_and_has_the_documented_layout() -> None:
    params = make_params()
    opt = optim.Adam(params, lr=0.1)
    run_steps(opt, params, 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sd["state"][0]["step"] == 2
    sd["state"][0]["exp_avg"][:] = 123.0
    assert not np.any(opt.state[0]["exp_avg"] == 123.0)


def test_load_state_dict_rejects_a_mismatched_structure() -> None:
    opt = optim.SGD(make_params(), lr=0.1)
    other = optim.SGD([ad.Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="parameters"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="state"):
        opt.load_state_dict({"groups": []})


P = [ad.Tensor(np.ones(2), requires_grad=True)]
BAD = [
    (optim.SGD, dict(lr=-0.1), "lr"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), "momentum"),
    (optim.SGD, dict(lr=0.1, nesterov=True), "nesterov"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1e-3), "weight_decay"),
    (optim.Adagrad, dict(lr_decay=-1.0), "lr_decay"),
    (optim.Adagrad, dict(eps=-1e-10), "eps"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (optim.RMSprop, dict(alpha=-0.1), "alpha"),
    (optim.RMSprop, dict(momentum=-0.1), "momentum"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "beta1"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "beta2"),
    (optim.Adam, dict(betas=(0.9,)), "betas"),
    (optim.Adam, dict(lr=float("nan")), "lr"),
    (optim.AdamW, dict(weight_decay=-0.01), "weight_decay"),
    (optim.AdamW, dict(eps=-1.0), "eps"),
    (optim.LBFGS, dict(history_size=0), "history_size"),
    (optim.LBFGS, dict(tolerance_grad=-1.0), "tolerance_grad"),
    (optim.Newton, dict(hessian="bfgs"), "hessian"),
]


@pytest.mark.parametrize("cls,kwargs,word", BAD, ids=[f"{c.__name__}-{w}" for c, _, w in BAD])
def test_invalid_hyperparameters_raise(cls, kwargs, word) -> None:
    with pytest.raises(ValueError, match=word):
        cls(P, **kwargs)


def test_empty_duplicate_and_non_parameter_inputs_raise() -> None:
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([P[0], P[0]], lr=0.1)
    with pytest.raises(TypeError, match="parameter"):
        optim.Adam([np.ones(2)])
    with pytest.raises(ValueError, match="unknown option"):
        optim.SGD([{"params": P, "momentun": 0.9}], lr=0.1)


# ------------------------------------------------------------------ schedules
def test_lr_property_sets_every_group() -> None:
    q = ad.Tensor(np.ones(1), requires_grad=True)
    opt = optim.SGD([{"params": P}, {"params": [q], "lr": 0.5}], lr=0.1)
    assert opt.lr == 0.1
    opt.lr = 0.01
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]
    with pytest.raises(ValueError):
        opt.lr = -1.0


def lrs(scheduler, n: int) -> list[float]:
    out = []
    for _ in range(n):
        out.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return out


def test_epoch_schedules_follow_pytorch_closed_forms() -> None:
    opt = optim.SGD(P, lr=1.0)
    assert lrs(optim.StepLR(opt, step_size=2, gamma=0.5), 6) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    opt = optim.SGD(P, lr=1.0)
    np.testing.assert_allclose(lrs(optim.ExponentialLR(opt, gamma=0.9), 4),
                               [1, 0.9, 0.81, 0.729])
    opt = optim.SGD(P, lr=1.0)
    got = lrs(optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.1), 5)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    np.testing.assert_allclose(got, want)
    assert got[-1] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(opt, step_size=0)


def test_reduce_lr_on_plateau_waits_patience_then_cooldown() -> None:
    opt = optim.SGD(P, lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    seen = []
    for metric in [5, 4] + [4] * 11:
        sched.step(metric)
        seen.append(opt.lr)
    # the 3rd epoch without improvement halves the lr; one cooldown epoch does not count;
    # the floor min_lr stops the third halving at 0.2
    assert seen == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2]
    with pytest.raises(ValueError, match="factor"):
        optim.ReduceLROnPlateau(opt, factor=1.0)


def test_scheduler_state_dict_round_trip(tmp_path) -> None:
    opt = optim.SGD(P, lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    nn.save(sched.state_dict(), tmp_path / "s.npz")
    opt2 = optim.SGD(P, lr=1.0)
    sched2 = optim.StepLR(opt2, step_size=5, gamma=0.9)
    sched2.load_state_dict(nn.load(tmp_path / "s.npz"))
    sched.step()
    sched2.step()
    assert opt2.lr == opt.lr == 0.25


# ------------------------------------------------------------------ nn.utils
def test_clip_grad_norm_scales_tensors_and_values_together() -> None:
    t = ad.Tensor(np.zeros(2), requires_grad=True)
    v = ad.Value(0.0)
    t.grad, v.grad = np.array([3.0, 0.0]), 4.0
    total = clip_grad_norm_([t, v], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(t.grad, [3.0 / (5 + 1e-6), 0.0])
    assert v.grad == pytest.approx(4.0 / (5 + 1e-6))
    t.grad, v.grad = np.array([3.0, -7.0]), 4.0
    assert clip_grad_norm_([t, v], max_norm=100.0, norm_type=math.inf) == 7.0
    np.testing.assert_allclose(t.grad, [3.0, -7.0])  # below max_norm: unchanged
    t.grad = np.array([np.nan, 1.0])
    with pytest.raises(ValueError, match="nan"):
        clip_grad_norm_([t], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([t], -1.0)


def test_clip_grad_value_() -> None:
    t = ad.Tensor(np.zeros(3), requires_grad=True)
    v = ad.Value(0.0)
    t.grad, v.grad = np.array([-2.0, 0.5, 3.0]), -9.0
    clip_grad_value_([t, v], 1.0)
    np.testing.assert_array_equal(t.grad, [-1.0, 0.5, 1.0])
    assert v.grad == -1.0


def test_parameters_to_vector_round_trip_keeps_arrays_in_place() -> None:
    w = ad.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    v = ad.Value(6.0)
    b = ad.Tensor(np.array([7.0, 8.0]), requires_grad=True)
    vec = parameters_to_vector([w, v, b])
    np.testing.assert_array_equal(vec, np.arange(9.0))
    array_before = w.data
    vector_to_parameters(vec[::-1].copy(), [w, v, b])
    assert w.data is array_before
    np.testing.assert_array_equal(w.data, [[8, 7, 6], [5, 4, 3]])
    assert v.data == 2.0 and isinstance(v.data, float)
    np.testing.assert_array_equal(b.data, [1, 0])
    with pytest.raises(ValueError, match="9"):
        vector_to_parameters(np.zeros(8), [w, v, b])
