"""Scalar networks built from ``Value``: Neuron -> Layer -> MLP, as in micrograd.

A neuron computes a weighted sum of its inputs plus a bias and applies an activation;
a layer is a list of neurons that see the same inputs; an MLP is a list of layers. Every
multiplication and addition is its own graph node, so a rendered neuron shows them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff.random import resolve_rng
from autodiff.validation import check_size_fits_memory, describe
from autodiff.value import Value

from .module import Module

__all__ = ["Neuron", "Layer", "MLP"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
_ACT_FN = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}


#: bytes one weight of a scalar network takes (a labelled Value: measured about 315)
VALUE_BYTES = 320


def _check_size(n: Any, what: str, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {describe(n)}")
    return int(n)


def _check_weights(nin: int, nout: int, where: str) -> None:
    """Refuse, before building any, a layer whose nin x nout Values would not fit in memory."""
    check_size_fits_memory((nin + 1) * nout * VALUE_BYTES, where,
                           what=f"a layer of {nin} x {nout} Value weights")


def _check_activation(activation: str, where: str) -> str:
    if not isinstance(activation, str):
        raise TypeError(f"{where}: activation must be one of {ACTIVATIONS}, got "
                        f"{describe(activation)}")
    if activation not in _ACT_FN:
        raise ValueError(f"{where}: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _micrograd_nonlin(activation: str, nonlin: bool | None, where: str) -> str:
    """micrograd's ``nonlin=True/False`` as an ``activation`` ("relu" / "linear")."""
    if nonlin is None:
        return activation
    if activation != "relu":
        raise TypeError(f"{where}: pass activation= or micrograd's nonlin=, not both")
    if not isinstance(nonlin, bool):
        raise TypeError(f"{where}: nonlin must be True (relu) or False (linear), got {nonlin!r}")
    return "relu" if nonlin else "linear"


class Neuron(Module):
    """``activation(b + w[0] x[0] + ... + w[nin-1] x[nin-1])``.

    ``w``: ``nin`` Values drawn uniformly from [-1, 1) with ``rng`` (Generator, int seed
    or None for the default generator that ``ad.manual_seed`` seeds); ``b``: a Value, 0.
    ``activation``: "relu", "tanh", "sigmoid" or "linear".
    Raises ValueError for a bad ``nin`` or activation, TypeError for a bad ``rng``.
    """

    def __init__(self, nin: int, activation: str = "relu",
                 rng: np.random.Generator | int | None = None, *,
                 nonlin: bool | None = None) -> None:
        super().__init__()
        activation = _micrograd_nonlin(activation, nonlin, "Neuron")
        nin = _check_size(nin, "nin", "Neuron")
        _check_weights(nin, 1, "Neuron")
        self.nin = nin
        self.activation = _check_activation(activation, "Neuron")
        gen = resolve_rng(rng, "Neuron")
        self.w = [Value(float(x), label=f"w{i}") for i, x in enumerate(gen.uniform(-1.0, 1.0, nin))]
        self.b = Value(0.0, label="b")

    def forward(self, x: Sequence[Value | float]) -> Value:
        """One output Value from ``nin`` inputs (floats or Values).

        Raises ValueError when ``len(x) != nin``."""
        if isinstance(x, (Value, int, float)):
            x = (x,)
        elif hasattr(x, "requires_grad"):  # an autodiff.Tensor would give object arrays
            raise TypeError(
                f"Neuron.forward: expected a list of {self.nin} numbers or Values, got a "
                f"{type(x).__name__}; Tensor inputs go to tensor layers such as nn.Linear"
            )
        if len(x) != self.nin:
            raise ValueError(f"Neuron.forward: expected {self.nin} inputs, got {len(x)}")
        act = self.b
        for wi, xi in zip(self.w, x, strict=False):  # length checked above
            act = act + wi * xi
        fn = _ACT_FN[self.activation]
        return act if fn is None else fn(act)

    def extra_repr(self) -> str:
        """Inputs and activation, shown in the repr tree."""
        return f"{self.nin}, activation={self.activation!r}"


class Layer(Module):
    """``nout`` neurons with ``nin`` inputs each; returns a list of ``nout`` Values, or a
    single Value when ``nout == 1`` (as micrograd does)."""

    def __init__(self, nin: int, nout: int, activation: str = "relu",
                 rng: np.random.Generator | int | None = None, *,
                 nonlin: bool | None = None) -> None:
        super().__init__()
        activation = _micrograd_nonlin(activation, nonlin, "Layer")
        nin = _check_size(nin, "nin", "Layer")
        nout = _check_size(nout, "nout", "Layer")
        _check_weights(nin, nout, "Layer")
        _check_activation(activation, "Layer")
        gen = resolve_rng(rng, "Layer")
        self.nin, self.nout, self.activation = nin, nout, activation
        self.neurons = [Neuron(nin, activation, gen) for _ in range(nout)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """Apply every neuron to ``x`` (length ``nin``)."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def extra_repr(self) -> str:
        """Inputs, outputs and activation, shown in the repr tree."""
        return f"{self.nin} -> {self.nout}, activation={self.activation!r}"


class MLP(Module):
    """Multi-layer perceptron: ``MLP(nin, [h1, ..., nout])``.

    Hidden layers use ``activation`` ("relu" by default), the last layer
    ``output_activation`` ("linear" by default). One ``rng`` (Generator, int seed or
    None for the default generator, see ``ad.manual_seed``) initializes all layers in
    order, so a seed fixes every weight.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear",
                 rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        nin = _check_size(nin, "nin", "MLP")
        if not isinstance(nouts, list | tuple) or len(nouts) == 0:
            error = ValueError if isinstance(nouts, list | tuple | int | np.integer) else TypeError
            raise error(f"MLP: nouts must be a non-empty list of layer sizes, got "
                        f"{describe(nouts)}")
        sizes = [nin] + [_check_size(n, "each layer size", "MLP") for n in nouts]
        check_size_fits_memory(
            sum((a + 1) * b for a, b in zip(sizes, sizes[1:])) * VALUE_BYTES, "MLP",
            what=f"an MLP of sizes {sizes} (Value weights)")
        _check_activation(activation, "MLP")
        _check_activation(output_activation, "MLP")
        gen = resolve_rng(rng, "MLP")
        self.nin, self.nouts = nin, sizes[1:]
        self.activation, self.output_activation = activation, output_activation
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, gen)
            for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """Run ``x`` (length ``nin``) through every layer."""
        for layer in self.layers:
            x = layer(x)
        return x

    def extra_repr(self) -> str:
        """Inputs and layer sizes, shown in the repr tree."""
        return f"{self.nin}, {self.nouts}"
