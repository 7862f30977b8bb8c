"""Random computation graphs over every op in the catalogue, for fuzz tests.

A graph is drawn step by step with its float64 values known, so each step can keep away
from trouble: each op's spec (``OpSpec.fuzz``) maps domain-restricted ops' arguments into
their domain (``log(a*a + 0.5)``), ops with kinks are used only where every element is at
least ``MARGIN`` from the kink, and a step whose result would be large, non-finite or too
big in size falls back to ``tanh``. Choices come from a ``pick(options)`` function
(hypothesis's ``data.draw`` or a seeded numpy generator) and random numbers (leaf values,
constants) from a numpy generator seeded by the caller::

    rng = np.random.default_rng(0)
    graph = Builder(numpy_picker(rng), rng).build(100, differentiable_ops())
    loss = graph.loss([ad.Tensor(v, requires_grad=True) for v in graph.leaves])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..ops import REGISTRY
from ..tensor import Tensor
from .opinfo import SPECS
from .spec import OpSpec

__all__ = ["Builder", "Graph", "Site", "Step", "differentiable_ops", "numpy_picker"]

MARGIN = 1e-2      # distance kept from any kink (central differences step 1e-6)
MAX_ABS = 30.0     # larger results are squashed with tanh (above 1e4: not used at all)
MAX_SIZE = 48      # larger results fall back to tanh of the operand
LEAF_SHAPES = [(3,), (2, 3), (3, 2), (4,), (2, 1, 3), ()]

Fn = Callable[..., Tensor]
Pick = Callable[[Sequence[Any]], Any]


@dataclass
class Step:
    """One node of a drawn graph: ``fn`` applied to the earlier nodes ``args``, for ``op``."""

    op: str
    args: tuple[int, ...]
    fn: Fn


@dataclass
class Graph:
    """A drawn graph: float64 ``leaves``, the ``steps`` after them, weights on its sinks."""

    leaves: list[np.ndarray]
    steps: list[Step] = field(default_factory=list)
    weights: dict[int, np.ndarray] = field(default_factory=dict)  # sink node -> weights

    @property
    def ops(self) -> set[str]:
        """The ops the steps are about."""
        return {s.op for s in self.steps}

    def nodes(self, leaves: Sequence[Tensor]) -> list[Tensor]:
        """Evaluate every node on ``leaves`` (Tensors of any float dtype)."""
        values = list(leaves)
        for step in self.steps:
            values.append(step.fn(*(values[i] for i in step.args)))
        return values

    def loss(self, leaves: Sequence[Tensor]) -> Tensor:
        """sum over the sinks of (sink * fixed random weights).sum(): every node counts."""
        values = self.nodes(leaves)
        dtype = leaves[0].dtype
        total = None
        for i, w in self.weights.items():
            term = (values[i] * Tensor(w.astype(dtype))).sum()
            total = term if total is None else total + term
        return total

    def __repr__(self) -> str:
        shapes = [v.shape for v in self.leaves]
        body = "; ".join(f"t{len(self.leaves) + k} = {s.op}{s.args}"
                         for k, s in enumerate(self.steps))
        return f"Graph(leaves {shapes}: {body})"


class Site:
    """Where one op is about to be applied: what an ``OpSpec.fuzz`` function works with.

    ``x`` holds the float64 values of the chosen operand (node ``a``), ``pick`` chooses
    among options, ``rng`` makes numbers, ``margin`` is the distance kept from kinks.
    ``step(fn, *others)`` applies ``fn`` to the operand (and earlier nodes ``others``);
    ``partner(fits)`` finds another node whose values ``fits`` accepts (or None);
    ``binary(fn2)`` pairs the operand with a partner, a Python number or a constant.
    """

    margin = MARGIN

    def __init__(self, name: str, a: int, values: list[np.ndarray], pick: Pick,
                 rng: np.random.Generator) -> None:
        self.name, self.a, self.values = name, a, values
        self.x = values[a]
        self.pick, self.rng = pick, rng

    def step(self, fn: Fn, *others: int) -> Step:
        """A step applying ``fn`` to the operand, then to the nodes ``others``."""
        return Step(self.name, (self.a, *others), fn)

    def broadcastable(self, v: np.ndarray) -> bool:
        """True when ``v`` broadcasts against the operand without growing it."""
        try:
            return np.broadcast_shapes(v.shape, self.x.shape) == self.x.shape
        except ValueError:
            return False

    def far(self, *kinks: float, x: np.ndarray | None = None) -> bool:
        """True when every element of ``x`` (the operand by default) is ``margin`` from kinks."""
        x = self.x if x is None else x
        return all(np.all(np.abs(x - k) > self.margin) for k in kinks)

    def partner(self, fits: Callable[[np.ndarray], bool]) -> int | None:
        """A recent other node whose values ``fits`` accepts, or None (sometimes on purpose)."""
        candidates = [i for i, v in enumerate(self.values) if i != self.a and fits(v)]
        if not candidates or self.pick([True, True, False]) is False:
            return None
        return self.pick(candidates[-6:])

    def binary(self, fn2: Callable[[Tensor, Any], Tensor]) -> Step:
        """``fn2(operand, other)`` with a broadcastable partner node, a number or a constant."""
        b = self.partner(self.broadcastable)
        if b is not None:
            return self.step(fn2, b)
        if self.pick([True, False]):  # a Python number: weakly typed, keeps float32 float32
            number = float(self.rng.uniform(-1.5, 1.5))
            return self.step(lambda t: fn2(t, number))
        array = self.rng.uniform(-1.5, 1.5, size=self.x.shape)
        return self.step(lambda t: fn2(t, self.const(array, t)))

    @staticmethod
    def const(value: Any, like: Tensor) -> Tensor:
        """A constant Tensor of ``like``'s dtype (float32 graphs stay float32)."""
        return Tensor(np.asarray(value, dtype=like.dtype))


