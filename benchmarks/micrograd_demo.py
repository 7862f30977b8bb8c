"""micrograd's own demo workload (its demo.ipynb), timed for every engine in one process.

MLP(2, [16, 16, 1]) on ``make_moons(n_samples=100, noise=0.1, random_state=1)``, full
batch, SVM max-margin loss plus L2, accuracy, backward, SGD with the demo's decaying
learning rate (benchmarks/demo_engines.py has the contenders). The scalar engines run the
notebook's code as written, inputs wrapped in Values from the numpy rows. Every contender
starts from the same weights; their losses must agree at every step.

Each mode (garbage collector on, the interpreter's default, then off) runs the contenders
in blocks of consecutive steps, alternating in rounds, with an untimed ``gc.collect()``
before each block, so each engine pays for its own garbage only.

    python benchmarks/micrograd_demo.py [--steps 9] [--no-torch] [--write]

``--write`` replaces the "## micrograd's demo (benchmarks/micrograd_demo.py)" section of
benchmarks/RESULTS.md with this run's tables.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from demo_engines import N_POINTS, Step, contenders, make_data, torch_available, worst_difference
from results_file import write_section  # benchmarks/ is on sys.path when run as a script
from tqdm import tqdm

HEADING = "## micrograd's demo (benchmarks/micrograd_demo.py)"
TOLERANCE = 1e-9  # largest |loss difference| allowed between float64 engines


def run(engines: dict[str, Step], steps: int, use_gc: bool, progress: bool = True) -> dict:
    """Time ``steps`` steps of every engine with the collector on or off.

    Returns, per engine, the median seconds of the whole step, of the forward pass (loss
    and accuracy) and of the rest (zero_grad, backward, update), and its losses and
    accuracies step by step.
    """
    names = list(engines)
    rec: dict[str, dict[str, list[float]]] = {
        n: {"total": [], "forward": [], "backward": [], "loss": [], "acc": []} for n in names}
    block = max(1, steps // 3)
    bar = tqdm(total=steps * len(names), desc=f"gc {'on' if use_gc else 'off'}",
               disable=not progress, file=sys.stderr)
    done = 0
    try:
        while done < steps:
            n = min(block, steps - done)
            for name in names:
                gc.collect()
                (gc.enable if use_gc else gc.disable)()
                for k in range(done, done + n):
                    t = time.perf_counter()
                    loss, acc, fwd, bwd = engines[name](k)
                    total = time.perf_counter() - t
                    r = rec[name]
                    for key, v in (("total", total), ("forward", fwd), ("backward", bwd),
                                   ("loss", loss), ("acc", acc)):
                        r[key].append(v)
                    bar.update(1)
                gc.enable()
            done += n
    finally:
        gc.enable()
        bar.close()
    return {name: {key: (statistics.median(v) if key in ("total", "forward", "backward")
                         else v) for key, v in r.items()} for name, r in rec.items()}


def check(res: dict) -> tuple[float, bool]:
    """(largest loss difference from autodiff.Value, whether the accuracies all agree)."""
    worst = worst_difference({n: r["loss"] for n, r in res.items()})
    ref = res["autodiff.Value"]["acc"]
    return worst, all(r["acc"] == ref for r in res.values())


def ratio(t: float, ref: float) -> str:
    """``t`` against ``ref`` in words: "3.1x slower", "1.0x" or "63x faster"."""
    r = t / ref
    if 0.95 <= r <= 1.05:
        return f"{r:.2f}x"
    big = max(r, 1 / r)
    num = f"{big:,.0f}" if big >= 100 else f"{big:.1f}"
    return f"{num}x {'slower' if r > 1 else 'faster'}"


def table(res: dict) -> list[str]:
    """The markdown rows of one mode: ms per step, the split, and the ratios."""
    ref, floor = res["autodiff.Value"]["total"], res["numpy floor"]["total"]
    rows = ["| engine | ms / step | forward | backward + update | vs autodiff.Value | "
            "vs numpy floor |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in res.items():
        t = r["total"]
        rows.append(f"| {name} | {t * 1e3:.2f} | {r['forward'] * 1e3:.2f} | "
                    f"{r['backward'] * 1e3:.2f} | {ratio(t, ref)} | {ratio(t, floor)} |")
    return rows


def machine() -> str:
    """Python, CPU, library versions, load, commit and time of this run."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    torch_v = "not installed"
    if torch_available():
        import torch
        torch_v = torch.__version__
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"numpy {np.__version__}, PyTorch {torch_v} (one thread); load {load:.1f} at the "
            f"start; commit {commit}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")


def render(on: dict, off: dict, steps: int, worst: float, torch_note: str, where: str) -> str:
    """The RESULTS.md section for these measurements, as markdown."""
    mg, av = "micrograd 0.1.0", "autodiff.Value"
    ratio_on = on[mg]["total"] / on[av]["total"]
    ratio_off = off[mg]["total"] / off[av]["total"]
    losses = on[av]["loss"]
    lines = [
        HEADING, "",
        f"`python benchmarks/micrograd_demo.py --steps {steps} --write`. micrograd's "
        f"demo.ipynb: MLP(2, [16, 16, 1]) on make_moons({N_POINTS} points, noise 0.1, "
        "random_state 1), full batch, max-margin loss + 1e-4 L2, accuracy, backward, SGD "
        "with learning rate 1.0 - 0.9 k / 100. The scalar engines run the notebook's code "
        "(inputs `list(map(Value, row))` of the numpy rows: micrograd keeps numpy float64 "
        "scalars in `.data`, autodiff converts to float); the Tensor engine, PyTorch and "
        "numpy run the same math full batch in float64. Same weights and data, one "
        f"process; median of {steps} steps per engine, blocks of consecutive steps with "
        "engines alternating, an untimed `gc.collect()` before each block. Forward = loss "
        "and accuracy; the three time columns are medians taken separately, so the parts "
        f"need not add up to the whole. {torch_note}Losses {losses[0]:.4f} -> "
        f"{losses[-1]:.4f}; largest "
        f"loss difference from autodiff.Value over all engines and steps {worst:.1e} "
        f"(required <= {TOLERANCE:g}), accuracies identical. {where}", "",
        "Garbage collector on (the default):", "", *table(on), "",
        "Garbage collector off (`gc.disable()`):", "", *table(off), "",
        f"autodiff.Value over micrograd on this workload: **{ratio_on:.1f}x** with the "
        f"collector on, **{ratio_off:.1f}x** with it off.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when the engines disagree or micrograd is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=9, help="timed steps per engine and mode")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    try:
        import micrograd  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        print(f"{e.name} is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    with_torch = not args.no_torch and torch_available()
    if with_torch:
        import torch
        torch.set_num_threads(1)
    torch_note = "" if with_torch else "PyTorch not measured (not installed or --no-torch). "
    where = machine()
    x, y = make_data()
    on = run(contenders(x, y, with_torch), args.steps, use_gc=True)
    off = run(contenders(x, y, with_torch), args.steps, use_gc=False)
    (w_on, acc_on), (w_off, acc_off) = check(on), check(off)
    worst = max(w_on, w_off)
    text = render(on, off, args.steps, worst, torch_note, where)
    print(text)
    ok = worst <= TOLERANCE and acc_on and acc_off
    if not ok:
        print(f"FAIL: the engines disagree (loss difference {worst:.1e}, tolerance "
              f"{TOLERANCE:g}; accuracies equal: {acc_on and acc_off})", file=sys.stderr)
    elif args.write:
        write_section(text, HEADING)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
