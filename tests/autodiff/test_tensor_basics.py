"""Tensor attributes, conversions and constructors."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


def test_attributes() -> None:
    t = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="w")
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert t.requires_grad and t.name == "w" and t.grad is None and t.is_leaf
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert len(t) == 2
    assert t._op == "" and t._prev == ()
    y = t * 2.0
    assert y._op == "mul" and y._prev == (t,) and y._inputs == (t, 2.0)


def test_item_numpy_tolist_detach() -> None:
    t = ad.tensor([[2.5]], requires_grad=True)
    assert t.item() == 2.5 and isinstance(t.item(), float)
    with pytest.raises(ValueError, match="item"):
        ad.tensor([1.0, 2.0]).item()
    assert t.numpy() is t.data
    assert t.tolist() == [[2.5]]
    d = (t * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.data, [[5.0]])


def test_repr_shows_data_dtype_and_grad_state() -> None:
    text = repr(ad.tensor([1.0, 2.0], requires_grad=True))
    assert text.startswith("Tensor([1., 2.]") and "requires_grad=True" in text
    assert "float32" in repr(ad.Tensor(np.ones(2, dtype=np.float32)))
    assert "mul" in repr(ad.tensor([1.0], requires_grad=True) * 2.0)


def test_truth_value_of_a_multi_element_tensor_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ad.tensor([1.0, 2.0]))
    assert bool(ad.tensor([1.0]))


def test_constructors() -> None:
    np.testing.assert_array_equal(ad.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(ad.ones((2,)).data, np.ones(2))
    np.testing.assert_array_equal(ad.full((2, 2), 7.0).data, np.full((2, 2), 7.0))
    np.testing.assert_array_equal(ad.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ad.arange(4).data, [0.0, 1.0, 2.0, 3.0])
    assert ad.arange(4).dtype == np.float64
    np.testing.assert_array_equal(ad.arange(1, 2, 0.5).data, [1.0, 1.5])
    assert ad.zeros(2, dtype=np.float32).dtype == np.float32
    assert ad.ones(2, requires_grad=True).requires_grad
    like = ad.Tensor(np.ones((2, 2), dtype=np.float32))
    assert ad.zeros_like(like).dtype == np.float32 and ad.ones_like(like).shape == (2, 2)
    np.testing.assert_array_equal(ad.ones_like(like).data, np.ones((2, 2)))


def test_random_constructors_take_a_generator_a_seed_or_none() -> None:
    np.testing.assert_array_equal(ad.randn(2, 3, rng=0).data,
                                  np.random.default_rng(0).standard_normal((2, 3)))
    np.testing.assert_array_equal(ad.rand(4, rng=np.random.default_rng(1)).data,
                                  np.random.default_rng(1).random(4))
    u = ad.uniform(-2.0, 3.0, (50,), rng=2)
    assert u.shape == (50,) and u.data.min() >= -2.0 and u.data.max() < 3.0
    assert ad.randn(3).shape == (3,)
    assert ad.randn(2, 2, rng=0, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="rng"):
        ad.randn(2, rng="seed")
    with pytest.raises(ValueError, match="negative"):
        ad.zeros(-1)


def test_shape_methods() -> None:
    x = ad.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.reshape(6, 4).shape == (6, 4) and x.reshape((4, -1)).shape == (4, 6)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.transpose(2, 0, 1).shape == (4, 2, 3) and x.permute(1, 2, 0).shape == (3, 4, 2)
    assert x.swapaxes(0, 2).shape == (4, 3, 2)
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.unsqueeze(0).squeeze().shape == (2, 3, 4)
    assert x.unsqueeze(0).squeeze(0).shape == (2, 3, 4)
    assert x.broadcast_to((5, 2, 3, 4)).shape == (5, 2, 3, 4)
    with pytest.raises(ValueError, match="unsqueeze"):
        x.unsqueeze(5)


def test_1d_and_batched_matmul_follow_numpy() -> None:
    rng = np.random.default_rng(0)
    for sa, sb in [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 5)),
                   ((3,), (4, 3, 2)), ((4, 1, 2, 3), (5, 3, 2))]:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        ta, tb = ad.tensor(a, requires_grad=True), ad.tensor(b, requires_grad=True)
        out = ta @ tb
        np.testing.assert_allclose(out.data, a @ b)
        out.backward(np.ones(out.shape))
        assert ta.grad.shape == sa and tb.grad.shape == sb


def test_iteration_unpacking_and_builtin_sum() -> None:
    # regression: without __iter__, Python's fallback iteration stopped only on IndexError and
    # the out-of-range getitem raised ValueError, so `for row in t` and `a, b = t` failed
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first, second = x
    (first * 2.0 + second).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0], [1.0, 1.0]])
    assert [row.shape for row in x] == [(2,), (2,)]
    assert sum(ad.tensor([1.0, 2.0, 3.0])).item() == 6.0
    with pytest.raises(TypeError, match="0-d"):
        iter(ad.tensor(1.0))
