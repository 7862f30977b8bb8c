"""Random computation graphs for property tests: an expression over the registered ops.

``graphs()`` draws a small DAG: inputs ``x0..xn`` (mutually broadcastable shapes), then up to
``max_nodes`` steps, each applying one op to earlier nodes. Ops with a restricted domain are
applied to an argument mapped into it (``log(t*t + 1)``, ``exp(tanh(t))``), so every drawn graph
is differentiable everywhere. Ops with kinks (relu, abs, max, ...) are opt-in through
``ops=...`` because finite differences are meaningless at a kink.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .tensor import Tensor

__all__ = ["GRAPH_OPS", "KINK_OPS", "Graph", "graphs"]

Fn = Callable[..., Tensor]

#: name (as in ``autodiff.ops.REGISTRY``) -> (number of operands, how it is applied, template)
GRAPH_OPS: dict[str, tuple[int, Fn, str]] = {
    "add": (2, lambda a, b: a + b, "{0} + {1}"),
    "sub": (2, lambda a, b: a - b, "{0} - {1}"),
    "mul": (2, lambda a, b: a * b, "{0} * {1}"),
    "div": (2, lambda a, b: a / (b * b + 1.0), "{0} / ({1}*{1} + 1)"),
    "neg": (1, lambda a: -a, "-{0}"),
    "pow": (1, lambda a: (a * a + 1.0) ** 1.5, "({0}*{0} + 1) ** 1.5"),
    "exp": (1, lambda a: a.tanh().exp(), "exp(tanh({0}))"),
    "log": (1, lambda a: (a * a + 1.0).log(), "log({0}*{0} + 1)"),
    "log1p": (1, lambda a: (a * a).log1p(), "log1p({0}*{0})"),
    "expm1": (1, lambda a: a.tanh().expm1(), "expm1(tanh({0}))"),
    "sqrt": (1, lambda a: (a * a + 1.0).sqrt(), "sqrt({0}*{0} + 1)"),
    "sin": (1, lambda a: a.sin(), "sin({0})"),
    "cos": (1, lambda a: a.cos(), "cos({0})"),
    "tanh": (1, lambda a: a.tanh(), "tanh({0})"),
    "sigmoid": (1, lambda a: a.sigmoid(), "sigmoid({0})"),
    "softplus": (1, lambda a: a.softplus(), "softplus({0})"),
    "softmax": (1, lambda a: a.softmax(axis=-1), "softmax({0}, axis=-1)"),
    "log_softmax": (1, lambda a: a.log_softmax(axis=-1), "log_softmax({0}, axis=-1)"),
    "sum": (1, lambda a: a.sum(axis=-1, keepdims=True), "{0}.sum(-1, keepdims=True)"),
    "mean": (1, lambda a: a.mean(axis=-1, keepdims=True), "{0}.mean(-1, keepdims=True)"),
    "var": (1, lambda a: a.var(axis=-1, keepdims=True), "{0}.var(-1, keepdims=True)"),
    "logsumexp": (1, lambda a: a.logsumexp(axis=-1, keepdims=True),
                  "{0}.logsumexp(-1, keepdims=True)"),
    "prod": (1, lambda a: a.prod(axis=-1, keepdims=True), "{0}.prod(-1, keepdims=True)"),
    "getitem": (1, lambda a: a[..., ::-1], "{0}[..., ::-1]"),
}

#: ops whose derivative jumps somewhere; draw them only when asked for by name
KINK_OPS: dict[str, tuple[int, Fn, str]] = {
    "relu": (1, lambda a: a.relu(), "relu({0})"),
    "leaky_relu": (1, lambda a: a.leaky_relu(0.1), "leaky_relu({0}, 0.1)"),
    "abs": (1, lambda a: a.abs(), "abs({0})"),
    "clip": (1, lambda a: a.clip(-1.0, 1.0), "clip({0}, -1, 1)"),
    "maximum": (2, lambda a, b: _ad().maximum(a, b), "maximum({0}, {1})"),
    "minimum": (2, lambda a, b: _ad().minimum(a, b), "minimum({0}, {1})"),
    "max": (1, lambda a: a.max(axis=-1, keepdims=True), "{0}.max(-1, keepdims=True)"),
    "min": (1, lambda a: a.min(axis=-1, keepdims=True), "{0}.min(-1, keepdims=True)"),
}


def _ad() -> Any:
    import autodiff

    return autodiff


class Graph:
    """A drawn expression: ``graph(*inputs)`` evaluates it; ``repr`` shows it step by step."""

    def __init__(self, n_inputs: int, steps: Sequence[tuple[str, tuple[int, ...]]]):
        self.n_inputs = n_inputs
        self.steps = list(steps)

    @property
    def ops(self) -> list[str]:
        """The op names used, in order of application."""
        return [name for name, _ in self.steps]

    def __call__(self, *inputs: Tensor) -> Tensor:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"Graph takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for name, args in self.steps:
            _, fn, _ = _table()[name]
            nodes.append(fn(*(nodes[i] for i in args)))
        return nodes[-1]

    def _names(self) -> list[str]:
        return [f"x{i}" for i in range(self.n_inputs)] + [
            f"t{i}" for i in range(self.n_inputs, self.n_inputs + len(self.steps))]

    def __repr__(self) -> str:
        names = self._names()
        lines = [
            f"{names[self.n_inputs + k]} = {_table()[name][2].format(*(names[i] for i in args))}"
            for k, (name, args) in enumerate(self.steps)
        ]
        inputs = ", ".join(names[: self.n_inputs])
        return f"Graph({inputs} -> {'; '.join(lines)}; return {names[-1]})"


def _table() -> dict[str, tuple[int, Fn, str]]:
    return {**GRAPH_OPS, **KINK_OPS}


def graphs(
    ops: Sequence[str] | None = None,
    max_nodes: int = 6,
    *,
    max_inputs: int = 3,
    elements: tuple[float, float] = (-2.0, 2.0),
    max_dims: int = 2,
    max_side: int = 3,
) -> st.SearchStrategy[tuple[Graph, list[Tensor]]]:
    """Draw ``(f, inputs)``: a random expression ``f`` over ``ops`` and Tensors to call it on.

    ``ops``: names from :data:`GRAPH_OPS` (the default: every smooth op also found in
    ``autodiff.ops.REGISTRY``) or :data:`KINK_OPS`. ``max_nodes``: at most this many op
    applications. Inputs: 1..``max_inputs`` leaf Tensors with requires_grad, mutually
    broadcastable shapes of 1..``max_dims`` dimensions, elements in ``elements``.
    Use as ``@given(graphs())`` then ``f, xs = drawn; assert_grad_close(f, xs)``.
    Raises ValueError for an unknown op name or ``max_nodes < 1``.
    """
    from .ops import REGISTRY

    table = _table()
    if ops is None:
        names = [n for n in GRAPH_OPS if n in REGISTRY]
    else:
        names = list(ops)
        unknown = [n for n in names if n not in table]
        if unknown:
            raise ValueError(f"graphs: unknown ops {unknown}; valid names: {sorted(table)}")
    if not names:
        raise ValueError("graphs: no ops to draw from")
    if max_nodes < 1:
        raise ValueError(f"graphs: max_nodes must be at least 1, got {max_nodes}")
    from .testing import tensors

    @st.composite
    def draw(pick: Any) -> tuple[Graph, list[Tensor]]:
        n_inputs = pick(st.integers(1, max_inputs))
        shapes = pick(hnp.mutually_broadcastable_shapes(
            num_shapes=n_inputs, min_dims=1, max_dims=max_dims, max_side=max_side))
        xs = [pick(tensors(s, elements=elements, name=f"x{i}"))
              for i, s in enumerate(shapes.input_shapes)]
        n_steps = pick(st.integers(1, max_nodes))
        steps = []
        for k in range(n_steps):
            name = pick(st.sampled_from(names))
            arity = table[name][0]
            available = n_inputs + k
            first = available - 1 - pick(st.integers(0, available - 1))
            rest = [pick(st.integers(0, available - 1)) for _ in range(arity - 1)]
            steps.append((name, (first, *rest)))
        return Graph(n_inputs, steps), xs

    return draw()
