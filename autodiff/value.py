"""Value: a scalar node of a computation graph over Python floats.

Every operation creates one ``Value`` that records, at forward time, its (at most two)
parents and the local partial derivative of its result with respect to each of them.
``backward()`` orders the graph iteratively (no recursion) and then runs one loop that
applies the chain rule with those recorded partials: there are no per-node closures,
tuples or lists, so a node is one object and a long graph costs the garbage collector
little.

Semantics, kept close to micrograd and PyTorch:

* ``backward()`` seeds the root with 1 and *adds* each gradient into the ``.grad`` of
  the leaves (Values not produced by an operation), so gradients accumulate across
  calls until you reset them (``module.zero_grad()`` or ``v.grad = 0.0``). The
  ``.grad`` of an interior node holds its gradient from the latest ``backward()``.
* Outside a function's domain the result follows IEEE arithmetic, as numpy and PyTorch
  do: ``log(0) = -inf``, ``log(-1) = nan``, ``exp(1000) = inf``, ``1 / 0 = inf``; no
  Python exception is raised.
* At kinks the derivative is 0: ``relu'(0) = 0`` and ``abs'(0) = 0``.
* ``<``, ``<=``, ``>``, ``>=`` compare ``.data`` and return plain bools; ``==`` is
  identity (as in micrograd), which keeps Values hashable.
"""

from __future__ import annotations

import math
import numbers

from . import accumulation as _accumulation
from . import anomaly as _anomaly
from .graph import value_topological_order as _topological_order
from .scalar_math import as_float, safe_div, safe_exp, safe_log, safe_pow

__all__ = ["Value"]

_new = object.__new__
_REAL = (int, float, numbers.Real)


