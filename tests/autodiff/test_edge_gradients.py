"""Gradients at the edges of a function's domain, where an unmasked formula gives NaN.

Each case failed before its fix: the value PyTorch gives (and the reason) is in the test.
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

# ------------------------------------------------------------------ std at zero spread
ZERO_SPREAD = {
    "constant slice": (np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]), {"axis": 1}),
    "length-1 axis": (np.array([[1.0], [3.0]]), {"axis": 1}),
    "batch of one": (np.array([[1.0, 5.0]]), {"axis": 0}),
    "0-d tensor": (np.array(3.0), {}),
}


@pytest.mark.parametrize("case", sorted(ZERO_SPREAD))
def test_std_gradient_is_zero_where_the_spread_is_zero(case: str) -> None:
    """PyTorch masks g / (2 std) where std == 0: the gradient there is 0, not NaN."""
    data, kw = ZERO_SPREAD[case]
    x = ad.tensor(data, requires_grad=True)
    std = x.std(**kw)
    (g,) = ad.grad(std.sum(), x, create_graph=True)
    zero = np.broadcast_to(np.std(data, keepdims=True, **kw) == 0, data.shape)
    assert np.all(np.isfinite(g.data))
    np.testing.assert_array_equal(g.data[zero], 0.0)
    (h,) = ad.grad((g * g).sum() + g.sum(), x, allow_unused=True)
    assert h is not None and np.all(np.isfinite(h.data))
    np.testing.assert_array_equal(h.data[zero], 0.0)


def test_std_gradient_elsewhere_is_the_closed_form() -> None:
    data = np.array([1.0, 2.0, 4.0])
    x = ad.tensor(data, requires_grad=True)
    x.std(ddof=1).backward()
    expected = (data - data.mean()) / ((data.size - 1) * data.std(ddof=1))
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


# ------------------------------------------------------------------ d/dy 0 ** y
def _zero_base_cases() -> list[tuple[str, object]]:
    return [("Tensor base", ad.tensor([0.0, 2.0])), ("array base", np.array([0.0, 2.0])),
            ("number base", 0.0)]


@pytest.mark.parametrize(("label", "base"), _zero_base_cases(), ids=[c[0] for c in
                                                                      _zero_base_cases()])
def test_exponent_derivative_of_zero_base_is_zero_on_every_pass(label: str,
                                                                base: object) -> None:
    """d/dy 0**y = 0 for y >= 0 (PyTorch); the second pass and jvp must not form 0 * -inf."""
    y = ad.tensor([1.5, 1.5], requires_grad=True)
    (g,) = ad.grad((base ** y).sum(), y, create_graph=True)
    (h,) = ad.grad(g.sum(), y)
    _, jv = ad.jvp(lambda t: (base ** t).sum(), y, ad.tensor([1.0, 1.0]))
    b = np.broadcast_to(np.asarray(base.data if isinstance(base, ad.Tensor) else base), (2,))
    with np.errstate(divide="ignore"):
        log_b = np.where(b == 0, 0.0, np.log(np.where(b == 0, 1.0, b)))
    np.testing.assert_allclose(g.data, b ** 1.5 * log_b, rtol=1e-12)
    np.testing.assert_allclose(h.data, b ** 1.5 * log_b ** 2, rtol=1e-12)
    np.testing.assert_allclose(jv.data, np.sum(b ** 1.5 * log_b), rtol=1e-12)


# ------------------------------------------------------------------ clip with array bounds
def test_clip_with_bounds_that_broadcast_the_input_to_a_larger_shape() -> None:
    """x (3,) clipped by bounds (2, 3): the result is (2, 3), the gradient sums back to (3,)."""
    data = np.array([-1.0, 0.5, 2.0])
    lo = np.array([[-2.0, 0.0, 0.0], [0.0, 1.0, -3.0]])
    x = ad.tensor(data, requires_grad=True)
    out = x.clip(lo, 1.5)
    assert out.shape == (2, 3)
    out.sum().backward()
    inside = (data >= lo) & (data <= 1.5)
    np.testing.assert_array_equal(x.grad, inside.sum(axis=0))
