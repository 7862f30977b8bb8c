"""nn.init: fans, gains, bounds and moments of every initializer, seeding."""

import math

import numpy as np
import pytest

from nn import init


def test_fans_follow_pytorch_convention():
    assert init.calculate_fan_in_and_fan_out((7,)) == (7, 7)
    assert init.calculate_fan_in_and_fan_out((5, 3)) == (3, 5)  # Linear weight (out, in)
    assert init.calculate_fan_in_and_fan_out((8, 4, 3, 2)) == (24, 48)  # Conv2d weight
    assert init.calculate_fan_in_and_fan_out(np.zeros((2, 6))) == (6, 2)
    with pytest.raises(ValueError, match="0-d"):
        init.calculate_fan_in_and_fan_out(())


def test_gains():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="valid"):
        init.calculate_gain("swish")


def test_kaiming_uniform_a_sqrt5_bound_is_one_over_sqrt_fan_in():
    w = init.kaiming_uniform((64, 100), a=math.sqrt(5), rng=0)
    bound = 1 / math.sqrt(100)
    assert w.shape == (64, 100) and w.dtype == np.float64
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.95 * bound  # fills the interval
    # variance of U(-b, b) is b^2 / 3
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)


@pytest.mark.parametrize(
    "fn, kwargs, std",
    [
        (init.xavier_normal, {}, math.sqrt(2 / (300 + 200))),
        (init.xavier_uniform, {}, math.sqrt(2 / (300 + 200))),
        (init.xavier_uniform, {"gain": 2.0}, 2 * math.sqrt(2 / (300 + 200))),
        (init.kaiming_normal, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.kaiming_uniform, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.kaiming_normal, {"nonlinearity": "relu", "mode": "fan_out"}, math.sqrt(2 / 200)),
        (init.he_uniform, {"nonlinearity": "tanh"}, (5 / 3) / math.sqrt(300)),
    ],
)
def test_initializer_std(fn, kwargs, std):
    w = fn((200, 300), rng=1, **kwargs)
    assert abs(w.mean()) < 0.05 * std * 10
    assert w.std() == pytest.approx(std, rel=0.03)


def test_uniform_normal_constant():
    u = init.uniform((1000,), -2.0, 3.0, rng=2)
    assert u.min() >= -2.0 and u.max() < 3.0
    n = init.normal((20000,), 1.5, 0.5, rng=3)
    assert n.mean() == pytest.approx(1.5, abs=0.02) and n.std() == pytest.approx(0.5, rel=0.03)
    assert np.array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(init.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="exceeds"):
        init.uniform(3, 1.0, 0.0)
    with pytest.raises(ValueError, match="std"):
        init.normal(3, 0.0, -1.0)


def test_seeding_reproducible_and_generator_accepted():
    a = init.kaiming_uniform((4, 5), rng=42)
    b = init.kaiming_uniform((4, 5), rng=np.random.default_rng(42))
    assert np.array_equal(a, b)
    init.manual_seed(7)
    c = init.normal((3,))
    init.manual_seed(7)
    assert np.array_equal(c, init.normal((3,)))
    with pytest.raises(TypeError, match="Generator"):
        init.normal((3,), rng=1.5)


def test_in_place_forms_fill_arrays_and_keep_dtype():
    w = np.empty((3, 4), dtype=np.float32)
    out = init.xavier_uniform_(w, rng=0)
    assert out is w and w.dtype == np.float32
    assert np.allclose(w, init.xavier_uniform((3, 4), rng=0).astype(np.float32))
    init.zeros_(w)
    assert not w.any()
    init.ones_(w)
    assert np.all(w == 1)
    init.constant_(w, 0.5)
    assert np.all(w == 0.5)
    with pytest.raises(TypeError, match="Tensor"):
        init.zeros_([1.0, 2.0])


def test_in_place_fills_tensor_data():
    import autodiff as ad

    t = ad.Tensor(np.zeros((5, 6)), requires_grad=True)
    init.kaiming_normal_(t, rng=0)
    assert np.array_equal(t.data, init.kaiming_normal((5, 6), rng=0))
