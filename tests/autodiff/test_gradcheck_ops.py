"""gradcheck and gradgradcheck on every op of the catalogue, on inputs its spec draws."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff.testing.opinfo import SPECS


@pytest.mark.parametrize("name", sorted(SPECS))
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_registered_op_passes_gradcheck_and_gradgradcheck(name: str, data: st.DataObject) -> None:
    spec = SPECS[name]
    sample = spec.sample(data)
    xs = [ad.Tensor(a, requires_grad=True) for a in sample.arrays]
    assert ad.gradcheck(sample.call, xs)
    if spec.twice_differentiable:
        assert ad.gradgradcheck(sample.call, xs)
