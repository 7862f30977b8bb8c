"""Memory: long training loops stay flat, graphs die with their output, deep graphs free.

Garbage collection is switched off while a graph is built and dropped (in these tests
only), so anything freed is freed by reference counting alone: a reference cycle in
the engine would survive and show up in ``gc.collect()`` afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import tracemalloc
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.op import Op

ENGINE_TYPES = (ad.Tensor, ad.Value, Op, np.ndarray)


@contextlib.contextmanager
def gc_off() -> Iterator[list]:
    """Run the block with the cyclic GC off; then collect, keeping what it would free.

    Yields a list that, after the block, holds the engine objects (Tensors, Values,
    Ops, arrays) that only the cyclic collector could free: those sat in cycles.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    found: list = []
    try:
        yield found
    finally:
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found.extend(o for o in gc.garbage if isinstance(o, ENGINE_TYPES))
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            if was_enabled:
                gc.enable()


def traced_growth(step: Callable[[], object], steps: int, warmup: int) -> tuple[int, int]:
    """Run ``step`` ``warmup`` times, then ``steps`` times under tracemalloc.

    Returns (bytes traced after the first half, bytes traced after the second half),
    both relative to the start of the measured run.
    """
    for _ in range(warmup):
        step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(steps // 2):
            step()
        half = tracemalloc.get_traced_memory()[0] - base
        for _ in range(steps - steps // 2):
            step()
        end = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return half, end


# ------------------------------------------------------------------------------ training loops
def _tensor_mlp() -> tuple[Callable[[], float], list[ad.Tensor]]:
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.standard_normal((32, 4)))
    y = ad.tensor(rng.standard_normal((32, 1)))
    w1 = ad.randn(4, 16, rng=1, requires_grad=True)
    b1 = ad.zeros(16, requires_grad=True)
    w2 = ad.randn(16, 1, rng=2, requires_grad=True)
    b2 = ad.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    def step() -> float:
        hidden = (x @ w1 + b1).tanh()
        loss = ((hidden @ w2 + b2 - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.01 * p.grad
        return loss.item()

    return step, params


def test_tensor_mlp_10000_steps_memory_is_flat():
    step, _ = _tensor_mlp()
    losses = [step() for _ in range(3)]
    with gc_off() as cycles:
        half, end = traced_growth(step, steps=10_000, warmup=200)
    assert step() < losses[0]  # it did train
    # One leaked 16-float gradient per step would be ~1.3 MB over the second half.
    assert end - half < 16_384, f"memory grew by {end - half} B over the last 5,000 steps"
    assert end < 262_144, f"memory grew by {end} B over 10,000 steps"
    assert cycles == []


def test_scalar_mlp_1000_steps_memory_is_flat():
    model = nn.MLP(2, [8, 8, 1])
    xs = [[0.5, -1.0], [1.0, 2.0]]
    ys = [1.0, -1.0]
    params = model.parameters()

    def step() -> float:
        loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), ad.Value(0.0))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.01 * p.grad
        return loss.data

    first = step()
    with gc_off() as cycles:
        half, end = traced_growth(step, steps=1_000, warmup=20)
    assert step() < first
    # One leaked Value per step would be ~50 KB over the second half.
    assert end - half < 8_192, f"memory grew by {end - half} B over the last 500 steps"
    assert end < 32_768, f"memory grew by {end} B over 1,000 steps"
    assert cycles == []


# ------------------------------------------------------------------------------ graph lifetime
def test_tensor_graph_freed_by_refcount_when_output_dies():
    x = ad.randn(8, 3, rng=0, requires_grad=True)
    w = ad.randn(3, 5, rng=1, requires_grad=True)
    with gc_off() as cycles:
        h = (x @ w).relu()
        out = ad.concatenate([h.softmax(axis=-1), h[:, :2] ** 2], axis=1).logsumexp(axis=1)
        loss = (out * ad.where(out.data > 0, 1.0, -1.0)).sum()
        loss.backward()
        refs = [weakref.ref(t) for t in (h, out, loss)]
        del h, out, loss
        alive = [r() for r in refs if r() is not None]
    assert alive == []
    assert cycles == []
    assert x.grad is not None and w.grad is not None


def test_second_order_graph_freed_by_refcount():
    x = ad.tensor([0.3, -1.2, 2.0], requires_grad=True)
    with gc_off() as cycles:
        y = (x.sin() * x.exp()).sum()
        (g,) = ad.grad(y, x, create_graph=True)
        h = ad.hessian(lambda t: (t.sin() * t.exp()).sum(), x)
        ref_g, ref_y = weakref.ref(g), weakref.ref(y)
        del g, y, h
    assert ref_g() is None and ref_y() is None
    assert cycles == []


def test_value_graph_freed_by_refcount_when_output_dies():
    a, b = ad.Value(0.7), ad.Value(-1.3)
    with gc_off() as cycles:
        out = ((a * b).tanh() + a.exp() / b - (a - b).relu()) ** 2
        out.backward()
        mid = out._prev[0]
        ref_out, ref_mid = weakref.ref(out), weakref.ref(mid)
        del out, mid
    assert ref_out() is None and ref_mid() is None
    assert cycles == []


def test_backward_keeps_no_intermediate_gradients():
    """After backward, only leaves hold gradients; intermediates hold none."""
    n = 250_000  # 2 MB per float64 intermediate
    x = ad.tensor(np.linspace(-1.0, 1.0, n), requires_grad=True)
    tracemalloc.start()
    try:
        y = x
        for _ in range(8):
            y = (y * 1.5).tanh()
        loss = y.sum()
        before = tracemalloc.get_traced_memory()[0]
        loss.backward()
        after = tracemalloc.get_traced_memory()[0]
        assert y.grad is None and y._inputs[0].grad is None
        del y, loss
        freed = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    grad_bytes = x.grad.nbytes
    assert after - before < grad_bytes + 200_000, "backward left gradients alive"
    assert freed - before < grad_bytes + 200_000 - 16 * grad_bytes  # the graph itself is gone


def test_retain_grad_keeps_exactly_what_was_asked():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).retain_grad()
    k = h.exp()
    k.sum().backward()
    np.testing.assert_allclose(h.grad, np.exp(h.data))
    assert k.grad is None


