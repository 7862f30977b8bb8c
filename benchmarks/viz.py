"""Time to build the DOT text of 10,000- and 100,000-node graphs (no graphviz binary involved).

Run: ``python benchmarks/viz.py``. Three graph shapes per size, all scalar ``Value``
graphs unless noted:

* chain: ``y = tanh(y * 0.9)`` repeated (the deepest graph possible, one long path);
* mlp: an ``nn.MLP(2, [16, 16, 1])`` over a batch, summed squared error (wide, shared
  parameters), built until it has at least the target number of nodes;
* tensor chain: a Tensor of shape (8,) through ``tanh``/``* 0.9`` (array summaries per node).

For each, ``to_dot(root, max_nodes=None)`` (every node drawn) and ``to_dot(root)`` (the
default: collapsed to 300 drawn nodes) are timed, best of 3.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autodiff as ad  # noqa: E402
import nn  # noqa: E402
from autodiff.value import Value  # noqa: E402
from autodiff.viz import to_dot  # noqa: E402
from autodiff.viz.graph import walk  # noqa: E402


def chain(n: int) -> Value:
    y = Value(0.5, label="x")
    for _ in range(n // 2):
        y = (y * 0.9).tanh()
    y.backward()
    return y


def mlp(n: int) -> tuple[Value, nn.MLP]:
    model = nn.MLP(2, [16, 16, 1], rng=0)
    rng = np.random.default_rng(0)
    loss = Value(0.0)

    def add_sample(loss: Value) -> Value:
        x0, x1 = rng.normal(size=2)
        return loss + (model([Value(float(x0)), Value(float(x1))]) - 1.0) ** 2

    loss = add_sample(loss)
    first = len(walk([loss]).nodes)
    loss = add_sample(loss)
    per_sample = len(walk([loss]).nodes) - first  # the parameters are shared
    for _ in range(max(0, -(-(n - first - per_sample) // per_sample))):
        loss = add_sample(loss)
    loss.backward()
    return loss, model


def tensor_chain(n: int) -> ad.Tensor:
    x = ad.tensor(np.linspace(-1, 1, 8), requires_grad=True, name="x")
    y = x
    for _ in range(n // 2):
        y = (y * 0.9).tanh()
    y.sum().backward()
    return y


def best_of(fn: Callable[[], str], repeat: int = 3) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        src = fn()
        times.append(time.perf_counter() - t0)
    return min(times), src.count("\n")


def main() -> None:
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print("| graph | nodes | to_dot, all drawn (s) | DOT lines | to_dot, default "
          "max_nodes=300 (s) | DOT lines |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in (10_000, 100_000):
        cases: list[tuple[str, object, dict]] = [("Value chain", chain(n), {})]
        loss, model = mlp(n)
        cases.append(("Value MLP(2,[16,16,1]) batch", loss, {}))
        cases.append(("same, group_by_module", loss, {"group_by_module": model}))
        cases.append(("Tensor chain, shape (8,)", tensor_chain(n), {}))
        for name, root, kw in cases:
            nodes = len(walk([root]).nodes)
            full, full_lines = best_of(lambda r=root, k=kw: to_dot(r, max_nodes=None, **k))
            small, small_lines = best_of(lambda r=root, k=kw: to_dot(r, **k))
            print(f"| {name} | {nodes:,} | {full:.3f} | {full_lines:,} | {small:.3f} | "
                  f"{small_lines:,} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
