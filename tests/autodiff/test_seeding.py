"""ad.manual_seed: one process-wide default generator, seeded like torch.manual_seed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

import autodiff as ad
from autodiff.random import default_generator, resolve_rng


@pytest.fixture(autouse=True)
def keep_default_state() -> Iterator[None]:
    """Leave the default generator as the test found it."""
    state = default_generator().bit_generator.state
    yield
    default_generator().bit_generator.state = state


def test_manual_seed_returns_the_default_generator_which_draws_what_default_rng_would() -> None:
    g = ad.manual_seed(3)
    assert g is default_generator() and ad.manual_seed(4) is g  # re-seeded in place
    ad.manual_seed(3)
    np.testing.assert_array_equal(g.random(5), np.random.default_rng(3).random(5))
    ad.manual_seed(np.int64(3))  # numpy ints are seeds too
    np.testing.assert_array_equal(g.random(5), np.random.default_rng(3).random(5))


@pytest.mark.parametrize("draw", [
    lambda: ad.randn(2, 3).data,
    lambda: ad.rand(4).data,
    lambda: ad.uniform(-2.0, 5.0, (3, 2)).data,
    lambda: default_generator().integers(0, 1000, 6),
], ids=["randn", "rand", "uniform", "default_generator"])
def test_random_constructors_follow_manual_seed(draw) -> None:
    ad.manual_seed(11)
    first = [draw(), draw()]
    ad.manual_seed(11)
    again = [draw(), draw()]
    ad.manual_seed(12)
    other = draw()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # the sequence moves on
    assert not np.array_equal(first[0], other)


def test_an_explicit_rng_wins_and_leaves_the_default_generator_alone() -> None:
    ad.manual_seed(5)
    expected = ad.randn(3).data
    ad.manual_seed(5)
    seeded = np.random.default_rng(9).standard_normal(3)
    np.testing.assert_array_equal(ad.randn(3, rng=9).data, seeded)
    ad.rand(4, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(ad.randn(3).data, expected)


@pytest.mark.parametrize("seed, error, words", [
    ("x", TypeError, ["manual_seed", "non-negative int", "str 'x'"]),
    (1.5, TypeError, ["manual_seed", "non-negative int", "float 1.5"]),
    (True, TypeError, ["manual_seed", "non-negative int", "bool True"]),
    (None, TypeError, ["manual_seed", "non-negative int", "NoneType None"]),
    (-1, ValueError, ["manual_seed", "non-negative int", "-1"]),
])
def test_bad_seeds_are_refused_by_name(seed, error, words) -> None:
    before = default_generator().bit_generator.state
    with pytest.raises(error) as info:
        ad.manual_seed(seed)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert default_generator().bit_generator.state == before  # nothing was re-seeded


def test_bad_rng_arguments_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"randn: rng must be .*got str 'seed'"):
        ad.randn(2, rng="seed")
    with pytest.raises(ValueError, match="uniform: an int rng is a seed and must be non-neg"):
        ad.uniform(0.0, 1.0, 3, rng=-2)
    with pytest.raises(TypeError, match="where: rng must be"):
        resolve_rng(np.random.RandomState(0), "where")


def test_threads_share_the_one_default_generator() -> None:
    """As in PyTorch: seeding in one thread seeds the draws of every thread."""
    ad.manual_seed(21)
    expected = np.random.default_rng(21).standard_normal(4)
    got: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: got.append(ad.randn(4).data))
    worker.start()
    worker.join()
    np.testing.assert_array_equal(got[0], expected)


def test_draws_from_many_threads_are_all_distinct_numbers_of_the_one_sequence() -> None:
    ad.manual_seed(8)
    expected = set(np.random.default_rng(8).random(8 * 50).tolist())
    got: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            v = float(ad.rand(1).data[0])
            with lock:
                got.append(v)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 400 and set(got) == expected  # no draw lost or repeated
