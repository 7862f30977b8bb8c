"""Small data sets for the chapter's examples, all generated from a seed (``seed=None``
draws from the default generator that ``ad.manual_seed`` seeds).

* :func:`house_prices`: the chapter's running regression example (synthetic, with a
  documented rule and a known noise level, so the best achievable error is known);
* :func:`moons`, :func:`spirals`, :func:`blobs`: 2-D classification sets;
* :func:`digits`: the 8x8 handwritten digits (needs scikit-learn, the ``data`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodiff.random import resolve_rng
from autodiff.validation import check_int, check_real, check_size_fits_memory

__all__ = ["HousePrices", "house_prices", "moons", "spirals", "blobs", "digits"]

HOUSE_TYPES = ("apartment", "townhouse", "detached")
_TYPE_PROBS = (0.5, 0.3, 0.2)
_TYPE_MULTIPLIER = (1.0, 1.15, 1.35)
NOISE_STD = 0.1

HOUSE_PRICE_RULE = """\
price = (area / 100) * (1 + 1.5 * exp(-distance / 1.5)) * m[type]
        + 0.4 * tanh(rooms - 3) + 0.5 + noise,      noise ~ Normal(0, 0.1^2)
m = {apartment: 1.0, townhouse: 1.15, detached: 1.35}; price in units of 100,000.
Floor area grows with the room count: a linear model sees correlated inputs, a
saturating room effect, and a station premium that decays with distance and
scales with area (an interaction), so it cannot reach the noise floor."""


@dataclass
class HousePrices:
    """The house-price data set: ``X, y = house_prices()`` unpacks to features and target.

    Attributes:
        X: features, shape (n, 6): rooms, floor area (m^2), three one-hot house-type
            columns, distance to the station (km).
        y: price in units of 100,000, shape (n,).
        y_clean: the price without noise (what a perfect model predicts), shape (n,).
        feature_names: a name per column of ``X``.
        house_type: the categorical column before encoding, as integer codes (n,).
        categories: the house-type names, index = code.
        noise_std: standard deviation of the added Gaussian noise.
        rule: the generating rule, in words and formulas.
    """

    X: np.ndarray
    y: np.ndarray
    y_clean: np.ndarray
    house_type: np.ndarray
    feature_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = HOUSE_TYPES
    target_name: str = "price (100k)"
    noise_std: float = NOISE_STD
    rule: str = HOUSE_PRICE_RULE
    numeric_columns: tuple[int, ...] = field(default=(0, 1, 5))

    @property
    def noise_floor(self) -> float:
        """The best expected test MSE of any model: the noise variance ``noise_std**2``."""
        return self.noise_std**2

    def __iter__(self) -> Any:
        return iter((self.X, self.y))

    def __len__(self) -> int:
        return int(self.X.shape[0])


def _count(n: Any, name: str, where: str, minimum: int, columns: int) -> int:
    """A sample count: an int >= ``minimum`` whose ``columns`` float64 values per sample
    fit in memory (TypeError, ValueError or AllocationError naming ``where``)."""
    n = check_int(n, name=name, where=where, minimum=minimum)
    check_size_fits_memory(n * columns * 8, where, what=f"{name}={n} samples")
    return n


def house_prices(n: int = 1000, seed: int | None = 0, noise_std: float = NOISE_STD) -> HousePrices:
    """Generate ``n`` houses: rooms, floor area, house type, distance -> price.

    Inputs (per house): rooms (1..7, integer), floor area in m^2 (correlated with
    rooms and type), house type (apartment / townhouse / detached, one-hot encoded
    in ``X``) and distance to the nearest station in km (gamma distributed). The price
    follows ``HOUSE_PRICE_RULE`` plus Gaussian noise with standard deviation
    ``noise_std``, so the best achievable mean squared error on fresh data is
    ``noise_std**2`` (:attr:`HousePrices.noise_floor`). Raises ValueError for n < 1 or
    a negative noise level.
    """
    n = _count(n, "n", "house_prices", minimum=1, columns=12)
    noise_std = check_real(noise_std, name="noise_std", where="house_prices", minimum=0.0)
    rng = resolve_rng(seed, "house_prices")
    kind = rng.choice(len(HOUSE_TYPES), size=n, p=_TYPE_PROBS)
    rooms = np.clip(np.round(rng.normal(2.5 + 0.8 * kind, 1.0)), 1, 7)
    area = np.clip(18 + 17 * rooms + 10 * kind + rng.normal(0, 12, n), 20, 300)
    distance = np.clip(rng.gamma(2.0, 1.2, n), 0.1, 15.0)
    mult = np.asarray(_TYPE_MULTIPLIER)[kind]
    clean = (area / 100) * (1 + 1.5 * np.exp(-distance / 1.5)) * mult
    clean = clean + 0.4 * np.tanh(rooms - 3) + 0.5
    y = clean + rng.normal(0.0, noise_std, n)
    onehot = np.eye(len(HOUSE_TYPES))[kind]
    X = np.column_stack([rooms, area, onehot, distance])
    names = ("rooms", "area_m2", *(f"type={t}" for t in HOUSE_TYPES), "distance_km")
    return HousePrices(X=X, y=y, y_clean=clean, house_type=kind, feature_names=names,
                       noise_std=float(noise_std))


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X`` (n, 2) float64, ``y`` (n,) int64 in {0, 1}.

    Same construction as scikit-learn's ``make_moons``; ``noise`` is the standard
    deviation of Gaussian noise added to each coordinate. Raises ValueError for n < 2.
    """
    n = _count(n, "n", "moons", minimum=2, columns=3)
    noise = check_real(noise, name="noise", where="moons", minimum=0.0)
    rng = resolve_rng(seed, "moons")
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms: ``X`` (n, 2), ``y`` (n,) int64, n = n_per_class*classes.

    Not linearly separable: the classic test that a hidden layer is needed. ``noise``
    perturbs each point's angle. Raises ValueError for fewer than 2 classes or samples.
    """
    classes = check_int(classes, name="classes", where="spirals", minimum=2)
    n_per_class = _count(n_per_class, "n_per_class", "spirals", minimum=1, columns=3 * classes)
    noise = check_real(noise, name="noise", where="spirals", minimum=0.0)
    rng = resolve_rng(seed, "spirals")
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(n_per_class, k, np.int64))
    X, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(len(y))
    return X[order], y[order]


def blobs(
    n: int = 300, centers: int | np.ndarray = 3, std: float = 1.0, dim: int = 2,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters: ``X`` (n, dim), ``y`` (n,) int64 cluster index.

    ``centers`` is a count (centers drawn uniformly from [-10, 10]^dim) or an array of
    shape (k, dim). Raises ValueError for n < 1 or a centers array of the wrong shape.
    """
    dim = check_int(dim, name="dim", where="blobs", minimum=1)
    n = _count(n, "n", "blobs", minimum=1, columns=dim + 1)
    std = check_real(std, name="std", where="blobs", minimum=0.0)
    rng = resolve_rng(seed, "blobs")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        centers = check_int(centers, name="centers", where="blobs", minimum=1)
        c = rng.uniform(-10, 10, (int(centers), dim))
    else:
        c = np.asarray(centers, dtype=float)
        if c.ndim != 2:
            raise ValueError(f"blobs: centers must have shape (k, dim), got {c.shape}")
    y = np.arange(n) % len(c)
    X = c[y] + rng.normal(0.0, std, (n, c.shape[1]))
    order = rng.permutation(n)
    return X[order], y[order].astype(np.int64)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits (1797 images): ``X`` (1797, 64) in [0, 1], ``y`` (1797,).

    Loaded from scikit-learn (bundled with it, no download). Raises ImportError naming
    the ``data`` extra when scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "nn.datasets.digits() needs scikit-learn; install the 'data' extra: "
            "pip install 'autodiff-nn[data]' (in a checkout: pip install -e '.[data]'), or "
            "pip install scikit-learn"
        ) from exc
    d = load_digits()
    return d.data.astype(np.float64) / 16.0, d.target.astype(np.int64)
