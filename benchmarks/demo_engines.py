"""The contenders of benchmarks/micrograd_demo.py: one training step of micrograd's demo each.

The workload is micrograd's ``demo.ipynb``: ``MLP(2, [16, 16, 1])`` on
``make_moons(n_samples=100, noise=0.1)`` with targets -1 / +1, full batch, SVM max-margin
loss ``sum((1 + -y * score).relu()) * (1 / n)`` plus ``1e-4 * sum(p * p)``, accuracy,
``zero_grad``, backward and SGD with the learning rate ``1.0 - 0.9 * k / 100`` at step k.

Every factory takes the same starting weights (autodiff's ``nn.MLP``) and the same data and
returns ``step(k) -> (loss, accuracy, forward_s, backward_s)``; ``backward_s`` covers
zero_grad, backward and the update.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

import autodiff as ad
import nn

SIZES = [2, 16, 16, 1]
N_POINTS = 100
ALPHA = 1e-4

Step = Callable[[int], tuple[float, float, float, float]]


def make_data(n: int = N_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The demo's data: ``make_moons(n, noise=0.1, random_state=1)``, y mapped to -1 / +1."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=0.1, random_state=1)
    return x, y * 2 - 1


def learning_rate(k: int) -> float:
    """The demo's schedule: 1.0 at step 0, falling by 0.009 per step."""
    return 1.0 - 0.9 * k / 100


def initial_weights(seed: int = 0) -> nn.MLP:
    """The starting point every contender copies: autodiff's seeded ``nn.MLP``."""
    return nn.MLP(SIZES[0], SIZES[1:], rng=seed)


def layer_arrays(src: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight of shape (out, in), bias of shape (out,)) per layer of a scalar MLP."""
    return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
             np.array([n.b.data for n in layer.neurons])) for layer in src.layers]


def demo_loss(model, value_cls, x: np.ndarray, y: np.ndarray):
    """The demo's ``loss()`` for a scalar MLP of either engine: (total loss, accuracy)."""
    inputs = [list(map(value_cls, row)) for row in x]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(y, scores, strict=True)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def scalar_step(model, value_cls, x: np.ndarray, y: np.ndarray) -> Step:
    """A step of a scalar engine: micrograd's MLP with its Value, or autodiff's."""

    def step(k: int) -> tuple[float, float, float, float]:
        t0 = time.perf_counter()
        total, acc = demo_loss(model, value_cls, x, y)
        t1 = time.perf_counter()
        model.zero_grad()
        total.backward()
        lr = learning_rate(k)
        for p in model.parameters():
            p.data -= lr * p.grad
        return float(total.data), float(acc), t1 - t0, time.perf_counter() - t1

    return step


def micrograd_step(src: nn.MLP, x: np.ndarray, y: np.ndarray) -> Step:
    """micrograd 0.1.0's ``MLP`` and ``Value`` with the weights of ``src``."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(SIZES[0], SIZES[1:])
    for p, q in zip(src.parameters(), model.parameters(), strict=True):
        q.data = p.data
    return scalar_step(model, Value, x, y)


def value_step(src: nn.MLP, x: np.ndarray, y: np.ndarray) -> Step:
    """autodiff's ``nn.MLP`` and ``autodiff.Value`` with the weights of ``src``."""
    model = initial_weights()
    for p, q in zip(src.parameters(), model.parameters(), strict=True):
        q.data = p.data
    return scalar_step(model, ad.Value, x, y)


def tensor_model(src: nn.MLP) -> nn.Sequential:
    """The same network as float64 ``Linear`` + ``ReLU`` layers, weights of ``src``."""
    layers: list = []
    for i, (w, b) in enumerate(layer_arrays(src)):
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=np.float64)
        lin.weight.data[...] = w
        lin.bias.data[...] = b
        layers += [lin] if i == len(src.layers) - 1 else [lin, nn.ReLU()]
    return nn.Sequential(*layers)