# ------------------------------------------------------------------------------ deep graphs
@contextlib.contextmanager
def low_recursion_limit(limit: int = 400) -> Iterator[None]:
    """Any recursive graph walk (or recursive free) would now fail at once."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, len(_frames()) + 100))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _frames() -> list:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def test_200k_value_chain_backward_and_free():
    n = 200_000
    leaf = ad.Value(1.0)
    with gc_off() as cycles, low_recursion_limit():
        v = leaf
        for i in range(n):
            v = v * 1.000001 if i % 2 else v + 0.5
        v.backward()
        ref_root, ref_first = weakref.ref(v), weakref.ref(_first_after(v, leaf))
        del v
    assert ref_root() is None and ref_first() is None
    assert leaf.grad == pytest.approx(1.000001 ** (n // 2), rel=1e-9)
    assert cycles == []


def _first_after(root: ad.Value, leaf: ad.Value) -> ad.Value:
    node = root
    while node._prev[0] is not leaf:
        node = node._prev[0]
    return node


def test_100k_tensor_chain_backward_and_free():
    n = 100_000
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with gc_off() as cycles, low_recursion_limit():
        y = x
        for i in range(n):
            y = y * 1.00001 if i % 2 else y + 0.5
            if i == 0:
                ref_first = weakref.ref(y)
        loss = y.sum()
        order = ad.engine.topological_order([loss])
        loss.backward()
        ref_root = weakref.ref(loss)
        del y, loss, order
    assert ref_root() is None and ref_first() is None
    np.testing.assert_allclose(x.grad, [1.00001 ** (n // 2)] * 2, rtol=1e-12)
    assert cycles == []


def test_nn_training_loop_makes_no_cycles_and_stays_flat():
    """Layers, losses and an optimizer with state: still nothing for the collector."""
    from nn.layers import BatchNorm1d, Dropout, Linear, ReLU, Sequential
    from nn.losses import CrossEntropyLoss
    from nn.optim import Adam

    rng = np.random.default_rng(0)
    x = ad.tensor(rng.standard_normal((32, 5)))
    y = rng.integers(0, 3, size=32)
    model = Sequential(Linear(5, 16, rng=1), BatchNorm1d(16), ReLU(), Dropout(0.1, rng=2),
                       Linear(16, 3, rng=3))
    loss_fn = CrossEntropyLoss()
    opt = Adam(model.parameters(), lr=1e-2)

    def step() -> float:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    first = step()
    with gc_off() as cycles:
        half, end = traced_growth(step, steps=600, warmup=50)
    assert step() < first
    assert end - half < 16_384, f"memory grew by {end - half} B over the last 300 steps"
    assert cycles == []
