"""Every op's VJP against float64 central differences, over hypothesis-drawn shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numeric import check_vjp

from autodiff.testing.opinfo import SPECS, catalogue_gaps, differentiable_specs


def test_every_registered_op_has_a_spec() -> None:
    missing, unknown = catalogue_gaps()
    assert not missing, f"ops without a catalogue spec (autodiff/testing/opinfo): {missing}"
    assert not unknown, f"specs for ops that are not registered: {unknown}"


@pytest.mark.parametrize("name", differentiable_specs())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_vjp_matches_central_differences(name: str, data: st.DataObject) -> None:
    sample = SPECS[name].sample(data)
    seed = data.draw(st.integers(0, 2**32 - 1), label="upstream seed")
    check_vjp(sample.call, sample.arrays, seed)
