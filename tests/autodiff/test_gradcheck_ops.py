"""gradcheck on every registered op (first and second derivatives), with suitable domains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autodiff as ad
from autodiff.ops import REGISTRY


def _arr(rng: np.random.Generator, shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0,
         away: tuple[float, ...] = ()) -> ad.Tensor:
    """Uniform in [lo, hi], kept 0.2 away from the points in ``away`` (kinks)."""
    x = rng.uniform(lo, hi, shape)
    for p in away:
        near = np.abs(x - p) < 0.2
        x = np.where(near, p + np.where(x >= p, 0.2, -0.2), x)
    return ad.Tensor(x, requires_grad=True)


Case = Callable[[np.random.Generator], tuple[Callable[..., Any], list[Any]]]


def _op(name: str, *shapes: tuple[int, ...], low: float = -2.0, high: float = 2.0,
        away: tuple[float, ...] = (), **kw: Any) -> Case:
    """A case calling REGISTRY[name](*inputs, **kw) on inputs of ``shapes`` in [low, high]."""

    def build(rng: np.random.Generator) -> tuple[Callable[..., Any], list[Any]]:
        xs = [_arr(rng, s, low, high, away) for s in shapes]
        return (lambda *a: REGISTRY[name](*a, **kw)), xs
    return build


def _where(rng: np.random.Generator) -> tuple[Callable[..., Any], list[Any]]:
    cond = rng.random((2, 3)) > 0.5
    return (lambda a, b: REGISTRY["where"](cond, a, b)), [_arr(rng, (2, 3)), _arr(rng, (3,))]


def _pow(rng: np.random.Generator) -> tuple[Callable[..., Any], list[Any]]:
    return REGISTRY["pow"], [_arr(rng, (2, 3), 0.5, 2.0), _arr(rng, (3,), -1.5, 1.5)]


def _div(rng: np.random.Generator) -> tuple[Callable[..., Any], list[Any]]:
    return REGISTRY["div"], [_arr(rng, (2, 3)), _arr(rng, (3,), away=(0.0,))]


B = ((2, 3), (3,))  # broadcasting binary shapes
CASES: dict[str, Case] = {
    "add": _op("add", *B), "sub": _op("sub", *B), "mul": _op("mul", *B), "div": _div,
    "neg": _op("neg", (2, 3)), "pow": _pow,
    "matmul": _op("matmul", (3, 4), (4, 2)),
    "matmul[vector-matrix]": _op("matmul", (4,), (4, 2)),
    "matmul[matrix-vector]": _op("matmul", (3, 4), (4,)),
    "matmul[batched]": _op("matmul", (2, 3, 4), (4, 2)),
    "exp": _op("exp", (2, 3)), "log": _op("log", (2, 3), low=0.2, high=3.0),
    "log1p": _op("log1p", (2, 3), low=-0.5, high=2.0), "expm1": _op("expm1", (2, 3)),
    "sqrt": _op("sqrt", (2, 3), low=0.2, high=3.0), "abs": _op("abs", (2, 3), away=(0.0,)),
    "sin": _op("sin", (2, 3)), "cos": _op("cos", (2, 3)), "tanh": _op("tanh", (2, 3)),
    "sigmoid": _op("sigmoid", (2, 3)), "relu": _op("relu", (2, 3), away=(0.0,)),
    "leaky_relu": _op("leaky_relu", (2, 3), away=(0.0,), negative_slope=0.1),
    "softplus": _op("softplus", (2, 3)),
    "maximum": _op("maximum", *B), "minimum": _op("minimum", *B),
    "clip": _op("clip", (2, 3), away=(-0.5, 0.5), lo=-0.5, hi=0.5),
    "where": _where,
    "astype": _op("astype", (2, 3), dtype=np.float64),
    "sum": _op("sum", (2, 3), axis=1), "mean": _op("mean", (2, 3), axis=0, keepdims=True),
    "var": _op("var", (3, 4), axis=1, ddof=1), "max": _op("max", (3, 4), axis=1),
    "min": _op("min", (3, 4)), "prod": _op("prod", (2, 3), axis=1, away=(0.0,)),
    "logsumexp": _op("logsumexp", (3, 4), axis=-1),
    "softmax": _op("softmax", (3, 4), axis=-1), "log_softmax": _op("log_softmax", (3, 4)),
    "reshape": _op("reshape", (2, 6), shape=(3, 4)),
    "transpose": _op("transpose", (2, 3, 4), axes=(2, 0, 1)),
    "swapaxes": _op("swapaxes", (2, 3, 4), axis1=0, axis2=2),
    "broadcast_to": _op("broadcast_to", (1, 3), shape=(4, 3)),
    "sum_to": _op("sum_to", (4, 3), shape=(1, 3)),
    "getitem": _op("getitem", (3, 4), index=(slice(None), np.array([0, 2, 2]))),
    "scatter": _op("scatter", (3,), shape=(3, 4), index=(slice(None), 1)),
    "concatenate": _op("concatenate", (2, 3), (2, 2), axis=1),
    "stack": _op("stack", (2, 3), (2, 3), (2, 3), axis=1),
    "pad": _op("pad", (2, 3), pad_width=((1, 0), (0, 2))),
}


def _case_for(name: str) -> list[str]:
    keys = [k for k in CASES if k == name or k.startswith(name + "[")]
    return keys


DIFFERENTIABLE = sorted(n for n, op in REGISTRY.items() if op.differentiable)
ALL_CASES = sorted({k for n in DIFFERENTIABLE for k in _case_for(n)} |
                   {n for n in DIFFERENTIABLE if not _case_for(n)})


@pytest.mark.parametrize("case", ALL_CASES)
def test_registered_op_passes_gradcheck_and_gradgradcheck(case: str) -> None:
    rng = np.random.default_rng(sum(map(ord, case)))
    if case in CASES:
        f, xs = CASES[case](rng)
    else:  # an op added after this table: try it as an elementwise op on a safe domain
        op = REGISTRY[case]
        n = len(op.vjps) if not op.variadic else 2
        f, xs = op, [_arr(rng, (2, 3), 0.5, 2.0) for _ in range(n)]
        try:
            f(*xs)
        except TypeError as error:
            pytest.fail(f"op {case!r} needs arguments: add an entry to CASES in this file "
                        f"({error})")
    assert ad.gradcheck(f, xs)
    assert ad.gradgradcheck(f, xs)


def test_every_differentiable_op_is_covered() -> None:
    assert set(DIFFERENTIABLE) <= {c.split("[")[0] for c in ALL_CASES}
