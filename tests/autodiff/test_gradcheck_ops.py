"""gradcheck and gradgradcheck on every op of the catalogue: its fixed examples and draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff.testing.opinfo import SPECS, differentiable_specs
from autodiff.testing.spec import Sample

EXAMPLES = [(name, label) for name in differentiable_specs() for label in SPECS[name].examples]


def _check(name: str, sample: Sample) -> None:
    xs = [ad.Tensor(a, requires_grad=True) for a in sample.arrays]
    assert ad.gradcheck(sample.call, xs)
    if SPECS[name].twice_differentiable:
        assert ad.gradgradcheck(sample.call, xs)


@pytest.mark.parametrize("name", differentiable_specs())
@settings(max_examples=4, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_registered_op_passes_gradcheck_and_gradgradcheck(name: str, data: st.DataObject) -> None:
    _check(name, SPECS[name].sample(data))


@pytest.mark.parametrize(("name", "label"), EXAMPLES, ids=[f"{n}[{lab}]" for n, lab in EXAMPLES])
def test_fixed_examples_pass_gradcheck_and_gradgradcheck(name: str, label: str) -> None:
    rng = np.random.default_rng(sum(map(ord, name + label)))
    _check(name, SPECS[name].examples[label](rng))
