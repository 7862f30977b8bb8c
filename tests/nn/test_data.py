"""DataLoader semantics, splits, standardization and one-hot encoding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import DataLoader, Standardizer, TensorDataset, one_hot, train_val_test_split


def _ds(n: int = 10) -> TensorDataset:
    X = np.arange(n * 2, dtype=float).reshape(n, 2)
    y = np.arange(n, dtype=float)
    return TensorDataset(X, y)


def _ids(loader: DataLoader) -> list[list[int]]:
    """The sample ids (the y values) of each batch of one epoch."""
    return [[int(v) for v in np.asarray(yb).reshape(-1)] for _, yb in loader]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), bs=st.integers(1, 45), shuffle=st.booleans(), seed=st.integers(0, 99))
def test_every_sample_exactly_once_per_epoch(n: int, bs: int, shuffle: bool, seed: int) -> None:
    loader = DataLoader(_ds(n), batch_size=bs, shuffle=shuffle, rng=seed, output="numpy")
    for _ in range(2):
        batches = _ids(loader)
        assert sorted(i for b in batches for i in b) == list(range(n))
        assert len(batches) == len(loader) == -(-n // bs)
        assert all(len(b) == bs for b in batches[:-1])


def test_last_partial_batch_kept_or_dropped() -> None:
    keep = _ids(DataLoader(_ds(10), batch_size=4, output="numpy"))
    assert [len(b) for b in keep] == [4, 4, 2]
    drop = DataLoader(_ds(10), batch_size=4, drop_last=True, output="numpy")
    assert [len(b) for b in _ids(drop)] == [4, 4]
    assert len(drop) == 2


def test_full_batch_and_no_batching() -> None:
    ds = _ds(6)
    (xb, yb), = list(DataLoader(ds, batch_size=len(ds), output="numpy"))
    assert xb.shape == (6, 2) and yb.shape == (6,)
    singles = list(DataLoader(ds, batch_size=None, output="numpy"))
    assert len(singles) == 6
    assert singles[0][0].shape == (2,) and singles[0][1].shape == ()  # no batch axis
    (xb1, _yb1) = next(iter(DataLoader(ds, batch_size=1, output="numpy")))
    assert xb1.shape == (1, 2)  # batch_size=1 keeps the batch axis


def test_shuffle_is_seeded_and_new_each_epoch() -> None:
    a = DataLoader(_ds(30), batch_size=30, shuffle=True, rng=5, output="numpy")
    b = DataLoader(_ds(30), batch_size=30, shuffle=True, rng=5, output="numpy")
    e1, e2 = _ids(a)[0], _ids(a)[0]
    assert e1 != e2  # a new order every epoch
    assert e1 != list(range(30))
    assert _ids(b)[0] == e1 and _ids(b)[0] == e2  # same seed, same sequence of orders
    c = DataLoader(_ds(30), batch_size=30, shuffle=True, rng=6, output="numpy")
    assert _ids(c)[0] != e1


def test_unshuffled_order_is_sequential() -> None:
    assert _ids(DataLoader(_ds(5), batch_size=2, output="numpy")) == [[0, 1], [2, 3], [4]]


def test_state_dict_resumes_the_same_orders() -> None:
    a = DataLoader(_ds(20), batch_size=20, shuffle=True, rng=1, output="numpy")
    _ids(a)
    state = a.state_dict()
    nxt = _ids(a)
    b = DataLoader(_ds(20), batch_size=20, shuffle=True, rng=99, output="numpy")
    b.load_state_dict(state)
    assert _ids(b) == nxt


def test_python_output_for_scalar_models() -> None:
    xb, yb = next(iter(DataLoader(_ds(4), batch_size=2, output="python")))
    assert xb == [[0.0, 1.0], [2.0, 3.0]] and yb == [0.0, 1.0]
    assert all(isinstance(v, float) for row in xb for v in row)
    x1, y1 = next(iter(DataLoader(_ds(4), batch_size=None, output="python")))
    assert x1 == [0.0, 1.0] and y1 == 0.0


def test_value_output() -> None:
    import autodiff as ad
    xb, yb = next(iter(DataLoader(_ds(4), batch_size=2, output="value")))
    assert isinstance(xb[0][1], ad.Value) and xb[1][1].data == 3.0


def test_tensor_output() -> None:
    import autodiff as ad
    xb, yb = next(iter(DataLoader(_ds(4), batch_size=3)))
    assert isinstance(xb, ad.Tensor) and xb.shape == (3, 2) and not xb.requires_grad


def test_generic_dataset_protocol() -> None:
    class Squares:
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> tuple[float, float]:
            return float(i), float(i * i)

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5, output="numpy")))
    np.testing.assert_array_equal(yb, [0, 1, 4, 9, 16])


def test_loader_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_ds(), batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(_ds(), batch_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="output"):
        DataLoader(_ds(), output="pandas")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


def test_split_disjoint_complete_and_reproducible() -> None:
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    parts = train_val_test_split(X, y, fractions=(0.6, 0.2, 0.2), seed=3)
    ytr, yva, yte = parts[3:]
    assert (len(ytr), len(yva), len(yte)) == (30, 10, 10)
    assert sorted(np.concatenate([ytr, yva, yte]).tolist()) == list(range(50))
    np.testing.assert_array_equal(parts[0][:, 0] // 2, ytr)  # rows stay paired
    again = train_val_test_split(X, y, fractions=(0.6, 0.2, 0.2), seed=3)
    for p, q in zip(parts, again, strict=True):
        np.testing.assert_array_equal(p, q)
    other = train_val_test_split(X, y, fractions=(0.6, 0.2, 0.2), seed=4)
    assert not np.array_equal(other[3], ytr)


def test_split_rejects_bad_fractions() -> None:
    with pytest.raises(ValueError, match="fractions"):
        train_val_test_split(np.zeros(10), fractions=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="same first dimension"):
        train_val_test_split(np.zeros(10), np.zeros(9))


def test_standardizer_uses_training_statistics_only() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, (200, 3))
    test = rng.normal(50.0, 10.0, (50, 3))  # very different: must not influence scaling
    s = Standardizer().fit(train)
    z = s.transform(train)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(s.transform(test), (test - train.mean(0)) / train.std(0))
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test)


def test_standardizer_columns_and_constant_columns() -> None:
    X = np.column_stack([np.arange(4.0), np.ones(4), [0.0, 1.0, 0.0, 1.0]])
    s = Standardizer(columns=[0, 1]).fit(X)
    z = s.transform(X)
    np.testing.assert_array_equal(z[:, 2], X[:, 2])  # untouched column
    np.testing.assert_array_equal(z[:, 1], 0.0)  # constant column: scale 1, no division by 0
    with pytest.raises(ValueError, match="fit"):
        Standardizer().transform(X)
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.zeros((2, 5)))


def test_one_hot() -> None:
    np.testing.assert_array_equal(one_hot([0, 2, 1]), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert one_hot([1], num_classes=4).shape == (1, 4)
    with pytest.raises(ValueError, match="one_hot"):
        one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="integers"):
        one_hot([0.5])
