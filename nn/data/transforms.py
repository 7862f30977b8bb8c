"""Splitting and scaling: train / validation / test splits, standardization, one-hot labels.

A data set is split into training, validation and test parts
(:func:`train_val_test_split`); a :class:`Standardizer` is fitted on the training
part only, so nothing about the validation or test data leaks into training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff.random import resolve_rng
from autodiff.validation import check_bool, check_int, check_shape, describe

from ..inputs import as_array, check_finite

__all__ = ["train_val_test_split", "Standardizer", "one_hot"]


def train_val_test_split(
    *arrays: Any,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int | np.random.Generator | None = 0,
    shuffle: bool = True,
) -> list[np.ndarray]:
    """Split arrays of equal length into disjoint train, validation and test parts.

    Returns ``[a_train, a_val, a_test, b_train, b_val, b_test, ...]`` (the order of
    scikit-learn's ``train_test_split``). The same ``seed`` gives the same split (None
    draws from the default generator, see ``ad.manual_seed``); the three parts together
    hold every row exactly once. ``fractions`` must be three
    non-negative numbers summing to 1. Raises ValueError for bad fractions, arrays of
    different lengths, or a split that leaves the training part empty.
    """
    if not arrays:
        raise ValueError("train_val_test_split needs at least one array")
    shuffle = check_bool(shuffle, name="shuffle", where="train_val_test_split")
    try:
        fr = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise TypeError(
            "train_val_test_split: fractions must be three numbers (train, val, test) summing "
            f"to 1, got {fractions!r}"
        ) from None
    if len(fr) != 3 or any(f < 0 for f in fr) or abs(sum(fr) - 1.0) > 1e-9:
        raise ValueError(
            "train_val_test_split: fractions must be three non-negative numbers summing to 1 "
            f"(train, val, test), got {tuple(fractions)}"
        )
    data = [np.asarray(as_array(a, "train_val_test_split")) for a in arrays]
    n = data[0].shape[0] if data[0].ndim else 0
    if any(a.ndim == 0 or a.shape[0] != n for a in data):
        shapes = ", ".join(str(a.shape) for a in data)
        raise ValueError(
            f"train_val_test_split: arrays need the same first dimension, got {shapes}"
        )
    n_val = int(round(fr[1] * n))
    n_test = int(round(fr[2] * n))
    n_train = n - n_val - n_test
    if n_train <= 0:
        raise ValueError(
            f"train_val_test_split: {n} samples with fractions {tuple(fractions)} leave no "
            "training samples"
        )
    rng = resolve_rng(seed, "train_val_test_split")
    order = rng.permutation(n) if shuffle else np.arange(n)
    parts = (order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:])
    return [a[p] for a in data for p in parts]


class Standardizer:
    """Scale features to zero mean and unit variance using *training* statistics.

    ``fit`` on the training split only, then ``transform`` every split with the same
    mean and standard deviation: the validation and test data never influence the
    scaling (no leakage). Constant columns get a scale of 1 instead of 0.
    ``columns`` restricts the scaling to some columns (e.g. leave one-hot columns alone).
    """

    def __init__(self, columns: Sequence[int] | None = None) -> None:
        if columns is not None and (
                not isinstance(columns, list | tuple | range | np.ndarray)
                or not all(isinstance(c, int | np.integer) and not isinstance(c, bool)
                           for c in columns)):
            raise TypeError(f"Standardizer: columns must be a list of column indices (ints) "
                            f"or None, got {describe(columns)}")
        self.columns = None if columns is None else [int(c) for c in columns]
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, x: Any) -> Standardizer:
        """Learn mean and standard deviation per column of ``x`` (shape (n,) or (n, d))."""
        a = np.asarray(as_array(x, "Standardizer.fit"), dtype=float)
        if a.ndim == 0 or a.shape[0] == 0:
            raise ValueError(f"Standardizer.fit: needs at least one sample, got shape {a.shape}")
        check_finite(a, f"Standardizer.fit: data of shape {a.shape}")
        mean = a.mean(axis=0)
        std = a.std(axis=0)
        scale = np.where(std > 0, std, 1.0)
        if self.columns is not None:
            if a.ndim != 2:
                raise ValueError(f"Standardizer: columns= needs 2-D data, got shape {a.shape}")
            d = a.shape[1]
            wrong = [c for c in self.columns if not -d <= c < d]
            if wrong:
                raise ValueError(f"Standardizer.fit: columns {wrong} are out of range for data "
                                 f"with {d} columns; valid indices are {-d}..{d - 1}")
            keep = np.ones(d, dtype=bool)
            keep[self.columns] = False
            mean = np.where(keep, 0.0, mean)
            scale = np.where(keep, 1.0, scale)
        self.mean_, self.scale_ = mean, scale
        return self

    def _check(self, a: np.ndarray, op: str) -> None:
        if self.mean_ is None or self.scale_ is None:
            raise ValueError(f"Standardizer.{op}: call fit(train_data) first")
        if a.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"Standardizer.{op}: data of shape {a.shape} does not match the fitted "
                f"feature shape {self.mean_.shape}"
            )

    def transform(self, x: Any) -> np.ndarray:
        """Return ``(x - mean) / scale`` with the fitted statistics."""
        a = np.asarray(as_array(x, "Standardizer.transform"), dtype=float)
        self._check(a, "transform")
        return (a - self.mean_) / self.scale_

    def inverse_transform(self, z: Any) -> np.ndarray:
        """Undo :meth:`transform`: ``z * scale + mean``."""
        a = np.asarray(as_array(z, "Standardizer.inverse_transform"), dtype=float)
        self._check(a, "inverse_transform")
        return a * self.scale_ + self.mean_

    def fit_transform(self, x: Any) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``; use on the training split only."""
        return self.fit(x).transform(x)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The fitted statistics as arrays (for ``nn.save``)."""
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer.state_dict: not fitted")
        return {"mean": self.mean_.copy(), "scale": self.scale_.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore statistics saved by :meth:`state_dict`."""
        self.mean_ = np.asarray(state["mean"], dtype=float)
        self.scale_ = np.asarray(state["scale"], dtype=float)


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = np.float64) -> np.ndarray:
    """Encode integer class labels (shape (n,)) as one-hot rows (shape (n, num_classes)).

    ``num_classes`` defaults to ``max(labels) + 1``. Raises ValueError for negative labels,
    labels >= num_classes or non-integer values.
    """
    a = np.asarray(as_array(labels, "one_hot"))
    if a.size and not np.all(np.equal(np.mod(a, 1), 0)):
        raise ValueError(f"one_hot: labels must be integers, got dtype {a.dtype} with fractions")
    num_classes = check_int(num_classes, name="num_classes", where="one_hot", minimum=1,
                            allow_none=True)
    if a.size and (a.min() < np.iinfo(np.int64).min or a.max() > np.iinfo(np.int64).max):
        raise ValueError(f"one_hot: labels must be class indices, got min {a.min()} and "
                         f"max {a.max()}")
    a = a.astype(np.int64)
    k = int(a.max()) + 1 if num_classes is None and a.size else int(num_classes or 0)
    check_shape(a.shape + (k,), where="one_hot", name="result shape",
                itemsize=np.dtype(dtype).itemsize)
    if a.size and (a.min() < 0 or a.max() >= k):
        raise ValueError(
            f"one_hot: labels must lie in [0, {k}), got min {a.min()} and max {a.max()}"
        )
    out = np.zeros(a.shape + (k,), dtype=dtype)
    if a.size:
        np.put_along_axis(out, a[..., None], 1, axis=-1)
    return out
