"""Threads: grad mode belongs to each thread; concurrent training equals sequential training."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import numpy as np

import autodiff as ad
import nn
from nn.optim import SGD, Adam

TIMEOUT = 30


def _run_threads(*targets: Callable[[], object]) -> list[object]:
    """Run each target in its own thread; return their results, re-raising any error."""
    results: list[object] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(i: int, target: Callable[[], object]) -> None:
        try:
            results[i] = target()
        except BaseException as error:  # noqa: BLE001 - handed back to the test thread
            errors.append(error)

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    return results


# ------------------------------------------------------------------------------ grad mode
def test_no_grad_in_one_thread_does_not_leak_into_another():
    inside, done = threading.Barrier(2, timeout=TIMEOUT), threading.Barrier(2, timeout=TIMEOUT)
    x = ad.tensor([1.0, 2.0], requires_grad=True)

    def holder() -> bool:
        with ad.no_grad():
            inside.wait()      # the other thread works while this one is in no_grad
            done.wait()
            return (x * 2.0).requires_grad

    def worker() -> bool:
        inside.wait()
        enabled = ad.is_grad_enabled() and (x * 2.0).requires_grad
        done.wait()
        return enabled

    held, worked = _run_threads(holder, worker)
    assert held is False and worked is True


def test_new_thread_starts_with_grad_enabled_and_leaves_caller_alone():
    with ad.no_grad():
        (enabled,) = _run_threads(ad.is_grad_enabled)
        assert not ad.is_grad_enabled()
    assert enabled is True

    def switch_off() -> bool:
        ad.set_grad_enabled(False)  # no restore: only this thread is affected
        return ad.is_grad_enabled()

    assert _run_threads(switch_off) == [False]
    assert ad.is_grad_enabled()


def test_backward_in_a_thread_does_not_disable_grad_elsewhere():
    """backward runs its VJPs under no_grad: that must stay inside the backward's thread."""
    in_vjp, checked = threading.Barrier(2, timeout=TIMEOUT), threading.Barrier(2, timeout=TIMEOUT)

    def waiting_vjp(g, out, a):
        in_vjp.wait()
        checked.wait()
        return g

    waiting = ad.Op("waiting", lambda a: a, vjps=(waiting_vjp,))
    x = ad.tensor([1.0], requires_grad=True)

    def backward() -> None:
        waiting(x).sum().backward()

    def observer() -> bool:
        in_vjp.wait()
        enabled = ad.is_grad_enabled() and (x + 1.0).requires_grad
        checked.wait()
        return enabled

    _, observed = _run_threads(backward, observer)
    assert observed is True and x.grad.tolist() == [1.0]


# ------------------------------------------------------------------------------ training
def _tensor_problem(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 3))
    return x, np.tanh(x @ rng.standard_normal((3, 1)))


def _train_tensor(seed: int, steps: int, lockstep: threading.Barrier | None) -> list[np.ndarray]:
    """A 3-16-1 tanh network trained with Adam; evaluates under no_grad every other step."""
    x_np, y_np = _tensor_problem(seed)
    x, y = ad.tensor(x_np), ad.tensor(y_np)
    rng = np.random.default_rng(100 + seed)
    w1 = ad.tensor(rng.standard_normal((3, 16)) * 0.5, requires_grad=True)
    b1 = ad.zeros(16, requires_grad=True)
    w2 = ad.tensor(rng.standard_normal((16, 1)) * 0.5, requires_grad=True)
    params = [w1, b1, w2]
    opt = Adam(params, lr=0.01)
    for step in range(steps):
        if lockstep is not None:
            lockstep.wait()
        if step % 2:
            with ad.no_grad():
                assert not ((x @ w1 + b1).tanh() @ w2).requires_grad
        loss = (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.data.copy() for p in params]


def _train_scalar(seed: int, steps: int, lockstep: threading.Barrier | None) -> list[float]:
    model = nn.MLP(2, [6, 1], rng=seed)
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((8, 2)).tolist()
    ys = [float(np.sign(a * b)) for a, b in xs]
    opt = SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        if lockstep is not None:
            lockstep.wait()
        loss = sum(((model(x) - t) ** 2 for x, t in zip(xs, ys)), ad.Value(0.0))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.data for p in model.parameters()]


def test_two_tensor_models_trained_at_once_equal_one_after_the_other():
    sequential = [_train_tensor(seed, 150, None) for seed in (1, 2)]
    lockstep = threading.Barrier(2, timeout=TIMEOUT)
    concurrent = _run_threads(lambda: _train_tensor(1, 150, lockstep),
                              lambda: _train_tensor(2, 150, lockstep))
    for seq, con in zip(sequential, concurrent):
        for a, b in zip(seq, con):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(sequential[0][0], sequential[1][0])


def test_two_scalar_models_trained_at_once_equal_one_after_the_other():
    sequential = [_train_scalar(seed, 40, None) for seed in (3, 4)]
    lockstep = threading.Barrier(2, timeout=TIMEOUT)
    concurrent = _run_threads(lambda: _train_scalar(3, 40, lockstep),
                              lambda: _train_scalar(4, 40, lockstep))
    assert concurrent == sequential


def test_four_threads_switching_every_few_bytecodes():
    sequential = [_train_tensor(seed, 60, None) for seed in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the interpreter swaps threads as often as it can
    try:
        concurrent = _run_threads(*(lambda s=s: _train_tensor(s, 60, None) for s in range(4)))
    finally:
        sys.setswitchinterval(interval)
    for seq, con in zip(sequential, concurrent):
        for a, b in zip(seq, con):
            np.testing.assert_array_equal(a, b)


def test_two_fit_runs_in_threads_equal_sequential_runs():
    from nn.data import DataLoader, TensorDataset
    from nn.layers import Linear, Sequential, Tanh
    from nn.losses import MSELoss

    def run(seed: int) -> list[float]:
        x, y = _tensor_problem(seed)
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, rng=seed)
        model = Sequential(Linear(3, 8, rng=seed), Tanh(), Linear(8, 1, rng=seed + 1))
        history = nn.fit(model, MSELoss(), Adam(model.parameters(), lr=0.01), loader,
                         epochs=5, progress=False)
        return history.train_loss + [float(p.data.sum()) for p in model.parameters()]

    sequential = [run(5), run(6)]
    assert _run_threads(lambda: run(5), lambda: run(6)) == sequential
