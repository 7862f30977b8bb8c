"""Composite expressions over broadcast shapes, checked with the shipped ``autodiff.testing``."""

from __future__ import annotations

from hypothesis import given, settings

import autodiff as ad
from autodiff import testing as adt


def layer(a: ad.Tensor, b: ad.Tensor) -> ad.Tensor:
    """A smooth mix of broadcasting arithmetic, transcendental ops and a reduction."""
    mixed = (a * b).tanh() + a.exp() / (1.0 + b * b) - (a - b).sigmoid() * a.sin()
    return mixed.logsumexp(axis=-1) if mixed.ndim else mixed


@settings(max_examples=25, deadline=None)
@given(ab=adt.broadcastable_tensors(2, elements=(-2, 2), max_side=3))
def test_composite_gradients_first_and_second_order(ab: tuple[ad.Tensor, ad.Tensor]) -> None:
    adt.assert_grad_close(layer, list(ab), second_order=True)


@settings(max_examples=15, deadline=None)
@given(xs=adt.broadcastable_tensors(3, elements=(0.5, 2), max_side=3))
def test_composite_of_three_broadcast_inputs(xs: tuple[ad.Tensor, ...]) -> None:
    def f(x: ad.Tensor, y: ad.Tensor, z: ad.Tensor) -> ad.Tensor:
        return ((x ** y).log1p() * z.sqrt() + ad.maximum(x, 0.25) * z).mean()

    adt.assert_grad_close(f, list(xs), second_order=True)
