"""The named methods of Tensor (elementwise functions, reductions, shape), each one op call.

``Tensor`` inherits them from ``TensorMethods``; a new op that users call as a method
gets its method here. Every method returns a new Tensor recorded in the graph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import OpError, OpIndexError
from .validation import (
    CHECKED_BYTES,
    check_axis,
    check_bool,
    check_dtype,
    check_int,
    check_real,
    check_shape,
    check_size_fits_memory,
)

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["TensorMethods"]


class TensorMethods:
    """Mixin of Tensor: the methods that delegate to one op each (no state of its own)."""

    __slots__ = ()
    shape: tuple[int, ...]
    ndim: int

    # ------------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural log (log(0) = -inf, log(<0) = nan)."""
        return ops.log(self)

    def log1p(self) -> Tensor:
        """Elementwise log(1 + x), accurate near 0."""
        return ops.log1p(self)

    def expm1(self) -> Tensor:
        """Elementwise exp(x) - 1, accurate near 0."""
        return ops.expm1(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root (its derivative at 0 is inf)."""
        return ops.sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise |x| (derivative 0 at 0)."""
        return ops.abs(self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return ops.sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return ops.cos(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function, stable for large |x|."""
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0) (derivative 0 at 0)."""
        return ops.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """Elementwise x for x > 0, negative_slope * x otherwise (a finite number)."""
        if type(negative_slope) is not float or not math.isfinite(negative_slope):
            check_real(negative_slope, name="negative_slope", where="leaky_relu")
        return ops.leaky_relu(self, negative_slope=negative_slope)

    def softplus(self) -> Tensor:
        """Elementwise log(1 + e**x), stable."""
        return ops.softplus(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Clamp into [min, max] (numbers or None; infinities allowed, NaN not); the gradient
        is 1 inside and on the boundaries."""
        for bound, label in ((min, "min"), (max, "max")):
            if bound is not None and not isinstance(bound, np.ndarray | TensorMethods):
                check_real(bound, name=label, where="clip", finite=False)
        return ops.clip(self, lo=min, hi=max)

    clamp = clip

    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype`` (gradients are cast back); TypeError for what is not a
        numeric dtype."""
        return ops.astype(self, dtype=check_dtype(dtype, where="astype"))

    # ------------------------------------------------------------------ reductions
    # Each takes numpy's axis=/keepdims= or PyTorch's dim=/keepdim= (not both). On a 0-d
    # Tensor, axis 0 or -1 means the whole tensor, as in PyTorch.
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """Sum over ``axis`` (int, tuple, negative allowed; None = all)."""
        return self._reduce(ops.sum, "sum", axis, keepdims, dim, keepdim)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None, *,
             dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """Mean over ``axis``."""
        return self._reduce(ops.mean, "mean", axis, keepdims, dim, keepdim)

    def var(self, axis: int | Sequence[int] | None = None, ddof: int = 0,
            keepdims: bool | None = None, *, dim: int | Sequence[int] | None = None,
            keepdim: bool | None = None) -> Tensor:
        """Variance over ``axis`` with ``ddof`` delta degrees of freedom (numpy's default 0;
        an int >= 0)."""
        return self._reduce(ops.var, "var", axis, keepdims, dim, keepdim, ddof=_ddof("var", ddof))

    def std(self, axis: int | Sequence[int] | None = None, ddof: int = 0,
            keepdims: bool | None = None, *, dim: int | Sequence[int] | None = None,
            keepdim: bool | None = None) -> Tensor:
        """Standard deviation over ``axis``; its gradient is 0 where the spread is 0 (PyTorch's)."""
        return self._reduce(ops.std, "std", axis, keepdims, dim, keepdim, ddof=_ddof("std", ddof))

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """Maximum over ``axis``; tied maxima share the gradient evenly."""
        return self._reduce(ops.amax, "max", axis, keepdims, dim, keepdim)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """Minimum over ``axis``; tied minima share the gradient evenly."""
        return self._reduce(ops.amin, "min", axis, keepdims, dim, keepdim)

    def prod(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None, *,
             dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """Product over ``axis``."""
        return self._reduce(ops.prod, "prod", axis, keepdims, dim, keepdim)

    def logsumexp(self, axis: int | Sequence[int] | None = None, keepdims: bool | None = None,
                  *, dim: int | Sequence[int] | None = None,
                  keepdim: bool | None = None) -> Tensor:
        """log(sum(exp(x))) over ``axis``, stable and safe with infinities."""
        return self._reduce(ops.logsumexp, "logsumexp", axis, keepdims, dim, keepdim)

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis`` (default: the last), stable."""
        return self._along(ops.softmax, "softmax", axis, dim)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """x - logsumexp(x) along ``axis`` (default: the last), stable."""
        return self._along(ops.log_softmax, "log_softmax", axis, dim)

    def _reduce(self, op: Any, name: str, axis: Any, keepdims: bool | None, dim: Any,
                keepdim: bool | None, **kw: Any) -> Tensor:
        axis = _axis(name, axis_alias(name, axis, dim))
        keep = keepdims_alias(name, keepdims, keepdim)
        if self.ndim == 0 and axis is not None:  # PyTorch: dim 0 or -1 of a 0-d tensor
            _scalar_axes(name, axis)
            axis = None
        return op(self, axis=axis, keepdims=keep, **kw)

    def _along(self, op: Any, name: str, axis: int | None, dim: int | None) -> Tensor:
        axis = axis_alias(name, axis, dim)
        axis = -1 if axis is None else check_axis(axis, None, where=name, allow_sequence=False)
        if self.ndim == 0:  # PyTorch: softmax of a 0-d tensor over dim 0 or -1
            _scalar_axes(name, axis)
            return op(self.reshape(1), axis=0).reshape(())
        return op(self, axis=axis)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """Same data, new shape (ints, or one sequence of them; one entry may be -1)."""
        if len(shape) == 1 and type(shape[0]) is not int:
            shape = shape[0]  # type: ignore[assignment]
        if type(shape) is not tuple or not all(type(s) is int for s in shape):
            shape = check_shape(shape, where="reshape", allow_unknown=True)
        return ops.reshape(self, shape=shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes ``start_dim..end_dim`` into one (ints in -ndim..ndim-1)."""
        nd = max(self.ndim, 1)
        start = check_axis(start_dim, nd, where="flatten", name="start_dim", allow_none=False,
                           allow_sequence=False) % nd
        end = check_axis(end_dim, nd, where="flatten", name="end_dim", allow_none=False,
                         allow_sequence=False) % nd
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def transpose(self, *axes: int) -> Tensor:
        """Two ints swap those two axes (PyTorch's ``transpose(0, 1)``); no argument
        reverses the axes; a tuple, or one int per axis other than two, is a permutation
        as in ``ndarray.transpose`` (the same as :meth:`permute`)."""
        if len(axes) == 2 and all(isinstance(a, int | np.integer) for a in axes):
            return self._swapaxes(axes[0], axes[1], "transpose")
        if len(axes) == 2 and not any(isinstance(a, tuple | list) for a in axes):
            raise TypeError(f"transpose: axes must be two ints (the axes to swap), one int per "
                            f"axis, or a tuple of them, got {axes!r}")
        return self._permute(axes, "transpose")

    def permute(self, *axes: int) -> Tensor:
        """Permute the axes into the given order (one int per axis, or one tuple of them);
        no argument reverses them. Raises TypeError for axes that are not ints, OpError
        (a ValueError) for axes that are not a permutation."""
        return self._permute(axes, "permute")

    def _permute(self, axes: tuple[Any, ...], where: str) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], int | np.integer):
            axes = axes[0]  # type: ignore[assignment]
        axes = check_axis(tuple(axes) if isinstance(axes, list) else axes, max(self.ndim, 1),
                          where=where, name="axes")
        if isinstance(axes, int):
            axes = (axes,)
        if axes and self.ndim and sorted(a % self.ndim for a in axes) != list(range(self.ndim)):
            raise OpError(f"{where}: axes {axes} are not a permutation of the {self.ndim} axes "
                          f"of shape {self.shape}; give each of 0..{self.ndim - 1} once")
        return ops.transpose(self, axes=axes if axes else None)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The tensor with its axes reversed."""
        return ops.transpose(self, axes=None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Interchange two axes (ints in -ndim..ndim-1)."""
        return self._swapaxes(axis1, axis2, "swapaxes")

    def _swapaxes(self, axis1: Any, axis2: Any, where: str) -> Tensor:
        nd = max(self.ndim, 1)
        axis1 = check_axis(axis1, nd, where=where, name="axis1", allow_none=False,
                           allow_sequence=False)
        axis2 = check_axis(axis2, nd, where=where, name="axis2", allow_none=False,
                           allow_sequence=False)
        return ops.swapaxes(self, axis1=axis1, axis2=axis2)

    def squeeze(self, axis: int | Sequence[int] | None = None, *,
                dim: int | Sequence[int] | None = None) -> Tensor:
        """Remove axes of length one (all of them, or those in ``axis``; ``dim`` too).

        Raises IndexError for an axis out of range, ValueError for one whose length is not 1.
        """
        axis = check_axis(axis_alias("squeeze", axis, dim), max(self.ndim, 1), where="squeeze")
        try:
            shape = np.squeeze(np.empty(self.shape, dtype=bool), axis=axis).shape
        except np.exceptions.AxisError as error:
            raise OpIndexError(f"squeeze: axis {axis} is out of range for shape "
                               f"{self.shape}") from error
        except ValueError as error:
            raise ValueError(f"squeeze: cannot squeeze axis {axis} of shape {self.shape}: "
                             f"only axes of length 1 can be removed") from error
        return self.reshape(shape)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Insert an axis of length one at ``axis`` (or ``dim``); IndexError out of range."""
        axis = axis_alias("unsqueeze", axis, dim)
        if axis is None:
            raise TypeError("unsqueeze: give the axis to insert (axis= or dim=)")
        axis = check_axis(axis, self.ndim + 1, where="unsqueeze", allow_none=False,
                          allow_sequence=False)
        try:
            shape = np.expand_dims(np.empty(self.shape, dtype=bool), axis).shape
        except np.exceptions.AxisError as error:
            raise OpIndexError(f"unsqueeze: axis {axis} is out of range for shape "
                               f"{self.shape}; valid: {-self.ndim - 1}..{self.ndim}") from error
        return self.reshape(shape)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """Broadcast to ``shape`` (the gradient is summed back); the result is a new array,
        so its size is checked against the memory available."""
        if type(shape) is tuple and all(type(n) is int and n >= 0 for n in shape):
            # the backward pass of every reduction comes here: check the size alone
            if math.prod(shape) * self.data.itemsize >= CHECKED_BYTES:
                check_size_fits_memory(math.prod(shape) * self.data.itemsize, "broadcast_to",
                                       what=f"shape {shape}")
        else:
            shape = check_shape(shape, where="broadcast_to", itemsize=self.dtype.itemsize)
        return ops.broadcast_to(self, shape=shape)

    def sum_to(self, shape: Sequence[int]) -> Tensor:
        """Sum broadcast axes away so the result has ``shape`` (the inverse of broadcast_to)."""
        if type(shape) is not tuple:
            shape = check_shape(shape, where="sum_to")
        return ops.sum_to(self, shape=shape)


def axis_alias(name: str, axis: Any, dim: Any) -> Any:
    """``axis`` or its PyTorch name ``dim`` (None when neither); TypeError for both."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"{name}: got both axis={axis!r} and dim={dim!r}; pass one of them")
    return dim


def keepdims_alias(name: str, keepdims: bool | None, keepdim: bool | None) -> bool:
    """``keepdims`` or its PyTorch name ``keepdim`` (False when neither); TypeError for both."""
    if keepdim is None:
        if keepdims is None or keepdims is False:
            return False
        return check_bool(keepdims, name="keepdims", where=name)
    if keepdims is not None:
        raise TypeError(f"{name}: got both keepdims={keepdims!r} and keepdim={keepdim!r}; "
                        "pass one of them")
    return check_bool(keepdim, name="keepdim", where=name)


def _ddof(name: str, ddof: Any) -> int:
    """``ddof`` as an int >= 0; past 2**62 every value means no degrees of freedom."""
    if type(ddof) is not int:
        ddof = check_int(ddof, name="ddof", where=name, minimum=0)
    elif ddof < 0:
        check_int(ddof, name="ddof", where=name, minimum=0)
    return min(ddof, 2**62)


def _scalar_axes(name: str, axis: Any) -> None:
    """The axes a 0-d tensor has (PyTorch's view): 0 and -1; IndexError for any other."""
    for ax in (axis,) if isinstance(axis, int | np.integer) else tuple(axis):
        if ax not in (0, -1):
            raise OpIndexError(f"{name}: axis {ax} is out of range for a 0-d tensor; valid "
                               "axes are -1 and 0")


def _axis(name: str, axis: Any) -> Any:
    """``axis`` as None, an int or a tuple of ints (TypeError for anything else; the op
    checks the range)."""
    if axis is None or type(axis) is int:
        return axis
    return check_axis(axis, None, where=name)


from . import ops  # noqa: E402  (ops needs Tensor, which needs this class first)
