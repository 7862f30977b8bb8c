"""Check a network's gradients, then plant a bug in a custom op and find it.

1. A small regression network (nn.Linear / nn.Sequential) with a custom activation, Swish,
   defined as an ``ad.Op`` (forward in numpy, VJP with Tensor ops). ``ad.gradcheck`` compares
   every parameter gradient with central differences (full and fast mode).
2. The same network with a plausible bug in Swish's VJP (the product rule's second term
   forgotten). gradcheck fails and its report names the parameters and the worst entries;
   ``ad.diagnose`` names the op that is wrong and the line that created it, and the graph is
   drawn with that node in red.

Run: ``python examples/gradcheck.py``; writes out/gradcheck_diagnosis.dot (and .svg when
graphviz's ``dot`` is installed).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

import autodiff as ad
import nn
from autodiff import viz


def swish_forward(a: np.ndarray) -> np.ndarray:
    """swish(a) = a * sigmoid(a)."""
    return a / (1.0 + np.exp(-a))


def swish_vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
    """d swish / da = s + a s (1 - s), s = sigmoid(a); Tensor ops, so differentiable again."""
    s = a.sigmoid()
    return g * (s + a * s * (1.0 - s))


def buggy_swish_vjp(g: ad.Tensor, out: ad.Tensor, a: ad.Tensor) -> ad.Tensor:
    """The product rule's second term is missing: a typical hand-derived mistake."""
    return g * a.sigmoid()


class Swish(nn.Module):
    """Activation module around a Swish op (correct or buggy)."""

    def __init__(self, op: ad.Op) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        return self.op(x)


def make_network(op: ad.Op, rng: np.random.Generator) -> nn.Module:
    """4 -> 16 -> 16 -> 1 regression network with tanh and the given Swish op."""
    return nn.Sequential(nn.Linear(4, 16, rng=rng), nn.Tanh(), nn.Linear(16, 16, rng=rng),
                         Swish(op), nn.Linear(16, 1, rng=rng))


def main() -> None:
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    rng = np.random.default_rng(0)
    X = ad.Tensor(rng.standard_normal((32, 4)))
    y = ad.Tensor(rng.standard_normal((32, 1)))
    loss_fn = nn.MSELoss()

    swish = ad.Op("swish", swish_forward, (swish_vjp,))
    model = make_network(swish, np.random.default_rng(1))
    print(f"network: {model.num_parameters()} parameters")
    for fast in (False, True):
        start = time.perf_counter()
        ok = ad.gradcheck(lambda: loss_fn(model(X), y), params=model, fast=fast)
        print(f"gradcheck(fast={fast}): {ok} in {time.perf_counter() - start:.3f} s")

    print("\n--- the same network with a bug planted in Swish's VJP ---")
    bad_swish = ad.Op("swish", swish_forward, (buggy_swish_vjp,))
    bad_model = make_network(bad_swish, np.random.default_rng(1))

    def loss() -> ad.Tensor:
        return loss_fn(bad_model(X), y)

    try:
        ad.gradcheck(loss, params=bad_model)
    except ad.GradcheckError as error:
        print(error)

    print("\n--- where is it? ---")
    report = ad.diagnose(loss, params=bad_model)
    print(report)

    out = Path("out")
    out.mkdir(exist_ok=True)
    dot_path = out / "gradcheck_diagnosis.dot"
    dot_path.write_text(viz.to_dot(report.root, group_by_module=bad_model, diagnosis=report,
                                   title="diagnose: the wrong backward in red"))
    print(f"\nwrote {dot_path}")
    if shutil.which("dot"):
        svg = viz.render(report.root, out / "gradcheck_diagnosis.svg", group_by_module=bad_model,
                         diagnosis=report, title="diagnose: the wrong backward in red")
        print(f"wrote {svg}")


if __name__ == "__main__":
    main()
