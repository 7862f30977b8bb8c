"""Every nn user of the default generator follows ad.manual_seed; explicit rngs still win."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F
from autodiff.random import default_generator
from nn.data import DataLoader, TensorDataset, train_val_test_split
from nn.datasets import blobs, house_prices, moons, spirals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def keep_default_state() -> Iterator[None]:
    """Leave the default generator as the test found it."""
    state = default_generator().bit_generator.state
    yield
    default_generator().bit_generator.state = state


def _numbers(x: Any) -> list[np.ndarray]:
    """Whatever a construction or draw produced, as arrays to compare."""
    if isinstance(x, nn.Module):
        return [np.asarray(getattr(p, "data", p)) for p in x.parameters()]
    if isinstance(x, DataLoader):
        return [x.indices() for _ in range(3)]  # three epochs' orders
    if isinstance(x, tuple | list):
        return [a for item in x for a in _numbers(item)]
    return [np.asarray(getattr(x, "data", x))]


def _dropout_masks(m: nn.Module) -> list[np.ndarray]:
    return [m(ad.ones(6, 5)).data for _ in range(2)]


USERS: dict[str, Callable[[], Any]] = {
    "Neuron": lambda: nn.Neuron(5),
    "Layer": lambda: nn.Layer(3, 4),
    "MLP": lambda: nn.MLP(2, [8, 8, 1]),
    "Linear": lambda: nn.Linear(4, 3),
    "Conv2d": lambda: nn.Conv2d(2, 3, kernel_size=3),
    "init.normal": lambda: nn.init.normal((3, 4)),
    "init.kaiming_uniform_": lambda: nn.init.kaiming_uniform_(np.empty((3, 4))),
    "Dropout": lambda: _dropout_masks(nn.Dropout(0.5)),
    "F.dropout": lambda: F.dropout(ad.ones(6, 5), 0.5),
    "DataLoader": lambda: DataLoader(TensorDataset(np.arange(20.0)), batch_size=4, shuffle=True),
    "train_val_test_split": lambda: train_val_test_split(np.arange(30.0), seed=None),
    "house_prices": lambda: house_prices(20, seed=None).X,
    "moons": lambda: moons(20, seed=None),
    "spirals": lambda: spirals(10, seed=None),
    "blobs": lambda: blobs(20, seed=None),
}


@pytest.mark.parametrize("make", USERS.values(), ids=USERS.keys())
def test_after_manual_seed_two_constructions_are_identical(make: Callable[[], Any]) -> None:
    ad.manual_seed(1)
    a = _numbers(make())
    ad.manual_seed(1)
    b = _numbers(make())
    ad.manual_seed(2)
    c = _numbers(make())
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, z) for x, z in zip(a, c, strict=True))  # seed matters


def test_nn_init_manual_seed_is_ad_manual_seed() -> None:
    assert nn.init.manual_seed is ad.manual_seed
    assert nn.init.get_rng(None) is ad.manual_seed(0) is default_generator()
    nn.init.manual_seed(4)
    via_init = [nn.MLP(2, [3, 1]), ad.randn(3)]
    ad.manual_seed(4)
    via_ad = [nn.MLP(2, [3, 1]), ad.randn(3)]
    for a, b in zip(_numbers(via_init), _numbers(via_ad), strict=True):
        np.testing.assert_array_equal(a, b)


def test_explicit_rngs_still_win() -> None:
    ad.manual_seed(0)
    before = default_generator().bit_generator.state
    a = _numbers([nn.MLP(2, [4, 1], rng=3), nn.Linear(3, 2, rng=3),
                  DataLoader(TensorDataset(np.arange(9.0)), shuffle=True, rng=3)])
    assert default_generator().bit_generator.state == before  # none drew from the default
    ad.manual_seed(99)
    b = _numbers([nn.MLP(2, [4, 1], rng=3), nn.Linear(3, 2, rng=3),
                  DataLoader(TensorDataset(np.arange(9.0)), shuffle=True, rng=3)])
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_a_loader_shuffles_from_its_own_generator_so_other_draws_do_not_shift_it() -> None:
    def orders(draw_between: bool) -> list[np.ndarray]:
        ad.manual_seed(6)
        loader = DataLoader(TensorDataset(np.arange(12.0)), batch_size=3, shuffle=True)
        out = []
        for _ in range(3):
            out.append(loader.indices())
            if draw_between:
                F.dropout(ad.ones(50), 0.5)  # draws from the default generator
        return out

    plain, shifted = orders(False), orders(True)
    assert all(np.array_equal(a, b) for a, b in zip(plain, shifted, strict=True))
    assert not np.array_equal(plain[0], plain[1])  # a new order every epoch


def test_two_loaders_made_after_one_seed_shuffle_differently() -> None:
    ad.manual_seed(0)
    a = DataLoader(TensorDataset(np.arange(30.0)), shuffle=True)
    b = DataLoader(TensorDataset(np.arange(30.0)), shuffle=True)
    assert not np.array_equal(a.indices(), b.indices())


MICROGRAD_PORT = """
import sys
import autodiff as ad
import nn
from nn.datasets import moons

if sys.argv[1] != "unseeded":
    ad.manual_seed(int(sys.argv[1]))
X, y = moons(40, noise=0.1, seed=0)
y = y * 2 - 1
model = nn.MLP(2, [16, 16, 1])  # rng=None, as micrograd's demo
scores = [model(list(map(float, x))) for x in X]
losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
print(repr(loss.data), repr(ad.randn(2).data.tolist()))
"""


def _port(arg: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", MICROGRAD_PORT, arg], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_micrograd_port_step_zero_loss_repeats_across_interpreters_after_manual_seed() -> None:
    first, second = _port("1337"), _port("1337")
    assert first == second and first.strip()
    assert _port("1338") != first
    # without a seed each interpreter starts from fresh entropy, as before (and as PyTorch)
    assert _port("unseeded") != _port("unseeded")
