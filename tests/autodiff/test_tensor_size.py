"""``Tensor.size``: numpy's element count (an int) that is also PyTorch's ``size()`` call."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad


def test_size_call_gives_the_shape_and_one_axis() -> None:
    t = ad.zeros((2, 3, 4))
    assert t.size() == (2, 3, 4)
    assert t.size(0) == 2 and t.size(1) == 3 and t.size(2) == 4
    assert t.size(-1) == 4 and t.size(-3) == 2
    assert t.size(np.int64(1)) == 3


def test_size_stays_numpys_element_count() -> None:
    t = ad.zeros((2, 3))
    assert t.size == 6 and t.size * 2 == 12 and t.size + 1 == 7 and int(t.size) == 6
    assert list(range(t.size)) == list(range(6))
    assert f"{t.size:>3}" == "  6" and repr(t.size) == "6" and str(t.size) == "6"
    assert isinstance(t.size, int) and hash(t.size) == hash(6)
    assert pickle.loads(pickle.dumps(t.size)) == 6
    assert np.size(t) == 6 and np.size(t, 1) == 3


def test_numel_and_dim() -> None:
    t = ad.ones((2, 5))
    assert t.numel() == 10 and t.dim() == 2
    s = ad.tensor(3.0)
    assert s.numel() == 1 and s.dim() == 0 and s.size() == () and s.size == 1


@pytest.mark.parametrize("dim", [3, -4, 10])
def test_size_out_of_range_names_the_dim_and_ndim(dim: int) -> None:
    with pytest.raises(IndexError, match=rf"dim {dim} is out of range .*ndim=3.*\[-3, 2\]"):
        ad.zeros((2, 3, 4)).size(dim)


def test_size_of_a_0d_tensor_has_no_axes() -> None:
    with pytest.raises(IndexError, match="ndim=0"):
        ad.tensor(1.0).size(0)


def test_size_dim_must_be_an_int() -> None:
    with pytest.raises(TypeError, match="dim must be an int"):
        ad.zeros((2, 3)).size(1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=4), st.data())
def test_size_agrees_with_numpy(shape: list[int], data: st.DataObject) -> None:
    a = np.zeros(shape)
    t = ad.Tensor(a)
    assert t.size == a.size == t.numel() and t.size() == a.shape and t.dim() == a.ndim
    if shape:
        d = data.draw(st.integers(-len(shape), len(shape) - 1))
        assert t.size(d) == a.shape[d]
