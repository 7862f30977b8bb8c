"""The unit in which data is fed (chapter 3.0): full batch, mini-batch, one sample.

The same house-price network, the same gradient-descent rule and learning rate, the
same number of epochs (passes over the training data); only the batch size changes:

* full batch (``batch_size=len(train)``): one exact-gradient update per epoch;
* mini-batch (``batch_size=32``): many noisy updates per epoch, vectorised;
* stochastic (``batch_size=1``): one update per sample, noisiest and slowest per epoch.

Prints updates per epoch, time per epoch and the validation MSE, and plots the curves.

    python examples/batch_units.py [--quick]        # writes out/batch_units.png
"""

from __future__ import annotations

import os
import sys

import numpy as np

import nn
import nn.optim
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import house_prices

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"


def main() -> dict[str, dict[str, float]]:
    data = house_prices(300 if QUICK else 1000, seed=0)
    Xtr, Xva, _, ytr, yva, _ = train_val_test_split(data.X, data.y, seed=0)
    scaler = Standardizer(columns=data.numeric_columns).fit(Xtr)
    train_ds = TensorDataset(scaler.transform(Xtr), ytr.reshape(-1, 1))
    val = DataLoader(TensorDataset(scaler.transform(Xva), yva.reshape(-1, 1)), batch_size=len(yva))
    epochs = 4 if QUICK else 30
    lr = 0.02
    units = {"full batch": len(train_ds), "mini-batch 32": 32, "stochastic (1)": 1}
    curves: dict[str, list[float]] = {}
    rows: dict[str, dict[str, float]] = {}
    print(f"{len(train_ds)} training houses, {epochs} epochs, SGD lr {lr}, same initial weights\n")
    print(f"{'unit':<16}{'batch':>6}{'updates/epoch':>15}{'ms/epoch':>10}{'val MSE':>10}")
    for name, bs in units.items():
        model = nn.Sequential(nn.Linear(6, 16, rng=0), nn.ReLU(), nn.Linear(16, 1, rng=1))
        loader = DataLoader(train_ds, batch_size=bs, shuffle=True, rng=0)
        hist = nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=lr), loader,
                      val, epochs=epochs, progress=False)
        curves[name] = [float(v) for v in hist.val_loss]
        ms = 1000 * float(np.mean(hist.epoch_time))
        rows[name] = {"updates": len(loader), "ms": ms, "val": curves[name][-1]}
        print(f"{name:<16}{bs:>6}{len(loader):>15}{ms:>10.1f}{curves[name][-1]:>10.4f}")
    print("\nper epoch, more updates lower the loss faster; per update, bigger batches are "
          "cheaper per sample\n(vectorised) and less noisy. Mini-batches balance the two.")
    try:
        from nn import plot

        path = plot.loss_curves(curves, os.path.join(OUT, "batch_units.png"),
                                title="Validation MSE per epoch by batch size",
                                hlines={"noise floor": data.noise_floor})
        print(f"\nwrote {path}")
    except ImportError as exc:
        print(f"(no figure: {exc})")
    return rows


if __name__ == "__main__":
    main()
