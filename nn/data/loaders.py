"""Data sets and loaders: how samples are batched and fed to a network.

The chapter distinguishes three units in which training data is fed:

* the **full batch** (``DataLoader(ds, batch_size=len(ds))``): one update per epoch;
* the **mini-batch** (``batch_size=32``, say): many updates per epoch, a noisy gradient;
* the **single sample** (``batch_size=1``, stochastic gradient descent).

``batch_size=None`` means what it means in PyTorch: no batching at all, each sample
is yielded on its own *without* a batch axis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

import autodiff as ad
from autodiff import Value
from autodiff.random import spawn
from autodiff.validation import check_bool

from ..inputs import as_array, check_finite

__all__ = ["Dataset", "TensorDataset", "DataLoader"]

Output = Literal["tensor", "numpy", "python", "value"]
_OUTPUTS = ("tensor", "numpy", "python", "value")


@runtime_checkable
class Dataset(Protocol):
    """Anything with ``len(ds)`` and ``ds[i]`` (a sample, usually an ``(x, y)`` tuple)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


class TensorDataset:
    """Samples are the rows of one or more arrays of equal length.

    ``TensorDataset(X, y)[i] == (X[i], y[i])``. Arguments may be numpy arrays, nested
    lists or ``autodiff.Tensor`` objects (their data is used; the data set holds no graph).
    Raises ValueError when the arrays have different first dimensions or are 0-d.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, got none")
        converted = [np.asarray(as_array(a, "TensorDataset")) for a in arrays]
        for i, a in enumerate(converted):
            if a.ndim == 0:
                raise ValueError(
                    f"TensorDataset: array {i} is 0-d; each needs a first (sample) axis"
                )
        for i, a in enumerate(converted):
            check_finite(a, f"TensorDataset: array {i} (shape {a.shape})")
        lengths = [a.shape[0] for a in converted]
        if len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in converted)
            raise ValueError(
                f"TensorDataset: arrays must have the same first dimension, got shapes {shapes}"
            )
        self.arrays: tuple[np.ndarray, ...] = tuple(converted)

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({shapes})"


def _to_python(a: np.ndarray) -> Any:
    """Array -> float or (nested) list of floats; integer arrays keep ints."""
    if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:
        return a.tolist()
    return a.astype(float).tolist()


def _to_values(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_to_values(v) for v in obj]
    if isinstance(obj, float):
        return Value(obj)
    return obj


def _convert(a: np.ndarray, output: str) -> Any:
    if output == "numpy":
        return a
    if output == "tensor":
        return ad.Tensor(a)
    py = _to_python(np.asarray(a))
    return _to_values(py) if output == "value" else py


class DataLoader:
    """Iterate over a data set in batches, with PyTorch's meaning of each argument.

    Args:
        dataset: a :class:`Dataset` (``len`` and ``[i]``), e.g. a :class:`TensorDataset`.
        batch_size: samples per batch. ``len(dataset)`` gives the full batch, ``1`` one
            sample at a time (still with a batch axis of size 1), ``None`` no batching:
            single samples without a batch axis.
        shuffle: draw a new random order of the samples at the start of every epoch.
        drop_last: drop the last batch when it has fewer than ``batch_size`` samples.
        rng: ``numpy.random.Generator``, an int seed or None; the source of every
            epoch's order. None gives the loader a generator of its own, seeded at
            construction from the default generator, so ``ad.manual_seed`` fixes it.
        output: what a batch is made of: ``"tensor"`` (``autodiff.Tensor``, the default,
            for tensor models), ``"numpy"`` (ndarrays), ``"python"`` (floats and lists of
            floats, for the scalar ``nn.MLP``) or ``"value"`` (lists of ``autodiff.Value``).

    Each iteration yields what the data set yields per sample, batched: for a
    ``TensorDataset(X, y)`` a tuple ``(xb, yb)`` with shapes ``(B, *X.shape[1:])`` and
    ``(B, *y.shape[1:])``. With ``output="python"`` a batch is ``(list of samples,
    list of targets)``. Raises ValueError for a batch size below 1 or an unknown output.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | int | None = None,
        output: Output = "tensor",
    ) -> None:
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
                raise TypeError(
                    f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}"
                )
            if batch_size < 1:
                raise ValueError(
                    f"DataLoader: batch_size must be >= 1 (or None for no batching), "
                    f"got {batch_size}"
                )
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last=True needs a batch_size, got batch_size=None")
        if output not in _OUTPUTS:
            raise ValueError(f"DataLoader: output must be one of {_OUTPUTS}, got {output!r}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = check_bool(shuffle, name="shuffle", where="DataLoader")
        self.drop_last = check_bool(drop_last, name="drop_last", where="DataLoader")
        self.output = output
        self.rng = spawn(rng, "DataLoader")

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def indices(self) -> np.ndarray:
        """This epoch's order of sample indices (draws from ``rng`` when shuffling)."""
        n = len(self.dataset)
        return self.rng.permutation(n) if self.shuffle else np.arange(n)

    def _fetch(self, idx: np.ndarray) -> Any:
        ds = self.dataset
        if isinstance(ds, TensorDataset):
            parts = [a[idx] for a in ds.arrays]
        else:
            samples = [ds[int(i)] for i in idx]
            if isinstance(samples[0], tuple):
                parts = [np.stack([np.asarray(as_array(s[k])) for s in samples])
                         for k in range(len(samples[0]))]
            else:
                return _convert(np.stack([np.asarray(as_array(s)) for s in samples]), self.output)
        out = tuple(_convert(p, self.output) for p in parts)
        return out if len(out) > 1 else out[0]

    def _fetch_one(self, i: int) -> Any:
        sample = self.dataset[int(i)]
        if isinstance(sample, tuple):
            return tuple(_convert(np.asarray(as_array(s)), self.output) for s in sample)
        return _convert(np.asarray(as_array(sample)), self.output)

    def __iter__(self) -> Iterator[Any]:
        order = self.indices()
        if self.batch_size is None:
            for i in order:
                yield self._fetch_one(int(i))
            return
        bs = self.batch_size
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        for start in range(0, stop, bs):
            yield self._fetch(order[start:start + bs])

    def state_dict(self) -> dict[str, Any]:
        """The loader's random state (JSON-serialisable), for checkpoint and resume."""
        return {"bit_generator": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the random state saved by :meth:`state_dict`."""
        self.rng.bit_generator.state = state["bit_generator"]

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, output={self.output!r})"
        )
