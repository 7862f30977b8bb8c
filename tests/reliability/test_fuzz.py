"""Fuzzing: random graphs of up to a few hundred nodes, over every op, against the truth.

Gradients from backward() are compared with central differences in float64, and the
same graphs run in float32 agree with float64 to float32 precision. Two sources of
graphs: ``random_graphs`` (every registered op, shapes changing along the way) and the
toolkit's own ``autodiff.testing.graphs`` strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from random_graphs import Builder, Graph, differentiable_ops, numpy_picker

import autodiff as ad
from autodiff.testing import KINK_OPS, graphs

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
    for a, n in zip(g64, numeric(loss, xs)):
        np.testing.assert_allclose(a, n, rtol=1e-4, atol=1e-5 * scale, err_msg=repr(f))
    assume(scale < 1e4)  # float32 cannot follow gradients of wildly amplifying chains
    _, g32 = backward_grads(loss, xs, np.float32)
    assert_float32_agrees(g32, g64, repr(f))


def test_toolkit_kink_ops_are_known_to_the_builder() -> None:
    """Every op the toolkit treats as a kink is one this fuzzer keeps a margin from."""
    assert set(KINK_OPS) <= set(OPS)
