"""The backward pass: roots, accumulation, retain_grad, grad mode, deep graphs, call-site errors."""

from __future__ import annotations

import re
import threading
import traceback

import numpy as np
import pytest

import autodiff as ad
from autodiff.engine import topological_order


def test_backward_on_a_non_scalar_needs_grad() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    with pytest.raises(ValueError, match=r"one-element.*\(2,\)"):
        y.backward()
    y.backward(np.array([1.0, -1.0]))
    np.testing.assert_allclose(x.grad, [3.0, -3.0])


def test_backward_rejects_a_misshaped_grad_and_a_graphless_tensor() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="shape"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(ValueError, match="does not require grad"):
        ad.tensor([1.0]).backward()


def test_one_element_non_scalar_backward_without_grad() -> None:
    x = ad.tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    np.testing.assert_allclose(x.grad, [[4.0]])


def test_leaves_accumulate_grad_and_grad_is_a_plain_array() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    assert type(x.grad) is np.ndarray
    np.testing.assert_allclose(x.grad, 3 * 2 * x.data)
    x.data -= 0.1 * x.grad  # the micrograd update works as written
    np.testing.assert_allclose(x.data, [0.4, 0.8])
    x.zero_grad()
    assert x.grad is None


def test_intermediates_keep_grad_only_after_retain_grad() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * y
    z.sum().backward()
    assert y.grad is None and z.grad is None
    y2 = (x * 2.0).retain_grad()
    (y2 * y2).sum().backward()
    np.testing.assert_allclose(y2.grad, 2 * y2.data)
    assert not y2.is_leaf and x.is_leaf


def test_a_tensor_used_twice_and_a_diamond_accumulate() -> None:
    x = ad.tensor([3.0], requires_grad=True)
    a = x * 2.0
    b = x.exp()
    (a * b + a).sum().backward()  # d/dx (2x e^x + 2x) = 2e^x + 2x e^x + 2
    np.testing.assert_allclose(x.grad, 2 * np.exp(3.0) + 6 * np.exp(3.0) + 2)


def test_grads_do_not_alias_each_other_or_the_seed() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    (x + y).backward(seed)
    assert not np.shares_memory(x.grad, y.grad)
    assert not np.shares_memory(x.grad, seed)
    x.grad += 10.0
    np.testing.assert_allclose(y.grad, [1.0, 1.0])
    np.testing.assert_allclose(seed, [1.0, 1.0])
    z = ad.tensor(np.ones((2, 2)), requires_grad=True)
    (z.reshape(4) * 1.0).sum().backward()
    assert z.grad.shape == (2, 2) and z.grad.flags.writeable
    z.grad[0, 0] = 5.0  # the user may update a gradient in place
    np.testing.assert_allclose(z.grad, [[5.0, 1.0], [1.0, 1.0]])


