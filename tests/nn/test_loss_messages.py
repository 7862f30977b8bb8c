"""The messages of three common mistakes: passing ``model.parameters`` uncalled, integer
one-hot targets to cross-entropy, and a loss called as ``loss_fn(target, prediction)``."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn

ORDER = r"loss_fn\(prediction, target\)"


def _logits() -> ad.Tensor:
    return ad.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)


def test_sgd_given_the_parameters_method_says_to_call_it() -> None:
    model = nn.Linear(2, 1, rng=0)
    with pytest.raises(TypeError, match=r"call it: model\.parameters\(\)"):
        nn.optim.SGD(model.parameters, lr=0.1)
    with pytest.raises(TypeError, match=r"call it: model\.parameters\(\)"):
        nn.optim.Adam(model.parameters)


def test_integer_one_hot_targets_are_named_with_the_two_fixes() -> None:
    y = np.eye(3, dtype=np.int64)[[0, 2, 1, 1]]
    for loss in (nn.CrossEntropyLoss(), nn.NLLLoss()):
        with pytest.raises(ValueError, match=r"shape \(4, 3\), the input's shape, looks like "
                                             r"one-hot.*y\.argmax\(1\).*float"):
            loss(_logits(), y)
    # the two fixes the message names both work
    a = nn.CrossEntropyLoss()(_logits(), y.argmax(1))
    b = nn.CrossEntropyLoss()(_logits(), y.astype(float))
    assert np.isclose(a.item(), b.item())


def test_class_indices_as_input_and_logits_as_target_name_the_order() -> None:
    y = np.array([0, 2, 1, 1])
    with pytest.raises(TypeError, match=r"input has dtype int64.*float logits.*look swapped.*"
                                        + ORDER):
        nn.CrossEntropyLoss()(y, _logits())
    with pytest.raises(TypeError, match="input has dtype int64.*" + ORDER):
        nn.functional.nll_loss(y, _logits())
    labels = np.array([[0], [1], [1], [0]])
    probs = ad.tensor(np.full((4, 1), 0.3), requires_grad=True)
    with pytest.raises(TypeError, match="float probabilities.*" + ORDER):
        nn.BCELoss()(labels, probs)
    with pytest.raises(TypeError, match="float logits.*" + ORDER):
        nn.BCEWithLogitsLoss()(labels, probs)


def test_a_target_that_requires_grad_against_a_constant_input_names_the_order() -> None:
    soft = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match="target requires grad but the input does not.*"
                                         + ORDER):
        nn.CrossEntropyLoss()(soft, _logits())
    p = ad.tensor(np.full((4, 1), 0.3), requires_grad=True)
    with pytest.raises(ValueError, match=ORDER):
        nn.BCELoss()(np.full((4, 1), 1.0), p)
    with pytest.raises(ValueError, match=ORDER):
        nn.BCEWithLogitsLoss()(np.zeros((4, 1)), p)


def test_the_right_order_and_symmetric_losses_still_work() -> None:
    z = _logits()
    teacher = ad.tensor(np.full((4, 3), 1 / 3), requires_grad=True)
    nn.CrossEntropyLoss()(z, teacher).backward()  # both require grad: allowed
    assert z.grad is not None and teacher.grad is not None
    pred = ad.tensor(np.ones(3), requires_grad=True)
    assert nn.MSELoss()(np.zeros(3), pred).item() == nn.MSELoss()(pred, np.zeros(3)).item()
