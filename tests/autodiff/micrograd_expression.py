"""The expression of micrograd's README, shared by the Value and drawing tests.

Its published values: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773.
"""

from __future__ import annotations

from autodiff import Value


def readme_expression() -> tuple[Value, Value, Value]:
    """Build micrograd's README expression, run ``backward()`` and return ``(a, b, g)``."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g
