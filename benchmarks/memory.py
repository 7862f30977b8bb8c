"""Memory of long training runs and deep graphs, and the cost of anomaly mode when it is off.

Measured (issue "Reliability", items 1 and 2):

* resident memory (RSS) and traced Python memory (tracemalloc) before and after 10,000
  training steps of a tensor MLP (``nn.Linear`` layers, Adam) and 1,000 steps of the
  scalar ``nn.MLP`` (SGD), with the cyclic garbage collector switched off during the
  loop: whatever the loop frees, reference counting freed;
* then one ``gc.collect()``: how many engine objects (Tensors, Values, arrays) it finds
  in reference cycles (0 expected);
* the deepest graphs tried: chains of 10^6 and 3 x 10^6 Values, 10^5 and 10^6 Tensors,
  built, differentiated and freed with the default recursion limit;
* the time of a training step with anomaly mode off, against the same engine with the
  anomaly checks cut out of ``Op.__call__`` and the backward loop (A/B, interleaved
  rounds), and with anomaly mode on.

Usage: ``python benchmarks/memory.py [--quick] [--write]`` (``--write`` replaces the
"Memory" section of benchmarks/RESULTS.md and leaves the other sections alone).
"""

from __future__ import annotations
import __future__

import argparse
import gc
import inspect
import os
import platform
import resource
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from results_file import write_section  # benchmarks/ is on sys.path when run as a script

import autodiff as ad
import nn
from autodiff import engine
from autodiff import op as op_module
from nn.layers import Linear, Sequential, Tanh
from nn.optim import SGD, Adam

HEADING = "## Memory (benchmarks/memory.py)"
MB = 1024 * 1024