def tensor_step(src: nn.MLP, x: np.ndarray, y: np.ndarray) -> Step:
    """autodiff's Tensor engine, full batch: the demo's math on (n, 2) inputs."""
    model = tensor_model(src)
    params = model.parameters()
    xt, yt = ad.Tensor(x), ad.Tensor(y.reshape(-1, 1).astype(np.float64))

    def step(k: int) -> tuple[float, float, float, float]:
        t0 = time.perf_counter()
        scores = model(xt)
        data_loss = (1 + -yt * scores).relu().sum() * (1.0 / len(x))
        reg_loss = ALPHA * sum((p * p).sum() for p in params)
        total = data_loss + reg_loss
        acc = float(((y > 0) == (scores.data[:, 0] > 0)).mean())
        t1 = time.perf_counter()
        model.zero_grad()
        total.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        return float(total.data), acc, t1 - t0, time.perf_counter() - t1

    return step


def torch_step(src: nn.MLP, x: np.ndarray, y: np.ndarray) -> Step:
    """PyTorch CPU (float64 ``torch.nn.Linear`` + ``ReLU``), same math, same weights."""
    import torch

    mods: list = []
    for i, (w, b) in enumerate(layer_arrays(src)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        mods += [lin] if i == len(src.layers) - 1 else [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*mods)
    params = list(model.parameters())
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.reshape(-1, 1).astype(np.float64))

    def step(k: int) -> tuple[float, float, float, float]:
        t0 = time.perf_counter()
        scores = model(xt)
        data_loss = (1 + -yt * scores).relu().sum() * (1.0 / len(x))
        reg_loss = ALPHA * sum((p * p).sum() for p in params)
        total = data_loss + reg_loss
        acc = float(((y > 0) == (scores.detach().numpy()[:, 0] > 0)).mean())
        t1 = time.perf_counter()
        model.zero_grad()
        total.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return float(total.item()), acc, t1 - t0, time.perf_counter() - t1

    return step


def numpy_step(src: nn.MLP, x: np.ndarray, y: np.ndarray) -> Step:
    """The same step with a hand-written numpy forward and backward (no graph): the floor."""
    params = [(w.copy(), b.copy()) for w, b in layer_arrays(src)]
    yc = y.reshape(-1, 1).astype(np.float64)
    scale = 1.0 / len(x)

    def step(k: int) -> tuple[float, float, float, float]:
        t0 = time.perf_counter()
        acts, pre = [x], []
        for i, (w, b) in enumerate(params):
            z = acts[-1] @ w.T + b
            pre.append(z)
            acts.append(z if i == len(params) - 1 else np.maximum(z, 0.0))
        scores = acts[-1]
        margin = 1.0 - yc * scores
        total = float(np.maximum(margin, 0.0).sum() * scale
                      + ALPHA * sum((w * w).sum() + (b * b).sum() for w, b in params))
        acc = float(((y > 0) == (scores[:, 0] > 0)).mean())
        t1 = time.perf_counter()
        grad = np.where(margin > 0, -yc, 0.0) * scale
        lr = learning_rate(k)
        for i in range(len(params) - 1, -1, -1):
            w, b = params[i]
            if i != len(params) - 1:
                grad = grad * (pre[i] > 0)
            gw = grad.T @ acts[i] + 2 * ALPHA * w
            gb = grad.sum(axis=0) + 2 * ALPHA * b
            grad = grad @ w
            w -= lr * gw
            b -= lr * gb
        return total, acc, t1 - t0, time.perf_counter() - t1

    return step


def contenders(x: np.ndarray, y: np.ndarray, with_torch: bool = True) -> dict[str, Step]:
    """Every contender's step, all from the same initial weights; PyTorch only if asked and
    importable."""
    src = initial_weights()
    out = {"micrograd 0.1.0": micrograd_step(src, x, y),
           "autodiff.Value": value_step(src, x, y),
           "autodiff Tensor": tensor_step(src, x, y)}
    if with_torch and torch_available():
        out["PyTorch CPU"] = torch_step(src, x, y)
    out["numpy floor"] = numpy_step(src, x, y)
    return out


def torch_available() -> bool:
    """Whether ``import torch`` works here."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def worst_difference(losses: dict[str, list[float]], reference: str = "autodiff.Value") -> float:
    """Largest |loss - reference loss| over every contender and step (steps must match)."""
    ref = losses[reference]
    return max((abs(a - b) for name, ls in losses.items()
                for a, b in zip(ls, ref, strict=True)), default=0.0)
