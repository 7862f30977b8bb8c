"""The unit in which data is fed (chapter 3.0): full batch, mini-batch, one sample.

The same house-price network, the same gradient-descent rule and learning rate, the
same number of epochs (passes over the training data); only the batch size changes:

* full batch (``batch_size=len(train)``): one exact-gradient update per epoch;
* mini-batch (``batch_size=32``): many noisy updates per epoch, vectorised;
* stochastic (``batch_size=1``): one update per sample, noisiest and slowest per epoch.

Prints updates per epoch, time per epoch and the validation MSE, and plots the validation
MSE per epoch (stochastic wins: most updates) and against seconds of training (the cost
of those updates shows: each sample on its own is slow).

    python examples/batch_units.py [--quick]        # writes out/batch_units.png
"""

from __future__ import annotations

import os
import sys

import numpy as np

import autodiff as ad
import nn
import nn.optim
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import house_prices

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"


def main() -> dict[str, dict[str, float]]:
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    data = house_prices(300 if QUICK else 1000, seed=0)
    Xtr, Xva, _, ytr, yva, _ = train_val_test_split(data.X, data.y, seed=0)
    scaler = Standardizer(columns=data.numeric_columns).fit(Xtr)
    train_ds = TensorDataset(scaler.transform(Xtr), ytr.reshape(-1, 1))
    val = DataLoader(TensorDataset(scaler.transform(Xva), yva.reshape(-1, 1)), batch_size=len(yva))
    epochs = 4 if QUICK else 30
    lr = 0.02
    units = {"full batch": len(train_ds), "mini-batch 32": 32, "stochastic (1)": 1}
    curves: dict[str, list[float]] = {}
    seconds: dict[str, np.ndarray] = {}
    rows: dict[str, dict[str, float]] = {}
    print(f"{len(train_ds)} training houses, {epochs} epochs, SGD lr {lr}, same initial weights\n")
    print(f"{'unit':<16}{'batch':>6}{'updates/epoch':>15}{'ms/epoch':>10}{'val MSE':>10}")
    for name, bs in units.items():
        model = nn.Sequential(nn.Linear(6, 16, rng=0), nn.ReLU(), nn.Linear(16, 1, rng=1))
        loader = DataLoader(train_ds, batch_size=bs, shuffle=True, rng=0)
        hist = nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=lr), loader,
                      val, epochs=epochs, progress=False)
        curves[name] = [float(v) for v in hist.val_loss]
        seconds[name] = np.cumsum(hist.epoch_time)
        ms = 1000 * float(np.mean(hist.epoch_time))
        rows[name] = {"updates": len(loader), "ms": ms, "val": curves[name][-1]}
        print(f"{name:<16}{bs:>6}{len(loader):>15}{ms:>10.1f}{curves[name][-1]:>10.4f}")
    print("\nper epoch, more updates lower the loss faster; per update, bigger batches are "
          "cheaper per sample\n(vectorised) and less noisy. Mini-batches balance the two.")
    try:
        print(f"\nwrote {figure(curves, seconds, data.noise_floor)}")
    except ImportError as exc:
        print(f"(no figure: {exc})")
    return rows


def figure(curves: dict[str, list[float]], seconds: dict[str, np.ndarray], floor: float) -> str:
    """Validation MSE per epoch (left) and against training time (right); returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2))
    FigureCanvasAgg(fig)
    by_epoch, by_time = fig.subplots(1, 2, sharey=True)
    for name, losses in curves.items():
        by_epoch.plot(np.arange(1, len(losses) + 1), losses, label=name)
        by_time.plot(seconds[name], losses, marker=".", label=name)
    for ax in (by_epoch, by_time):
        ax.axhline(floor, linestyle="--", color="C3", label="noise floor")
        ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
    by_time.set_xscale("log")
    by_epoch.set(xlabel="epoch", ylabel="validation MSE", title="per epoch")
    by_time.set(xlabel="seconds of training (log scale)", title="per second of compute")
    by_epoch.legend()
    fig.suptitle("Full batch vs mini-batch vs one sample: same data, same lr, same epochs")
    fig.tight_layout()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "batch_units.png")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