# ------------------------------------------------------------------------------ measuring
def rss() -> int:
    """Resident set size of this process in bytes (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


@contextmanager
def gc_off() -> Iterator[dict[str, int]]:
    """Collector off in the block; afterwards ``result['cycles']`` = engine objects in cycles."""
    gc.collect()
    gc.disable()
    result: dict[str, int] = {}
    try:
        yield result
    finally:
        gc.set_debug(gc.DEBUG_SAVEALL)
        result["collected"] = gc.collect()
        kinds = (ad.Tensor, ad.Value, np.ndarray)
        result["cycles"] = sum(isinstance(o, kinds) for o in gc.garbage)
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def tensor_trainer(seed: int = 0) -> Callable[[], float]:
    """One step of a 4-32-32-1 tanh MLP on a batch of 64 with Adam; returns the loss."""
    rng = np.random.default_rng(seed)
    x = ad.tensor(rng.standard_normal((64, 4)))
    y = ad.tensor(np.sin(x.data.sum(axis=1, keepdims=True)))
    model = Sequential(Linear(4, 32, rng=seed), Tanh(), Linear(32, 32, rng=seed + 1), Tanh(),
                       Linear(32, 1, rng=seed + 2))
    opt = Adam(model.parameters(), lr=1e-3)

    def step() -> float:
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def scalar_trainer(seed: int = 0) -> Callable[[], float]:
    """One step of the scalar nn.MLP(2, [16, 16, 1]) on 8 samples with SGD."""
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-1, 1, (8, 2)).tolist()
    ys = [float(np.sign(a * b)) for a, b in xs]
    model = nn.MLP(2, [16, 16, 1], rng=seed)
    opt = SGD(model.parameters(), lr=0.01)

    def step() -> float:
        loss = sum(((model(x) - t) ** 2 for x, t in zip(xs, ys)), ad.Value(0.0)) * (1 / 8)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.data

    return step


def training_memory(make: Callable[[], Callable[[], float]], steps: int) -> dict[str, Any]:
    """RSS along ``steps`` steps (collector off), then tracemalloc over the same run again."""
    step = make()
    for _ in range(max(steps // 50, 20)):  # warm-up: caches, free lists, Adam state
        step()
    marks = []
    with gc_off() as cycles:
        before = rss()
        t0 = time.perf_counter()
        first = step()
        for i in range(1, steps):
            last = step()
            if (i + 1) % (steps // 10) == 0:
                marks.append(rss())
        seconds = time.perf_counter() - t0
    after = rss()
    step = make()
    for _ in range(max(steps // 50, 20)):
        step()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(steps):
        step()
        if i + 1 == steps // 2:
            half = tracemalloc.get_traced_memory()[0] - base
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {"steps": steps, "before": before, "after": after, "marks": marks,
            "seconds": seconds, "first": first, "last": last, "traced": traced,
            "traced_half": half, **cycles}


def chain(kind: str, n: int) -> dict[str, Any]:
    """Build a chain of ``n`` nodes, backward through it, free it; times and RSS."""
    gc.collect()
    start = rss()
    t0 = time.perf_counter()
    if kind == "Value":
        leaf = ad.Value(1.0)
        y = leaf
        for i in range(n):
            y = y * 1.0000001 if i % 2 else y + 0.5
    else:
        leaf = ad.tensor([1.0, 2.0], requires_grad=True)
        y = leaf
        for i in range(n):
            y = y * 1.0000001 if i % 2 else y + 0.5
        y = y.sum()
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    peak = rss()
    del y
    t3 = time.perf_counter()
    freed = rss()
    cycles = gc.collect()
    grad = leaf.grad if kind == "Value" else float(leaf.grad[0])
    expected = 1.0000001 ** (n // 2)
    return {"kind": kind, "n": n, "build": t1 - t0, "backward": t2 - t1, "free": t3 - t2,
            "peak": peak - start, "left": freed - start, "cycles": cycles,
            "ok": abs(grad - expected) <= 1e-9 * expected,
            "limit": sys.getrecursionlimit()}


# ------------------------------------------------------------------------------ anomaly cost
def _strip(function: Callable[..., Any], cuts: list[tuple[str, str]],
           module_globals: dict[str, Any]) -> Callable[..., Any] | None:
    """Recompile ``function`` with each ``old`` text replaced by ``new``; None if one is gone."""
    source = textwrap.dedent(inspect.getsource(function))
    for old, new in cuts:
        if old not in source:
            return None
        source = source.replace(old, new)
    namespace: dict[str, Any] = {}
    code = compile(source, inspect.getsourcefile(function) or "<stripped>", "exec",
                   flags=__future__.annotations.compiler_flag, dont_inherit=True)
    exec(code, module_globals, namespace)  # noqa: S102 - the engine's own source, minus lines
    return namespace[function.__name__]


def _line_cut(source: str, start: str) -> tuple[str, str] | None:
    """The ``if ...:`` line starting with ``start`` and its one-line body, to cut out."""
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == start and i + 1 < len(lines):
            return line + lines[i + 1], ""
    return None


def anomaly_overhead(rounds: int, steps: int) -> dict[str, Any]:
    """Per-step time with anomaly mode off: stock engine vs the engine without the checks."""
    call_src = textwrap.dedent(inspect.getsource(op_module.Op.__call__))
    back_src = textwrap.dedent(inspect.getsource(engine.run_backward))
    call_cut = _line_cut(call_src, "if anomaly._state.enabled:")
    back_cut = _line_cut(back_src, "if check:")
    if call_cut is None or back_cut is None:
        return {"available": False}
    sites = ("anomaly.creation_site() if anomaly._state.record_sites else None", "None")
    stripped_call = _strip(op_module.Op.__call__, [call_cut, sites], vars(op_module))
    stripped_back = _strip(engine.run_backward, [back_cut], vars(engine))
    if stripped_call is None or stripped_back is None:
        return {"available": False}
    stock = (op_module.Op.__call__, engine.run_backward)

    def use(call: Callable[..., Any], back: Callable[..., Any]) -> None:
        op_module.Op.__call__ = call
        engine.run_backward = back

    def timed(step: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - t0) / steps

    results: dict[str, Any] = {"available": True, "rounds": rounds, "workloads": {}}
    try:
        for label, step in (("MLP training step above", tensor_trainer()),
                            ("100 tiny ops + backward", tiny_ops())):
            times: dict[str, list[float]] = {"stock": [], "stripped": [], "on": []}
            for r in range(rounds):
                order = ["stock", "stripped", "on"]
                for name in order[r % 3:] + order[: r % 3]:
                    use(*(stock if name != "stripped" else (stripped_call, stripped_back)))
                    if name == "on":
                        with ad.detect_anomaly():
                            times[name].append(timed(step))
                    else:
                        times[name].append(timed(step))
            ratios = [a / b for a, b in zip(times["stock"], times["stripped"])]
            results["workloads"][label] = {
                **{name: min(t) for name, t in times.items()},
                "off_cost": float(np.median(ratios)) - 1.0,
                "off_cost_iqr": tuple(float(q) - 1.0 for q in np.percentile(ratios, [25, 75])),
            }
    finally:
        use(*stock)
    return results


def tiny_ops() -> Callable[[], None]:
    """A chain of 100 elementwise ops on shape (4,), then backward: overhead-bound."""
    x = ad.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)

    def step() -> None:
        y = x
        for _ in range(25):
            y = ((y * 0.9 + 0.1).tanh() - 0.05).sin()
        x.grad = None
        y.sum().backward()

    return step


# ------------------------------------------------------------------------------ report
def render(tensor: dict, scalar: dict, chains: list[dict], cost: dict) -> str:
    def mb(b: float) -> str:
        return f"{b / MB:+.1f} MB" if abs(b) >= 0.05 * MB else f"{b / 1024:+.0f} KB"

    lines = [
        HEADING, "",
        "`python benchmarks/memory.py` (about a minute). Collector off during each loop, so "
        "only reference counting frees memory; then one `gc.collect()`. "
        f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}.",
        "",
        "| loop | steps | RSS before | RSS after | RSS change | traced growth, 1st half "
        "| traced growth, 2nd half | engine objects in cycles | loss first -> last |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in (("tensor MLP 4-32-32-1, batch 64, Adam", tensor),
                    ("scalar nn.MLP 2-16-16-1, 8 samples, SGD", scalar)):
        lines.append(
            f"| {name} | {r['steps']:,} | {r['before'] / MB:.1f} MB | {r['after'] / MB:.1f} MB "
            f"| {mb(r['after'] - r['before'])} | {mb(r['traced_half'])} "
            f"| {mb(r['traced'] - r['traced_half'])} | {r['cycles']} "
            f"| {r['first']:.4f} -> {r['last']:.4f} |")
    marks = ", ".join(f"{m / MB:.1f}" for m in tensor["marks"])
    every = tensor["steps"] // 10
    lines += ["", f"RSS every {every:,} tensor steps (MB): {marks}.", "",
              "Deepest graphs tried (recursion limit left at "
              f"{chains[0]['limit'] if chains else '?'}):", "",
              "| chain | nodes | build | backward | free | RSS at peak | RSS left after free "
              "| objects in cycles | gradient exact |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in chains:
        lines.append(
            f"| {c['kind']} | {c['n']:,} | {c['build']:.2f} s | {c['backward']:.2f} s "
            f"| {c['free']:.2f} s | {mb(c['peak'])} | {mb(c['left'])} | {c['cycles']} "
            f"| {'yes' if c['ok'] else 'NO'} |")
    lines += ["", "\"RSS left after free\" is memory the C allocator keeps for reuse, not live "
              "nodes: `tests/reliability/test_memory.py` checks with weak references that "
              "every node of such chains is gone.", ""]
    if cost.get("available"):
        lines += ["Anomaly mode (ms per step, best of "
                  f"{cost['rounds']} interleaved rounds). \"checks cut out\" is this engine "
                  "recompiled without the anomaly lines of `Op.__call__` and the backward "
                  "loop; \"cost when off\" is the median of the paired off/cut-out ratios "
                  "(interquartile range in brackets):", "",
                  "| workload | off | checks cut out | cost when off | on | on / off |",
                  "|---|---:|---:|---:|---:|---:|"]
        for label, w in cost["workloads"].items():
            lo, hi = w["off_cost_iqr"]
            lines.append(
                f"| {label} | {w['stock'] * 1e3:.3f} | {w['stripped'] * 1e3:.3f} "
                f"| {w['off_cost']:+.1%} [{lo:+.1%}, {hi:+.1%}] | {w['on'] * 1e3:.3f} "
                f"| {w['on'] / w['stock']:.2f}x |")
    else:
        lines.append("Anomaly-mode cost: not measured (the engine's source changed shape).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every measurement, print the section; exit 1 if memory grew or cycles were found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    q = args.quick
    tensor = training_memory(tensor_trainer, 1_000 if q else 10_000)
    scalar = training_memory(scalar_trainer, 100 if q else 1_000)
    sizes = ([("Value", 10**5), ("Tensor", 10**4)] if q else
             [("Value", 10**6), ("Value", 3 * 10**6), ("Tensor", 10**5), ("Tensor", 10**6)])
    chains = [chain(kind, n) for kind, n in sizes]
    cost = anomaly_overhead(rounds=3 if q else 9, steps=200 if q else 1_000)
    text = render(tensor, scalar, chains, cost)
    print(text)
    ok = (all(r["cycles"] == 0 for r in (tensor, scalar))
          and all(c["ok"] and c["cycles"] == 0 for c in chains)
          and all(r["traced"] - r["traced_half"] < 64 * 1024 for r in (tensor, scalar)))
    if not ok:
        print("FAIL: memory grew, a cycle was found or a gradient was wrong", file=sys.stderr)
    if args.write:
        write_section(text, HEADING)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
