"""Every op's VJP against float64 central differences, over hypothesis-drawn shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numeric import check_vjp
from op_cases import CASES

from autodiff.ops import REGISTRY


def test_every_registered_op_has_a_case() -> None:
    missing = sorted(set(REGISTRY) - set(CASES))
    assert not missing, f"ops without a gradient test case: {missing}"
    unknown = sorted(set(CASES) - set(REGISTRY))
    assert not unknown, f"cases for ops that are not registered: {unknown}"


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_vjp_matches_central_differences(name: str, data: st.DataObject) -> None:
    arrays, f = CASES[name](data)
    seed = data.draw(st.integers(0, 2**32 - 1), label="upstream seed")
    check_vjp(f, arrays, seed)
