"""Tensor layers: outputs against closed forms, gradients against float64 central differences,
train/eval semantics of BatchNorm1d and Dropout, PReLU's slope learning, clear errors."""

import math
from collections import OrderedDict

import numpy as np
import pytest
from nn_numeric import numgrad

import autodiff as ad
import nn
from nn import functional as F
from nn.layers import (
    BatchNorm1d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    LogSoftmax,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)


def check_grads(module_or_fn, x, params=(), seed=0, atol=1e-6):
    """Backprop sum(out * r) for a random r and compare every gradient with central differences."""
    r = np.random.default_rng(seed).normal(size=module_or_fn(x).shape)

    def loss():
        with ad.no_grad():
            return float((module_or_fn(x).data * r).sum())

    for p in (x, *params):
        p.grad = None
    (module_or_fn(x) * r).sum().backward()
    for p in (x, *params):
        np.testing.assert_allclose(p.grad, numgrad(loss, p.data), atol=atol, rtol=1e-5)


def rand(*shape, seed=0, grad=True):
    return ad.Tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=grad)


# ------------------------------------------------------------------------------ Linear
def test_linear_output_and_closed_form_gradients():
    lin = Linear(3, 2, rng=0)
    x = rand(4, 3)
    y = lin(x)
    W, b = lin.weight.data, lin.bias.data
    np.testing.assert_allclose(y.data, x.data @ W.T + b)
    g = np.random.default_rng(1).normal(size=(4, 2))
    y.backward(g)
    np.testing.assert_allclose(lin.weight.grad, g.T @ x.data)
    np.testing.assert_allclose(lin.bias.grad, g.sum(0))
    np.testing.assert_allclose(x.grad, g @ W)


def test_linear_batched_input_and_no_bias():
    lin = Linear(3, 5, bias=False, rng=0)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    x = rand(2, 4, 3)
    assert lin(x).shape == (2, 4, 5)
    check_grads(lin, x, [lin.weight])


def test_linear_default_init_matches_pytorch_bounds():
    lin = Linear(400, 300, rng=0)
    bound = 1 / math.sqrt(400)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    assert lin.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.array_equal(Linear(4, 3, rng=5).weight.data, Linear(4, 3, rng=5).weight.data)
    assert lin.weight.shape == (300, 400)  # PyTorch layout (out_features, in_features)


def test_linear_wrong_input_features_names_in_features():
    lin = Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"in_features=3.*\(4, 5\)"):
        lin(rand(4, 5))
    with pytest.raises(ValueError, match="positive int"):
        Linear(0, 2)


