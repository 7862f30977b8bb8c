"""Optimizers grouped by the derivative order they use (chapter 3.3), on the same problems.

* first order: SGD, SGD with momentum, AdaGrad, RMSProp, Adam (gradient only, many cheap
  steps);
* "1.5 order": conjugate gradient, L-BFGS, Levenberg-Marquardt (curvature estimated from
  gradients or from the residuals' Jacobian);
* second order: Newton's method (the exact Hessian, from gradients of gradients).

Part 1 draws each method's path over the contours of Rosenbrock's banana-shaped valley,
f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1) to the minimum (1, 1), and prints
how many iterations each needed. Part 2 trains the house-price network with each of them
and plots the training loss per iteration; it prints the final training and validation MSE
next to the noise floor.

    python examples/optimizers.py [--quick]
    # writes out/optimizers_rosenbrock.png and out/optimizers_house_prices.png
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import autodiff as ad
import nn
import nn.optim as optim
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import house_prices

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"
START = np.array([-1.2, 1.0])


def rosenbrock(x: Any) -> Any:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


# ------------------------------------------------------------------ part 1: Rosenbrock
FIRST_ORDER: dict[str, Callable[[list[Any]], optim.Optimizer]] = {
    "SGD (lr 2e-3)": lambda p: optim.SGD(p, lr=2e-3),
    "momentum (0.9, lr 1e-3)": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
    "AdaGrad (lr 0.5)": lambda p: optim.Adagrad(p, lr=0.5),
    "RMSProp (lr 1e-3)": lambda p: optim.RMSprop(p, lr=1e-3),
    "Adam (lr 0.05)": lambda p: optim.Adam(p, lr=0.05),
}
# One iteration per step: max_eval defaults to max_iter * 5 // 4 = 1 evaluation (PyTorch's
# rule), which leaves the line search no trial beyond its first; LINE_SEARCH allows it 25.
LINE_SEARCH = 26
CLOSURE: dict[str, Callable[[list[Any], Any], optim.Optimizer]] = {
    "conjugate gradient": lambda p, r: optim.ConjugateGradient(
        p, max_iter=1, max_eval=LINE_SEARCH, tolerance_change=1e-14),
    "L-BFGS": lambda p, r: optim.LBFGS(p, max_iter=1, max_eval=LINE_SEARCH,
                                       line_search_fn="strong_wolfe", tolerance_change=1e-14),
    "Newton": lambda p, r: optim.Newton(p, max_iter=1, tolerance_change=1e-14),
    "Levenberg-Marquardt": lambda p, r: optim.LevenbergMarquardt(p, r, max_iter=1),
}


def trajectory(name: str, steps: int) -> np.ndarray:
    """The iterates of one optimizer from START: one row per iteration (step() call)."""
    x = ad.Tensor(START.copy(), requires_grad=True)
    if name in FIRST_ORDER:
        opt = FIRST_ORDER[name]([x])
    else:
        opt = CLOSURE[name]([x], lambda: ad.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]]))

    def closure() -> ad.Tensor:
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    points = [x.data.copy()]
    for _ in range(steps if name in FIRST_ORDER else 100):
        if isinstance(opt, optim.LevenbergMarquardt):
            opt.step()
        elif isinstance(opt, optim.ClosureOptimizer):
            opt.step(closure)
        else:
            closure()
            opt.step()
        if np.array_equal(x.data, points[-1]) and name not in FIRST_ORDER:
            break  # converged: the method stopped moving
        points.append(x.data.copy())
        if np.linalg.norm(x.data - 1) < 1e-10:
            break
    return np.array(points)


def plot_trajectories(paths: dict[str, np.ndarray], path: str) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    gx, gy = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    z = np.log1p(rosenbrock(np.stack([gx, gy])))
    fig = Figure(figsize=(12, 11), dpi=90)
    FigureCanvasAgg(fig)
    for k, (name, pts) in enumerate(paths.items()):
        ax = fig.add_subplot(3, 3, k + 1)
        ax.contour(gx, gy, z, levels=25, cmap="viridis", linewidths=0.6)
        ax.plot(pts[:, 0], pts[:, 1], "-", color="C3", linewidth=1.2)
        if len(pts) < 200:
            ax.plot(pts[:, 0], pts[:, 1], "o", color="C3", markersize=2.5)
        ax.plot(*START, "ks", markersize=5)
        ax.plot(1, 1, "k*", markersize=10)
        dist = np.linalg.norm(pts[-1] - 1)
        ax.set_title(f"{name}\n{len(pts) - 1} iterations, |x - x*| = {dist:.1e}", fontsize=9)
        ax.set_xlim(-2, 2)
        ax.set_ylim(-1, 3)
    fig.suptitle("Rosenbrock from (-1.2, 1): first order (first five panels), "
                 "then 1.5 and second order")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    return path


# ------------------------------------------------------------------ part 2: house prices
def house_price_curves(epochs: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Training MSE after every update per method, and each method's final validation MSE."""
    data = house_prices(200 if QUICK else 400, seed=0)
    Xtr, Xva, _, ytr, yva, _ = train_val_test_split(data.X, data.y, seed=0)
    scaler = Standardizer(columns=data.numeric_columns).fit(Xtr)
    Xtr = scaler.transform(Xtr)
    ytr = ytr.reshape(-1, 1)
    xt, yt = ad.Tensor(Xtr), ad.Tensor(ytr)
    xv, yv = ad.Tensor(scaler.transform(Xva)), ad.Tensor(yva.reshape(-1, 1))
    mse = nn.MSELoss()
    val: dict[str, float] = {}

    def model() -> nn.Module:
        return nn.Sequential(nn.Linear(6, 16, rng=0), nn.ReLU(), nn.Linear(16, 1, rng=1))

    def full_loss(m: nn.Module, x: ad.Tensor = xt, y: ad.Tensor = yt) -> float:
        with ad.no_grad():
            return float(mse(m(x), y).item())

    curves: dict[str, list[float]] = {}
    first = {"SGD (lr 0.01)": lambda p: optim.SGD(p, lr=0.01),
             "momentum (0.9, lr 0.01)": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
             "AdaGrad (lr 0.1)": lambda p: optim.Adagrad(p, lr=0.1),
             "RMSProp (lr 1e-2)": lambda p: optim.RMSprop(p, lr=1e-2),
             "Adam (lr 0.01)": lambda p: optim.Adam(p, lr=0.01)}
    for name, factory in first.items():  # mini-batches of 32: one point per update
        m = model()
        opt = factory(m.parameters())
        losses = [full_loss(m)]
        for _ in range(epochs):
            for xb, yb in DataLoader(TensorDataset(Xtr, ytr), batch_size=32, shuffle=True,
                                     rng=len(losses)):
                opt.zero_grad()
                mse(m(xb), yb).backward()
                opt.step()
                losses.append(full_loss(m))
        curves[name] = losses
        val[name] = full_loss(m, xv, yv)
    iters = 15 if QUICK else 40
    closure_based = {
        "conjugate gradient (full batch)": lambda p, m: optim.ConjugateGradient(
            p, max_iter=1, max_eval=LINE_SEARCH),
        "L-BFGS (full batch)": lambda p, m: optim.LBFGS(p, max_iter=1, max_eval=LINE_SEARCH,
                                                        line_search_fn="strong_wolfe"),
        "Newton, HVP + CG (full batch)": lambda p, m: optim.Newton(p, hessian="hvp",
                                                                   max_iter=1),
        "Levenberg-Marquardt (full batch)": lambda p, m: optim.LevenbergMarquardt(
            p, lambda: (m(xt) - yt).reshape(-1) * (1 / np.sqrt(len(ytr))), max_iter=1),
    }
    for name, factory in closure_based.items():  # one point per iteration
        m = model()
        params = list(m.parameters())
        opt = factory(params, m)

        def closure(m: nn.Module = m, opt: optim.Optimizer = opt) -> ad.Tensor:
            opt.zero_grad()
            loss = mse(m(xt), yt)
            loss.backward()
            return loss

        losses = [full_loss(m)]
        for _ in range(iters if "Levenberg" not in name else min(iters, 10)):
            opt.step(None if isinstance(opt, optim.LevenbergMarquardt) else closure)
            losses.append(full_loss(m))
        curves[name] = losses
        val[name] = full_loss(m, xv, yv)
    curves["noise floor"] = [data.noise_floor] * 2
    return curves, val


