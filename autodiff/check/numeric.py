"""Central differences: the one place where the checker nudges an input and differences f.

Every numerical derivative of the checker comes from :func:`central_difference`: gradcheck's
element-wise and projected checks, ``numerical_grad``, and both halves of ``diagnose``. An input
is moved to ``x0 + step`` and ``x0 - step`` (one element by ``eps``, or a whole array along
``eps * u``), f is evaluated at both, and ``x0`` is written back exactly, even when f raises.
The caller says how to write the input (``write``) and what to evaluate (``evaluate``: a float
or a flat float64 array), so one function serves slots, raw arrays and Value leaves alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Central", "central_difference", "item_writer"]

Evaluation = float | np.ndarray  # what f evaluates to: a float, or a flat float64 array


@dataclass(frozen=True)
class Central:
    """f at ``x0 + step`` (``plus``) and at ``x0 - step`` (``minus``), for a step of size eps."""

    plus: Evaluation
    minus: Evaluation
    eps: float

    def derivative(self, weights: np.ndarray | None = None) -> Evaluation:
        """``(plus - minus) / (2 eps)``: the derivative of f along the step.

        With ``weights`` (a flat array, the shape of ``plus``) the projection
        ``weights @ (plus - minus) / (2 eps)`` is returned, a float (an entry of a
        vector-Jacobian product).
        """
        difference = self.plus - self.minus
        if weights is not None:
            difference = weights @ difference
        return difference / (2 * self.eps)

    def kinks(self, base: Evaluation, atol: float, rtol: float) -> bool | np.ndarray:
        """True where the one-sided differences disagree: a non-differentiable point.

        ``base`` is f at ``x0`` (a float, or an array the shape of ``plus``); returns a bool or
        a boolean array of that shape. The forward ``(plus - base) / eps`` and backward
        ``(base - minus) / eps`` slopes must differ by more than ten times the check's
        tolerance, so a smooth f with roundoff is not flagged; at relu/abs at 0 or a tie in max
        a central difference means nothing.
        """
        right = (self.plus - base) / self.eps
        left = (base - self.minus) / self.eps
        return np.abs(right - left) > 10 * (atol + rtol * (np.abs(right) + np.abs(left)))


def central_difference(
    evaluate: Callable[[], Evaluation], write: Callable[[Any], None], x0: Any, step: Any,
    eps: float,
) -> Central:
    """Evaluate f at ``x0 + step`` and ``x0 - step``; write ``x0`` back exactly, even on error.

    ``write(x)`` installs an input value (a float for one element, an array of ``x0``'s shape
    for a direction); ``evaluate()`` returns f there. ``step`` is ``eps`` for an element or
    ``eps * u`` for a direction ``u``. Whatever ``evaluate`` raises propagates after ``x0`` is
    restored.
    """
    try:
        write(x0 + step)
        plus = evaluate()
        write(x0 - step)
        minus = evaluate()
    finally:
        write(x0)
    return Central(plus, minus, eps)


def item_writer(array: np.ndarray, index: Any) -> Callable[[Any], None]:
    """The ``write`` for ``array[index]``: one element (an int) or all of it (``...``)."""

    def write(x: Any) -> None:
        array[index] = x

    return write
