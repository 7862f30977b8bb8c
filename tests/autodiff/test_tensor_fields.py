"""Tensor's fields are set in two places (``tensor.fill_node`` and, inline for speed,
``Op.__call__``): both must set every slot, the same way for a constant result."""

from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff.tensor import Tensor

SLOTS = [s for s in Tensor.__slots__ if s != "__weakref__"]


def _fields(t: Tensor) -> dict[str, object]:
    return {s: getattr(t, s) for s in SLOTS}  # AttributeError for a slot never set


def test_op_results_and_leaves_set_every_slot() -> None:
    leaf = ad.tensor([1.0, 2.0], requires_grad=True)
    recorded = ad.ops.mul(leaf, 2.0)
    with ad.no_grad():
        constant = ad.ops.mul(leaf, 2.0)
    fields = [_fields(t) for t in (leaf, recorded, constant)]
    assert all(set(f) == set(SLOTS) for f in fields)
    assert recorded._fn is ad.ops.mul and recorded.requires_grad
    assert recorded._inputs == (leaf, 2.0)


def test_a_constant_op_result_matches_a_new_tensor_field_by_field() -> None:
    with ad.no_grad():
        result = ad.ops.exp(ad.tensor([0.0, 1.0]))
    fresh = Tensor(result.data)
    for slot in SLOTS:
        got, want = getattr(result, slot), getattr(fresh, slot)
        if isinstance(want, np.ndarray):
            assert got is want
        else:
            assert got == want, slot
