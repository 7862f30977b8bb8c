"""The chapter's running example, end to end: predict a house price with a two-layer network.

    python -m nn.demo            # or: make demo, or: python examples/house_prices.py
    python -m nn.demo --quick    # smaller data and fewer epochs (seconds)

Steps: generate the house-price data (rooms, floor area, house type, distance to the
station), split it into train / validation / test, standardize with training statistics
only, train the two-layer ReLU network (identity output, MSE loss, gradient descent) with
a progress bar, compare its test MSE with a linear-regression baseline and the noise floor,
list the model parameters versus the hyperparameters, render the network's graph and one
neuron's graph, check the gradients numerically, save the model, reload it and check the
predictions match, and write everything to ``out/`` (figures, graphs, model, report.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import autodiff as ad
import nn
import nn.optim
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import HousePrices, house_prices
from nn.demo_report import graphs, parameter_table, write_report
from nn.training import EarlyStopping, evaluate, fit, predict


@dataclass
class Config:
    """The demo's hyperparameters: chosen by a person before training, never learned."""

    n: int = 1000
    hidden: int = 32
    activation: str = "ReLU"
    optimizer: str = "SGD (mini-batch gradient descent)"
    lr: float = 0.1
    momentum: float = 0.0
    batch_size: int = 32
    epochs: int = 500
    patience: int = 50
    seed: int = 0


@dataclass
class Split:
    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    clean: dict[str, np.ndarray]


def prepare(data: HousePrices, seed: int) -> tuple[Split, Standardizer]:
    """Split 70/15/15 and standardize the numeric columns with training statistics only."""
    parts = train_val_test_split(data.X, data.y, data.y_clean, seed=seed)
    names = ("train", "val", "test")
    scaler = Standardizer(columns=data.numeric_columns).fit(parts[0])
    X = {k: scaler.transform(parts[i]) for i, k in enumerate(names)}
    y = {k: parts[3 + i] for i, k in enumerate(names)}
    clean = {k: parts[6 + i] for i, k in enumerate(names)}
    return Split(X, y, clean), scaler


def build_model(n_in: int, cfg: Config) -> Any:
    """The chapter's network: Linear -> ReLU -> Linear (identity output)."""
    return nn.Sequential(nn.Linear(n_in, cfg.hidden, rng=cfg.seed), nn.ReLU(),
                         nn.Linear(cfg.hidden, 1, rng=cfg.seed + 1))


def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x, np.ones(len(x))])


def linear_predictor(split: Split) -> Any:
    """Least-squares linear regression (with intercept) fitted on the training split;
    returns ``predict(X) -> (n,)``."""
    w, *_ = np.linalg.lstsq(_design(split.X["train"]), split.y["train"], rcond=None)
    return lambda x: _design(x) @ w


def linear_baseline(split: Split) -> dict[str, float]:
    """The linear regression's MSE on each split (the baseline the network must beat)."""
    lin = linear_predictor(split)
    return {k: float(np.mean((lin(split.X[k]) - split.y[k]) ** 2)) for k in split.X}


def _check_gradients(model: Any, loss_fn: Any, split: Split) -> bool:
    xb = ad.Tensor(split.X["test"][:8])
    yb = ad.Tensor(split.y["test"][:8].reshape(-1, 1))
    return bool(ad.gradcheck(lambda: loss_fn(model(xb), yb), params=model, raise_exception=False))


def _save_and_reload(model: Any, cfg: Config, split: Split, path: str) -> float:
    nn.save(model, path)
    fresh = build_model(split.X["train"].shape[1], Config(hidden=cfg.hidden, seed=cfg.seed + 7))
    fresh.load_state_dict(nn.load(path))
    a, b = predict(model, split.X["test"]), predict(fresh, split.X["test"])
    return float(np.max(np.abs(a - b)))


