"""Random expressions for property tests: ``graphs()`` draws a small DAG over the catalogue's ops.

``graphs()`` draws inputs ``x0..xn`` (mutually broadcastable shapes), then up to
``max_nodes`` steps, each applying one op to earlier nodes through the op's
``OpSpec.expression``: ops with a restricted domain are applied to an argument mapped
into it (``log(t*t + 1)``, ``exp(tanh(t))``), so every drawn graph is differentiable
everywhere. Ops with kinks (relu, abs, max, ...) are opt-in through ``ops=...`` because
finite differences are meaningless at a kink. An op whose use depends on its operand's
shape has no expression (its spec says so); the fuzz builder draws it instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor
from .opinfo import SPECS
from .strategies import tensors

__all__ = ["GRAPH_OPS", "KINK_OPS", "Graph", "graphs"]

Fn = Callable[..., Tensor]


class _Forms(Mapping[str, tuple[int, Fn, str]]):
    """A live view of the catalogue: op name -> (operands, how it is applied, template).

    Live, so an op whose spec is registered later (``register_spec``) is drawn too.
    """

    def __init__(self, smooth: bool) -> None:
        self._smooth = smooth

    def _fits(self, spec: Any) -> bool:
        return spec.expression is not None and spec.smooth is self._smooth

    def __getitem__(self, name: str) -> tuple[int, Fn, str]:
        spec = SPECS.get(name)
        if spec is None or not self._fits(spec):
            raise KeyError(name)
        e = spec.expression
        return e.arity, e.fn, e.template

    def __iter__(self) -> Iterator[str]:
        return (n for n, s in SPECS.items() if self._fits(s))

    def __len__(self) -> int:
        return sum(1 for s in SPECS.values() if self._fits(s))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)})"


#: name (as in ``autodiff.ops.REGISTRY``) -> (number of operands, how it is applied, template)
GRAPH_OPS: Mapping[str, tuple[int, Fn, str]] = _Forms(smooth=True)
#: ops whose derivative jumps somewhere; drawn only when asked for by name
KINK_OPS: Mapping[str, tuple[int, Fn, str]] = _Forms(smooth=False)


def _table() -> dict[str, tuple[int, Fn, str]]:
    """Every op with an expression form, smooth or not: name -> (arity, fn, template)."""
    return {n: (s.expression.arity, s.expression.fn, s.expression.template)
            for n, s in SPECS.items() if s.expression is not None}


class Graph:
    """A drawn expression: ``graph(*inputs)`` evaluates it; ``repr`` shows it step by step."""

    def __init__(self, n_inputs: int, steps: Sequence[tuple[str, tuple[int, ...]]]):
        self.n_inputs = n_inputs
        self.steps = list(steps)
        self._forms = _table()  # read once: a drawn graph is called many times by gradcheck

    @property
    def ops(self) -> list[str]:
        """The op names used, in order of application."""
        return [name for name, _ in self.steps]

    def __call__(self, *inputs: Tensor) -> Tensor:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"Graph takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for name, args in self.steps:
            _, fn, _ = self._forms[name]
            nodes.append(fn(*(nodes[i] for i in args)))
        return nodes[-1]

    def _names(self) -> list[str]:
        return [f"x{i}" for i in range(self.n_inputs)] + [
            f"t{i}" for i in range(self.n_inputs, self.n_inputs + len(self.steps))]

    def __repr__(self) -> str:
        names = self._names()
        lines = [
            f"{names[self.n_inputs + k]} = "
            f"{self._forms[name][2].format(*(names[i] for i in args))}"
            for k, (name, args) in enumerate(self.steps)
        ]
        inputs = ", ".join(names[: self.n_inputs])
        return f"Graph({inputs} -> {'; '.join(lines)}; return {names[-1]})"


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

    ``ops``: names from :data:`GRAPH_OPS` (the default: every smooth op of the catalogue
    with an expression form) or :data:`KINK_OPS`. ``max_nodes``: at most this many op
    applications. Inputs: 1..``max_inputs`` leaf Tensors with requires_grad, mutually
    broadcastable shapes of 1..``max_dims`` dimensions, elements in ``elements``.
    Use as ``@given(graphs())`` then ``f, xs = drawn; assert_grad_close(f, xs)``.
    Raises ValueError for an unknown op name or ``max_nodes < 1``.
    """
    table = _table()
    if ops is None:
        names = list(GRAPH_OPS)
    else:
        names = list(ops)
        unknown = [n for n in names if n not in table]
        if unknown:
            raise ValueError(f"graphs: unknown ops {unknown}; valid names: {sorted(table)}")
    if not names:
        raise ValueError("graphs: no ops to draw from")
    if max_nodes < 1:
        raise ValueError(f"graphs: max_nodes must be at least 1, got {max_nodes}")

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
