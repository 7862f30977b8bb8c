"""The generated data sets: shapes, reproducibility, the documented house-price rule."""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest

from nn import datasets
from nn.data import train_val_test_split


def test_house_prices_shapes_names_and_unpacking() -> None:
    data = datasets.house_prices(n=200, seed=1)
    X, y = data
    assert X.shape == (200, 6) and y.shape == (200,)
    assert data.feature_names == (
        "rooms", "area_m2", "type=apartment", "type=townhouse", "type=detached", "distance_km"
    )
    np.testing.assert_array_equal(X[:, 2:5].sum(axis=1), 1.0)  # one-hot house type
    np.testing.assert_array_equal(X[:, 2:5].argmax(axis=1), data.house_type)
    assert set(np.unique(X[:, 0])) <= set(range(1, 8))
    assert (X[:, 5] > 0).all()


def test_house_prices_reproducible_by_seed() -> None:
    a, b, c = (datasets.house_prices(50, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y)


def test_house_prices_follow_the_documented_rule() -> None:
    data = datasets.house_prices(n=4000, seed=0)
    X = data.X
    m = np.array([1.0, 1.15, 1.35])[data.house_type]
    rule = (X[:, 1] / 100) * (1 + 1.5 * np.exp(-X[:, 5] / 1.5)) * m + 0.4 * np.tanh(X[:, 0] - 3)
    np.testing.assert_allclose(data.y_clean, rule + 0.5)
    resid = data.y - data.y_clean
    assert abs(resid.std() - data.noise_std) < 0.005  # the noise has the stated level
    assert data.noise_floor == pytest.approx(0.01)


def test_linear_model_cannot_reach_the_noise_floor() -> None:
    X, y = datasets.house_prices(n=1000, seed=0)
    Xtr, _, Xte, ytr, _, yte = train_val_test_split(X, y, seed=0)
    A = np.column_stack([Xtr, np.ones(len(Xtr))])
    w = np.linalg.lstsq(A, ytr, rcond=None)[0]
    lin = np.mean((np.column_stack([Xte, np.ones(len(Xte))]) @ w - yte) ** 2)
    assert lin > 3 * 0.01  # a nonlinear model has room to do better


def test_moons_spirals_blobs() -> None:
    X, y = datasets.moons(101, seed=0)
    assert X.shape == (101, 2) and sorted(np.unique(y)) == [0, 1]
    X, y = datasets.spirals(n_per_class=20, classes=4, seed=0)
    assert X.shape == (80, 2) and np.bincount(y).tolist() == [20] * 4
    assert np.abs(X).max() <= 1.0 + 1e-12
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = datasets.blobs(200, centers=centers, std=0.5, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.2)
    np.testing.assert_array_equal(datasets.moons(20, seed=2)[0], datasets.moons(20, seed=2)[0])


def test_digits_when_scikit_learn_present() -> None:
    if importlib.util.find_spec("sklearn") is None:
        if os.environ.get("AUTODIFF_REQUIRE_DATA") == "1":
            pytest.fail("scikit-learn not installed but AUTODIFF_REQUIRE_DATA=1; install the "
                        "data extra: pip install -e '.[data]'")
        pytest.skip("scikit-learn not installed (the 'data' extra: pip install -e '.[data]')")
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.max() <= 1.0 and set(np.unique(y)) == set(range(10))


def test_digits_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"data.*extra|extra.*data"):
        datasets.digits()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="house_prices"):
        datasets.house_prices(0)
    with pytest.raises(ValueError, match="spirals"):
        datasets.spirals(classes=1)
