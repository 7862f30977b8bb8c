"""IEEE 754 arithmetic on Python floats, for Value: results instead of exceptions.

Python raises on ``1 / 0``, ``math.log(0)`` and ``math.exp(1000)``; numpy and PyTorch
return ``inf``, ``-inf`` or ``nan``. Value follows them through these functions.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

_INF = math.inf
_NAN = math.nan
_REAL = (int, float, numbers.Real)


def as_float(x: object, where: str) -> float:
    """Convert a real number to float; raise TypeError naming ``where`` otherwise."""
    if isinstance(x, _REAL):
        return float(x)
    raise TypeError(
        f"{where}: expected a real number (int or float), got {type(x).__name__} {x!r}; "
        "convert it first, e.g. float(x)"
    )


def safe_pow(x: float, y: float) -> float:
    """``x ** y`` with IEEE results instead of exceptions or complex numbers."""
    try:
        r = x**y
    except (ZeroDivisionError, OverflowError):
        return _pow_ieee(x, y)
    if type(r) is complex:  # negative base, non-integer exponent
        return _NAN
    return r


def _pow_ieee(x: float, y: float) -> float:
    """IEEE 754 ``pow`` for the cases where Python raises (0 ** negative, overflow)."""
    with np.errstate(all="ignore"):
        return float(np.power(np.float64(x), np.float64(y)))


def safe_div(x: float, y: float) -> float:
    """``x / y`` with IEEE results for a zero divisor (+-inf, or nan for 0/0)."""
    try:
        return x / y
    except ZeroDivisionError:
        if x != x or x == 0.0:
            return _NAN
        return math.copysign(_INF, x) * math.copysign(1.0, y)


def safe_exp(x: float) -> float:
    """``e ** x``, ``inf`` on overflow instead of OverflowError."""
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def safe_log(x: float) -> float:
    """Natural log: ``-inf`` at 0, ``nan`` below 0, no exception."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -_INF
    return _NAN  # negative or nan