# ------------------------------------------------------------------------------ Sequential
def test_sequential_names_order_indexing():
    model = Sequential(Linear(2, 4, rng=0), ReLU(), Linear(4, 1, rng=1))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    assert len(model) == 3 and isinstance(model[1], ReLU) and isinstance(model[-1], Linear)
    x = rand(5, 2)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).data, expected.data)
    assert len(model[:2]) == 2
    model.append(Sigmoid())
    assert len(model) == 4 and model(x).data.max() < 1
    named = Sequential(OrderedDict([("fc", Linear(2, 3, rng=0)), ("act", Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(TypeError, match="Module"):
        Sequential(Linear(2, 2), "relu")
    with pytest.raises(IndexError, match="out of range"):
        model[10]


# ------------------------------------------------------------------------------ activations
@pytest.mark.parametrize(
    "layer, fn",
    [
        (ReLU(), lambda x: np.maximum(x, 0)),
        (LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
        (LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
        (Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (Tanh(), np.tanh),
        (Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
        (Softmax(dim=0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
        (LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    ],
)
def test_activation_outputs_and_gradients(layer, fn):
    x = rand(4, 5, seed=3)
    np.testing.assert_allclose(layer(x).data, fn(x.data), rtol=1e-12, atol=1e-14)
    check_grads(layer, x)


def test_activations_finite_at_extreme_inputs():
    x = ad.tensor([[-1000.0, 0.0, 1000.0]], requires_grad=True)
    for layer in (Sigmoid(), Tanh(), Softmax(), LogSoftmax()):
        x.grad = None
        y = layer(x)
        (y * np.array([1.0, 2.0, 3.0])).sum().backward()
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(LogSoftmax()(x).data, [[-2000.0, -1000.0, 0.0]])


def test_relu_gradient_at_zero_is_zero():
    x = ad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    ReLU()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_leaky_and_parametric_relu_take_the_slope_at_zero():
    # PyTorch: d/dx = 1 if x > 0 else slope, so x = 0 gets the slope (as leaky_relu does)
    for layer, slope in ((LeakyReLU(0.1), 0.1), (PReLU(init=0.3), 0.3)):
        x = ad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        layer(x).sum().backward()
        np.testing.assert_array_equal(x.grad, [slope, slope, 1.0])
    act = PReLU(num_parameters=4)
    assert act.num_parameters_ == 4 and act.num_parameters() == 4


# ------------------------------------------------------------------------------ PReLU
def test_prelu_output_and_gradients():
    act = PReLU()
    assert act.weight.data.tolist() == [0.25]
    x = rand(6, 3, seed=4)
    np.testing.assert_allclose(act(x).data, np.where(x.data > 0, x.data, 0.25 * x.data))
    check_grads(act, x, [act.weight])
    per_channel = PReLU(num_parameters=3, init=0.1)
    per_channel.weight.data[:] = [0.1, 0.2, 0.3]
    x3 = rand(2, 3, 4, seed=5)
    slopes = np.array([0.1, 0.2, 0.3])[None, :, None]
    np.testing.assert_allclose(per_channel(x3).data, np.where(x3.data > 0, x3.data,
                                                              slopes * x3.data))
    check_grads(per_channel, x3, [per_channel.weight])
    with pytest.raises(ValueError, match="num_parameters=3"):
        per_channel(rand(2, 4))


def test_prelu_slope_is_a_parameter_and_learns():
    act = PReLU()
    assert [n for n, _ in act.named_parameters()] == ["weight"]
    x = ad.tensor(np.linspace(-3, 3, 50))
    target = np.where(x.data > 0, x.data, 0.1 * x.data)  # a leaky ReLU with slope 0.1
    for _ in range(200):
        act.zero_grad()
        F.mse_loss(act(x), target).backward()
        act.weight.data -= 0.5 * act.weight.grad
    assert act.weight.data[0] == pytest.approx(0.1, abs=1e-6)


# ------------------------------------------------------------------------------ Dropout
def test_dropout_train_scales_and_eval_is_identity():
    drop = Dropout(0.25, rng=0)
    x = ad.tensor(np.ones((200, 100)), requires_grad=True)
    y = drop(x)
    zero = y.data == 0
    assert zero.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(y.data[~zero], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(zero, 0.0, 1 / 0.75))  # grad = mask / (1 - p)
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)
    assert not drop.training


def test_dropout_is_seeded_and_handles_edge_probabilities():
    x = rand(10, 10)
    a, b = Dropout(0.5, rng=7)(x), Dropout(0.5, rng=7)(x)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(Dropout(0.0)(x).data, x.data)
    assert not Dropout(1.0)(x).data.any()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            Dropout(p)
    with pytest.raises(TypeError, match="Dropout: probability p must be a number"):
        Dropout("0.5")
    with pytest.raises(TypeError, match="dropout: probability p must be a number"):
        F.dropout(x, "0.5")
    assert Dropout(np.float32(0.25)).p == 0.25  # numpy scalars are numbers too
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).data, x.data)


# ------------------------------------------------------------------------------ BatchNorm1d
def test_batchnorm_training_normalises_with_biased_variance_and_updates_buffers():
    bn = BatchNorm1d(3)
    x = ad.tensor(np.random.default_rng(0).normal(2.0, 3.0, size=(8, 3)))
    y = bn(x).data
    mean, var = x.data.mean(0), x.data.var(0)  # biased
    np.testing.assert_allclose(y, (x.data - mean) / np.sqrt(var + 1e-5))
    np.testing.assert_allclose(bn.running_mean, 0.1 * mean)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.data.var(0, ddof=1))  # unbiased
    assert int(bn.num_batches_tracked) == 1
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]


def test_batchnorm_eval_uses_running_statistics():
    bn = BatchNorm1d(2, momentum=0.5)
    bn.weight.data[:] = [2.0, 3.0]
    bn.bias.data[:] = [0.5, -1.0]
    x = ad.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    bn(x)
    rm, rv = bn.running_mean.copy(), bn.running_var.copy()
    np.testing.assert_allclose(rm, 0.5 * x.data.mean(0))
    bn.eval()
    one = ad.tensor([[10.0, -4.0]])  # a batch of one is fine in eval
    expected = (one.data - rm) / np.sqrt(rv + 1e-5) * [2.0, 3.0] + [0.5, -1.0]
    np.testing.assert_allclose(bn(one).data, expected)
    np.testing.assert_array_equal(bn.running_mean, rm)  # eval leaves the buffers alone


def test_batchnorm_gradients_through_batch_statistics():
    bn = BatchNorm1d(3)
    bn.weight.data[:] = [0.5, 1.5, -2.0]
    bn.bias.data[:] = [0.1, 0.2, 0.3]
    x = rand(5, 3, seed=8)
    check_grads(lambda t: F.batch_norm(t, None, None, bn.weight, bn.bias, training=True), x,
                [bn.weight, bn.bias])
    # (N, C, L): statistics over N and L
    x3 = rand(4, 3, 2, seed=9)
    y = BatchNorm1d(3)(x3).data
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2)), x3.data.var(axis=(0, 2))
                               / (x3.data.var(axis=(0, 2)) + 1e-5))
    check_grads(lambda t: F.batch_norm(t, None, None, bn.weight, bn.bias, training=True), x3,
                [bn.weight, bn.bias])


def test_batchnorm_cumulative_average_and_errors():
    bn = BatchNorm1d(2, momentum=None)
    batches = [np.random.default_rng(i).normal(size=(4, 2)) for i in range(3)]
    for b in batches:
        bn(ad.tensor(b))
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(ad.tensor(np.ones((1, 2))))
    with pytest.raises(ValueError, match=r"num_features=2.*\(4, 3\)"):
        bn(ad.tensor(np.ones((4, 3))))


# ------------------------------------------------------------------------------ Flatten
def test_flatten():
    x = rand(2, 3, 4, 5)
    assert Flatten()(x).shape == (2, 60)
    assert Flatten(0)(x).shape == (120,)
    assert Flatten(1, 2)(x).shape == (2, 12, 5)
    check_grads(Flatten(), x)


def test_public_names_exported():
    for name in ("Linear", "Sequential", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh",
                 "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d", "Flatten", "Conv2d",
                 "MaxPool2d", "MSELoss", "CrossEntropyLoss", "save", "load"):
        assert hasattr(nn, name), name
    assert nn.functional is F and hasattr(nn, "init")


def test_float32_layers_keep_float32():
    x = ad.Tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32),
                  requires_grad=True)
    model = Sequential(Linear(3, 5, rng=0, dtype=np.float32), BatchNorm1d(5, dtype=np.float32),
                       PReLU(dtype=np.float32), Dropout(0.5, rng=0), Linear(5, 2, rng=1,
                                                                           dtype=np.float32))
    y = model(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_layers_pass_autodiff_gradcheck_and_gradgradcheck():
    """The project's own checker agrees: first and second derivatives of the layers."""
    rng = np.random.default_rng(11)
    x = ad.Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    model = Sequential(Linear(3, 4, rng=0), BatchNorm1d(4), PReLU(4), Linear(4, 2, rng=1),
                       LogSoftmax(dim=1))
    assert ad.gradcheck(model, [x])
    assert ad.gradcheck(lambda: model(x).sum(), params=model)
    assert ad.gradgradcheck(lambda t: F.batch_norm(t, None, None, training=True), [x])
    assert ad.gradgradcheck(lambda t: F.cross_entropy(t, np.array([0, 2, 1, 1])), [x])
