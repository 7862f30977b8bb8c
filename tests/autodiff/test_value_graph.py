"""Value graphs: re-used nodes, accumulation, random compositions, very deep chains."""

from __future__ import annotations

import gc
import math
import weakref

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autodiff import Value


def test_reused_node_gets_the_sum_of_its_paths() -> None:
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0
    x = Value(3.0)
    y = x * x + x  # 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_leaf_gradients_accumulate_across_backward_calls() -> None:
    x = Value(2.0)
    h = x * 3.0
    y = h * h  # 9 x^2, dy/dx = 18 x = 36
    y.backward()
    assert x.grad == 36.0 and h.grad == 12.0
    y.backward()
    assert x.grad == 72.0  # leaves accumulate
    assert h.grad == 12.0  # interior nodes hold the latest pass
    x.grad = 0.0
    y.backward()
    assert x.grad == 36.0


def test_backward_of_a_leaf_seeds_it() -> None:
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_diamond_graph_with_shared_interior_node() -> None:
    x = Value(0.5)
    s = x.tanh()
    out = s * s.exp() + s.sigmoid() - s / 2
    out.backward()
    h = 1e-6

    def f(t: float) -> float:
        s = math.tanh(t)
        return s * math.exp(s) + 1 / (1 + math.exp(-s)) - s / 2

    assert math.isclose(x.grad, (f(0.5 + h) - f(0.5 - h)) / (2 * h), rel_tol=1e-6)


# ops of a random program: (name, arity, needs its argument away from 0)
OPS = [
    ("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("tanh", 1), ("sigmoid", 1),
    ("exp", 1), ("log", 1), ("relu", 1), ("abs", 1), ("square", 1), ("pow", 2), ("neg", 1),
]


def run_program(program: list[tuple[int, int, int]], xs: list, kinks: list[float]):
    """Evaluate ``program`` on inputs ``xs`` (Values or floats, same code for both).

    Each step (op, i, j) applies OPS[op] to pool[i] (and pool[j]) and appends the result;
    inputs to log, div and pow are made positive/away from zero so the program is smooth.
    """
    pool = list(xs)
    for op, i, j in program:
        name, _ = OPS[op % len(OPS)]
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if name == "add":
            r = a + b
        elif name == "sub":
            r = a - b
        elif name == "mul":
            r = a * b
        elif name == "div":
            r = a / (b * b + 1.0)
        elif name == "tanh":
            r = a.tanh() if isinstance(a, Value) else math.tanh(a)
        elif name == "sigmoid":
            r = a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a))
        elif name == "exp":
            t = a * 0.1
            r = t.exp() if isinstance(t, Value) else math.exp(t)
        elif name == "log":
            t = a * a + 0.5
            r = t.log() if isinstance(t, Value) else math.log(t)
        elif name == "relu":
            kinks.append(abs(float(a)))
            r = a.relu() if isinstance(a, Value) else max(a, 0.0)
        elif name == "abs":
            kinks.append(abs(float(a)))
            r = abs(a)
        elif name == "square":
            r = a**2
        elif name == "pow":
            base = a * a + 0.5
            r = base ** (b * 0.1)
        else:
            r = -a
        pool.append(r)
    return pool[-1] + pool[-2] if len(program) > 1 else pool[-1]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3),
    st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100)),
             min_size=1, max_size=12),
)
def test_random_compositions_match_central_differences(xs: list[float], program) -> None:
    kinks: list[float] = []
    vs = [Value(x) for x in xs]
    out = run_program(program, vs, kinks)
    assume(math.isfinite(out.data) and abs(out.data) < 1e6)
    assume(not kinks or min(kinks) > 1e-3)
    out.backward()
    for k in range(3):
        h = 1e-6

        def f(t: float, k: int = k) -> float:
            args = list(xs)
            args[k] = t
            return float(run_program(program, args, []))

        numeric = (f(xs[k] + h) - f(xs[k] - h)) / (2 * h)
        assert math.isclose(vs[k].grad, numeric, rel_tol=1e-4, abs_tol=1e-5), (k, vs[k].grad,
                                                                               numeric)


def test_chain_of_200k_nodes_builds_backprops_and_is_freed() -> None:
    n = 200_000
    x = Value(1.0)
    c = Value(2.0)
    v = x
    for i in range(n):
        # alternate links through the first and the second parent slot
        v = v * 1.0000001 if i % 2 else c * 0.0 + v
    v.backward()
    assert math.isclose(x.grad, 1.0000001 ** (n // 2), rel_tol=1e-9)
    assert c.grad == 0.0
    probe = weakref.ref(v)
    del v
    gc.collect()
    assert probe() is None


def test_tanh_chain_of_200k_nodes() -> None:
    x = Value(0.3)
    v = x
    for _ in range(200_000):
        v = v.tanh()
    v.backward()
    assert 0.0 < x.grad < 1.0
    assert math.isfinite(x.grad)


def test_graph_walk_visits_every_node_once() -> None:
    from autodiff.graph import walk

    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + c + a
    nodes = walk([d]).nodes
    assert len(nodes) == len({id(n) for n in nodes}) == 5  # d, (c + c), c, a, b
    assert {id(a), id(b), id(c), id(d)} <= {id(n) for n in nodes}
