"""Module.to / float / double cast parameters and buffers in place; a float32 input through
float64 parameters warns DtypePromotionWarning once per module."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autodiff as ad
import nn


def _model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.Linear(4, 2, rng=1))


def test_float_casts_parameters_and_float_buffers_in_place() -> None:
    model = _model()
    params = model.parameters()
    model.parameters()[0].grad = np.ones((4, 3))
    assert model.float() is model
    assert [p is q for p, q in zip(params, model.parameters())] == [True] * len(params)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert params[0].grad.dtype == np.float32
    bn = model[1]
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert bn.num_batches_tracked.dtype == np.int64
    assert model.state_dict()["1.running_var"].dtype == np.float32
    y = model(np.ones((5, 3), dtype=np.float32))
    assert y.dtype == np.float32
    model.double()
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert model.to("float16") is model and model[0].weight.dtype == np.float16


@pytest.mark.parametrize("dtype", [np.int64, "int32", bool, np.complex128])
def test_to_refuses_non_float_dtypes(dtype: object) -> None:
    model = _model()
    with pytest.raises(ValueError, match=r"Sequential\.to: dtype \w+ is not a floating-point"
                                         r".*valid dtypes: float16, float32, float64"):
        model.to(dtype)
    assert model[0].weight.dtype == np.float64


def test_to_refuses_what_is_not_a_dtype() -> None:
    with pytest.raises(ValueError, match="'cuda' is not a dtype"):
        _model().to("cuda")


def test_scalar_models_stay_float64() -> None:
    mlp = nn.MLP(2, [3, 1])
    assert mlp.double() is mlp
    with pytest.raises(ValueError, match="scalar Value parameters .* only float64"):
        mlp.float()


def test_float32_input_through_float64_layers_warns_once_per_module() -> None:
    ad.manual_seed(0)
    layer = nn.Linear(3, 2)
    x = ad.Tensor(np.ones((4, 3), dtype=np.float32))
    with pytest.warns(nn.DtypePromotionWarning, match=r"Linear: float32 input meets float64 "
                                                      r"parameters.*model\.float\(\)") as record:
        y = layer(x)
    assert y.dtype == np.float64
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn.DtypePromotionWarning)
        layer(x)  # once per module
        nn.Linear(3, 2, dtype=np.float32)(x)  # matching dtypes: no warning
        layer(np.ones((4, 3)))  # float64 input: no warning
    with pytest.warns(nn.DtypePromotionWarning, match="Conv2d"):
        nn.Conv2d(1, 1, 2, rng=0)(np.zeros((1, 1, 3, 3), dtype=np.float32))
    assert issubclass(nn.DtypePromotionWarning, UserWarning)


def test_layers_dtype_argument_sets_the_parameters_dtype() -> None:
    for layer in (nn.Linear(2, 2, dtype=np.float32), nn.Conv2d(1, 1, 2, dtype=np.float32),
                  nn.BatchNorm1d(2, dtype=np.float32)):
        assert {p.dtype for p in layer.parameters()} == {np.dtype(np.float32)}