def main() -> int:
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    steps = 1500 if QUICK else 6000
    names = list(FIRST_ORDER) + list(CLOSURE)
    paths = {name: trajectory(name, steps) for name in names}
    print("Rosenbrock from (-1.2, 1), minimum (1, 1)")
    print(f"{'method':<26}{'order':>7}{'iterations':>12}{'distance to (1, 1)':>20}")
    for name, pts in paths.items():
        order = "1" if name in FIRST_ORDER else ("2" if name == "Newton" else "1.5")
        print(f"{name:<26}{order:>7}{len(pts) - 1:>12}{np.linalg.norm(pts[-1] - 1):>20.2e}")
    print("\nFirst-order methods crawl along the curved valley; the curvature-aware ones "
          "follow it in tens of iterations.")
    written = []
    try:
        written.append(plot_trajectories(paths, os.path.join(OUT, "optimizers_rosenbrock.png")))
    except ImportError:
        print("(matplotlib is not installed: no figure)")

    curves, val = house_price_curves(epochs=2 if QUICK else 10)
    print(f"\nHouse-price network, MSE at the end (noise floor {curves['noise floor'][0]:.4f}):")
    print(f"  {'method':<36} {'train':>7} {'val':>7}  updates/iterations")
    for name, losses in curves.items():
        if name != "noise floor":
            print(f"  {name:<36} {losses[-1]:>7.4f} {val[name]:>7.4f}  {len(losses) - 1}")
    print("A training MSE below the noise floor fits the noise of the training houses; compare "
          "the floor with\nthe validation MSE, on houses not trained on (a small validation set "
          "scatters around it).")
    try:
        from nn import plot

        floor = curves.pop("noise floor")[0]
        written.append(plot.loss_curves(curves, os.path.join(OUT, "optimizers_house_prices.png"),
                                        title="House prices: training MSE per update",
                                        hlines={"noise floor (MSE on new houses)": floor},
                                        xlabel="update"))
    except ImportError:
        print("(matplotlib is not installed: no figure)")
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
