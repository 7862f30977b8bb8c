"""Under anomaly mode, a backward pass that adds to the ``.grad`` an earlier one left (no
reset in between) warns GradAccumulationWarning; the accumulation itself is kept."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autodiff as ad
import nn


def test_a_second_tensor_backward_without_reset_warns_and_still_accumulates() -> None:
    w = ad.tensor([1.0, 2.0], requires_grad=True, name="w")
    with ad.detect_anomaly():
        (w * 3.0).sum().backward()
        with pytest.warns(ad.GradAccumulationWarning,
                          match=r"1 leaf tensor\(s\) \['w' \(shape \(2,\)\)\].*zero_grad") as rec:
            (w * 3.0).sum().backward()
    assert rec[0].filename == __file__
    np.testing.assert_array_equal(w.grad, [6.0, 6.0])  # doubled, as in PyTorch


@pytest.mark.parametrize("reset", ["none", "zero_grad", "new_array", "zeroed_in_place"])
def test_a_reset_in_between_gives_no_warning(reset: str) -> None:
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    with ad.detect_anomaly():
        (w * 3.0).sum().backward()
        if reset == "none":
            w.grad = None
        elif reset == "zero_grad":
            w.zero_grad()
        elif reset == "new_array":
            w.grad = np.zeros(2)
        else:
            w.grad[...] = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("error", ad.GradAccumulationWarning)
            (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_no_warning_outside_anomaly_mode_or_for_one_backward() -> None:
    w = ad.tensor([1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ad.GradAccumulationWarning)
        (w * 2.0).sum().backward()
        (w * 2.0).sum().backward()  # anomaly mode off: silent
        w.grad = None
        with ad.detect_anomaly():
            (w * w * 2.0).sum().backward()  # one pass, w used twice: one store
    assert w.grad.tolist() == [4.0]


def test_backward_with_inputs_and_model_training_loop() -> None:
    w = ad.tensor([1.0], requires_grad=True)
    with ad.detect_anomaly():
        (w * 2.0).sum().backward(inputs=[w])
        with pytest.warns(ad.GradAccumulationWarning):
            (w * 2.0).sum().backward(inputs=[w])
    model = nn.Linear(2, 1, rng=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    x = ad.tensor(np.ones((3, 2)))
    with ad.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", ad.GradAccumulationWarning)
        for _ in range(3):  # the right loop: no warning
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
    with ad.detect_anomaly(), pytest.warns(ad.GradAccumulationWarning, match="2 leaf"):
        model(x).sum().backward()  # forgot zero_grad: weight and bias


def test_value_backward_twice_without_reset_warns() -> None:
    a, b = ad.Value(2.0, label="a"), ad.Value(3.0)
    with ad.detect_anomaly():
        (a * b).backward()
        with pytest.warns(ad.GradAccumulationWarning, match=r"2 leaf Value\(s\).*'a'"
                                                            r".*v\.grad = 0\.0"):
            (a * b).backward()
        assert a.grad == 6.0 and b.grad == 4.0
        a.grad = b.grad = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("error", ad.GradAccumulationWarning)
            (a * b).backward()
            mlp = nn.MLP(2, [2, 1], rng=0)
            mlp.zero_grad()
            mlp([1.0, 2.0]).backward()
            mlp.zero_grad()
            mlp([1.0, 2.0]).backward()
    assert a.grad == 3.0


def test_exported() -> None:
    assert issubclass(ad.GradAccumulationWarning, UserWarning)
    assert "GradAccumulationWarning" in ad.__all__
