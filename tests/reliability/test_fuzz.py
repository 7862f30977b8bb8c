"""Fuzzing: random graphs of up to a few hundred nodes, over every op, against the truth.

Gradients from backward() are compared with central differences in float64, and the
same graphs run in float32 agree with float64 to float32 precision. Two sources of
graphs: ``autodiff.testing.fuzz`` (every registered op, shapes changing along the way) and the
toolkit's own ``autodiff.testing.graphs`` strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff.testing import KINK_OPS, graphs
from autodiff.testing.fuzz import Builder, Graph, differentiable_ops, numpy_picker

OPS = differentiable_ops()
FUZZ = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def central_differences(f: Callable[[list[np.ndarray]], float], xs: Sequence[np.ndarray],
                        eps: float = 1e-6) -> list[np.ndarray]:
    """d f / d xs[k][i] by (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), in float64."""
    grads = []
    for k, x in enumerate(xs):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            shifted = [v.copy() for v in xs]
            shifted[k][i] = x[i] + eps
            up = f(shifted)
            shifted[k][i] = x[i] - eps
            g[i] = (up - f(shifted)) / (2 * eps)
        grads.append(g)
    return grads


def backward_grads(loss_fn: Callable[[list[ad.Tensor]], ad.Tensor], xs: Sequence[np.ndarray],
                   dtype: type = np.float64) -> tuple[float, list[np.ndarray]]:
    leaves = [ad.Tensor(np.array(x, dtype=dtype), requires_grad=True) for x in xs]
    loss = loss_fn(leaves)
    assert loss.dtype == dtype, f"a {dtype.__name__} graph produced {loss.dtype}"
    loss.backward()
    grads = []
    for leaf in leaves:
        g = leaf.grad if leaf.grad is not None else np.zeros(leaf.shape, dtype)
        assert g.dtype == dtype and g.shape == leaf.shape
        grads.append(g)
    return loss.item(), grads


def numeric(loss_fn: Callable[[list[ad.Tensor]], ad.Tensor], xs: Sequence[np.ndarray]):
    def f(values: list[np.ndarray]) -> float:
        with ad.no_grad():
            return loss_fn([ad.Tensor(v) for v in values]).item()

    return central_differences(f, xs)


def assert_close_to_numeric(analytic: list[np.ndarray], num: list[np.ndarray], what: str) -> None:
    for k, (a, n) in enumerate(zip(analytic, num)):
        np.testing.assert_allclose(a, n, rtol=1e-4, atol=1e-5,
                                   err_msg=f"input {k} of {what}")


def assert_float32_agrees(g32: list[np.ndarray], g64: list[np.ndarray], what: str) -> None:
    """Agreement to float32 precision, relative to each gradient's scale."""
    for k, (a, b) in enumerate(zip(g32, g64)):
        scale = 1.0 + np.max(np.abs(b), initial=0.0)
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4 * scale,
                                   err_msg=f"input {k} of {what}")


