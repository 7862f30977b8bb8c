"""Tensor: a node over a numpy array. Every operator delegates to an op of the ``ops`` table.

This file holds the node itself (its fields, conversions, ``backward`` and the Python
operators); the named methods (``exp``, ``sum``, ``reshape``, ...) come from
``TensorMethods`` in ``tensor_methods.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import accumulation, anomaly, engine
from .size import ElementCount
from .tensor_methods import TensorMethods
from .validation import check_bool, describe

__all__ = ["Tensor", "fill_node", "new_node"]

ArrayLike = Any


def _as_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """Convert ``data`` to an ndarray: Python numbers and lists become float64."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        return data if dtype is None else data.astype(dtype, copy=False)
    if isinstance(data, str | bytes) or data is None:
        raise TypeError(f"Tensor: expected a number, a list of numbers or an ndarray, got {data!r}")
    if dtype is None and not isinstance(data, np.generic | bool):
        try:
            array = np.asarray(data)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"Tensor: cannot make an array of {_short(data)}: nested lists must "
                             f"be rectangular, every row of the same length ({error})") from None
        if array.dtype.kind in "iuf":
            return array.astype(np.float64, copy=False)
        if array.dtype.kind not in "bc":
            raise TypeError(
                f"Tensor: expected numbers, got an array of dtype {array.dtype} from {data!r}"
            )
        return array
    try:
        return np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Tensor: cannot convert {data!r} to an array: {error}") from None


def _short(data: Any, limit: int = 80) -> str:
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fill_node(t: Tensor, data: np.ndarray, fn: Any, inputs: tuple, ctx: dict | None,
              site: str | None) -> None:
    """Set every field of ``t`` (``Tensor.__init__`` calls it on ``self``).

    ``Op.__call__`` sets the same fields inline on ``new_node(Tensor)``, skipping
    ``__init__``'s conversions and this call, for speed; ``test_tensor_fields.py`` checks
    that the two agree. ``fn`` is the op that made the node (None for a leaf, which then
    does not require grad until asked), ``inputs`` its positional inputs, ``ctx`` its
    keyword arguments, ``site`` where the user created it (anomaly mode only).
    """
    t.data = data
    t.grad = None
    t.name = ""
    t._retain = False
    t.requires_grad = fn is not None
    t._fn = fn
    t._inputs = inputs
    t._ctx = ctx
    t._site = site


#: numpy function -> the function that runs it on Tensors, recording the graph (filled by
#: ``numpy_api.py``); NUMPY_HINTS: what to call instead, for numpy functions it refuses
NUMPY_FUNCTIONS: dict[Any, Any] = {}
NUMPY_HINTS: dict[Any, str] = {}

#: ``new_node(Tensor)``: a Tensor not yet initialised (``Op.__call__`` fills its fields)
new_node = object.__new__