def default_fuzz(spec: OpSpec, site: Site) -> Step | None:
    """The fuzz form of an op that has only an ``expression``: apply it, clear of kinks."""
    expression = spec.expression
    if expression is None:
        raise KeyError(f"op {spec.name!r}: its spec has neither a fuzz form nor an expression")
    if expression.arity == 2:
        return site.binary(expression.fn)
    return site.step(expression.fn) if site.far(*spec.kinks) else None


class Builder:
    """Draws one graph. ``pick`` chooses among options; ``rng`` makes numbers."""

    def __init__(self, pick: Pick, rng: np.random.Generator) -> None:
        self.pick = pick
        self.rng = rng

    def _operand(self, values: list[np.ndarray]) -> int:
        back = self.pick([0, 0, 0, 1, 1, 2, 3, 5, 8])  # mostly recent nodes: deep graphs
        return max(len(values) - 1 - back, 0)

    def propose(self, name: str, values: list[np.ndarray]) -> Step | None:
        """A step applying op ``name`` to earlier nodes, or None if it does not fit here."""
        if name not in SPECS:
            raise KeyError(f"no catalogue spec for op {name!r}: add one in autodiff/testing/opinfo")
        spec = SPECS[name]
        site = Site(name, self._operand(values), values, self.pick, self.rng)
        return spec.fuzz(site) if spec.fuzz is not None else default_fuzz(spec, site)

    def build(self, n_steps: int, op_names: Sequence[str]) -> Graph:
        """A graph of 1..3 leaves and ``n_steps`` steps drawn from ``op_names``."""
        n_leaves = self.pick([1, 2, 3])
        leaves = [self.rng.uniform(-2.0, 2.0, size=self.pick(LEAF_SHAPES))
                  for _ in range(n_leaves)]
        graph = Graph(leaves)
        values: list[np.ndarray] = list(leaves)
        with no_grad():
            for _ in range(n_steps):
                step = self.propose(self.pick(list(op_names)), values)
                result = None
                if step is not None:
                    result = self._try(step, values)
                if result is None:
                    a = self._operand(values)
                    step = Step("tanh", (a,), lambda t: t.tanh())
                    result = np.tanh(values[a])
                elif np.max(np.abs(result), initial=0.0) > MAX_ABS:
                    inner = step.fn
                    step = Step(step.op, step.args, lambda *ts, f=inner: (f(*ts) * 0.05).tanh())
                    result = np.tanh(result * 0.05)
                graph.steps.append(step)
                values.append(result)
        used = {i for s in graph.steps for i in s.args}
        for i, v in enumerate(values):
            if i not in used:
                graph.weights[i] = self.rng.uniform(-1.0, 1.0, size=v.shape)
        return graph

    @staticmethod
    def _try(step: Step, values: list[np.ndarray]) -> np.ndarray | None:
        with np.errstate(all="ignore"):
            out = step.fn(*(Tensor(values[i]) for i in step.args)).data
        if out.dtype != np.float64 or not np.all(np.isfinite(out)) or out.size > MAX_SIZE:
            return None
        if np.max(np.abs(out), initial=0.0) > 1e4:  # would overflow float32 further on
            return None
        return out


def differentiable_ops() -> list[str]:
    """Every op of the registry that has a gradient."""
    return sorted(name for name, op in REGISTRY.items() if op.differentiable)


def numpy_picker(rng: np.random.Generator) -> Pick:
    """A ``pick`` that draws uniformly with ``rng`` (for deterministic coverage checks)."""
    return lambda options: options[int(rng.integers(len(options)))]
