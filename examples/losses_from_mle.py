"""Where the losses come from (chapter 3.2): error minimisation and maximum likelihood.

1. Regression. If targets are the model's output plus Gaussian noise of variance s^2,
   the negative log-likelihood of the data is  N/2 log(2 pi s^2) + sum (y - t)^2 / (2 s^2):
   a constant plus N/(2 s^2) times the mean squared error. Same minimiser, and
   gradients that differ only by that factor.
2. Classification. If the network's softmax output y_k is the probability of class k,
   the negative log-likelihood of one-hot targets is  -(1/N) sum_i sum_k t_ik log y_ik:
   the cross-entropy. Its gradient with respect to the logits is (softmax - onehot) / N.
   Seen as error minimisation, cross-entropy measures how far the predicted distribution
   y is from the target distribution t: CE(t, y) = H(t) + KL(t || y), and H(t) does not
   depend on the network, so minimising CE minimises the KL divergence (0 only at y = t).
3. Two classes: a Bernoulli likelihood gives the binary cross-entropy.

    python examples/losses_from_mle.py [--quick]      # writes out/losses_from_mle.png
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

import autodiff as ad
import nn

OUT = "out"
QUICK = "--quick" in sys.argv or os.environ.get("AUTODIFF_QUICK") == "1"


def regression() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    s = 0.5
    x = rng.uniform(-2, 2, 200)
    t = 2.0 * x + 1.0 + rng.normal(0, s, x.size)
    X, T = ad.Tensor(x), ad.Tensor(t)
    ws = np.linspace(0.0, 4.0, 81 if QUICK else 401)
    mse, nll = [], []
    for w in ws:
        y = X * w + 1.0
        mse.append(nn.MSELoss()(y, T).item())
        nll.append((0.5 * x.size * math.log(2 * math.pi * s**2)
                    + ((y - T) ** 2).sum() / (2 * s**2)).item())
    mse_a, nll_a = np.array(mse), np.array(nll)
    print("1. regression, y = w x + 1 with Gaussian noise (s = 0.5):")
    print(f"   argmin_w MSE = {ws[mse_a.argmin()]:.3f}, argmin_w Gaussian NLL = "
          f"{ws[nll_a.argmin()]:.3f}  (same minimiser)")
    const = 0.5 * x.size * math.log(2 * math.pi * s**2)
    ratio = (nll_a - const) / mse_a
    print(f"   NLL - const = {ratio.mean():.1f} x MSE everywhere (N / (2 s^2) = "
          f"{x.size / (2 * s**2):.1f}); spread {ratio.std():.1e}")
    w = ad.Tensor(np.array(1.3), requires_grad=True)
    g_mse, = ad.grad(nn.MSELoss()(X * w + 1.0, T), [w])
    g_nll, = ad.grad(((X * w + 1.0 - T) ** 2).sum() / (2 * s**2), [w])
    print(f"   at w = 1.3: dNLL/dw = {g_nll.item():.3f} = {g_nll.item() / g_mse.item():.1f} "
          f"x dMSE/dw ({g_mse.item():.3f})")
    assert abs(ws[mse_a.argmin()] - ws[nll_a.argmin()]) < 1e-12
    return ws, mse_a, nll_a


def classification() -> None:
    rng = np.random.default_rng(1)
    z = ad.Tensor(rng.normal(size=(5, 3)), requires_grad=True)   # logits, 5 samples, 3 classes
    labels = np.array([0, 2, 1, 1, 0])
    onehot = nn.data.one_hot(labels, 3)
    probs = z.softmax(axis=-1)
    nll = -(ad.Tensor(onehot) * probs.log()).sum() / 5           # -(1/N) sum t log y
    ce = nn.CrossEntropyLoss()(z, ad.Tensor(labels))
    print("\n2. classification, categorical likelihood of softmax outputs:")
    print(f"   -(1/N) sum t log softmax(z) = {nll.item():.6f}; nn.CrossEntropyLoss = "
          f"{ce.item():.6f}")
    ce.backward()
    expected = (probs.data - onehot) / 5
    diff = np.abs(z.grad - expected).max()
    print(f"   dCE/dz = (softmax - onehot) / N: max difference {diff:.1e}")
    assert abs(nll.item() - ce.item()) < 1e-12 and np.allclose(z.grad, expected)

    soft = 0.9 * onehot + 0.1 / 3  # a smoothed target distribution, so H(t) > 0
    y = probs.data
    ce_t = float(-(soft * np.log(y)).sum(axis=1).mean())
    entropy = float(-(soft * np.log(soft)).sum(axis=1).mean())
    kl = float((soft * np.log(soft / y)).sum(axis=1).mean())
    print("   as a distance between distributions (error minimisation), smoothed targets t:")
    print(f"   CE(t, y) = H(t) + KL(t || y): {ce_t:.6f} = {entropy:.6f} + {kl:.6f}; H(t) is fixed "
          "by the data (0 for one-hot t),\n   so minimising CE minimises KL(t || y), which is "
          "0 only when y = t")
    assert abs(ce_t - entropy - kl) < 1e-12

    logit = ad.Tensor(np.array([2.0, -1.0, 0.3]))
    tb = np.array([1.0, 0.0, 0.0])
    p = logit.data
    p = 1 / (1 + np.exp(-p))
    bern = -np.mean(tb * np.log(p) + (1 - tb) * np.log(1 - p))
    bce = nn.BCEWithLogitsLoss()(logit, ad.Tensor(tb)).item()
    print(f"\n3. two classes, Bernoulli likelihood: -mean(t log p + (1-t) log(1-p)) = {bern:.6f};"
          f" nn.BCEWithLogitsLoss = {bce:.6f}")
    assert abs(bern - bce) < 1e-12


def figure(ws: np.ndarray, mse: np.ndarray, nll: np.ndarray) -> None:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        print("(matplotlib not installed: no figure; pip install -e '.[plot]' in the checkout)")
        return
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(ws, mse, color="C0", label="MSE (error minimisation)")
    ax.set_xlabel("slope w")
    ax.set_ylabel("MSE", color="C0")
    ax2 = ax.twinx()
    ax2.plot(ws, nll, color="C1", linestyle="--", label="Gaussian NLL (max. likelihood)")
    ax2.set_ylabel("negative log-likelihood", color="C1")
    ax.axvline(ws[mse.argmin()], color="k", linewidth=0.8)
    ax.set_title("Same minimiser: MSE = Gaussian NLL up to scale and constant")
    fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.85))
    fig.tight_layout()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "losses_from_mle.png")
    fig.savefig(path)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    ws, mse, nll = regression()
    classification()
    figure(ws, mse, nll)
