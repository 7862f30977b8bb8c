"""Classification with cross-entropy (chapter 3.2): spirals, and handwritten digits.

A network outputs one score (logit) per class; softmax turns them into probabilities
and the cross-entropy -(1/N) sum_i log y_i[t_i] is minimised. Reports accuracy and the
confusion matrix on a held-out test split, and draws the decision boundary.

1. Three interleaved spirals (2-D, not linearly separable): a 2-64-3 ReLU network.
2. The 8x8 handwritten digits (when scikit-learn, the ``data`` extra, is installed):
   a 64-32-10 ReLU network.

    python examples/classification.py [--quick]
        # writes out/spirals_boundary.png, out/spirals_confusion.png, out/digits_confusion.png
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

import autodiff as ad
import nn
import nn.optim
from nn import metrics
from nn.data import DataLoader, Standardizer, TensorDataset, train_val_test_split
from nn.datasets import digits, spirals

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"


def train_classifier(model: Any, X: np.ndarray, y: np.ndarray, epochs: int, lr: float,
                     batch_size: int, seed: int = 0) -> tuple[Any, dict[str, np.ndarray]]:
    Xtr, Xva, Xte, ytr, yva, yte = train_val_test_split(X, y, seed=seed)
    scaler = Standardizer().fit(Xtr)
    Xtr, Xva, Xte = (scaler.transform(a) for a in (Xtr, Xva, Xte))
    train = DataLoader(TensorDataset(Xtr, ytr), batch_size=batch_size, shuffle=True, rng=seed)
    val = DataLoader(TensorDataset(Xva, yva), batch_size=len(yva))
    hist = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=lr),
                  train, val, epochs=epochs, metrics=["accuracy"], progress=False,
                  early_stopping=nn.EarlyStopping(patience=max(5, epochs // 5)))
    test = DataLoader(TensorDataset(Xte, yte), batch_size=len(yte))
    res = nn.evaluate(model, test, metrics=["accuracy"], loss_fn=nn.CrossEntropyLoss())
    pred = nn.train.predict(model, Xte)
    cm = metrics.confusion_matrix(pred, yte)
    print(f"   {hist.epochs} epochs; val accuracy {hist.metrics['val_accuracy'][-1]:.3f}; "
          f"test cross-entropy {res['loss']:.4f}, test accuracy {res['accuracy']:.3f}")
    print("   confusion matrix (rows: true class, columns: predicted):")
    for row in cm:
        print("   " + " ".join(f"{v:4d}" for v in row))
    return scaler, {"accuracy": np.array(res["accuracy"]), "cm": cm, "X": Xte, "y": yte}


def spiral_part() -> None:
    X, y = spirals(n_per_class=60 if QUICK else 150, classes=3, noise=0.3, seed=0)
    print(f"1. spirals: {len(y)} points, 3 classes")
    model = nn.Sequential(nn.Linear(2, 64, rng=0), nn.ReLU(), nn.Linear(64, 3, rng=1))
    scaler, r = train_classifier(model, X, y, epochs=40 if QUICK else 200, lr=0.02,
                                 batch_size=32)
    try:
        from nn import plot

        def predict_raw(grid: np.ndarray) -> np.ndarray:
            return nn.train.predict(model, scaler.transform(grid))

        b = plot.decision_boundary(predict_raw, X, y, os.path.join(OUT, "spirals_boundary.png"),
                                   title="Spirals: decision regions of a 2-64-3 ReLU network",
                                   resolution=100 if QUICK else 200)
        c = plot.confusion_matrix(r["cm"], os.path.join(OUT, "spirals_confusion.png"),
                                  title="Spirals (test split)")
        print(f"   wrote {b}\n   wrote {c}")
    except ImportError as exc:
        print(f"   (no figures: {exc})")


def digits_part() -> None:
    try:
        X, y = digits()
    except ImportError as exc:
        print(f"\n2. digits skipped: {exc}")
        return
    if QUICK:
        X, y = X[:500], y[:500]
    print(f"\n2. handwritten digits: {len(y)} images of 8x8 pixels, 10 classes")
    model = nn.Sequential(nn.Linear(64, 32, rng=0), nn.ReLU(), nn.Linear(32, 10, rng=1))
    _, r = train_classifier(model, X, y, epochs=5 if QUICK else 40, lr=0.005, batch_size=32)
    try:
        from nn import plot

        c = plot.confusion_matrix(r["cm"], os.path.join(OUT, "digits_confusion.png"),
                                  title="Digits (test split)")
        print(f"   wrote {c}")
    except ImportError as exc:
        print(f"   (no figure: {exc})")


if __name__ == "__main__":
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    spiral_part()
    digits_part()
