"""Code ported from micrograd or PyTorch runs as written: their keywords are accepted."""

from __future__ import annotations

import numpy as np

import autodiff as ad
import nn


def test_micrograd_nonlin_keyword_chooses_relu_or_linear() -> None:
    linear = nn.Neuron(3, nonlin=False, rng=0)
    relu = nn.Neuron(3, nonlin=True, rng=0)
    x = [ad.Value(-1.0), ad.Value(-2.0), ad.Value(-3.0)]
    z = sum((w * xi for w, xi in zip(linear.w, x)), linear.b)
    assert linear(x).data == z.data  # no activation
    assert relu(x).data == max(z.data, 0.0)
    assert nn.Layer(2, 3, nonlin=False, rng=0).neurons[0].activation == "linear"


def test_relu_accepts_pytorchs_inplace_flag_and_changes_nothing_in_place() -> None:
    data = np.array([-1.0, 2.0])
    x = ad.tensor(data.copy())
    out = nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(out.data, [0.0, 2.0])
    np.testing.assert_array_equal(x.data, data)  # the input is untouched