class Value:
    """A scalar in a computation graph, holding a float and its gradient.

    ``Value(data, label="")``: ``data`` is an int or float (any ``numbers.Real``),
    stored as a Python float; a string or other object raises ``TypeError``.
    ``label`` names the node in rendered graphs.

    Attributes: ``data`` (float), ``grad`` (float, d root / d self after
    ``backward()``), ``label`` (str), ``_op`` (the operation that produced the node,
    ``""`` for a leaf), ``_prev`` (the parent Values as a tuple, in argument order).
    """

    # _a, _b: parents (None when absent); _da, _db: d self / d parent, recorded at
    # forward time. One object per node; the floats it holds are not GC-tracked.
    __slots__ = ("data", "grad", "_a", "_b", "_da", "_db", "_op", "label", "_mark", "__weakref__")

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float:
            data = as_float(data, "Value(data)")
        if not isinstance(label, str):
            raise TypeError(f"Value(label): expected a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self._a = None
        self._b = None
        self._da = 0.0
        self._db = 0.0
        self._op = ""
        self.label = label
        self._mark = None

    # ------------------------------------------------------------------ copy and pickle
    def __getstate__(self) -> tuple[float, float, str]:
        """What ``pickle`` and ``copy.deepcopy`` keep: data, grad and label.

        The graph is not kept, so a chain of any length copies at once: a copy is a leaf
        (a model's parameters are leaves already).
        """
        return (self.data, self.grad, self.label)

    def __setstate__(self, state: tuple[float, float, str]) -> None:
        self.data, self.grad, self.label = state
        self._a = self._b = None
        self._da = self._db = 0.0
        self._op = ""
        self._mark = None

    # ------------------------------------------------------------------ graph
    @property
    def _prev(self) -> tuple[Value, ...]:
        """The parent Values in argument order (empty for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (a,)
        return (a, b)

    @property
    def _partials(self) -> tuple[float, ...]:
        """Local partial derivatives d self / d parent, aligned with ``_prev``."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._da,)
        return (self._da, self._db)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def __float__(self) -> float:
        return self.data

    # ------------------------------------------------------------- arithmetic
    def __add__(self, other: Value | float) -> Value:
        out = _new(Value)
        if type(other) is Value:
            out.data = self.data + other.data
            out._b = other
        elif isinstance(other, _REAL):
            out.data = self.data + float(other)
            out._b = None
        else:
            return _other(other, "+")
        out.grad = 0.0
        out._a = self
        out._da = 1.0
        out._db = 1.0
        out._op = "+"
        out.label = ""
        out._mark = None
        return out

    __radd__ = __add__

    def __mul__(self, other: Value | float) -> Value:
        out = _new(Value)
        if type(other) is Value:
            od = other.data
            out._b = other
            out._db = self.data
        elif isinstance(other, _REAL):
            od = float(other)
            out._b = None
            out._db = 0.0
        else:
            return _other(other, "*")
        out.data = self.data * od
        out.grad = 0.0
        out._a = self
        out._da = od
        out._op = "*"
        out.label = ""
        out._mark = None
        return out

    __rmul__ = __mul__

    def __sub__(self, other: Value | float) -> Value:
        out = _new(Value)
        if type(other) is Value:
            out.data = self.data - other.data
            out._b = other
        elif isinstance(other, _REAL):
            out.data = self.data - float(other)
            out._b = None
        else:
            return _other(other, "-")
        out.grad = 0.0
        out._a = self
        out._da = 1.0
        out._db = -1.0
        out._op = "-"
        out.label = ""
        out._mark = None
        return out

    def __rsub__(self, other: float) -> Value:
        if not isinstance(other, _REAL):
            return _other(other, "-")
        return _unary(self, float(other) - self.data, -1.0, "-")

    def __neg__(self) -> Value:
        return _unary(self, -self.data, -1.0, "neg")

    def __truediv__(self, other: Value | float) -> Value:
        if type(other) is Value:
            od = other.data
            q = safe_div(self.data, od)
            out = _new(Value)
            out.data = q
            out.grad = 0.0
            out._a = self
            out._b = other
            out._da = safe_div(1.0, od)
            out._db = -safe_div(q, od)
            out._op = "/"
            out.label = ""
            out._mark = None
            return out
        if isinstance(other, _REAL):
            c = float(other)
            return _unary(self, safe_div(self.data, c), safe_div(1.0, c), "/")
        return _other(other, "/")

    def __rtruediv__(self, other: float) -> Value:
        if not isinstance(other, _REAL):
            return _other(other, "/")
        x = self.data
        q = safe_div(float(other), x)
        return _unary(self, q, -safe_div(q, x), "/")

    def __pow__(self, other: Value | float) -> Value:
        x = self.data
        if type(other) is Value:
            y = other.data
            r = safe_pow(x, y)
            out = _new(Value)
            out.data = r
            out.grad = 0.0
            out._a = self
            out._b = other
            out._da = 0.0 if y == 0.0 else y * safe_pow(x, y - 1.0)
            # d/dy x**y = x**y log x; 0 at x == 0 for y >= 0 (as PyTorch), nan for x < 0
            out._db = 0.0 if (x == 0.0 and y >= 0.0) else r * safe_log(x)
            out._op = "**"
            out.label = ""
            out._mark = None
            return out
        if isinstance(other, _REAL):
            y = float(other)
            d = 0.0 if y == 0.0 else y * safe_pow(x, y - 1.0)
            return _unary(self, safe_pow(x, y), d, f"**{_fmt(other)}")
        return _other(other, "**")

    def __rpow__(self, other: float) -> Value:
        if not isinstance(other, _REAL):
            return _other(other, "**")
        c = float(other)
        y = self.data
        r = safe_pow(c, y)
        d = 0.0 if (c == 0.0 and y >= 0.0) else r * safe_log(c)
        return _unary(self, r, d, "**")

    # ------------------------------------------------------------ functions
    def relu(self) -> Value:
        """max(x, 0); the derivative at 0 is 0."""
        x = self.data
        if x > 0.0:
            return _unary(self, x, 1.0, "ReLU")
        return _unary(self, x if x != x else 0.0, 0.0, "ReLU")

    def tanh(self) -> Value:
        """Hyperbolic tangent (finite for any input); derivative 1 - tanh^2."""
        t = math.tanh(self.data)
        return _unary(self, t, 1.0 - t * t, "tanh")

    def sigmoid(self) -> Value:
        """Logistic 1 / (1 + e^-x), computed without overflow; derivative s (1 - s)."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)  # x < 0 or nan: no overflow
            s = e / (1.0 + e)
        return _unary(self, s, s * (1.0 - s), "sigmoid")

    def exp(self) -> Value:
        """e^x; ``inf`` beyond x ~ 709.78 (IEEE overflow), never an exception."""
        e = safe_exp(self.data)
        return _unary(self, e, e, "exp")

    def log(self) -> Value:
        """Natural log: ``-inf`` at 0 and ``nan`` below 0 (IEEE); derivative 1 / x."""
        x = self.data
        return _unary(self, safe_log(x), safe_div(1.0, x), "log")

    def __abs__(self) -> Value:
        return self.abs()

    def abs(self) -> Value:
        """|x|; the derivative at 0 is 0."""
        x = self.data
        d = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return _unary(self, abs(x), d, "abs")

    # ----------------------------------------------------------- comparisons
    def __lt__(self, other: Value | float) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data(other, ">=")

    __hash__ = object.__hash__

    # -------------------------------------------------------------- backward
    def backward(self) -> None:
        """Backpropagate from this node: add d self / d leaf into every leaf's ``.grad``.

        The root's gradient is seeded with 1. Leaves accumulate across calls; interior
        nodes are reset and then hold this call's gradient. Iterative: any depth works.
        """
        topo = _topological_order(self)
        if _anomaly._state.enabled:  # checked copy of the loop below (ad.detect_anomaly)
            _backward_checked(self, topo)
            return
        self.grad += 1.0
        for v in reversed(topo):
            g = v.grad
            v._a.grad += v._da * g
            b = v._b
            if b is not None:
                b.grad += v._db * g


def _unary(parent: Value, data: float, d: float, op: str) -> Value:
    """A node with one parent ``parent`` and local partial ``d``."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._a = parent
    out._b = None
    out._da = d
    out._db = 0.0
    out._op = op
    out.label = ""
    out._mark = None
    return out


def _other(other: object, op: str) -> object:
    """NotImplemented for a type that may handle ``op`` itself; TypeError for text and None."""
    if isinstance(other, str | bytes) or other is None:
        raise TypeError(
            f"Value {op}: expected a real number (int or float) or a Value, got "
            f"{type(other).__name__} {other!r}; convert it first, e.g. float(x)"
        )
    return NotImplemented


def _data(other: object, op: str) -> float:
    if type(other) is Value:
        return other.data
    return as_float(other, f"Value {op}")


def _fmt(x: float) -> str:
    return str(int(x)) if isinstance(x, int) or float(x).is_integer() else repr(float(x))


def _describe_value(v: Value) -> str:
    parents = ", ".join(f"input {i}: {p.data!r}" for i, p in enumerate(v._prev))
    label = f" (label {v.label!r})" if v.label else ""
    return f"op '{v._op}'{label}; {parents or 'no inputs'}"


def _backward_checked(root: Value, topo: list[Value]) -> None:
    """``Value.backward`` under anomaly mode: the same pass, checking every step.

    ``topo`` holds the interior nodes, parents first (as ``_topological_order``
    returns them, grads reset). Raises AnomalyError at the first node whose forward
    result is NaN or inf, before any gradient is written; then, during the pass, at
    the first local gradient contribution that is NaN or inf (leaves keep what was
    accumulated before it). A Value records no creation site, so the op, its label
    and its inputs' values identify it.
    """
    for v in topo:  # parents before children: the first non-finite result is the origin
        if not math.isfinite(v.data):
            raise _anomaly.AnomalyError(f"anomaly in forward: Value op produced {v.data!r}: "
                               f"{_describe_value(v)}")
    leaves = _accumulation.value_leaves(root, topo)
    _accumulation.check_leaves(leaves, "Value")
    root.grad += 1.0
    for v in reversed(topo):
        g = v.grad
        for index, (parent, d) in enumerate(((v._a, v._da), (v._b, v._db))):
            if parent is None:
                continue
            contribution = d * g
            if not math.isfinite(contribution):
                raise _anomaly.AnomalyError(
                    f"anomaly in backward: the gradient of Value op '{v._op}' for input "
                    f"{index} is {contribution!r} (local derivative {d!r} times upstream "
                    f"gradient {g!r}); {_describe_value(v)}"
                )
            parent.grad += contribution
    _accumulation.remember(leaves)
