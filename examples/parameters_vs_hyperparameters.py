"""Model parameters versus hyperparameters (chapter 3.1).

* Model parameters are learned from the data: weights and biases, and a learnable
  activation slope (PReLU's ``a``). Their number follows from the architecture; after
  training they are the model's state, saved with it.
* BatchNorm's running mean and variance are saved with the state too, but they are
  buffers: updated by averaging during training, never by gradient descent.
* Hyperparameters are chosen by a person before training: activation, depth, width,
  dropout probability, BatchNorm momentum, learning rate, optimizer, batch size, epochs;
  for a convolution layer the number of filters and the kernel size. They fix how many
  model parameters there are, never their values.

    python examples/parameters_vs_hyperparameters.py      # writes out/parameters_state.npz
"""

from __future__ import annotations

import os

import numpy as np

import autodiff as ad
import nn
import nn.optim
from nn.data import DataLoader, Standardizer, TensorDataset
from nn.datasets import house_prices

OUT = "out"

HYPERPARAMETERS = {
    "activation": "PReLU (hidden), identity (output)",
    "depth": 2,
    "width (hidden units)": 16,
    "dropout probability": 0.1,
    "BatchNorm momentum": 0.1,
    "learning rate": 0.05,
    "optimizer": "SGD",
    "batch size": 32,
    "epochs": 5,
}


def main() -> None:
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    h = HYPERPARAMETERS
    width = int(h["width (hidden units)"])
    model = nn.Sequential(
        nn.Linear(6, width, rng=0), nn.BatchNorm1d(width, momentum=h["BatchNorm momentum"]),
        nn.PReLU(), nn.Dropout(h["dropout probability"], rng=0), nn.Linear(width, 1, rng=1))
    print(model)
    print("\nmodel parameters (learned by gradient descent):")
    for name, p in model.named_parameters():
        print(f"  {name:<10} shape {str(p.shape):<9} {p.size:>4}")
    print(f"  total {model.num_parameters()} = (6*{width} + {width}) Linear + 2*{width} "
          f"BatchNorm gamma/beta + 1 PReLU slope + ({width} + 1) Linear")
    print("buffers (saved with the state, not trained by gradient):")
    for name, b in model.named_buffers():
        print(f"  {name:<22} shape {np.shape(b)}")
    print("hyperparameters (set by a person before training):")
    for k, v in h.items():
        print(f"  {k:<22} {v}")

    data = house_prices(300, seed=0)
    X = Standardizer(columns=data.numeric_columns).fit_transform(data.X)
    loader = DataLoader(TensorDataset(X, data.y.reshape(-1, 1)), batch_size=h["batch size"],
                        shuffle=True, rng=0)
    before = model.state_dict()
    nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=h["learning rate"]), loader,
           epochs=h["epochs"], progress=False)
    after = model.state_dict()
    print(f"\nafter {h['epochs']} epochs of training, what changed:")
    for k in before:
        moved = float(np.max(np.abs(after[k] - before[k])))
        print(f"  {k:<22} max change {moved:.4f}")
    print("  (the hyperparameters above are unchanged: training never touches them)")
    if float(np.max(np.abs(after["0.bias"] - before["0.bias"]))) < 1e-12:
        print("  0.bias did not move: BatchNorm right after it subtracts the batch mean, so "
              "its gradient is 0")
    slope = after["2.weight"] if "2.weight" in after else None
    if slope is not None:
        print(f"  PReLU slope a: 0.25 -> {float(np.ravel(slope)[0]):.4f} (a learned parameter)")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "parameters_state.npz")
    nn.save(model, path)
    keys = sorted(nn.load(path))
    print(f"\nwrote {path}: the model's state holds {len(keys)} arrays: {', '.join(keys)}")
    convolution_counts()


def convolution_counts() -> None:
    """Filters and kernel size (hyperparameters) decide a Conv2d layer's parameter count."""
    print("\na convolution layer on 1-channel images: filters and kernel size are "
          "hyperparameters;\nthe parameter count follows from them (filters x (k x k) "
          "weights + filters biases):")
    for filters in (8, 16):
        for k in (3, 5):
            conv = nn.Conv2d(1, filters, kernel_size=k, rng=0)
            print(f"  Conv2d(1, {filters:>2}, kernel_size={k}): {conv.num_parameters():>4} "
                  f"parameters = {filters} x {k}x{k} + {filters}")


if __name__ == "__main__":
    main()
