"""A pytest plugin that adds one throwaway op in the two places an op needs: its table
entry and its catalogue spec. ``test_catalogue.py`` runs the op tests with it loaded
(``-p throwaway_op``) to show that every consumer picks the new op up.

``THROWAWAY_BUG=1`` plants a wrong VJP (the derivative times 1.1), which the op tests
must then catch.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from autodiff import Tensor
from autodiff.ops import register
from autodiff.testing.opinfo import register_spec
from autodiff.testing.spec import Expression, OpSpec, Sample, rng_of, shapes, uniform

NAME = "softsign_throwaway"
_FACTOR = 1.1 if os.environ.get("THROWAWAY_BUG") == "1" else 1.0


def _forward(a: np.ndarray) -> np.ndarray:
    return a / (1.0 + abs(a))


def _vjp(g: Tensor, out: Tensor, a: Tensor) -> Tensor:  # Tensor ops: differentiable again
    return g * _FACTOR / ((1.0 + a.abs()) * (1.0 + a.abs()))


softsign = register(NAME, _forward, _vjp)


def _sample(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    return Sample([uniform(rng_of(data), shape, -2, 2, (0.0,))], softsign)


# smooth: |a| has a kink at 0, but softsign's first derivative is continuous there and the
# sampler keeps clear of 0 for the second
register_spec(OpSpec(NAME, _sample, Expression(1, softsign, "softsign({0})"), kinks=(0.0,)))
