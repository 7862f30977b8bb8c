"""Speed of one float32 training step: autodiff.Tensor vs a hand-written numpy floor vs PyTorch.

Three MLPs (issue "Tensor engine", item 9), each trained by one step of forward,
loss, backward and an SGD update:

    (a) 2-16-16-1 tanh, batch 32, mean squared error
    (b) 784-256-10 ReLU, batch 256, softmax cross-entropy
    (c) 784-1024-1024-10 ReLU, batch 1024, softmax cross-entropy

Contenders, all in this process with the same weights and data: this engine, a
hand-written numpy forward/backward of the same math (the floor no autodiff can
beat), and PyTorch on the CPU when it is installed. Every round runs the
contenders in a rotated order; the reported time is the minimum over rounds of
the mean time per step. The main figures use one BLAS thread on every side
(``OPENBLAS_NUM_THREADS=1`` set before numpy is imported, ``torch.set_num_threads(1)``);
a subprocess then repeats the comparison with the libraries' default threads.
Also measured: the per-op overhead of ``c = a * b; c.sum().backward()`` on shape
(4,), and the Hessian of the 10-dimensional Rosenbrock function.

Usage: ``python benchmarks/tensor.py [--threads 1|default] [--rounds N] [--no-default-run]``
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # the thread count must be fixed before numpy is imported
    _THREADS = "default" if "default" in sys.argv[1:] else "1"
    if _THREADS == "1":
        for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import autodiff as ad  # noqa: E402

try:  # optional: PyTorch CPU
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

LR = 0.01


@dataclass(frozen=True)
class Config:
    """One benchmark case: layer sizes, hidden activation, loss, batch, steps per round."""

    label: str
    sizes: tuple[int, ...]
    activation: str  # "tanh" or "relu"
    loss: str  # "mse" or "ce"
    batch: int
    steps: int


CONFIGS = (
    Config("(a) 2-16-16-1 tanh, batch 32, MSE", (2, 16, 16, 1), "tanh", "mse", 32, 200),
    Config("(b) 784-256-10 ReLU, batch 256, CE", (784, 256, 10), "relu", "ce", 256, 20),
    Config("(c) 784-1024-1024-10 ReLU, batch 1024, CE", (784, 1024, 1024, 10), "relu", "ce",
           1024, 2),
)


def make_problem(cfg: Config, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Float32 weights [W1, b1, W2, b2, ...] (PyTorch's default uniform init), inputs, targets."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(cfg.sizes[:-1], cfg.sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((cfg.batch, cfg.sizes[0])).astype(np.float32)
    if cfg.loss == "mse":
        y = rng.standard_normal((cfg.batch, cfg.sizes[-1])).astype(np.float32)
    else:
        y = rng.integers(0, cfg.sizes[-1], cfg.batch)
    return params, x, y


# ----------------------------------------------------------------------------- contenders


def engine_step(cfg: Config, params: list[np.ndarray], x: np.ndarray,
                y: np.ndarray) -> Callable[[], float]:
    """One SGD step written as a user of autodiff would write it."""
    ps = [ad.Tensor(p.copy(), requires_grad=True) for p in params]
    xt = ad.Tensor(x)
    target = ad.Tensor(y) if cfg.loss == "mse" else None
    onehot = np.eye(cfg.sizes[-1], dtype=np.float32)[y] if cfg.loss == "ce" else None
    n_layers = len(ps) // 2

    def step() -> float:
        h = xt
        for i in range(n_layers):
            h = h @ ps[2 * i] + ps[2 * i + 1]
            if i < n_layers - 1:
                h = h.tanh() if cfg.activation == "tanh" else h.relu()
        if cfg.loss == "mse":
            loss = ((h - target) ** 2).mean()
        else:
            loss = -(h.log_softmax(axis=-1) * onehot).sum() / cfg.batch
        loss.backward()
        for p in ps:
            p.data -= LR * p.grad
            p.grad = None
        return float(loss.data)

    return step


def numpy_step(cfg: Config, params: list[np.ndarray], x: np.ndarray,
               y: np.ndarray) -> Callable[[], float]:
    """The same step with a hand-written forward and backward: the floor."""
    ps = [p.copy() for p in params]
    n_layers = len(ps) // 2
    onehot = np.eye(cfg.sizes[-1], dtype=np.float32)[y] if cfg.loss == "ce" else None

    def step() -> float:
        hs = [x]
        for i in range(n_layers):
            z = hs[-1] @ ps[2 * i] + ps[2 * i + 1]
            if i < n_layers - 1:
                z = np.tanh(z) if cfg.activation == "tanh" else np.maximum(z, 0)
            hs.append(z)
        out = hs[-1]
        if cfg.loss == "mse":
            diff = out - y
            loss = float((diff * diff).mean())
            d = diff * (2.0 / diff.size)
        else:
            shifted = out - out.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            loss = float((np.log(s)[:, 0] - (shifted * onehot).sum(axis=1)).mean())
            d = (e / s - onehot) * (1.0 / cfg.batch)
        for i in reversed(range(n_layers)):
            h = hs[i]
            gw = h.T @ d
            gb = d.sum(axis=0)
            if i > 0:
                d = d @ ps[2 * i].T
                d *= (1.0 - h * h) if cfg.activation == "tanh" else (h > 0)
            ps[2 * i] -= LR * gw
            ps[2 * i + 1] -= LR * gb
        return loss

    return step


def torch_step(cfg: Config, params: list[np.ndarray], x: np.ndarray,
               y: np.ndarray) -> Callable[[], float]:
    """The same step in PyTorch (CPU), as its users write it."""
    assert torch is not None
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y) if cfg.loss == "mse" else torch.from_numpy(y.astype(np.int64))
    n_layers = len(ps) // 2
    functional = torch.nn.functional

    def step() -> float:
        h = xt
        for i in range(n_layers):
            h = h @ ps[2 * i] + ps[2 * i + 1]
            if i < n_layers - 1:
                h = torch.tanh(h) if cfg.activation == "tanh" else torch.relu(h)
        loss = ((h - yt) ** 2).mean() if cfg.loss == "mse" else functional.cross_entropy(h, yt)
        loss.backward()
        with torch.no_grad():
            for p in ps:
                p -= LR * p.grad
                p.grad = None
        return float(loss.item())

    return step


# ----------------------------------------------------------------------------- timing


def time_rotated(contenders: dict[str, Callable[[], Any]], steps: int,
                 rounds: int) -> dict[str, float]:
    """Minimum over ``rounds`` of the mean seconds per call; the order rotates every round."""
    names = list(contenders)
    for name in names:  # warm up: caches, allocators, lazy imports
        contenders[name]()
    best = {name: float("inf") for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            fn = contenders[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(steps):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / steps)
    return best


def check_same_loss(cfg: Config) -> str:
    """The first-step loss of each contender, from the same weights (they must agree)."""
    params, x, y = make_problem(cfg)
    makers = contender_makers()
    losses = {name: make(cfg, params, x, y)() for name, make in makers.items()}
    ref = losses["numpy"]
    bad = {n: v for n, v in losses.items() if abs(v - ref) > 1e-4 * max(1.0, abs(ref))}
    if bad:
        raise AssertionError(f"{cfg.label}: first-step losses differ: {losses}")
    return f"loss {ref:.5f}"


def contender_makers() -> dict[str, Callable[..., Callable[[], float]]]:
    makers = {"autodiff": engine_step, "numpy": numpy_step}
    if torch is not None:
        makers["torch"] = torch_step
    return makers


def bench_mlps(rounds: int) -> list[str]:
    """Time the three configurations; return table lines."""
    has_torch = torch is not None
    header = f"{'config':44s} {'autodiff':>9s} {'numpy':>9s} {'torch':>9s} " \
             f"{'ad/numpy':>9s} {'ad/torch':>9s} {'torch/np':>9s}"
    lines = [header, "-" * len(header)]
    for cfg in CONFIGS:
        check = check_same_loss(cfg)
        params, x, y = make_problem(cfg)
        contenders = {name: make(cfg, params, x, y) for name, make in contender_makers().items()}
        best = time_rotated(contenders, cfg.steps, rounds if cfg.steps > 2 else max(3, rounds - 2))
        ms = {k: v * 1e3 for k, v in best.items()}
        t = ms.get("torch", float("nan"))
        lines.append(
            f"{cfg.label:44s} {ms['autodiff']:9.3f} {ms['numpy']:9.3f} "
            f"{t if has_torch else float('nan'):9.3f} {ms['autodiff'] / ms['numpy']:9.2f} "
            f"{ms['autodiff'] / t:9.2f} {t / ms['numpy']:9.2f}   ({check})"
        )
    return lines


def bench_overhead(rounds: int) -> list[str]:
    """Per-op overhead: ``c = a * b; c.sum().backward()`` on shape (4,), in microseconds."""
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(4), rng.standard_normal(4)
    a, b = ad.Tensor(a0, requires_grad=True), ad.Tensor(b0, requires_grad=True)

    def ours() -> None:
        c = a * b
        c.sum().backward()

    contenders: dict[str, Callable[[], None]] = {"autodiff": ours}
    if torch is not None:
        ta = torch.tensor(a0, requires_grad=True)
        tb = torch.tensor(b0, requires_grad=True)

        def theirs() -> None:
            c = ta * tb
            c.sum().backward()

        contenders["torch"] = theirs
    best = time_rotated(contenders, 2000, rounds)
    parts = [f"{k} {v * 1e6:.1f} us" for k, v in best.items()]
    return ["per-op overhead, c = a * b; c.sum().backward() on shape (4,): " + ", ".join(parts)]


def rosenbrock(x: Any) -> Any:
    """Sum over i of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2; works for Tensors and torch."""
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def bench_hessian(rounds: int) -> list[str]:
    """ad.hessian vs torch.autograd.functional.hessian of the 10-D Rosenbrock function."""
    x0 = np.random.default_rng(0).uniform(-1.5, 1.5, 10)
    h_ours = ad.hessian(rosenbrock, ad.Tensor(x0)).data
    contenders: dict[str, Callable[[], Any]] = {
        "autodiff": lambda: ad.hessian(rosenbrock, ad.Tensor(x0))}
    agree = ""
    if torch is not None:
        tx = torch.tensor(x0)
        h_torch = torch.autograd.functional.hessian(rosenbrock, tx).numpy()
        agree = f" (max |difference| {np.abs(h_ours - h_torch).max():.1e})"
        contenders["torch"] = lambda: torch.autograd.functional.hessian(rosenbrock, tx)
    best = time_rotated(contenders, 5, rounds)
    parts = [f"{k} {v * 1e3:.2f} ms" for k, v in best.items()]
    return ["hessian of 10-D Rosenbrock: " + ", ".join(parts) + agree]


def run(threads: str, rounds: int) -> str:
    """All measurements at one thread setting, as text."""
    if torch is not None and threads == "1":
        torch.set_num_threads(1)
    torch_info = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" \
        if torch is not None else "torch not installed"
    title = f"threads: {threads} (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}" \
            f"), numpy {np.__version__}, {torch_info}; ms per step, min over {rounds} rounds"
    lines = [title, *bench_mlps(rounds), *bench_overhead(rounds), *bench_hessian(rounds)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run at one BLAS thread, then (in a subprocess) at default threads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", choices=["1", "default"], default="1")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-default-run", action="store_true",
                        help="skip the second run with the libraries' default thread counts")
    args = parser.parse_args(argv)
    print(run(args.threads, args.rounds), flush=True)
    if args.threads == "1" and not args.no_default_run:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        print(flush=True)
        subprocess.run([sys.executable, os.path.abspath(__file__), "--threads", "default",
                        "--rounds", str(args.rounds)], env=env, check=True)


if __name__ == "__main__":
    main()
