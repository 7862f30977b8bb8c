"""dtype rules: numbers become float64, float32 stays float32 (grads too), numpy promotion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff.testing.opinfo import SPECS, differentiable_specs


def test_numbers_and_lists_become_float64() -> None:
    assert ad.tensor(3).dtype == np.float64
    assert ad.tensor([1, 2]).dtype == np.float64
    assert ad.tensor([[1.5, 2.0]]).dtype == np.float64
    assert ad.Tensor(2.5).dtype == np.float64


def test_arrays_keep_their_dtype() -> None:
    assert ad.Tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert ad.tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert ad.Tensor(np.arange(3)).dtype.kind == "i"
    assert ad.tensor([1, 2], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "data", [np.arange(3), np.array([True, False]), np.arange(3, dtype=np.uint8)])
def test_integer_and_bool_tensors_cannot_require_grad(data: np.ndarray) -> None:
    with pytest.raises(TypeError, match="floating-point"):
        ad.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        ad.Tensor(data).requires_grad_()
    with pytest.raises(TypeError):
        ad.tensor(data, requires_grad=True)


def test_non_numeric_data_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ad.tensor("abc")
    with pytest.raises(TypeError):
        ad.Tensor(None)


@pytest.mark.parametrize("name", differentiable_specs())
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_float32_stays_float32_and_so_do_its_grads(name: str, data: st.DataObject) -> None:
    sample = SPECS[name].sample(data)
    arrays, f = sample.arrays, sample.call
    xs32 = [ad.Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    xs64 = [ad.Tensor(a.astype(np.float32).astype(np.float64), requires_grad=True)
            for a in arrays]
    out32, out64 = f(*xs32), f(*xs64)
    if name != "astype":  # the astype case casts to float64 on purpose
        assert out32.dtype == np.float32, f"{name}: result is {out32.dtype}"
    u = np.random.default_rng(0).standard_normal(out32.shape)
    out32.backward(u.astype(out32.dtype))
    out64.backward(u)
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-4, atol=1e-4)
    for x32, x64 in zip(xs32, xs64):
        assert x32.grad is not None and x32.grad.dtype == np.float32
        scale = max(1.0, float(np.abs(x64.grad).max(initial=0.0)))
        np.testing.assert_allclose(x32.grad, x64.grad, rtol=1e-3, atol=1e-3 * scale)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a ** b,
    "maximum": ad.maximum,
    "minimum": ad.minimum,
}


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("other", [2, 1.5, np.float64(1.5), np.array([1.5, 2.5, 0.5])])
@pytest.mark.parametrize("side", ["left", "right"])
def test_python_scalars_and_arrays_on_either_side(op: str, other: object, side: str) -> None:
    fn = BINARY[op]
    x = ad.tensor([0.5, 1.25, 2.0], requires_grad=True)
    out = fn(x, other) if side == "right" else fn(other, x)
    assert isinstance(out, ad.Tensor)
    plain = {"maximum": np.maximum, "minimum": np.minimum}.get(op)
    a, b = (x.data, np.asarray(other)) if side == "right" else (np.asarray(other), x.data)
    expected = plain(a, b) if plain else fn(a, b)
    np.testing.assert_allclose(out.data, expected)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == (3,)


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("other", [2, 0.5])
def test_python_scalars_keep_float32(op: str, other: float) -> None:
    x = ad.Tensor(np.array([0.5, 1.25, 2.0], dtype=np.float32), requires_grad=True)
    for out in (BINARY[op](x, other), BINARY[op](other, x)):
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32


def test_matmul_with_arrays_on_either_side() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = ad.tensor(np.ones((3, 2)), requires_grad=True)
    np.testing.assert_allclose((a @ x).data, a @ np.ones((3, 2)))
    np.testing.assert_allclose((x @ a).data, np.ones((3, 2)) @ a)
    (a @ x).sum().backward()
    np.testing.assert_allclose(x.grad, a.sum(axis=0)[:, None] * np.ones((1, 2)))


def test_numpy_promotion_float32_with_float64_array() -> None:
    x = ad.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    out = x * np.array([1.0, 2.0, 3.0])
    assert out.dtype == np.float64
    out.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [1.0, 2.0, 3.0])


def test_int_tensor_mixed_with_float_tensor() -> None:
    i = ad.Tensor(np.array([1, 2, 3]))
    x = ad.tensor([1.0, 1.0, 1.0], requires_grad=True)
    out = (i * x).sum()
    assert out.requires_grad
    out.backward()
    np.testing.assert_allclose(x.grad, [1.0, 2.0, 3.0])
    assert i.grad is None


def test_astype_casts_the_gradient_back() -> None:
    x = ad.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 4.0])


def test_comparisons_give_bool_tensors_without_grad() -> None:
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out in (x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2, 2 < x, np.ones(3) == x):
        assert isinstance(out, ad.Tensor)
        assert out.dtype == np.bool_
        assert not out.requires_grad
    np.testing.assert_array_equal((x == 2).data, [False, True, False])


def test_tensor_equality_is_elementwise_so_use_is_for_membership() -> None:
    a, b = ad.tensor([1.0, 2.0]), ad.tensor([1.0, 2.0])
    assert a in [a]  # identity is checked first
    with pytest.raises(ValueError, match="ambiguous"):
        _ = a in [b]  # == gives a bool Tensor of two elements: no truth value
    assert any(t is a for t in [b, a])
    assert hash(a) != hash(b)


@pytest.mark.parametrize("name", differentiable_specs())
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_float32_gradients_stay_float32_through_grad_and_second_order(
        name: str, data: st.DataObject) -> None:
    """``ad.grad`` returns what the VJPs make (``backward`` casts, ``grad`` does not):
    every op's first and second derivatives of float32 inputs must be float32."""
    sample = SPECS[name].sample(data)
    xs = [ad.Tensor(a.astype(np.float32), requires_grad=True) for a in sample.arrays]
    out = sample.call(*xs)
    if out.dtype != np.float32:  # the astype case casts to float64 on purpose
        return
    u = ad.Tensor(np.random.default_rng(0).standard_normal(out.shape).astype(np.float32))
    firsts = ad.grad(out, xs, grad_outputs=u, create_graph=True, allow_unused=True)
    for g in firsts:
        assert g is None or g.dtype == np.float32, f"{name}: first derivative {g.dtype}"
    terms = [(g * g).sum() for g in firsts if g is not None and g.requires_grad]
    if not terms or not SPECS[name].twice_differentiable:
        return
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    for h in ad.grad(total, xs, allow_unused=True):
        assert h is None or h.dtype == np.float32, f"{name}: second derivative {h.dtype}"
