"""Random computation graphs over every registered op, for the fuzz tests.

A graph is drawn step by step with its float64 values known, so each step can keep away
from trouble: domain-restricted ops get arguments mapped into their domain
(``log(a*a + 0.5)``), ops with kinks (relu, abs, clip, maximum, max...) are used only
where every element is at least ``MARGIN`` from the kink, and a step whose result would
be large, non-finite or too big in size falls back to ``tanh``. Choices come from a
``pick(options)`` function (hypothesis's ``data.draw`` or a seeded numpy generator) and
random numbers (leaf values, constants) from a numpy generator seeded by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autodiff as ad
from autodiff import ops

MARGIN = 1e-2      # distance kept from any kink (central differences step 1e-6)
MAX_ABS = 30.0     # larger results are squashed with tanh (above 1e4: not used at all)
MAX_SIZE = 48      # larger results fall back to tanh of the operand
LEAF_SHAPES = [(3,), (2, 3), (3, 2), (4,), (2, 1, 3), ()]

Fn = Callable[..., ad.Tensor]
Pick = Callable[[Sequence[Any]], Any]


@dataclass
class Step:
    op: str                    # the registered op the step is about
    args: tuple[int, ...]      # indices of earlier nodes
    fn: Fn                     # fn(*operand tensors) -> Tensor


@dataclass
class Graph:
    leaves: list[np.ndarray]                       # float64 leaf values
    steps: list[Step] = field(default_factory=list)
    weights: dict[int, np.ndarray] = field(default_factory=dict)  # sink node -> weights

    @property
    def ops(self) -> set[str]:
        return {s.op for s in self.steps}

    def nodes(self, leaves: Sequence[ad.Tensor]) -> list[ad.Tensor]:
        """Evaluate every node on ``leaves`` (Tensors of any float dtype)."""
        values = list(leaves)
        for step in self.steps:
            values.append(step.fn(*(values[i] for i in step.args)))
        return values

    def loss(self, leaves: Sequence[ad.Tensor]) -> ad.Tensor:
        """sum over the sinks of (sink * fixed random weights).sum(): every node counts."""
        values = self.nodes(leaves)
        dtype = leaves[0].dtype
        total = None
        for i, w in self.weights.items():
            term = (values[i] * ad.Tensor(w.astype(dtype))).sum()
            total = term if total is None else total + term
        return total

    def __repr__(self) -> str:
        shapes = [v.shape for v in self.leaves]
        body = "; ".join(f"t{len(self.leaves) + k} = {s.op}{s.args}"
                         for k, s in enumerate(self.steps))
        return f"Graph(leaves {shapes}: {body})"


def _const(value: Any, like: ad.Tensor) -> ad.Tensor:
    return ad.Tensor(np.asarray(value, dtype=like.dtype))


def _far(x: np.ndarray, *kinks: float) -> bool:
    return all(np.all(np.abs(x - k) > MARGIN) for k in kinks)


def _axes(pick: Pick, ndim: int) -> Any:
    if ndim == 0:
        return None
    return pick([None, *range(-ndim, ndim)])


def _unique_extremum(x: np.ndarray, axis: Any, largest: bool) -> bool:
    """True when the max (min) along ``axis`` beats the runner-up by MARGIN."""
    if x.size < 2:
        return True
    y = x if largest else -x
    moved = y.reshape(-1) if axis is None else np.moveaxis(y, axis, -1)
    if moved.shape[-1] < 2:
        return True
    top2 = np.sort(moved, axis=-1)[..., -2:]
    return bool(np.all(top2[..., 1] - top2[..., 0] > MARGIN))


class Builder:
    """Draws one graph. ``pick`` chooses among options; ``rng`` makes numbers."""

    def __init__(self, pick: Pick, rng: np.random.Generator) -> None:
        self.pick = pick
        self.rng = rng

    # ------------------------------------------------------------------ operands
    def _operand(self, values: list[np.ndarray]) -> int:
        n = len(values)
        back = self.pick([0, 0, 0, 1, 1, 2, 3, 5, 8])  # mostly recent nodes: deep graphs
        return max(n - 1 - back, 0)

    def _partner(self, values: list[np.ndarray], a: int, fits: Callable[[np.ndarray], bool]
                 ) -> int | None:
        candidates = [i for i, v in enumerate(values) if i != a and fits(v)]
        if not candidates or self.pick([True, True, False]) is False:
            return None
        return self.pick(candidates[-6:])

    # ------------------------------------------------------------------ the op table
    def propose(self, name: str, values: list[np.ndarray]) -> Step | None:  # noqa: C901
        """A step applying op ``name`` to earlier nodes, or None if it does not fit here."""
        pick, rng = self.pick, self.rng
        a = self._operand(values)
        x = values[a]
        nd = x.ndim

        def broadcastable(v: np.ndarray) -> bool:
            try:
                return np.broadcast_shapes(v.shape, x.shape) == x.shape
            except ValueError:
                return False

        def binary(fn2: Callable[[ad.Tensor, Any], ad.Tensor]) -> Step:
            b = self._partner(values, a, broadcastable)
            if b is not None:
                return Step(name, (a, b), fn2)
            if pick([True, False]):  # a Python number: weakly typed, keeps float32 float32
                number = float(rng.uniform(-1.5, 1.5))
                return Step(name, (a,), lambda t: fn2(t, number))
            array = rng.uniform(-1.5, 1.5, size=x.shape)
            return Step(name, (a,), lambda t: fn2(t, _const(array, t)))

        simple: dict[str, Fn] = {
            "neg": lambda t: -t, "sin": lambda t: t.sin(), "cos": lambda t: t.cos(),
            "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(),
            "softplus": lambda t: t.softplus(),
            "log": lambda t: (t * t + 0.5).log(), "log1p": lambda t: (t * t).log1p(),
            "sqrt": lambda t: (t * t + 0.25).sqrt(),
            "astype": lambda t: t.astype(t.dtype),
        }
        if name in simple:
            return Step(name, (a,), simple[name])
        if name in ("exp", "expm1"):
            method = name
            if np.all(np.abs(x) < 3.0):
                return Step(name, (a,), lambda t: getattr(t, method)())
            return Step(name, (a,), lambda t: getattr(t.tanh(), method)())
        if name in ("relu", "abs"):
            method = name
            return Step(name, (a,), lambda t: getattr(t, method)()) if _far(x, 0.0) else None
        if name == "leaky_relu":
            slope = pick([0.01, 0.2, -0.5])
            return Step(name, (a,), lambda t: t.leaky_relu(slope)) if _far(x, 0.0) else None
        if name == "clip":
            lo, hi = pick([(-0.5, 0.5), (None, 0.3), (-0.2, None), (-1.0, 1.0)])
            kinks = [k for k in (lo, hi) if k is not None]
            return Step(name, (a,), lambda t: t.clip(lo, hi)) if _far(x, *kinks) else None
        if name in ("add", "sub", "mul"):
            fn = {"add": lambda t, u: t + u, "sub": lambda t, u: t - u,
                  "mul": lambda t, u: t * u}[name]
            swap = pick([False, True])
            return binary((lambda t, u: fn(u, t)) if swap else fn)
        if name == "div":
            if pick([True, False]):
                return binary(lambda t, u: t / (u * u + 0.5))
            return binary(lambda t, u: u / (t * t + 0.5))  # a constant over a tensor
        if name == "pow":
            form = pick(["const_exp", "tensor_exp", "const_base"])
            if form == "const_exp":
                k = pick([2, 3, 0.5, -1.5, 1.25])
                return Step(name, (a,), lambda t: (t * t + 0.5) ** k)
            if form == "const_base":
                return Step(name, (a,), lambda t: 1.7 ** t.tanh())
            return binary(lambda t, u: (t * t + 0.5) ** (u.tanh() if isinstance(u, ad.Tensor)
                                                         else math.tanh(u)))
        if name in ("maximum", "minimum"):
            b = self._partner(values, a, lambda v: broadcastable(v) and _far(x - v, 0.0))
            f2 = ad.maximum if name == "maximum" else ad.minimum
            if b is not None:
                return Step(name, (a, b), f2)
            c = float(rng.uniform(-1, 1))
            return Step(name, (a,), lambda t: f2(t, c)) if _far(x, c) else None
        if name == "where":
            cond = rng.random(x.shape) < 0.5
            b = self._partner(values, a, broadcastable)
            if b is not None:
                return Step(name, (a, b), lambda t, u: ad.where(cond, t, u))
            return Step(name, (a,), lambda t: ad.where(cond, t, 0.25))
        if name == "matmul":
            if nd == 0:
                return None
            n = x.shape[-1]
            b = self._partner(values, a, lambda v: v.ndim in (1, 2) and v.shape[0] == n)
            if b is not None:
                return Step(name, (a, b), lambda t, u: t @ u)
            w = rng.standard_normal((n, pick([1, 2, 3]))) / np.sqrt(n)
            if pick([True, False]):
                return Step(name, (a,), lambda t: t @ _const(w, t))
            if nd == 1:
                return Step(name, (a,), lambda t: _const(w.T, t) @ t)
            return None
        if name in ("sum", "mean", "prod", "logsumexp", "var", "max", "min"):
            axis = _axes(pick, nd)
            keep = pick([False, True])
            if name in ("max", "min") and not _unique_extremum(x, axis, name == "max"):
                return None
            if name == "var":
                count = x.size if axis is None else x.shape[axis]
                if count < 2 or np.min(np.var(x, axis=axis)) < 1e-2:
                    return None
                ddof = pick([0, 1])
                return Step(name, (a,), lambda t: t.var(axis=axis, ddof=ddof, keepdims=keep))
            method = name
            return Step(name, (a,), lambda t: getattr(t, method)(axis=axis, keepdims=keep))
        if name in ("softmax", "log_softmax"):
            if nd == 0:
                return None
            axis = pick(list(range(-nd, nd)))
            method = name
            return Step(name, (a,), lambda t: getattr(t, method)(axis=axis))
        if name == "reshape":
            if x.size == 0:
                return None
            shape = pick([(-1,), x.shape[::-1], (1, *x.shape), (x.size, 1)])
            return Step(name, (a,), lambda t: t.reshape(shape))
        if name == "transpose":
            if nd < 2:
                return None
            axes = tuple(int(i) for i in rng.permutation(nd))
            return Step(name, (a,), lambda t: t.transpose(*axes))
        if name == "swapaxes":
            if nd < 2:
                return None
            return Step(name, (a,), lambda t: t.swapaxes(0, -1))
        if name == "broadcast_to":
            return Step(name, (a,), lambda t: t.broadcast_to((2, *t.shape)))
        if name == "sum_to":
            if nd == 0:
                return None
            target = (1, *x.shape[1:])
            if nd >= 2 and pick([True, False]):
                target = x.shape[1:]
            return Step(name, (a,), lambda t: t.sum_to(target))
        if name == "getitem":
            if nd == 0:
                return None
            n = x.shape[0]
            index = pick(["reverse", "first", "ints", "mask", "slice"])
            if index == "reverse":
                return Step(name, (a,), lambda t: t[..., ::-1])
            if index == "first":
                return Step(name, (a,), lambda t: t[0])
            if index == "ints":
                idx = rng.integers(0, n, size=n + 1)  # repeats: gradients must add up
                return Step(name, (a,), lambda t: t[idx])
            if index == "mask":
                mask = rng.random(x.shape) < 0.6
                if not mask.any():
                    return None
                return Step(name, (a,), lambda t: t[mask])
            return Step(name, (a,), lambda t: t[1:] if n > 1 else t[:1])
        if name == "scatter":
            if nd == 0:
                return None
            n = x.shape[0]
            shape = (n + 2, *x.shape[1:])
            return Step(name, (a,), lambda t: ops.scatter(t, shape=shape, index=slice(1, n + 1)))
        if name in ("concatenate", "stack"):
            if nd == 0:
                return None
            if name == "stack":
                b = self._partner(values, a, lambda v: v.shape == x.shape)
                axis = pick(list(range(-nd - 1, nd + 1)))
                other = (lambda t, u: u) if b is not None else (lambda t, u: t.sin())
                args = (a, b) if b is not None else (a,)
                return Step(name, args, lambda t, u=None: ad.stack([t, other(t, u)], axis=axis))
            b = self._partner(values, a, lambda v: v.ndim == nd and v.shape[1:] == x.shape[1:])
            if b is not None:
                return Step(name, (a, b), lambda t, u: ad.concatenate([t, u], axis=0))
            return Step(name, (a,), lambda t: ad.concatenate([t, t], axis=0))  # the same twice
        if name == "pad":
            width = pick([1, ((1, 0),) * max(nd, 1), ((0, 2),) * max(nd, 1)])
            value = pick([0.0, 0.5])
            if nd == 0:
                return None
            return Step(name, (a,), lambda t: ad.pad(t, width, value=value))
        raise KeyError(f"no graph builder for op {name!r}")

    # ------------------------------------------------------------------ a whole graph
    def build(self, n_steps: int, op_names: Sequence[str]) -> Graph:
        n_leaves = self.pick([1, 2, 3])
        leaves = [self.rng.uniform(-2.0, 2.0, size=self.pick(LEAF_SHAPES))
                  for _ in range(n_leaves)]
        graph = Graph(leaves)
        values: list[np.ndarray] = list(leaves)
        with ad.no_grad():
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
            out = step.fn(*(ad.Tensor(values[i]) for i in step.args)).data
        if out.dtype != np.float64 or not np.all(np.isfinite(out)) or out.size > MAX_SIZE:
            return None
        if np.max(np.abs(out), initial=0.0) > 1e4:  # would overflow float32 further on
            return None
        return out


def differentiable_ops() -> list[str]:
    """Every op of the registry that has a gradient."""
    return sorted(name for name, op in ops.REGISTRY.items() if op.differentiable)


def numpy_picker(rng: np.random.Generator) -> Pick:
    """A ``pick`` that draws uniformly with ``rng`` (for deterministic coverage checks)."""
    return lambda options: options[int(rng.integers(len(options)))]
