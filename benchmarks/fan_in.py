"""Backward time against graph shape and size: fan-in, fan-out and a chain, 1e3 to 1e5 nodes.

Four graph shapes of ``n`` nodes, each differentiated once (``out.sum().backward()``):

* fan-in: ``concatenate`` of ``n`` leaves of shape (1,);
* one tensor reused: ``concatenate([x] * n)``, one leaf of shape (2,) used ``n`` times;
* many consumers: ``stack([x * i for i in range(n)])``, one leaf feeding ``n`` ops;
* chain: ``y = y * 1.0`` repeated ``n`` times.

Linear cost shows as a constant time per node and a log-log slope near 1 between the
smallest and the largest size; PyTorch CPU runs the same graphs in the same run when it
is installed. Only backward is timed (the graph is built beforehand), median of repeats.

Usage: ``python benchmarks/fan_in.py [--quick] [--write]`` (``--write`` replaces the
"Backward against graph shape" section of benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

from results_file import write_section  # benchmarks/ is on sys.path when run as a script

import autodiff as ad

HEADING = "## Backward against graph shape (benchmarks/fan_in.py)"


def autodiff_graphs() -> dict[str, Callable[[int], Any]]:
    """Builders of each shape's output with autodiff."""
    def fan_in(n: int) -> Any:
        return ad.concatenate([ad.tensor([1.0], requires_grad=True) for _ in range(n)])

    def reused(n: int) -> Any:
        return ad.concatenate([ad.tensor([1.0, 2.0], requires_grad=True)] * n)

    def consumers(n: int) -> Any:
        x = ad.tensor([1.0, 2.0], requires_grad=True)
        return ad.stack([x * float(i) for i in range(n)])

    def chain(n: int) -> Any:
        y = ad.tensor([1.0], requires_grad=True)
        for _ in range(n):
            y = y * 1.0
        return y

    return {"fan-in": fan_in, "one tensor reused": reused, "many consumers": consumers,
            "chain": chain}


def torch_graphs() -> dict[str, Callable[[int], Any]] | None:
    """The same builders with PyTorch, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    f64 = torch.float64

    def fan_in(n: int) -> Any:
        return torch.cat([torch.ones(1, dtype=f64, requires_grad=True) for _ in range(n)])

    def reused(n: int) -> Any:
        return torch.cat([torch.ones(2, dtype=f64, requires_grad=True)] * n)

    def consumers(n: int) -> Any:
        x = torch.ones(2, dtype=f64, requires_grad=True)
        return torch.stack([x * float(i) for i in range(n)])

    def chain(n: int) -> Any:
        y = torch.ones(1, dtype=f64, requires_grad=True)
        for _ in range(n):
            y = y * 1.0
        return y

    return {"fan-in": fan_in, "one tensor reused": reused, "many consumers": consumers,
            "chain": chain}


def backward_seconds(build: Callable[[int], Any], n: int, repeats: int) -> float:
    """Median time of ``build(n).sum().backward()``, building excluded."""
    times = []
    for _ in range(repeats):
        out = build(n).sum()
        t0 = time.perf_counter()
        out.backward()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(sizes: list[int]) -> list[dict[str, Any]]:
    """One record per (engine, shape): backward seconds at each size and the slope."""
    engines = {"autodiff": autodiff_graphs(), "PyTorch": torch_graphs()}
    records = []
    for engine, graphs in engines.items():
        if graphs is None:
            continue
        for shape, build in graphs.items():
            seconds = [backward_seconds(build, n, 3 if n < 50_000 else 1) for n in sizes]
            slope = math.log(seconds[-1] / seconds[0]) / math.log(sizes[-1] / sizes[0])
            records.append({"engine": engine, "shape": shape, "seconds": seconds,
                            "slope": slope})
            print(f"{engine:9s} {shape:18s} " + "  ".join(f"{s * 1e3:9.2f} ms" for s in seconds)
                  + f"   slope {slope:.2f}")
    return records


def table(records: list[dict[str, Any]], sizes: list[int]) -> str:
    """The RESULTS.md section: time per node at each size, the slope, ratios to a chain."""
    chain = {r["engine"]: r["seconds"] for r in records if r["shape"] == "chain"}
    head = " | ".join(f"us/node at {n:,}" for n in sizes)
    lines = [HEADING, "",
             f"Backward only (graph built beforehand), median of 3 (1 at 100,000), "
             f"float64, one thread; Python {platform.python_version()}, "
             f"{platform.machine()}, 2 shared cores.", "",
             f"| engine | graph | {head} | log-log slope | time / chain's at {sizes[-1]:,} |",
             "|---|---|" + "---|" * (len(sizes) + 2)]
    for r in records:
        per_node = " | ".join(f"{s / n * 1e6:.2f}" for s, n in zip(r["seconds"], sizes))
        ratio = r["seconds"][-1] / chain[r["engine"]][-1]
        lines.append(f"| {r['engine']} | {r['shape']} | {per_node} | {r['slope']:.2f} | "
                     f"{ratio:.2f} |")
    lines += ["", "A slope of 1 is linear cost; before variadic ops got an all-at-once VJP, "
              "fan-in backward was quadratic (slope 2: 0.35 s at 1,000 leaves, 5.8 s at "
              "4,000)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 1e3 and 1e4 only")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    records = measure(sizes)
    text = table(records, sizes)
    print(text)
    if args.write:
        write_section(text, HEADING)


if __name__ == "__main__":
    main()
