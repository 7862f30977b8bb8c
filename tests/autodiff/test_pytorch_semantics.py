"""Semantics a PyTorch user relies on: dim=/keepdim=, 0-d tensors, IndexError for axes and
indices out of range, var/std without degrees of freedom, clip with min > max, split."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autodiff as ad

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
REDUCTIONS = ["sum", "mean", "var", "std", "max", "min", "prod", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_dim_and_keepdim_are_axis_and_keepdims(name: str) -> None:
    x = ad.tensor(A)
    torch_style = getattr(x, name)(dim=1, keepdim=True)
    numpy_style = getattr(x, name)(axis=1, keepdims=True)
    np.testing.assert_array_equal(torch_style.data, numpy_style.data)
    assert torch_style.shape == (2, 1)
    with pytest.raises(TypeError, match="both axis"):
        getattr(x, name)(axis=1, dim=1)
    with pytest.raises(TypeError, match="both keepdims"):
        getattr(x, name)(axis=1, keepdims=True, keepdim=True)


def test_dim_for_softmax_concatenate_stack_and_split() -> None:
    x = ad.tensor(A)
    np.testing.assert_array_equal(x.softmax(dim=0).data, x.softmax(axis=0).data)
    np.testing.assert_array_equal(x.log_softmax(dim=0).data, x.log_softmax(axis=0).data)
    assert ad.concatenate([x, x], dim=1).shape == (2, 6)
    assert ad.stack([x, x], dim=2).shape == (2, 3, 2)
    assert [p.shape for p in ad.split(x, 3, dim=1)] == [(2, 1)] * 3
    with pytest.raises(TypeError, match="both axis"):
        ad.concatenate([x, x], axis=0, dim=1)
    assert x.unsqueeze(dim=0).squeeze(dim=0).shape == (2, 3)
    with pytest.raises(IndexError, match="out of range"):
        x.unsqueeze(dim=5)
    with pytest.raises(IndexError, match="out of range"):
        x.squeeze(axis=4)


def test_zero_d_tensors_reduce_and_softmax_over_axis_0_or_minus_1() -> None:
    x = ad.tensor(1.5, requires_grad=True)
    assert x.sum(axis=-1).item() == 1.5 and x.prod(axis=0).item() == 1.5
    assert x.softmax().item() == 1.0 and x.log_softmax(dim=0).item() == 0.0
    (x.sum(dim=-1) * 3.0 + x.softmax()).backward()  # softmax of one element is constant
    assert x.grad == 3.0
    with pytest.raises(IndexError, match="axis 1"):
        x.sum(axis=1)


@pytest.mark.parametrize("call", [lambda x: x.sum(axis=2), lambda x: x.max(dim=-3),
                                  lambda x: x.softmax(axis=5), lambda x: x[5],
                                  lambda x: x[:, 7], lambda x: ad.split(x, 1, axis=3)],
                         ids=["sum", "max", "softmax", "index", "second index", "split"])
def test_axes_and_indices_out_of_range_raise_index_error(call) -> None:
    with pytest.raises(IndexError) as info:
        call(ad.tensor(A))
    assert isinstance(info.value, ValueError)  # still the project's OpError too
    assert "(2, 3)" in str(info.value) or "out of range" in str(info.value)


@pytest.mark.parametrize(("name", "data", "ddof", "expected"), [
    ("var", [1.0, 2.0], 2, np.inf), ("var", [3.0], 1, np.nan), ("std", [1.0, 2.0], 3, np.inf),
    ("std", [3.0], 1, np.nan)])
def test_no_degrees_of_freedom_give_nan_or_inf_and_one_warning(name: str, data: list,
                                                                ddof: int,
                                                                expected: float) -> None:
    """numpy and PyTorch warn and return inf (0 < n <= ddof) or NaN (0/0)."""
    x = ad.tensor(data, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(x, name)(ddof=ddof)
    np.testing.assert_equal(out.item(), expected)
    assert len(caught) == 1 and "degrees of freedom" in str(caught[0].message)
    assert caught[0].filename == __file__  # at the user's line, not inside the engine
    out.backward()  # no ZeroDivisionError in backward
    assert not np.all(np.isfinite(x.grad))


def test_clip_with_min_above_max_gives_max_everywhere_and_zero_gradient() -> None:
    x = ad.tensor([-3.0, 0.0, 5.0], requires_grad=True)
    out = x.clip(1.0, -1.0)
    np.testing.assert_array_equal(out.data, np.clip(x.data, 1.0, -1.0))
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_split_of_an_empty_axis_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="axis 0 of shape \\(0, 3\\) is empty"):
        ad.split(ad.tensor(np.zeros((0, 3))), 2)


# ------------------------------------------------------------------ backward's keywords
def test_backward_with_create_graph_leaves_differentiable_grads() -> None:
    """PyTorch: x.grad of x**3 is 3 x**2 and carries a graph; its gradient is 6 x."""
    x = ad.tensor([0.5, -2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, ad.Tensor) and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2)
    (second,) = ad.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.data, 6 * x.data)


def test_backward_with_inputs_accumulates_into_those_only() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    w = ad.tensor([3.0, 4.0], requires_grad=True)
    hidden = x * w
    (hidden * hidden).sum().backward(inputs=[w, hidden])
    assert x.grad is None
    np.testing.assert_allclose(w.grad, 2 * (x.data * w.data) * x.data)
    np.testing.assert_allclose(hidden.grad, 2 * hidden.data)  # an interior node too
    (x * w).sum().backward(inputs=w, retain_graph=True)  # accumulates, as PyTorch's
    np.testing.assert_allclose(w.grad, 2 * (x.data * w.data) * x.data + x.data)
    with pytest.raises(TypeError, match="inputs"):
        (x * w).sum().backward(inputs=[np.ones(2)])


def test_optimizers_step_after_backward_with_create_graph() -> None:
    """A Tensor .grad (create_graph=True) is read by its array, as PyTorch's optimizers do."""
    import nn

    w = ad.tensor([1.0, -2.0], requires_grad=True)
    (w ** 2).sum().backward(create_graph=True)
    nn.optim.SGD([w], lr=0.1).step()
    np.testing.assert_allclose(w.data, [1.0 - 0.2, -2.0 + 0.4])
