"""The chapter's running example (3.1-3.3): a house-price network, end to end.

    python examples/house_prices.py            # or: make demo
    python examples/house_prices.py --quick    # smaller data and fewer epochs (seconds)

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
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import autodiff as ad
import nn
import nn.optim
from autodiff.viz import DotNotFoundError, render
from nn import plot
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import HousePrices, house_prices
from nn.train import EarlyStopping, evaluate, fit, predict


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
    ad.manual_seed(cfg.seed)  # every default generator; the model and loaders pass seeds too
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
    try:  # nn.plot imports matplotlib (the plot extra) only when it draws
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


# ------------------------------------------------------------------------------ the report
def parameter_table(model: Any, cfg: Any, history: Any) -> tuple[list[tuple[str, str, int]],
                                                                  dict[str, Any]]:
    """Print and return the model parameters (learned) and the hyperparameters (chosen)."""
    params = [(name, "x".join(map(str, p.shape)), int(p.size))
              for name, p in model.named_parameters()]
    total = sum(c for *_, c in params)
    print(f"\nmodel parameters (learned from the data; {total} numbers, saved as the model):")
    for name, shape, count in params:
        kind = "weight" if name.endswith("weight") else "bias"
        print(f"  {name:<12} {kind:<7} shape {shape:<6} {count:>5}")
    n_in = model[0].in_features if hasattr(model, "__getitem__") else "?"
    print(f"  = ({n_in} x {cfg.hidden} + {cfg.hidden}) + ({cfg.hidden} x 1 + 1) = {total}")
    hypers = {k: v for k, v in asdict(cfg).items() if k not in ("n", "seed")}
    hypers["depth"] = "2 layers (1 hidden)"
    hypers["epochs run"] = f"{history.epochs} (best epoch {history.best_epoch})"
    print("hyperparameters (chosen before training, not learned):")
    for k, v in hypers.items():
        print(f"  {k:<12} {v}")
    return params, hypers


def _render(root: Any, path: str, **options: Any) -> str:
    try:
        return str(render(root, path, **options))
    except DotNotFoundError as exc:
        dot_path = os.path.splitext(path)[0] + ".dot"
        print(f"graphviz 'dot' not found ({exc}); wrote the DOT source instead")
        return str(render(root, dot_path, **options))


def graphs(model: Any, loss_fn: Any, split: Any, out: str,
           feature_names: tuple[str, ...] = ()) -> dict[str, str]:
    """Render the network's graph (grouped by module) and one hidden neuron's graph."""
    xb = ad.Tensor(split.X["test"][:4])
    yb = ad.Tensor(split.y["test"][:4].reshape(-1, 1))
    model.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    net = _render(loss, os.path.join(out, "network_graph.svg"), group_by_module=model,
                  title="house-price network: MSE on 4 houses")
    model.zero_grad()

    # The first hidden unit, rebuilt from scalar Values with the trained weights.
    first = model[0]
    neuron = nn.Neuron(first.in_features, activation="relu")
    for wi, v in zip(neuron.w, first.weight.data[0], strict=True):
        wi.data = float(v)
    neuron.b.data = float(first.bias.data[0])
    names = list(feature_names) or [f"x{i}" for i in range(first.in_features)]
    x = [ad.Value(float(v), label=names[i]) for i, v in enumerate(split.X["test"][0])]
    out_value = neuron(x)
    out_value.backward()
    with ad.no_grad():
        hidden = model[1](first(ad.Tensor(split.X["test"][:1]))).data[0, 0]
    print(f"\nhidden neuron 0 rebuilt from Values: output {out_value.data:.6f}, the network's "
          f"hidden unit 0 gives {hidden:.6f}")
    one = _render(out_value, os.path.join(out, "neuron.svg"),
                  title="hidden neuron 0 on one house: relu(b + sum w_i x_i)")
    print(f"rendered the network graph ({net}) and hidden neuron 0's graph ({one})")
    return {"network_graph": net, "neuron_graph": one}


def write_report(path: str, data: Any, cfg: Any, r: dict[str, Any],
                 paths: dict[str, str]) -> str:
    """Write the short markdown report of a demo run; return its path."""
    mse, base = r["mse"], r["baseline"]
    rows = "\n".join(
        f"| {name} | {a['train']:.4f} | {a['val']:.4f} | {a['test']:.4f} |"
        for name, a in (("two-layer ReLU network", mse), ("linear regression", base)))
    params = "\n".join(f"| `{n}` | {s} | {c} |" for n, s, c in r["params"])
    hypers = "\n".join(f"| {k} | {v} |" for k, v in r["hypers"].items())
    base_dir = os.path.dirname(path)
    files = "\n".join(f"- {k}: `{os.path.relpath(p, base_dir)}`" for k, p in paths.items())
    images = "\n\n".join(f"![{k}]({os.path.relpath(p, base_dir)})" for k, p in paths.items()
                         if p.endswith((".png", ".svg")))
    text = f"""# House-price demo report

Data: {len(data)} synthetic houses (seed {cfg.seed}); features {', '.join(data.feature_names)};
target {data.target_name}. Rule:

```
{data.rule}
```

## Test error

| model | train MSE | val MSE | test MSE |
|---|---|---|---|
{rows}

Noise floor (noise variance): **{r['noise_floor']:.4f}**; the noise-free rule scores
{r['rule_test']:.4f} on this test split. The network gets
{mse['test'] / r['noise_floor']:.2f}x the floor, the linear baseline
{base['test'] / r['noise_floor']:.2f}x.

Training: {r['epochs']} epochs (best epoch {r['best_epoch']}, weights restored from it).
Gradient check of the trained network: {'passed' if r['gradcheck'] else 'FAILED'}.
Save / reload: max prediction difference {r['reload_max_diff']:.3g}.
Run time: {r['seconds']:.1f} s.

## Model parameters (learned) — {sum(c for *_, c in r['params'])} numbers

| name | shape | count |
|---|---|---|
{params}

## Hyperparameters (chosen)

| name | value |
|---|---|
{hypers}

## Files

{files}

{images}
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``python examples/house_prices.py [--quick] [--out DIR]``."""
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