class Tensor(TensorMethods):
    """A numpy array that records the operations applied to it, for reverse-mode autodiff.

    ``Tensor(data, requires_grad=False, name="")``: ``data`` is an ndarray (kept as
    is, float32 stays float32) or numbers / nested lists (become float64). Only
    floating-point tensors can require grad (TypeError otherwise). After
    ``backward()``, ``.grad`` of each leaf that requires grad is a numpy array of
    the leaf's shape and dtype; gradients accumulate across calls.
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_fn", "_inputs", "_ctx", "_retain",
                 "_site", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data: ArrayLike, requires_grad: bool = False, name: str = "",
                 dtype: Any = None) -> None:
        if type(name) is not str:
            raise TypeError(f"Tensor: name must be a string, got {describe(name)}")
        if requires_grad is not False and requires_grad is not True:
            requires_grad = check_bool(requires_grad, name="requires_grad", where="Tensor")
        fill_node(self, _as_array(data, dtype), None, (), None, None)
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ copy and pickle
    def __getstate__(self) -> tuple[Any, ...]:
        """What ``pickle`` and ``copy.deepcopy`` keep: data, grad, requires_grad and name.

        The graph is not kept (the op that made the tensor holds functions, and a graph
        may be deep): a copy is a leaf, as PyTorch's pickle makes of a non-leaf tensor.
        """
        return (self.data, self.grad, self.requires_grad, self.name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        data, grad, requires_grad, name = state
        fill_node(self, data, None, (), None, None)
        self.grad = grad
        self.requires_grad = requires_grad
        self.name = name

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> ElementCount:
        """The number of elements, an int as numpy's ``size``; also callable as PyTorch's:
        ``t.size()`` is the shape tuple, ``t.size(dim)`` the length of axis ``dim``."""
        return ElementCount(self.data.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's name for numpy's ``size``)."""
        return self.data.size

    def dim(self) -> int:
        """The number of axes (PyTorch's name for ``ndim``)."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of ``data``."""
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op."""
        return self._fn is None

    @property
    def _prev(self) -> tuple[Tensor, ...]:
        """The Tensor inputs of the op that made this node (empty for a leaf)."""
        return tuple(x for x in self._inputs if isinstance(x, Tensor))

    @property
    def _op(self) -> str:
        """The name of the op that made this node ('' for a leaf)."""
        return self._fn.name if self._fn is not None else ""

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as requiring grad (in place); raise TypeError for a flag that is not
        a bool and for dtypes other than real floats (ints, bools and complex numbers)."""
        requires_grad = check_bool(requires_grad, name="requires_grad", where="requires_grad_")
        if requires_grad and self.data.dtype.kind != "f":
            kind = "a complex" if self.data.dtype.kind == "c" else "this"
            raise TypeError(
                f"requires_grad: only real floating-point tensors can require grad, not "
                f"{kind} dtype {self.data.dtype}; convert with .astype(np.float64) first"
            )
        if self._fn is not None and not requires_grad:
            raise ValueError("requires_grad_: cannot turn off grad on a non-leaf; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first axis (each item is a differentiable ``self[i]``)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a Tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all() on .data"
            )
        return bool(self.data)

    __hash__ = object.__hash__

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy functions on Tensors run the matching Tensor op (``numpy_api.py``) or raise
        TypeError naming it: none silently returns a plain array cut from the graph."""
        handler = NUMPY_FUNCTIONS.get(func)
        if handler is None:
            hint = NUMPY_HINTS.get(func, "call .numpy() first for a plain array (no gradient)")
            raise TypeError(f"numpy.{func.__name__} does not record the graph of an autodiff "
                            f"Tensor; {hint}")
        return handler(*args, **kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            extras.append(f"op={self._op!r}" if self._fn is not None else "requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------------ conversions
    def item(self) -> float:
        """Return the single element as a Python number (ValueError if size != 1)."""
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """Return ``data`` (shares memory)."""
        return self.data

    def tolist(self) -> Any:
        """Return ``data`` as nested Python lists."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """Return a new leaf sharing ``data`` that does not require grad."""
        return Tensor(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()``."""
        if self._fn is not None:
            self._retain = True
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (set ``.grad`` to None)."""
        self.grad = None

    # ------------------------------------------------------------------ backward
    def backward(self, grad: ArrayLike | None = None, *, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Backpropagate from this tensor; accumulate gradients into leaves' ``.grad``.

        ``grad`` is the upstream gradient, of this tensor's shape; it may be left
        out only for a one-element tensor. As in PyTorch: ``create_graph=True``
        records the backward pass and leaves differentiable Tensors in ``.grad``
        (instead of numpy arrays); ``inputs`` (a Tensor or a sequence) accumulates
        into those tensors' ``.grad`` only, leaves or not. ``retain_graph`` is
        accepted for PyTorch code: the graph is always kept. Raises ValueError for a
        tensor that does not require grad, or a non-scalar without ``grad``, or a
        mis-shaped ``grad``; TypeError for an ``inputs`` entry that is not a Tensor.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward: this tensor does not require grad (no input had requires_grad=True, "
                "or it was computed under no_grad)"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: grad can be left out only for a one-element output, got shape "
                    f"{self.shape}; pass grad= with that shape, or reduce first (e.g. .sum())"
                )
            root = np.ones(self.shape, dtype=self.dtype)
        else:
            try:
                root = np.array(_as_array(grad), dtype=self.dtype)
            except (TypeError, ValueError) as error:
                raise TypeError(f"backward: grad must be numbers of shape {self.shape}, got "
                                f"{describe(grad)} ({error})") from None
            if root.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {root.shape} but the tensor has shape {self.shape}"
                )
        if create_graph is not False and create_graph is not True:
            create_graph = check_bool(create_graph, name="create_graph", where="backward")
        if inputs is None:
            engine.run_backward([self], [Tensor(root)], create_graph=create_graph)
            return
        targets = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
        for i, t in enumerate(targets):
            if not isinstance(t, Tensor):
                raise TypeError(f"backward: inputs[{i}] is a {type(t).__name__}, expected a "
                                "Tensor")
        grads = engine.run_backward([self], [Tensor(root)], create_graph=create_graph,
                                    targets=targets)
        if anomaly._state.enabled:
            accumulation.check_leaves(targets)
        for t, g in zip(targets, grads or ()):
            if g is not None:
                engine.accumulate_grad(t, g if g.shape == t.shape else g.sum_to(t.shape),
                                       create_graph)
        if anomaly._state.enabled:
            accumulation.remember(targets)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: ArrayLike) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return ops.pow(self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return ops.pow(other, self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __lt__(self, other: ArrayLike) -> Tensor:
        return ops.less(self, other)

    def __le__(self, other: ArrayLike) -> Tensor:
        return ops.less_equal(self, other)

    def __gt__(self, other: ArrayLike) -> Tensor:
        return ops.greater(self, other)

    def __ge__(self, other: ArrayLike) -> Tensor:
        return ops.greater_equal(self, other)

    def __eq__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return ops.equal(self, other)

    def __ne__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return ops.not_equal(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index=_plain_index(index))

    def matmul(self, other: ArrayLike) -> Tensor:
        """Matrix product with numpy's 1-D and batched semantics."""
        return ops.matmul(self, other)


def _plain_index(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


from . import ops  # noqa: E402  (ops needs Tensor; Tensor's methods need ops at call time)