def test_constants_and_non_grad_inputs_get_no_grad() -> None:
    x = ad.tensor([1.0], requires_grad=True)
    c = ad.tensor([2.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, [2.0])


def test_chain_of_100000_ops_backpropagates() -> None:
    x = ad.tensor([1.0, -2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1.00001 ** 100_000 * np.ones(2), rtol=1e-9)


def test_topological_order_puts_inputs_first_and_visits_once() -> None:
    x = ad.tensor([1.0], requires_grad=True)
    a = x * 2.0
    b = a + x
    c = a * b
    order = topological_order([c])
    assert len(order) == len({id(n) for n in order}) == 4
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._prev:
            assert position[id(parent)] < position[id(node)]


# ----------------------------------------------------------------------------- grad mode


def test_no_grad_and_enable_grad_as_context_managers() -> None:
    x = ad.tensor([1.0], requires_grad=True)
    with ad.no_grad():
        assert not ad.is_grad_enabled()
        y = x * 2.0
        with ad.enable_grad():
            assert ad.is_grad_enabled()
            z = x * 2.0
        assert not ad.is_grad_enabled()
    assert ad.is_grad_enabled()
    assert not y.requires_grad and y._fn is None
    assert z.requires_grad


def test_no_grad_and_enable_grad_as_decorators() -> None:
    x = ad.tensor([1.0], requires_grad=True)

    @ad.no_grad()
    def frozen(t: ad.Tensor) -> ad.Tensor:
        return t * 2.0

    @ad.enable_grad()
    def recorded(t: ad.Tensor) -> ad.Tensor:
        return t * 2.0

    assert not frozen(x).requires_grad
    with ad.no_grad():
        assert recorded(x).requires_grad
    assert ad.is_grad_enabled()


def test_a_recursive_decorated_function_restores_grad_mode() -> None:
    # regression: the decorator reused one context object, so the inner call overwrote the
    # saved mode and grad mode stayed off after the outer call returned
    @ad.no_grad()
    def depth(n: int) -> bool:
        return depth(n - 1) if n else ad.is_grad_enabled()

    assert depth(3) is False
    assert ad.is_grad_enabled()

    @ad.enable_grad()
    def inner(n: int) -> bool:
        return inner(n - 1) if n else ad.is_grad_enabled()

    with ad.no_grad():
        assert inner(2) is True
        assert not ad.is_grad_enabled()


def test_a_decorated_function_used_from_two_threads() -> None:
    entered = threading.Barrier(2, timeout=5)

    @ad.no_grad()
    def work() -> bool:
        entered.wait()  # both threads are inside at once
        return ad.is_grad_enabled()

    results: list[bool] = []

    def run() -> None:
        results.append(work())
        results.append(ad.is_grad_enabled())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == [False, False, True, True]


def test_grad_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(RuntimeError):
        with ad.no_grad():
            raise RuntimeError("boom")
    assert ad.is_grad_enabled()


def test_set_grad_enabled() -> None:
    with ad.set_grad_enabled(False):
        assert not ad.is_grad_enabled()
    assert ad.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with ad.no_grad():
            inside.set()
            release.wait(5)
            seen.append(ad.is_grad_enabled())

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    assert ad.is_grad_enabled()  # the other thread's no_grad does not leak here
    x = ad.tensor([1.0], requires_grad=True)
    assert (x * 2.0).requires_grad
    release.set()
    thread.join(5)
    assert seen == [False]


def test_backward_inside_no_grad_still_fills_grads() -> None:
    x = ad.tensor([2.0], requires_grad=True)
    y = (x * x).sum()
    with ad.no_grad():
        y.backward()
    np.testing.assert_allclose(x.grad, [4.0])


# ----------------------------------------------------------------- errors at the call site

SHAPE_ERRORS = [
    ("matmul", lambda: ad.ones(2, 3) @ ad.ones(2, 3), [r"\(2, 3\)"]),
    ("add", lambda: ad.ones(2, 3) + ad.ones(4), [r"\(2, 3\)", r"\(4,\)"]),
    ("mul", lambda: ad.ones(2, 3) * np.ones((3, 2)), [r"\(2, 3\)", r"\(3, 2\)"]),
    ("sum", lambda: ad.ones(2, 3).sum(axis=2), [r"axis 2", r"\(2, 3\)"]),
    ("max", lambda: ad.ones(2, 3).max(axis=-3), [r"axis -3"]),
    ("softmax", lambda: ad.ones(2, 3).softmax(axis=5), [r"axis 5"]),
    ("reshape", lambda: ad.ones(2, 3).reshape(4, 2), [r"\(2, 3\)", r"\(4, 2\)"]),
    ("transpose", lambda: ad.ones(2, 3).transpose(0, 0, 1), [r"\(2, 3\)"]),
    ("broadcast_to", lambda: ad.ones(2, 3).broadcast_to((3, 3)), [r"\(2, 3\)", r"\(3, 3\)"]),
    ("concatenate", lambda: ad.concatenate([ad.ones(2, 3), ad.ones(2, 2)]), [r"\(2, 3\)"]),
    ("stack", lambda: ad.stack([ad.ones(2), ad.ones(3)]), [r"\(2,\)", r"\(3,\)"]),
    ("getitem", lambda: ad.ones(2, 3)[5], [r"\(2, 3\)"]),
    ("squeeze", lambda: ad.ones(2, 3).squeeze(0), [r"\(2, 3\)"]),
    ("where", lambda: ad.where(np.ones(2), ad.ones(2), ad.ones(2)), ["bool"]),
]


@pytest.mark.parametrize("name,make,fragments", SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS])
def test_shape_errors_name_the_op_and_shapes_at_the_call_site(name, make, fragments) -> None:
    with pytest.raises(ValueError) as info:
        make()  # raised by the forward call itself, before any backward
    message = str(info.value)
    assert name in message
    for fragment in fragments:
        assert re.search(fragment, message), (fragment, message)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert not any(f.name == "run_backward" for f in frames)


def test_the_same_error_with_grad_enabled_inputs() -> None:
    a = ad.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match="matmul"):
        a @ a
