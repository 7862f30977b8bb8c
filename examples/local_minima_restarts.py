"""Local minima and random restarts (chapter 3.3).

Gradient descent stops in the minimum whose basin it starts in: a good *local* minimum,
not necessarily the global one. One remedy: start from several random points and keep
the best result.

1. A surface with many minima, f(x, y) = 0.1 (x^2 + y^2) - cos(2x) cos(2y): gradient
   descent (gradients from autodiff) from 8 random starts; the global minimum is f(0,0) = -1.
2. A network: the same tiny classifier trained from 8 random initialisations; the
   final losses differ (different minima, dead ReLUs), and we keep the best model.

    python examples/local_minima_restarts.py [--quick]   # writes out/local_minima_restarts.png
"""

from __future__ import annotations

import os
import sys

import numpy as np

import autodiff as ad
import nn
import nn.optim
from nn.data import DataLoader, TensorDataset
from nn.datasets import moons

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"


def f(p: ad.Tensor) -> ad.Tensor:
    x, y = p[0], p[1]
    return 0.1 * (x**2 + y**2) - (2 * x).cos() * (2 * y).cos()


def f_numpy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.1 * (x**2 + y**2) - np.cos(2 * x) * np.cos(2 * y)


def descend(start: np.ndarray, lr: float = 0.05, steps: int = 200) -> np.ndarray:
    """Plain gradient descent; returns the path (steps + 1, 2)."""
    p = ad.Tensor(start.copy(), requires_grad=True)
    path = [p.data.copy()]
    for _ in range(steps):
        g, = ad.grad(f(p), [p])
        p = ad.Tensor(p.data - lr * g.data, requires_grad=True)
        path.append(p.data.copy())
    return np.array(path)


def surface() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    starts = rng.uniform(-4, 4, (8, 2))
    paths = {}
    print("1. gradient descent on f(x, y) = 0.1 (x^2 + y^2) - cos(2x) cos(2y), 8 random starts")
    for i, s in enumerate(starts):
        path = descend(s, steps=60 if QUICK else 200)
        value = float(f_numpy(*path[-1]))
        paths[f"start {i}"] = path
        print(f"   start ({s[0]:+.2f}, {s[1]:+.2f}) -> ({path[-1][0]:+.3f}, {path[-1][1]:+.3f})"
              f"  f = {value:+.4f}")
    best = min(paths, key=lambda k: float(f_numpy(*paths[k][-1])))
    end = paths[best][-1]
    print(f"   best of 8: {best}, f = {float(f_numpy(*end)):+.4f} at ({end[0]:+.3f}, "
          f"{end[1]:+.3f}); global minimum f(0, 0) = -1")
    return paths


def networks() -> None:
    X, y = moons(200, noise=0.1, seed=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=len(y))
    seeds = range(4 if QUICK else 8)
    print(f"\n2. a tiny 2-3-2 ReLU network on 'moons' from {len(seeds)} random initialisations")
    results = []
    for seed in seeds:
        model = nn.Sequential(nn.Linear(2, 3, rng=seed), nn.ReLU(),
                              nn.Linear(3, 2, rng=seed + 100))
        hist = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.5),
                      loader, epochs=100 if QUICK else 300, progress=False)
        acc = nn.evaluate(model, loader, metrics=["accuracy"])["accuracy"]
        results.append((hist.train_loss[-1], seed, acc))
        print(f"   seed {seed}: final loss {hist.train_loss[-1]:.4f}, accuracy {acc:.3f}")
    loss, seed, acc = min(results)
    worst = max(results)
    print(f"   keep the best: seed {seed}, loss {loss:.4f}, accuracy {acc:.3f} "
          f"(worst start: loss {worst[0]:.4f})")


if __name__ == "__main__":
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    paths = surface()
    networks()
    try:
        from nn import plot

        ends = {k: float(f_numpy(*v[-1])) for k, v in paths.items()}
        best = min(ends, key=ends.__getitem__)
        labelled = {f"{k}: f = {ends[k]:+.2f}{' (kept)' if k == best else ''}": v
                    for k, v in paths.items()}
        p = plot.optimizer_trajectories(f_numpy, labelled, os.path.join(OUT,
                                        "local_minima_restarts.png"), xlim=(-4.5, 4.5),
                                        ylim=(-4.5, 4.5), log_levels=False, levels=25,
                                        title="Gradient descent from 8 random starts: keep "
                                              "the best")
        print(f"\nwrote {p}")
    except ImportError as exc:
        print(f"(no figure: {exc})")
