"""Cross-entropy and NLL with reduction="mean" when every target is ignored."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from nn.functional import cross_entropy, nll_loss

WEIGHT = {"weight": np.array([1.0, 2.0, 0.5])}
CASES = {"cross_entropy": (cross_entropy, {}), "cross_entropy, weight": (cross_entropy, WEIGHT),
         "cross_entropy, smoothing": (cross_entropy, {"label_smoothing": 0.1}),
         "nll_loss": (nll_loss, {}), "nll_loss, weight": (nll_loss, WEIGHT)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_all_ignored_gives_nan_loss_and_zero_gradient(case: str) -> None:
    """PyTorch: the loss is NaN (0/0) and the gradient is 0."""
    loss, options = CASES[case]
    z = ad.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    out = loss(z, np.full(4, -100), **options)
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(z.grad, np.zeros((4, 3)))


def test_some_ignored_still_divides_by_the_kept_weight() -> None:
    logits = np.random.default_rng(1).standard_normal((4, 3))
    target = np.array([0, -100, 2, 1])
    z = ad.tensor(logits, requires_grad=True)
    out = cross_entropy(z, target)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    kept = [0, 2, 3]
    np.testing.assert_allclose(out.item(), -logp[kept, target[kept]].mean(), rtol=1e-12)
