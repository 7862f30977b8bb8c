"""max_pool2d where padding meets windows of -inf, and on integer input with padding."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from nn.functional import max_pool2d

INF = np.inf


def _reference(x: np.ndarray, k: int, stride: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-window loop over the real entries only: the maximum and the first argmax."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    grad = np.zeros(x.shape)
    for b, ch, i, j in np.ndindex(n, c, oh, ow):
        cells = [(r, q) for r in range(i * stride - pad, i * stride - pad + k)
                 for q in range(j * stride - pad, j * stride - pad + k)
                 if 0 <= r < h and 0 <= q < w]
        values = [x[b, ch, r, q] for r, q in cells]
        first = int(np.argmax(values))
        out[b, ch, i, j] = values[first]
        grad[(b, ch, *cells[first])] += 1.0
    return out, grad


@pytest.mark.parametrize("data", [
    [[[[-INF, 5.0], [7.0, 9.0]]]],
    [[[[-INF, -INF], [-INF, 2.0]]]],
    [[[[-INF, -INF, -INF], [-INF, -INF, -INF], [1.0, -INF, 3.0]]]],
])
def test_windows_of_minus_inf_beside_padding_take_a_real_entry(data: list) -> None:
    x = ad.tensor(np.array(data), requires_grad=True)
    out = max_pool2d(x, 2, stride=1, padding=1)
    expected, grad = _reference(x.data, 2, 1, 1)
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, grad)


def test_the_issues_example_gives_minus_inf_and_its_gradient_stays_in_place() -> None:
    x = ad.tensor([[[[-INF, 5.0], [7.0, 9.0]]]], requires_grad=True)
    out = max_pool2d(x, 2, stride=1, padding=1)
    assert out.data[0, 0, 0, 0] == -INF
    out[0, 0, 0, 0].backward()
    np.testing.assert_array_equal(x.grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_input_with_padding(dtype: type) -> None:
    data = np.random.default_rng(0).integers(0, 2 if dtype is np.bool_ else 100,
                                             (2, 3, 5, 4)).astype(dtype)
    out = max_pool2d(ad.Tensor(data), 3, stride=2, padding=1)
    expected, _ = _reference(data, 3, 2, 1)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, expected)
