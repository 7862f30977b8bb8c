"""Indexing (ints, slices, Ellipsis, None, masks, integer arrays), joins, split and pad."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

A = np.arange(24.0).reshape(2, 3, 4)


def grad_through(index) -> tuple[np.ndarray, np.ndarray]:
    """The indexed values and the gradient of their weighted sum (weights 1, 2, 3, ...)."""
    x = ad.tensor(A, requires_grad=True)
    y = x[index]
    w = np.arange(1.0, y.size + 1).reshape(y.shape)
    (y * w).sum().backward()
    return y.data, x.grad


def scattered(index) -> np.ndarray:
    """The expected gradient, built with np.add.at (repeated indices accumulate)."""
    expected = np.zeros_like(A)
    picked = A[index]
    np.add.at(expected, index, np.arange(1.0, picked.size + 1).reshape(picked.shape))
    return expected


@pytest.mark.parametrize("index", [
    1, -1, (0, 2), (1, -1, 3),
    slice(None), slice(0, 1), (slice(None), slice(1, None, 2)), (slice(None, None, -1), 0),
    Ellipsis, (Ellipsis, 1), (0, Ellipsis, slice(0, 2)),
    None, (None, 0), (slice(None), None, 1),
    A > 10, (A[:, :, 0] > 3), (np.array([True, False]), 1),
    np.array([0, 0, 1]), (np.array([1, 1, 0]), np.array([2, 2, 0])),
    (slice(None), np.array([2, 0, 2, 2])), (Ellipsis, np.array([[3, 3], [0, 3]])),
    (np.array([0, 1]), slice(None), np.array([1, 1])),
], ids=repr)
def test_getitem_values_and_gradient(index) -> None:
    values, grad = grad_through(index)
    np.testing.assert_array_equal(values, A[index])
    np.testing.assert_array_equal(grad, scattered(index))


def test_repeated_indices_accumulate() -> None:
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_lists_and_int_tensors_index_like_arrays() -> None:
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[2, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(x[ad.Tensor(np.array([1, 0]))].data, [2.0, 1.0])
    np.testing.assert_array_equal(x[x > 1.5].data, [2.0, 3.0])  # a bool Tensor as a mask


def test_index_out_of_range_is_a_value_error_naming_the_op() -> None:
    with pytest.raises(ValueError, match="getitem"):
        ad.tensor([1.0, 2.0])[np.array([0, 5])]


def test_concatenate_values_gradients_and_errors() -> None:
    a = ad.tensor(np.ones((2, 2)), requires_grad=True)
    b = ad.tensor(np.full((2, 3), 2.0), requires_grad=True)
    c = ad.concatenate([a, b], axis=-1)
    np.testing.assert_array_equal(c.data, np.concatenate([a.data, b.data], axis=1))
    w = np.arange(10.0).reshape(2, 5)
    (c * w).sum().backward()
    np.testing.assert_array_equal(a.grad, w[:, :2])
    np.testing.assert_array_equal(b.grad, w[:, 2:])
    mixed = ad.concatenate([a, np.zeros((1, 2))])  # constants may join in
    assert mixed.shape == (3, 2) and mixed.requires_grad
    with pytest.raises(ValueError, match="concatenate"):
        ad.concatenate([])


def test_stack_values_gradients_and_errors() -> None:
    a = ad.tensor([1.0, 2.0], requires_grad=True)
    b = ad.tensor([3.0, 4.0], requires_grad=True)
    s = ad.stack([a, b], axis=1)
    np.testing.assert_array_equal(s.data, [[1.0, 3.0], [2.0, 4.0]])
    (s * np.array([[1.0, 10.0], [2.0, 20.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad, [10.0, 20.0])
    with pytest.raises(ValueError, match="stack"):
        ad.stack([])


def test_split_into_sections_and_at_indices() -> None:
    x = ad.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    pieces = ad.split(x, 3)
    assert [p.shape for p in pieces] == [(2, 2)] * 3
    at = ad.split(x, [1, 4], axis=0)
    assert [p.shape for p in at] == [(1, 2), (3, 2), (2, 2)]
    np.testing.assert_array_equal(at[1].data, x.data[1:4])
    (pieces[0].sum() + 2 * pieces[2].sum() + 3 * at[1].sum()).backward()
    np.testing.assert_array_equal(x.grad[:, 0], [1, 4, 3, 3, 2, 2])
    cols = ad.split(x, 2, axis=1)
    np.testing.assert_array_equal(ad.concatenate(cols, axis=1).data, x.data)
    with pytest.raises(ValueError, match="split"):
        ad.split(x, 4)


def test_pad_values_and_gradient() -> None:
    x = ad.tensor(np.ones((2, 3)), requires_grad=True)
    p = ad.pad(x, ((1, 0), (2, 1)), value=-1.0)
    np.testing.assert_array_equal(p.data, np.pad(x.data, ((1, 0), (2, 1)), constant_values=-1.0))
    w = np.arange(p.size, dtype=float).reshape(p.shape)
    (p * w).sum().backward()
    np.testing.assert_array_equal(x.grad, w[1:, 2:5])
    assert ad.pad(x, 1).shape == (4, 5)
