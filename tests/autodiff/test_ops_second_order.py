"""Gradients of gradients (``ad.grad(create_graph=True)``) against central differences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numeric import check_second_order

from autodiff.testing.opinfo import SPECS, differentiable_specs

#: Every twice-differentiable op, checked away from its kinks; piecewise-linear ones
#: (relu, abs, clip, max, ...) must give a zero second derivative there, through the same path.
TWICE = [n for n in differentiable_specs() if SPECS[n].twice_differentiable]


@pytest.mark.parametrize("name", TWICE)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_second_derivative_matches_central_differences(name: str, data: st.DataObject) -> None:
    sample = SPECS[name].sample(data)
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    check_second_order(sample.call, sample.arrays, seed)
