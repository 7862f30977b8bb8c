"""See the computation graph and the gradients flowing back through it (chapter 3.1, 3.3).

Three drawings, written to ``out/``:

(a) ``neuron.svg``: one neuron, ``o = tanh(x1 w1 + x2 w2 + b)``: weighted sum plus
    activation, each Value a record ``{ label | data | grad }`` after ``o.backward()``;
(b) ``two_layer.svg``: a two-layer regression network (ReLU hidden layer, identity
    output, squared error) drawn inside nested clusters network > layer > neuron;
(c) ``vanishing.svg``: a deep tanh network coloured by |grad| on a log scale: the
    gradients of the first layers are three orders of magnitude smaller than the last's.

The DOT text (``.dot``) is written next to each drawing; it needs no graphviz. Also try
the command line: ``python -m autodiff.viz examples/render_graph.py:neuron -o out/n.svg``.

    python examples/render_graph.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import DotNotFoundError, render, to_dot

OUT = Path("out")


def neuron_and_params() -> tuple[Value, dict[str, Value]]:
    """The single neuron of the chapter: weighted sum of two inputs plus bias, then tanh."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"w1": w1, "w2": w2, "b": b}


def neuron() -> Value:
    """The neuron's output ``o`` (for the command line)."""
    return neuron_and_params()[0]


def two_layer() -> tuple[Value, nn.MLP]:
    """A 2-3-1 regression network (ReLU hidden, identity output), squared error, one sample."""
    model = nn.MLP(2, [3, 1], activation="relu", rng=0)
    x = [Value(1.5, label="rooms"), Value(-0.5, label="distance")]
    target = Value(2.0, label="price")
    loss = (model(x) - target) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model


def deep_tanh() -> tuple[Value, nn.MLP]:
    """A 10-layer tanh network with small weights, one sample: |grad| shrinks towards the input.

    Weights drawn uniformly from [-0.5, 0.5): each layer multiplies the gradient by about
    0.5 * sqrt(4 / 3) * tanh' < 1 on its way back, so the first layer gets ~1000x less.
    """
    model = nn.MLP(2, [4] * 9 + [1], activation="tanh", rng=3)
    for p in model.parameters():
        p.data *= 0.5
    x = [Value(0.8, label="x0"), Value(-1.2, label="x1")]
    loss = (model(x) - Value(1.0, label="target")) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model


def main() -> None:
    OUT.mkdir(exist_ok=True)
    ad.manual_seed(0)  # every default generator: initializers, Dropout, shuffles
    o, params = neuron_and_params()
    loss, model = two_layer()
    deep, deep_model = deep_tanh()
    jobs = [
        ("neuron", o, {"params": params, "title": "one neuron: o = tanh(x1 w1 + x2 w2 + b)"}),
        ("two_layer", loss, {"group_by_module": model,
                             "title": "two-layer network, grouped network > layer > neuron"}),
        ("vanishing", deep, {"group_by_module": deep_model, "grad_flow": True,
                             "title": "deep tanh network: |grad| per neuron (log scale)"}),
    ]
    for name, root, options in jobs:
        dot_path = OUT / f"{name}.dot"
        dot_path.write_text(to_dot(root, **options))
        try:
            print(render(root, OUT / f"{name}.svg", **options))
        except DotNotFoundError as error:
            print(f"{dot_path} (no SVG: {error})")
    first = np.mean([abs(p.grad) for p in deep_model.layers[0].parameters()])
    last = np.mean([abs(p.grad) for p in deep_model.layers[-1].parameters()])
    print(f"mean |grad| of the first layer's parameters {first:.2e}, of the last {last:.2e}")


if __name__ == "__main__":
    main()
