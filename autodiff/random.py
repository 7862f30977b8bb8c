"""The default random generator: one process-wide ``numpy.random.Generator``.

Everything that draws random numbers without an explicit ``rng=`` draws from it: the
random constructors (``ad.randn``, ``ad.rand``, ``ad.uniform``), ``nn.init``'s
initializers and so every layer's weights, the scalar ``nn.Neuron`` / ``nn.Layer`` /
``nn.MLP``, ``nn.Dropout``, ``nn.DataLoader(shuffle=True)`` and the data helpers given
``seed=None``. :func:`manual_seed` re-seeds it, as ``torch.manual_seed`` does, so the
same sequence of calls after the same seed gives the same numbers. An explicit ``rng=``
(a Generator or an int seed) always wins and leaves the default generator untouched.

Until :func:`manual_seed` is called the generator starts from fresh OS entropy, so two
unseeded runs differ, as two unseeded PyTorch runs do.

Threads share the one generator, as in PyTorch: draws from several threads are safe
(numpy's generators lock around every draw) but their interleaving, and so which thread
gets which numbers, is up to the scheduler. Give each thread its own ``rng=`` for
reproducible multi-threaded work. ``manual_seed`` re-seeds the generator in place, so
references to it (``default_generator()``, a value returned earlier) stay valid.
It seeds neither numpy's legacy ``np.random.seed`` state nor Python's ``random``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "default_generator", "resolve_rng", "spawn", "RngLike"]

RngLike = np.random.Generator | int | None

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Re-seed the default generator with ``seed`` (a non-negative int) and return it.

    Afterwards it draws exactly what ``numpy.random.default_rng(seed)`` would. Raises
    TypeError for a seed that is not an int (a bool, a float, a string), ValueError for a
    negative one.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"manual_seed: seed must be a non-negative int, got "
                        f"{type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed}")
    fresh = np.random.PCG64(int(seed)).state
    bit_generator = _generator.bit_generator
    with bit_generator.lock:
        bit_generator.state = fresh
    return _generator


def default_generator() -> np.random.Generator:
    """The process-wide default generator (the one :func:`manual_seed` seeds)."""
    return _generator


def resolve_rng(rng: RngLike, where: str) -> np.random.Generator:
    """``rng`` as a Generator: a Generator as is, an int as a fresh seeded one, None the
    default generator. Raises TypeError (naming ``where``) for anything else."""
    if rng is None:
        return _generator
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{where}: an int rng is a seed and must be non-negative, "
                             f"got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{where}: rng must be a numpy.random.Generator, an int seed or None, "
                    f"got {type(rng).__name__} {rng!r}")


def spawn(rng: RngLike, where: str) -> np.random.Generator:
    """A Generator of one's own for an object that keeps drawing (a DataLoader): ``rng``
    resolved as in :func:`resolve_rng`, except that None gives a new Generator seeded by
    one draw from the default generator, so it follows :func:`manual_seed` yet its later
    draws do not shift everyone else's."""
    if rng is None:
        return np.random.default_rng(int(_generator.integers(2**63)))
    return resolve_rng(rng, where)