def run(cfg: Config, out: str = "out", progress: bool = True) -> dict[str, Any]:
    """Run the whole demo; return the numbers it reports (also written to out/report.md)."""
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    data = house_prices(cfg.n, seed=cfg.seed)
    split, _ = prepare(data, cfg.seed)
    n_in = split.X["train"].shape[1]
    print(f"house prices: {len(data)} houses, features {', '.join(data.feature_names)}")
    print(f"split train/val/test = {len(split.y['train'])}/{len(split.y['val'])}/"
          f"{len(split.y['test'])}; numeric columns standardized with training statistics")

    model = build_model(n_in, cfg)
    loss_fn = nn.MSELoss()
    optimizer = nn.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    train = DataLoader(TensorDataset(split.X["train"], split.y["train"].reshape(-1, 1)),
                       batch_size=cfg.batch_size, shuffle=True, rng=cfg.seed)
    val = DataLoader(TensorDataset(split.X["val"], split.y["val"].reshape(-1, 1)),
                     batch_size=len(split.y["val"]))
    print(f"\ntraining {cfg.hidden}-unit ReLU network, {cfg.optimizer}, lr {cfg.lr}, "
          f"batch {cfg.batch_size}, up to {cfg.epochs} epochs (early stopping, patience "
          f"{cfg.patience})")
    history = fit(model, loss_fn, optimizer, train, val, epochs=cfg.epochs, progress=progress,
                  log_every=max(1, cfg.epochs // 10),
                  early_stopping=EarlyStopping(patience=cfg.patience))

    mse = {}
    for k in ("train", "val", "test"):
        loader = DataLoader(TensorDataset(split.X[k], split.y[k].reshape(-1, 1)),
                            batch_size=len(split.y[k]))
        mse[k] = evaluate(model, loader, metrics=["mse"])["mse"]
    base = linear_baseline(split)
    floor = data.noise_floor
    rule_test = float(np.mean((split.clean["test"] - split.y["test"]) ** 2))
    print(f"\n{'MSE':<26}{'train':>9}{'val':>9}{'test':>9}")
    print(f"{'two-layer ReLU network':<26}" + "".join(f"{mse[k]:>9.4f}" for k in mse))
    print(f"{'linear regression':<26}" + "".join(f"{base[k]:>9.4f}" for k in base))
    print(f"noise floor (noise variance {data.noise_std}^2) = {floor:.4f}; the true rule itself "
          f"scores {rule_test:.4f} on this test split")

    params, hypers = parameter_table(model, cfg, history)
    paths: dict[str, str] = {}
    paths.update(graphs(model, loss_fn, split, out, data.feature_names))
    grad_ok = _check_gradients(model, loss_fn, split)
    print(f"\ngradcheck of the trained network (8 test houses, every parameter): "
          f"{'passed' if grad_ok else 'FAILED'}")
    paths["model"] = os.path.join(out, "house_price_model.npz")
    max_diff = _save_and_reload(model, cfg, split, paths["model"])
    print(f"saved {paths['model']}; reloaded into a fresh network: max prediction difference "
          f"{max_diff:.3g}")
    paths.update(_figures(history, split, model, base, floor, out))
    elapsed = time.perf_counter() - t0
    results = {"mse": mse, "baseline": base, "noise_floor": floor, "rule_test": rule_test,
               "gradcheck": grad_ok, "reload_max_diff": max_diff, "epochs": history.epochs,
               "best_epoch": history.best_epoch, "seconds": elapsed, "params": params,
               "hypers": hypers}
    paths["report"] = write_report(os.path.join(out, "report.md"), data, cfg, results, paths)
    print("\nwrote:")
    for key, p in paths.items():
        print(f"  {key:<14} {p}")
    print(f"done in {elapsed:.1f} s")
    return results


def _figures(history: Any, split: Split, model: Any, base: dict[str, float], floor: float,
             out: str) -> dict[str, str]:
    try:
        from nn import plot

        curve = plot.loss_curves(history, os.path.join(out, "loss_curve.png"),
                                 title="House prices: MSE per epoch",
                                 hlines={"noise floor": floor, "linear baseline (val)":
                                         base["val"]})
        lin = linear_predictor(split)(split.X["test"])
        pred = plot.predicted_vs_true(
            split.y["test"], {"network": predict(model, split.X["test"]), "linear": lin},
            os.path.join(out, "predictions.png"), title="Test set: predicted vs true price",
            noise_std=float(np.sqrt(floor)), unit="100k")
        return {"loss_curve": curve, "predictions": pred}
    except ImportError as exc:
        print(f"skipping figures: {exc}")
        return {}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``python -m nn.demo [--quick] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small data and few epochs (also: AUTODIFF_QUICK=1)")
    parser.add_argument("--out", default="out", help="output folder (default: out)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    cfg = Config(seed=args.seed)
    if args.quick or os.environ.get("AUTODIFF_QUICK") == "1":
        cfg.n, cfg.epochs, cfg.patience = 400, 30, 10
    if args.epochs is not None:
        cfg.epochs = args.epochs
    run(cfg, out=args.out, progress=not args.no_progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
