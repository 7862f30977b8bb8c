"""Scalar engine benchmark: one training step of MLP(2, [16, 16, 1]) against micrograd.

One step = forward over 100 two-dimensional points, mean squared error, zero_grad,
backward, SGD update. Both engines start from the same weights and see the same data in
the same process, and build the same graph shape (one node per scalar operation). The
plain-float floor does the same math with hand-written gradients and no graph. The
garbage collector is on (the interpreter's default) unless ``--no-gc`` is given.

Also times a chain of 1,000,000 nodes: build, backward, free.

    python benchmarks/scalar.py [--steps 5] [--no-gc] [--write]

``--write`` replaces the "## Scalar engine (benchmarks/scalar.py)" section of
benchmarks/RESULTS.md with this run's table.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
from results_file import write_section  # benchmarks/ is on sys.path when run as a script

import nn
from autodiff import Value

HEADING = "## Scalar engine (benchmarks/scalar.py)"
SIZES = [2, 16, 16, 1]
N_POINTS = 100
LR = 0.01


def make_data(seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """100 points in two interleaved half-moons with targets -1 / +1."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, math.pi, N_POINTS)
    label = rng.integers(0, 2, N_POINTS)
    x = np.where(label[:, None] == 0, np.c_[np.cos(t), np.sin(t)],
                 np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    x = x + rng.normal(scale=0.1, size=x.shape)
    return x.tolist(), (2.0 * label - 1.0).tolist()


def sgd_step(model, xs: list, ys: list) -> float:
    """One MSE training step of a scalar MLP (autodiff's ``nn.MLP`` or micrograd's: the
    same code runs both); returns the loss."""
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return loss.data


def floor_step(ws: list, bs: list, xs: list, ys: list) -> float:
    """The same step on plain floats with hand-written gradients (no graph)."""
    n_layers = len(ws)
    gws = [[[0.0] * len(row) for row in w] for w in ws]
    gbs = [[0.0] * len(b) for b in bs]
    total = 0.0
    scale = 1.0 / len(xs)
    for x, y in zip(xs, ys, strict=True):
        acts = [x]
        for li in range(n_layers):
            a = acts[-1]
            out = []
            for row, b in zip(ws[li], bs[li], strict=True):
                s = b
                for w, ai in zip(row, a, strict=True):
                    s += w * ai
                out.append(s if li == n_layers - 1 or s > 0 else 0.0)
            acts.append(out)
        d = acts[-1][0] - y
        total += d * d
        grad = [2.0 * d * scale]
        for li in range(n_layers - 1, -1, -1):
            a, out = acts[li], acts[li + 1]
            if li != n_layers - 1:
                grad = [g if o > 0 else 0.0 for g, o in zip(grad, out, strict=True)]
            back = [0.0] * len(a)
            for j, (row, g) in enumerate(zip(ws[li], grad, strict=True)):
                gbs[li][j] += g
                grow = gws[li][j]
                for k, w in enumerate(row):
                    grow[k] += g * a[k]
                    back[k] += g * w
            grad = back
    for li in range(n_layers):
        for j, row in enumerate(ws[li]):
            for k in range(len(row)):
                row[k] -= LR * gws[li][j][k]
            bs[li][j] -= LR * gbs[li][j]
    return total * scale


def copy_weights(src: nn.MLP, micro) -> None:
    """Give micrograd's MLP the weights of ``src`` (both list w's then b per neuron)."""
    for p, q in zip(src.parameters(), micro.parameters(), strict=True):
        q.data = p.data


def graph_size(root) -> tuple[int, int]:
    """(operation nodes, leaves) of the graph below ``root``, for either engine."""
    seen, stack, ops, leaves = set(), [root], 0, 0
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        parents = list(v._prev)
        ops, leaves = (ops + 1, leaves) if parents else (ops, leaves + 1)
        stack.extend(parents)
    return ops, leaves


def graph_sizes() -> dict[str, tuple[int, int]]:
    """Graph size of one step's loss for both engines (same weights, same data)."""
    import micrograd.nn as mnn

    xs, ys = make_data()
    ours = nn.MLP(2, SIZES[1:], rng=0)
    micro = mnn.MLP(2, SIZES[1:])
    copy_weights(ours, micro)
    return {name: graph_size(sum((m(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs))
            for name, m in (("autodiff", ours), ("micrograd", micro))}


def chain(n: int) -> dict[str, float]:
    """Seconds to build, backpropagate and free a chain of ``n`` nodes."""
    t0 = time.perf_counter()
    x = Value(0.5)
    v = x
    for _ in range(n):
        v = v * 1.0000001
    t1 = time.perf_counter()
    v.backward()
    t2 = time.perf_counter()
    del v
    t3 = time.perf_counter()
    assert math.isclose(x.grad, 1.0000001**n, rel_tol=1e-6)
    return {"build": t1 - t0, "backward": t2 - t1, "free": t3 - t2}


def run(steps: int, use_gc: bool, collect: bool = False) -> dict:
    """Time ``steps`` training steps of each engine; return the numbers.

    Default (``collect=False``): the interpreter's own settings, as a user trains: each
    engine runs blocks of consecutive steps, so it pays for its own garbage (micrograd's
    closures leave reference cycles that only the collector frees). Blocks of the three
    engines alternate in rounds so that load from other processes hits all alike.
    ``collect=True``: steps are interleaved and an untimed ``gc.collect()`` runs before
    each one, which spares micrograd collecting its previous graph (a conservative
    comparison). All engines start from the same weights and follow the same trajectory,
    so their losses are compared step by step.
    """
    import micrograd.nn as mnn

    xs, ys = make_data()
    ours = nn.MLP(2, SIZES[1:], rng=0)
    micro = mnn.MLP(2, SIZES[1:])
    copy_weights(ours, micro)
    ws = [[[w.data for w in n.w] for n in layer.neurons] for layer in ours.layers]
    bs = [[n.b.data for n in layer.neurons] for layer in ours.layers]
    engines = (("micrograd", lambda: sgd_step(micro, xs, ys)),
               ("autodiff", lambda: sgd_step(ours, xs, ys)),
               ("floor", lambda: floor_step(ws, bs, xs, ys)))
    times: dict[str, list[float]] = {name: [] for name, _ in engines}
    losses: dict[str, list[float]] = {name: [] for name, _ in engines}
    block = 1 if collect else max(1, steps // 3)
    done = 0
    try:
        while done < steps:
            n = min(block, steps - done)
            for name, fn in engines:
                gc.collect()
                (gc.enable if use_gc else gc.disable)()
                for _ in range(n):
                    if collect:
                        gc.collect()
                    t = time.perf_counter()
                    losses[name].append(fn())
                    times[name].append(time.perf_counter() - t)
                gc.enable()
            done += n
    finally:
        gc.enable()
    worst = max(abs(a - b) / max(1.0, abs(b)) for name in ("autodiff", "floor")
                for a, b in zip(losses[name], losses["micrograd"], strict=True))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"median": med, "worst_loss_diff": worst, "losses": losses["autodiff"]}


def render(res: dict, res_col: dict, res_nogc: dict | None, ch: dict, steps: int,
           sizes: dict[str, tuple[int, int]]) -> str:
    """The RESULTS.md section for these measurements, as markdown."""
    m = res["median"]
    (ops, leaves), (mops, mleaves) = sizes["autodiff"], sizes["micrograd"]
    c = res_col["median"]
    lines = [
        HEADING,
        "",
        f"`python benchmarks/scalar.py --steps {steps}{' --no-gc' if res_nogc else ''} --write`. "
        f"One training step of MLP(2, [16, 16, 1]) on {N_POINTS} points (MSE, backward, SGD), "
        f"median of {steps} steps per engine (blocks of consecutive steps, engines "
        f"alternating), same weights and data, garbage collector on (default settings). "
        f"Losses {res['losses'][0]:.4f} -> {res['losses'][-1]:.4f}. "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs.",
        "",
        "| engine | s / step | vs autodiff |",
        "|---|---|---|",
        f"| micrograd 0.1.0 | {m['micrograd']:.4f} | "
        f"{m['micrograd'] / m['autodiff']:.1f}x slower |",
        f"| autodiff.Value | {m['autodiff']:.4f} | 1.0x |",
        f"| plain floats, hand-written gradients | {m['floor']:.4f} | "
        f"{m['autodiff'] / m['floor']:.1f}x faster |",
        "",
        f"Speed-up over micrograd: **{m['micrograd'] / m['autodiff']:.1f}x** (target >= 10x). "
        f"Ratio to the plain-float floor: {m['autodiff'] / m['floor']:.1f}x. "
        f"Largest loss difference from micrograd over all steps: {res['worst_loss_diff']:.1e} "
        "(required <= 1e-9).",
        "",
        f"Same graph shape: one node per scalar operation, {ops:,} operation nodes in "
        f"autodiff's graph and {mops:,} in micrograd's; leaves {leaves:,} and {mleaves:,} "
        "(micrograd also wraps every number operand in a leaf Value).",
    ]
    lines += ["", f"Conservative variant (untimed `gc.collect()` before every step, sparing "
                  f"micrograd its cyclic garbage): micrograd {c['micrograd']:.4f} s, autodiff "
                  f"{c['autodiff']:.4f} s, floor {c['floor']:.4f} s per step: "
                  f"**{c['micrograd'] / c['autodiff']:.1f}x**."]
    if res_nogc is not None:
        n = res_nogc["median"]
        lines += ["", f"With the collector off (context only): micrograd {n['micrograd']:.4f} s, "
                      f"autodiff {n['autodiff']:.4f} s, floor {n['floor']:.4f} s per step."]
    lines += ["", f"Chain of 1,000,000 nodes (`v = v * c`): build {ch['build']:.2f} s, "
                  f"backward {ch['backward']:.2f} s, free {ch['free']:.2f} s, no recursion."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when the losses disagree or micrograd is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="timed steps per engine")
    parser.add_argument("--no-gc", action="store_true", help="also run with the collector off")
    parser.add_argument("--chain", type=int, default=1_000_000, help="nodes in the deep chain")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd is not installed: pip install micrograd==0.1.0", file=sys.stderr)
        return 1
    res = run(args.steps, use_gc=True)
    res_col = run(args.steps, use_gc=True, collect=True)
    res_nogc = run(args.steps, use_gc=False) if args.no_gc else None
    ch = chain(args.chain)
    text = render(res, res_col, res_nogc, ch, args.steps, graph_sizes())
    print(text)
    ok = max(res["worst_loss_diff"], res_col["worst_loss_diff"]) <= 1e-9
    if not ok:
        print("FAIL: losses differ from micrograd by more than 1e-9", file=sys.stderr)
    if args.write:
        write_section(text, HEADING)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