def draw_graph(data: st.DataObject, max_steps: int) -> Graph:
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    n_steps = data.draw(st.integers(max_steps // 10, max_steps), label="steps")

    def pick(options: Sequence):
        return data.draw(st.sampled_from(list(options)))

    return Builder(pick, np.random.default_rng(seed)).build(n_steps, OPS)


# ------------------------------------------------------------------------------ every op
@FUZZ
@given(st.data())
def test_random_graph_gradients_match_central_differences(data: st.DataObject) -> None:
    graph = draw_graph(data, max_steps=250)
    _, analytic = backward_grads(graph.loss, graph.leaves)
    assert_close_to_numeric(analytic, numeric(graph.loss, graph.leaves), repr(graph))


@FUZZ
@given(st.data())
def test_random_graph_float32_agrees_with_float64(data: st.DataObject) -> None:
    graph = draw_graph(data, max_steps=250)
    loss64, g64 = backward_grads(graph.loss, graph.leaves, np.float64)
    loss32, g32 = backward_grads(graph.loss, graph.leaves, np.float32)
    assert abs(loss32 - loss64) <= 1e-3 * (1.0 + abs(loss64))
    assert_float32_agrees(g32, g64, repr(graph))


def test_random_graphs_cover_every_registered_op_and_grow_deep() -> None:
    """The builder really draws every differentiable op (deterministic seeds)."""
    seen: set[str] = set()
    longest = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        graph = Builder(numpy_picker(rng), rng).build(250, OPS)
        seen |= graph.ops
        loss = graph.loss([ad.Tensor(v, requires_grad=True) for v in graph.leaves])
        longest = max(longest, len(ad.engine.topological_order([loss])))
    assert set(OPS) - seen == set()
    assert longest >= 300  # nodes in the biggest graph, leaves and hidden helpers included


# ------------------------------------------------------------------------- the toolkit graphs
def _graph_loss(f: Callable, weights: np.ndarray) -> Callable[[list[ad.Tensor]], ad.Tensor]:
    return lambda leaves: (f(*leaves) * ad.Tensor(weights.astype(leaves[0].dtype))).sum()


def _finite_and_moderate(f: Callable, xs: Sequence[np.ndarray]) -> bool:
    with ad.no_grad(), np.errstate(all="ignore"):
        out = f(*(ad.Tensor(x) for x in xs)).data
    return bool(np.all(np.isfinite(out)) and np.max(np.abs(out), initial=0.0) < 1e6)


@FUZZ
@given(graphs(max_nodes=200), st.integers(0, 2**32 - 1))
def test_toolkit_graphs_match_central_differences_and_float32(drawn, seed: int) -> None:
    f, inputs = drawn
    xs = [np.array(x.data, dtype=np.float64) for x in inputs]
    assume(_finite_and_moderate(f, xs))  # long chains of x*x overflow; that is not a bug
    with ad.no_grad():
        shape = f(*(ad.Tensor(x) for x in xs)).shape
    loss = _graph_loss(f, np.random.default_rng(seed).uniform(-1, 1, size=shape))
    loss64, g64 = backward_grads(loss, xs)
    scale = 1.0 + max(np.max(np.abs(g), initial=0.0) for g in g64)
    # Neither central differences (step 1e-6) nor float32 can follow gradients of wildly
    # amplifying chains: sin of a chain of (t*t + 1) ** 1.5 at x = 0 has gradient 1.2e5,
    # which central differences miss by 5%.
    assume(scale < 1e4)
    for a, n in zip(g64, numeric(loss, xs)):
        np.testing.assert_allclose(a, n, rtol=1e-4, atol=1e-5 * scale, err_msg=repr(f))
    _, g32 = backward_grads(loss, xs, np.float32)
    assert_float32_agrees(g32, g64, repr(f))


def test_toolkit_kink_ops_are_known_to_the_builder() -> None:
    """Every op the toolkit treats as a kink is one this fuzzer keeps a margin from."""
    assert set(KINK_OPS) <= set(OPS)


# ------------------------------------------------------------------------------ Value graphs
VALUE_OPS: dict[str, Callable] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5), "neg": lambda a, b: -a,
    "pow": lambda a, b: (a * a + 0.5) ** 1.5, "vpow": lambda a, b: (a * a + 0.5) ** b.tanh(),
    "rpow": lambda a, b: 1.7 ** a.tanh(), "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 0.5).log(), "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(), "relu": lambda a, b: a.relu(),
    "abs": lambda a, b: a.abs(), "rsub": lambda a, b: 2.0 - a,
    "rdiv": lambda a, b: 1.0 / (a * a + 1.0),
}
KINKED = {"relu", "abs"}


@FUZZ
@given(st.data())
def test_value_graphs_match_tensor_graphs_and_central_differences(data: st.DataObject) -> None:
    """The scalar engine and the tensor engine agree on the same random expression."""
    xs = data.draw(st.lists(st.floats(-2, 2), min_size=1, max_size=3), label="leaves")
    steps = data.draw(st.lists(st.tuples(st.sampled_from(sorted(VALUE_OPS)),
                                         st.integers(0, 10**6), st.integers(0, 10**6)),
                               min_size=1, max_size=150), label="steps")

    plan: list[tuple[str, bool]] = []  # (op, squash) fixed by the first run

    def run(leaves: list) -> list:
        nodes = list(leaves)
        for k, (name, i, j) in enumerate(steps):
            a, b = nodes[-1 - i % len(nodes)], nodes[j % len(nodes)]
            if len(plan) == k:
                if name in KINKED and abs(_data(a)) < 1e-3:
                    name = "tanh"  # central differences are meaningless at a kink
                plan.append((name, abs(_data(VALUE_OPS[name](a, b))) > 1e3))
            name, squash = plan[k]
            out = VALUE_OPS[name](a, b)
            nodes.append((out * 1e-3).tanh() if squash else out)
        return nodes

    values = [ad.Value(x) for x in xs]
    v_nodes = run(values)
    v_nodes[-1].backward()
    tensors = [ad.tensor(x, requires_grad=True) for x in xs]
    t_nodes = run(tensors)
    t_nodes[-1].backward()
    for v, t in zip(v_nodes, t_nodes):
        assert _data(v) == pytest.approx(_data(t), rel=1e-12, abs=1e-12)
    v_grads = [v.grad for v in values]
    t_grads = [0.0 if t.grad is None else float(t.grad) for t in tensors]
    np.testing.assert_allclose(v_grads, t_grads, rtol=1e-9, atol=1e-12)
    num = central_differences(lambda ls: _data(run([ad.Value(float(x)) for x in ls])[-1]),
                              [np.array(x) for x in xs])
    np.testing.assert_allclose(v_grads, [float(n) for n in num], rtol=1e-4, atol=1e-5)


def _data(x) -> float:
    return x.data if isinstance(x, ad.Value) else float(x.data)
