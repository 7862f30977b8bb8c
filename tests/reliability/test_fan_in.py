"""Backward costs the same per edge whatever the graph's shape: fan-in, fan-out or a chain.

Cost is counted as Python and C function calls made during ``backward()`` (with
``sys.setprofile``), not as time: the count is deterministic, and it grows with the work
the same way time does. Linear cost means 4x the nodes gives about 4x the calls; the
quadratic cost this guards against (each input's VJP looking at every input) gives 16x.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

import autodiff as ad

SMALL, LARGE = 500, 2000  # LARGE = 4 x SMALL


def calls_during_backward(build: Callable[[int], Any], n: int) -> int:
    """Function calls made by ``build(n).sum().backward()``, the graph built beforehand."""
    loss = build(n).sum()
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        loss.backward()
    finally:
        sys.setprofile(None)
    return count


def _leaves(n: int) -> list[ad.Tensor]:
    return [ad.tensor([float(i)], requires_grad=True) for i in range(n)]


def fan_in_concatenate(n: int) -> ad.Tensor:
    return ad.concatenate(_leaves(n))


def fan_in_stack(n: int) -> ad.Tensor:
    return ad.stack(_leaves(n))


def fan_out_one_tensor(n: int) -> ad.Tensor:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    return ad.concatenate([x] * n)


def fan_out_many_consumers(n: int) -> ad.Tensor:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    return ad.stack([x * float(i) for i in range(n)])


def chain(n: int) -> ad.Tensor:
    y = ad.tensor([1.0], requires_grad=True)
    for _ in range(n):
        y = y * 1.0
    return y


SHAPES = [fan_in_concatenate, fan_in_stack, fan_out_one_tensor, fan_out_many_consumers, chain]


@pytest.mark.parametrize("build", SHAPES, ids=lambda f: f.__name__)
def test_backward_cost_grows_linearly(build: Callable[[int], Any]) -> None:
    small = calls_during_backward(build, SMALL)
    large = calls_during_backward(build, LARGE)
    assert large / small < 4.5, (f"{build.__name__}: {small} calls for {SMALL} nodes but "
                                 f"{large} for {LARGE}: more than linear")


@pytest.mark.parametrize("build", SHAPES[:-1], ids=lambda f: f.__name__)
def test_fan_in_and_fan_out_cost_the_order_of_a_chain(build: Callable[[int], Any]) -> None:
    ratio = calls_during_backward(build, LARGE) / calls_during_backward(chain, LARGE)
    assert 0.1 < ratio < 10, f"{build.__name__} costs {ratio:.1f}x a chain of {LARGE} ops"


def test_fan_in_gradients_are_right_at_scale() -> None:
    leaves = _leaves(10_000)
    weights = ad.arange(10_000.0)
    (ad.concatenate(leaves) * weights).sum().backward()
    assert [leaf.grad[0] for leaf in leaves] == [float(i) for i in range(10_000)]
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    ad.concatenate([x] * 10_000).sum().backward()
    assert x.grad.tolist() == [10_000.0, 10_000.0]


def test_vjp_all_needs_a_variadic_op() -> None:
    with pytest.raises(TypeError, match="vjp_all .* needs variadic=True"):
        ad.Op("pair", lambda a, b: a + b, (lambda g, o, a, b: g, lambda g, o, a, b: g),
              vjp_all=lambda g, o, *xs: [g] * len(xs))


def test_the_backward_pass_calls_vjp_all_once_per_node() -> None:
    calls: list[int] = []

    def per_input_vjp(i: int, g: Any, out: Any, *xs: Any) -> Any:
        raise AssertionError("the backward pass asked for one input's VJP")

    def all_vjps(g: Any, out: Any, *xs: Any) -> list[Any]:
        calls.append(len(xs))
        return [g * float(i) for i in range(len(xs))]

    total = ad.Op("total", lambda *a: sum(a), per_input_vjp, variadic=True, vjp_all=all_vjps)
    xs = _leaves(3)
    total(*xs).sum().backward()
    assert calls == [3]
    assert [x.grad.tolist() for x in xs] == [[0.0], [1.0], [2.0]]
