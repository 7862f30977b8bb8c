"""Optimizers side by side: Rosenbrock from (-1.2, 1), scipy.optimize, and the house prices.

    python benchmarks/optimizers.py [--quick]

1. Iterations and function/gradient evaluations until ||x - (1, 1)|| < 1e-6 on the 2-D
   Rosenbrock function from (-1.2, 1), for every optimizer in ``nn.optim``, next to
   scipy.optimize's CG, BFGS, L-BFGS-B, Newton-CG and least_squares(method="lm") (when
   scipy is installed). For a closure-based method the run is repeated from scratch with
   ``max_iter = 1, 2, ...`` until the iterate is close enough, so the counts are those of
   the first iterate that qualifies; scipy's are read at the same iterate through a
   callback (and, for ``least_squares``, at the Jacobian call on that iterate).
   First-order methods run step by step (one gradient per step) up to a step budget.
2. When PyTorch is installed: the largest difference between our trajectories and
   torch.optim's over 50 steps on Rosenbrock (float64), as a cross-check of the tests.
3. The first-order family on the house-price network (nn.datasets.house_prices): mean
   squared error after N epochs of mini-batch training from the same initial weights, plus
   the closure-based methods on the full batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff as ad
import nn
import nn.optim as optim

X0 = np.array([-1.2, 1.0])
TOL = 1e-6
TIGHT = dict(tolerance_grad=1e-12, tolerance_change=1e-14)


def rosenbrock(x: ad.Tensor) -> ad.Tensor:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosen_residuals(x: ad.Tensor) -> ad.Tensor:
    return ad.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]])


# ------------------------------------------------------------------ 1. Rosenbrock, ours
FIRST_ORDER: list[tuple[str, Callable[[list[Any]], optim.Optimizer]]] = [
    ("SGD lr=2e-3", lambda p: optim.SGD(p, lr=2e-3)),
    ("SGD momentum 0.9, lr=1e-3", lambda p: optim.SGD(p, lr=1e-3, momentum=0.9)),
    ("SGD Nesterov 0.9, lr=1e-3", lambda p: optim.SGD(p, lr=1e-3, momentum=0.9,
                                                        nesterov=True)),
    ("Adagrad lr=0.5", lambda p: optim.Adagrad(p, lr=0.5)),
    ("RMSprop lr=1e-3", lambda p: optim.RMSprop(p, lr=1e-3)),
    ("Adam lr=0.05", lambda p: optim.Adam(p, lr=0.05)),
    ("AdamW lr=0.05, wd=0", lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.0)),
]

CLOSURE: list[tuple[str, str, Callable[..., optim.Optimizer]]] = [  # (ours, scipy, factory)
    ("ConjugateGradient (PR+)", "CG",
     lambda p, k, r: optim.ConjugateGradient(p, max_iter=k, max_eval=10 * k, **TIGHT)),
    ("ConjugateGradient (FR)", "CG",
     lambda p, k, r: optim.ConjugateGradient(p, "fletcher-reeves", max_iter=k,
                                             max_eval=10 * k, **TIGHT)),
    ("BFGS", "BFGS", lambda p, k, r: optim.BFGS(p, max_iter=k, max_eval=10 * k, **TIGHT)),
    ("LBFGS (strong_wolfe)", "L-BFGS-B",
     lambda p, k, r: optim.LBFGS(p, max_iter=k, max_eval=10 * k,
                                 line_search_fn="strong_wolfe", **TIGHT)),
    ("Newton (exact Hessian)", "Newton-CG",
     lambda p, k, r: optim.Newton(p, max_iter=k, **TIGHT)),
    ("Newton (HVP + CG)", "Newton-CG",
     lambda p, k, r: optim.Newton(p, hessian="hvp", max_iter=k, **TIGHT)),
    ("Newton (finite differences)", "Newton-CG",
     lambda p, k, r: optim.Newton(p, hessian="fd", max_iter=k, **TIGHT)),
    ("LevenbergMarquardt", "least_squares lm",
     lambda p, k, r: optim.LevenbergMarquardt(p, r, max_iter=k)),
]


def run_first_order(factory: Callable[[list[Any]], optim.Optimizer], budget: int) -> dict:
    x = ad.Tensor(X0.copy(), requires_grad=True)
    opt = factory([x])
    for it in range(1, budget + 1):
        opt.zero_grad()
        rosenbrock(x).backward()
        opt.step()
        dist = float(np.linalg.norm(x.data - 1))
        if dist < TOL:
            return dict(iters=it, fevals=it, gevals=it, hevals=0, dist=dist)
    return dict(iters=None, fevals=budget, gevals=budget, hevals=0, dist=dist)


def run_closure(factory: Callable[..., optim.Optimizer], kmax: int = 200) -> dict:
    for k in range(1, kmax + 1):
        x = ad.Tensor(X0.copy(), requires_grad=True)
        opt = factory([x], k, lambda x=x: rosen_residuals(x))

        def closure(x: ad.Tensor = x, opt: optim.Optimizer = opt) -> ad.Tensor:
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss

        opt.step(None if isinstance(opt, optim.LevenbergMarquardt) else closure)
        st = opt.state[0]
        dist = float(np.linalg.norm(x.data - 1))
        if dist < TOL or st["n_iter"] < k:  # reached, or stopped on its own
            break
    lm = isinstance(opt, optim.LevenbergMarquardt)
    newton = isinstance(opt, optim.Newton)
    return dict(
        iters=st["n_iter"] if dist < TOL else None,
        fevals=st["func_evals"],
        gevals=st["jac_evals"] if lm else st["func_evals"],
        hevals=st.get("hess_evals", 0) if newton else 0,
        dist=dist,
    )


# ------------------------------------------------------------------ 1b. scipy
def run_scipy() -> dict[str, dict]:
    try:
        from scipy.optimize import least_squares, minimize, rosen, rosen_der, rosen_hess
    except ImportError:
        return {}
    out: dict[str, dict] = {}
    for method, opts in [("CG", dict(gtol=1e-12)), ("BFGS", dict(gtol=1e-12)),
                         ("L-BFGS-B", dict(ftol=1e-15, gtol=1e-12)),
                         ("Newton-CG", dict(xtol=1e-12))]:
        count = dict(f=0, g=0, h=0)
        hit: dict[str, Any] = {}

        def f(x: np.ndarray, count: dict = count) -> float:
            count["f"] += 1
            return float(rosen(x))

        def g(x: np.ndarray, count: dict = count) -> np.ndarray:
            count["g"] += 1
            return rosen_der(x)

        def h(x: np.ndarray, count: dict = count) -> np.ndarray:
            count["h"] += 1
            return rosen_hess(x)

        def cb(xk: np.ndarray, hit: dict = hit, count: dict = count) -> None:
            hit["it"] = hit.get("it", 0) + 1
            if "iters" not in hit and np.linalg.norm(xk - 1) < TOL:
                hit.update(iters=hit["it"], fevals=count["f"], gevals=count["g"],
                           hevals=count["h"], dist=float(np.linalg.norm(xk - 1)))

        extra = dict(hess=h) if method == "Newton-CG" else {}
        res = minimize(f, X0, jac=g, method=method, callback=cb, options=opts, **extra)
        out[method] = hit if "iters" in hit else dict(
            iters=None, fevals=count["f"], gevals=count["g"], hevals=count["h"],
            dist=float(np.linalg.norm(res.x - 1)))

    count = dict(f=0, j=0)
    hit = {}

    def r(x: np.ndarray) -> np.ndarray:
        count["f"] += 1
        return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])

    def jac(x: np.ndarray) -> np.ndarray:  # called once per accepted iterate
        count["j"] += 1
        if "iters" not in hit and np.linalg.norm(x - 1) < TOL:
            hit.update(iters=count["j"] - 1, fevals=count["f"], gevals=count["j"] - 1,
                       hevals=0, dist=float(np.linalg.norm(x - 1)))
        return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    res = least_squares(r, X0, jac=jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    out["least_squares lm"] = hit if "iters" in hit else dict(
        iters=None, fevals=count["f"], gevals=count["j"], hevals=0,
        dist=float(np.linalg.norm(res.x - 1)))
    return out


def fmt(v: Any) -> str:
    return "-" if v is None else str(v)


def rosenbrock_table(quick: bool) -> tuple[list[str], list[str]]:
    budget = 5_000 if quick else 50_000
    lines = [
        "| optimizer | iterations | f evals | grad/Jacobian evals | Hessians (or HVPs) | "
        "scipy counterpart | scipy iterations | scipy f / grad evals | ratio |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    failures = []
    for name, factory in FIRST_ORDER:
        r = run_first_order(factory, budget)
        iters = fmt(r["iters"]) if r["iters"] else f"> {budget} (at {r['dist']:.1e})"
        lines.append(f"| {name} | {iters} | {r['fevals']} | {r['gevals']} | - | - | - | - | - |")
    sp = run_scipy()
    for name, sname, factory in CLOSURE:
        r = run_closure(factory)
        s = sp.get(sname)
        if s and s["iters"] and r["iters"]:
            ratio = r["iters"] / s["iters"]
            if ratio > 1.5 and "HVP" not in name and "finite" not in name:
                failures.append(f"{name}: {ratio:.2f}x scipy's {sname}")
            sratio = f"{ratio:.2f}"
        else:
            sratio = "-"
        s_it = fmt(s["iters"]) if s else "(no scipy)"
        s_ev = f"{s['fevals']} / {s['gevals']}" if s else "-"
        lines.append(f"| {name} | {fmt(r['iters'])} | {r['fevals']} | {r['gevals']} | "
                     f"{r['hevals'] or '-'} | {sname} | {s_it} | {s_ev} | {sratio} |")
    return lines, failures


# ------------------------------------------------------------------ 2. torch cross-check
def torch_agreement() -> list[str]:
    try:
        import torch
    except ImportError:
        return ["PyTorch is not installed: cross-check skipped."]
    cases = [
        ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
        ("RMSprop", dict(lr=1e-3, momentum=0.5, centered=True)),
        ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
        ("AdamW", dict(lr=0.01)),
    ]
    lines = [f"PyTorch {torch.__version__}, float64, 50 steps from (-1.2, 1):", ""]
    for name, kw in cases:
        x = ad.Tensor(X0.copy(), requires_grad=True)
        tx = torch.tensor(X0.copy(), requires_grad=True)
        ours, theirs = getattr(optim, name)([x], **kw), getattr(torch.optim, name)([tx], **kw)
        worst = 0.0
        for _ in range(50):
            ours.zero_grad()
            rosenbrock(x).backward()
            ours.step()
            theirs.zero_grad()
            ((1 - tx[0]) ** 2 + 100 * (tx[1] - tx[0] ** 2) ** 2).backward()
            theirs.step()
            worst = max(worst, float(np.max(np.abs(x.data - tx.detach().numpy()))))
        lines.append(f"- {name}{kw}: max |ours - torch| = {worst:.1e}")
    x = ad.Tensor(X0.copy(), requires_grad=True)
    tx = torch.tensor(X0.copy(), requires_grad=True)
    ours = optim.LBFGS([x], max_iter=30, line_search_fn="strong_wolfe")
    theirs = torch.optim.LBFGS([tx], max_iter=30, line_search_fn="strong_wolfe")

    def c1() -> ad.Tensor:
        ours.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    def c2() -> Any:
        theirs.zero_grad()
        loss = (1 - tx[0]) ** 2 + 100 * (tx[1] - tx[0] ** 2) ** 2
        loss.backward()
        return loss

    ours.step(c1)
    theirs.step(c2)
    diff = float(np.max(np.abs(x.data - tx.detach().numpy())))
    evals = (ours.state[0]["func_evals"], theirs.state[theirs._params[0]]["func_evals"])
    lines.append(f"- LBFGS(max_iter=30, strong_wolfe): max |ours - torch| = {diff:.1e}, "
                 f"function evaluations {evals[0]} vs {evals[1]}")
    return lines


# ------------------------------------------------------------------ 3. house prices
def house_prices_table(quick: bool) -> list[str]:
    data = nn.datasets.house_prices(n=400 if quick else 1000, seed=0)
    X, y = data.X, data.y.reshape(-1, 1)
    Xtr, Xva, _, ytr, yva, _ = nn.data.train_val_test_split(X, y, seed=0)
    scaler = nn.data.Standardizer(columns=data.numeric_columns)
    scaler.fit(Xtr)
    Xtr, Xva = scaler.transform(Xtr), scaler.transform(Xva)
    epochs = 10 if quick else 50
    mse = nn.MSELoss()

    def model_and_init() -> nn.Module:
        np.random.seed(0)
        model = nn.Sequential(nn.Linear(6, 32, rng=0), nn.ReLU(), nn.Linear(32, 1, rng=1))
        return model

    def evaluate(model: nn.Module, Xs: np.ndarray, ys: np.ndarray) -> float:
        with ad.no_grad():
            return float(mse(model(ad.Tensor(Xs)), ad.Tensor(ys)).item())

    first = [
        ("SGD lr=0.01", lambda p: optim.SGD(p, lr=0.01)),
        ("SGD momentum 0.9, lr=0.01", lambda p: optim.SGD(p, lr=0.01, momentum=0.9)),
        ("SGD Nesterov 0.9, lr=0.01", lambda p: optim.SGD(p, lr=0.01, momentum=0.9,
                                                            nesterov=True)),
        ("Adagrad lr=0.1", lambda p: optim.Adagrad(p, lr=0.1)),
        ("RMSprop lr=1e-3", lambda p: optim.RMSprop(p, lr=1e-3)),
        ("Adam lr=1e-2", lambda p: optim.Adam(p, lr=1e-2)),
        ("AdamW lr=1e-2", lambda p: optim.AdamW(p, lr=1e-2)),
    ]
    lines = [
        f"{len(Xtr)} training houses, 6-32-1 ReLU network, batch 32, {epochs} epochs, "
        f"same initial weights; noise floor (best possible MSE) {data.noise_floor:.4f}.",
        "",
        "| optimizer | train MSE | validation MSE | seconds |",
        "|---|---:|---:|---:|",
    ]
    init_mse = evaluate(model_and_init(), Xtr, ytr)
    lines.append(f"| (initial weights) | {init_mse:.4f} | "
                 f"{evaluate(model_and_init(), Xva, yva):.4f} | - |")
    for name, factory in first:
        model = model_and_init()
        opt = factory(model.parameters())
        loader = nn.data.DataLoader(nn.data.TensorDataset(Xtr, ytr), batch_size=32,
                                    shuffle=True, rng=0)
        t0 = time.perf_counter()
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                mse(model(xb), yb).backward()
                opt.step()
        dt = time.perf_counter() - t0
        lines.append(f"| {name} | {evaluate(model, Xtr, ytr):.4f} | "
                     f"{evaluate(model, Xva, yva):.4f} | {dt:.2f} |")

    # closure-based methods: full batch, `steps` calls of step()
    steps = 2 if quick else 5
    xt, yt = ad.Tensor(Xtr), ad.Tensor(ytr)
    closure_methods = [
        ("LBFGS (strong_wolfe), 20 iterations per step", lambda p, m: optim.LBFGS(
            p, line_search_fn="strong_wolfe")),
        ("ConjugateGradient, 20 per step", lambda p, m: optim.ConjugateGradient(p)),
        ("BFGS, 20 per step", lambda p, m: optim.BFGS(p)),
        ("Newton (HVP + CG), 5 per step", lambda p, m: optim.Newton(p, hessian="hvp",
                                                                    max_iter=5)),
        ("LevenbergMarquardt, 1 per step", lambda p, m: optim.LevenbergMarquardt(
            p, lambda: (m(xt) - yt).reshape(-1) * (1 / np.sqrt(len(Xtr))), max_iter=1)),
    ]
    lines += ["", f"Closure-based, full batch, {steps} calls of `step()`:", "",
              "| optimizer | train MSE | validation MSE | seconds |", "|---|---:|---:|---:|"]
    for name, factory in closure_methods:
        model = model_and_init()
        params = list(model.parameters())
        opt = factory(params, model)

        def closure(model: nn.Module = model, opt: optim.Optimizer = opt) -> ad.Tensor:
            opt.zero_grad()
            loss = mse(model(xt), yt)
            loss.backward()
            return loss

        t0 = time.perf_counter()
        for _ in range(steps):
            opt.step(None if isinstance(opt, optim.LevenbergMarquardt) else closure)
        dt = time.perf_counter() - t0
        lines.append(f"| {name} | {evaluate(model, Xtr, ytr):.4f} | "
                     f"{evaluate(model, Xva, yva):.4f} | {dt:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the three tables (markdown); returns 1 if a 1.5x-of-scipy target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller budgets (smoke test)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    print("## Rosenbrock from (-1.2, 1): until ||x - (1, 1)|| < 1e-6\n")
    table, failures = rosenbrock_table(args.quick)
    print("\n".join(table))
    print("\n## Agreement with torch.optim\n")
    print("\n".join(torch_agreement()))
    print("\n## House-price network\n")
    print("\n".join(house_prices_table(args.quick)))
    print(f"\n(total {time.perf_counter() - t0:.1f} s)")
    if failures:
        print("MISSED the 1.5x-of-scipy target: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
