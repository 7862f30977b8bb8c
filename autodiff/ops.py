"""Every tensor op in one table: each forward beside its vector-Jacobian products.

A VJP takes the upstream gradient ``g`` (a Tensor shaped like the result), the
result node ``out`` and the op's inputs, and returns the input's gradient. VJPs
use Tensor operations, so the backward pass is itself differentiable; numpy
arrays that appear in them (masks, counts) are constants. Gradients shaped like
a broadcast of the input are summed back by the engine, never here.

Conventions at kinks (PyTorch's): relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf,
``maximum``/``minimum`` give half the gradient to each side of a tie,
``max``/``min`` reductions share it evenly among tied extrema, ``clip`` passes
the gradient on its boundaries.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .grad_mode import is_grad_enabled
from .op import BROADCAST_RULE, Op, OpError
from .tensor import Tensor

REGISTRY: dict[str, Op] = {}


def _register(name: str, forward: Any, *vjps: Any, **options: Any) -> Op:
    op = Op(name, forward, vjps[0] if options.get("variadic") else vjps, **options)
    REGISTRY[name] = op
    return op


def _arr(x: Any) -> Any:
    """The array behind ``x`` (a Tensor's data, or ``x`` itself)."""
    return x.data if isinstance(x, Tensor) else x


def _keep(g: Tensor, shape: tuple, axis: Any, keepdims: bool) -> Tensor:
    """Reshape a reduction's gradient so it broadcasts against the input of ``shape``."""
    if keepdims or axis is None:
        return g  # already broadcasts against the input (a 0-d g broadcasts to anything)
    return g.reshape(_kept_shape(shape, axis))


def _kept_shape(shape: tuple, axis: Any) -> tuple:
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = {a % len(shape) for a in axes} if shape else set()
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple, axis: Any) -> int:
    """How many elements each output of a reduction over ``axis`` combines."""
    return math.prod(shape) // max(math.prod(_kept_shape(shape, axis)), 1)


def _ndim(x: Any) -> int:
    return x.ndim if isinstance(x, Tensor | np.ndarray) else np.ndim(x)


def _as_dtype(mask: np.ndarray, like: Any) -> np.ndarray:
    return mask.astype(_arr(like).dtype, copy=False)


# ----------------------------------------------------------------------------- arithmetic

add = _register("add", np.add, lambda g, out, a, b: g, lambda g, out, a, b: g)
sub = _register("sub", np.subtract, lambda g, out, a, b: g, lambda g, out, a, b: -g)
mul = _register("mul", np.multiply, lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)
div = _register("div", np.true_divide, lambda g, out, a, b: g / b,
                lambda g, out, a, b: -g * out / b)
neg = _register("neg", np.negative, lambda g, out, a: -g)


def _pow_vjp_base(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    if isinstance(b, int | float) and not isinstance(b, bool):
        if b == 2:
            return g * 2.0 * a
        if b == 0:  # d(x**0)/dx = 0, also at x = 0 (PyTorch's rule; not 0 * inf = nan)
            return g * 0.0
        return g * b * a ** (b - 1)
    result = g * b * a ** (b - 1)
    zero = np.asarray(_arr(b)) == 0
    if np.any(zero):
        result = where(zero, 0.0, result)
    return result


def _pow_vjp_exponent(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    # d(a**b)/db = a**b * log(a); PyTorch sets it to 0 where a == 0 and b >= 0.
    base = _arr(a)
    log_a = a.log() if isinstance(a, Tensor) else np.log(a)
    result = g * out * log_a
    zero = (np.asarray(base) == 0) & (np.asarray(_arr(b)) >= 0)
    if np.any(zero):
        result = where(zero, 0.0, result)
    return result


pow = _register("pow", np.power, _pow_vjp_base, _pow_vjp_exponent)  # noqa: A001


def _matmul_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise OpError(f"matmul: both operands need at least one axis, got shapes {a.shape} and "
                      f"{b.shape}; use * to multiply by a scalar")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise OpError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last axis of the first "
            f"({inner_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of "
            f"the second ({inner_b})"
        )
    return a @ b


def _matmul_vjp_a(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    a_nd, b_nd = _ndim(a), _ndim(b)
    if b_nd == 1:  # out[..., ] = a[..., :] . b
        return g.unsqueeze(-1) * b
    if a_nd == 1:  # out[..., j] = a . b[..., :, j]
        return (g.unsqueeze(-2) @ _swap(b)).squeeze(-2)
    return g @ _swap(b)


def _matmul_vjp_b(g: Tensor, out: Tensor, a: Any, b: Any) -> Tensor:
    a_nd, b_nd = _ndim(a), _ndim(b)
    if a_nd == 1:
        return _as_tensor(a).unsqueeze(-1) * g.unsqueeze(-2) if b_nd > 1 else g * a
    if b_nd == 1:  # out[...] = a[..., :] . b  ->  grad b = sum over ... of g[...] a[..., :]
        return (g.unsqueeze(-1) * a).reshape(-1, np.shape(_arr(a))[-1]).sum(axis=0)
    return _swap(a) @ g


def _swap(x: Any) -> Any:
    return x.swapaxes(-1, -2) if isinstance(x, Tensor) else np.swapaxes(x, -1, -2)


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


matmul = _register("matmul", _matmul_forward, _matmul_vjp_a, _matmul_vjp_b)

# ----------------------------------------------------------------------------- elementwise


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
        np.result_type(x, np.float16), copy=False)


exp = _register("exp", np.exp, lambda g, out, a: g * out)
log = _register("log", np.log, lambda g, out, a: g / a)
log1p = _register("log1p", np.log1p, lambda g, out, a: g / (a + 1.0))
expm1 = _register("expm1", np.expm1, lambda g, out, a: g * (out + 1.0))
sqrt = _register("sqrt", np.sqrt, lambda g, out, a: g * 0.5 / out)
abs = _register("abs", np.abs, lambda g, out, a: g * np.sign(_arr(a)))  # noqa: A001
sin = _register("sin", np.sin, lambda g, out, a: g * a.cos())
cos = _register("cos", np.cos, lambda g, out, a: -g * a.sin())
tanh = _register("tanh", np.tanh, lambda g, out, a: g * (1.0 - out * out))
sigmoid = _register("sigmoid", _stable_sigmoid, lambda g, out, a: g * out * (1.0 - out))
relu = _register("relu", lambda a: np.maximum(a, 0), lambda g, out, a: g * (_arr(a) > 0))
leaky_relu = _register(
    "leaky_relu",
    lambda a, negative_slope=0.01: np.where(a > 0, a, a * negative_slope),
    lambda g, out, a, negative_slope=0.01: g * _as_dtype(
        np.where(_arr(a) > 0, 1.0, negative_slope), a),
)
softplus = _register("softplus", lambda a: np.logaddexp(0, a), lambda g, out, a: g * a.sigmoid())


def _tie_mask(a: Any, b: Any, out: Tensor) -> np.ndarray:
    """1 where ``a`` won, 1/2 on ties, 0 where ``b`` won (in the result's dtype)."""
    a_, b_ = _arr(a), _arr(b)
    return (np.greater(a_, b_) + 0.5 * np.equal(a_, b_)).astype(out.dtype, copy=False)


maximum = _register("maximum", np.maximum,
                    lambda g, out, a, b: g * _tie_mask(a, b, out),
                    lambda g, out, a, b: g * _tie_mask(b, a, out))
minimum = _register("minimum", np.minimum,
                    lambda g, out, a, b: g * _tie_mask(b, a, out),
                    lambda g, out, a, b: g * _tie_mask(a, b, out))


def _clip_forward(a: np.ndarray, lo: Any = None, hi: Any = None) -> np.ndarray:
    if lo is None and hi is None:
        raise OpError("clip: give at least one of min and max")
    if lo is not None and hi is not None and np.any(np.asarray(lo) > np.asarray(hi)):
        raise OpError(f"clip: min ({lo}) must not exceed max ({hi})")
    return np.clip(a, lo, hi)


def _clip_vjp(g: Tensor, out: Tensor, a: Any, lo: Any = None, hi: Any = None) -> Tensor:
    inside = np.ones(np.shape(_arr(a)), dtype=bool)
    if lo is not None:
        inside &= _arr(a) >= lo
    if hi is not None:
        inside &= _arr(a) <= hi
    return g * inside


clip = _register("clip", _clip_forward, _clip_vjp)


def _where_forward(cond: np.ndarray, a: Any, b: Any) -> np.ndarray:
    cond = np.asarray(cond)
    if cond.dtype != bool:
        raise OpError(f"where: the condition must be boolean, got dtype {cond.dtype}")
    return np.where(cond, a, b)


where = _register("where", _where_forward,
                  lambda g, out, c, a, b: None,
                  lambda g, out, c, a, b: where(_arr(c), g, 0.0),
                  lambda g, out, c, a, b: where(_arr(c), 0.0, g))


def astype_forward(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast ``a`` to ``dtype``."""
    return a.astype(dtype)


astype = _register("astype", astype_forward, lambda g, out, a, dtype: g.astype(_arr(a).dtype))

# ----------------------------------------------------------------------------- comparisons

less = Op("less", np.less, differentiable=False)
less_equal = Op("less_equal", np.less_equal, differentiable=False)
greater = Op("greater", np.greater, differentiable=False)
greater_equal = Op("greater_equal", np.greater_equal, differentiable=False)
equal = Op("equal", np.equal, differentiable=False)
not_equal = Op("not_equal", np.not_equal, differentiable=False)

# ----------------------------------------------------------------------------- reductions


def _check_axis(name: str, a: np.ndarray, axis: Any) -> None:
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    for ax in axes:
        if not -a.ndim <= ax < max(a.ndim, 1):
            raise OpError(f"{name}: axis {ax} is out of range for shape {a.shape}; valid axes "
                          f"are {-a.ndim}..{a.ndim - 1}")
    if len(set(ax % max(a.ndim, 1) for ax in axes)) != len(axes):
        raise OpError(f"{name}: repeated axis in {axis}")


def _reduction(name: str, forward: Any, vjp: Any) -> Op:
    def checked(a: np.ndarray, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        _check_axis(name, a, axis)
        return forward(a, axis=axis, keepdims=keepdims, **kw)

    return _register(name, checked, vjp)


def _sum_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    return _keep(g, a.shape, axis, keepdims).broadcast_to(a.shape)


def _mean_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    return _keep(g, a.shape, axis, keepdims).broadcast_to(a.shape) / _count(a.shape, axis)


def _var_forward(a: np.ndarray, axis: Any = None, keepdims: bool = False, ddof: int = 0):
    n = _count(a.shape, axis)
    if n - ddof <= 0:
        raise OpError(f"var: ddof={ddof} leaves no degrees of freedom for {n} elements")
    return a.var(axis=axis, keepdims=keepdims, ddof=ddof)


def _var_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False,
             ddof: int = 0) -> Tensor:
    centred = a - a.mean(axis=axis, keepdims=True)
    scale = 2.0 / (_count(a.shape, axis) - ddof)
    return _keep(g, a.shape, axis, keepdims) * centred * scale


def _extremum_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    kept = out.data if keepdims else out.data.reshape(_kept_shape(a.shape, axis))
    hit = a.data == kept
    share = hit / hit.sum(axis=axis, keepdims=True)
    return _keep(g, a.shape, axis, keepdims) * _as_dtype(share, a)


def _logsumexp_forward(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if a.size == 0:
        return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0.0, m).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


def _logsumexp_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    kept = out if keepdims else out.reshape(_kept_shape(a.shape, axis))
    with np.errstate(invalid="ignore"):  # all inputs -inf: -inf - (-inf), masked below
        weights = (a - kept).exp()
    dead = np.isneginf(kept.data) & np.ones(a.shape, dtype=bool)
    if dead.any():  # all inputs -inf: no input can change the result
        weights = where(dead, 0.0, weights)
    return _keep(g, a.shape, axis, keepdims) * weights


def _prod_vjp(g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False):
    gk = _keep(g, a.shape, axis, keepdims)
    if np.all(a.data != 0):
        kept = out if keepdims else out.reshape(_kept_shape(a.shape, axis))
        return gk * kept / a
    if a.requires_grad and is_grad_enabled():  # create_graph: keep it differentiable
        return gk * _product_of_others_tensor(a, axis)
    return gk * _product_of_others(a.data, axis)


def _product_of_others_tensor(a: Tensor, axis: Any) -> Tensor:
    """``_product_of_others`` with Tensor ops (O(n^2) per reduction), for gradients of gradients."""
    axes = tuple(range(a.ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(ax % a.ndim for ax in axes)
    rest = tuple(i for i in range(a.ndim) if i not in axes)
    moved = a.transpose(*(rest + axes))
    n = math.prod(a.shape[i] for i in axes)
    flat = moved.reshape(moved.shape[:len(rest)] + (n,))
    others = where(np.eye(n, dtype=bool), 1.0, flat.unsqueeze(-2)).prod(axis=-1)  # row i: not i
    return others.reshape(moved.shape).transpose(*np.argsort(rest + axes).tolist())


def _product_of_others(x: np.ndarray, axis: Any) -> np.ndarray:
    """For each element, the product of the other elements of its reduction (zeros allowed)."""
    axes = tuple(range(x.ndim)) if axis is None else (
        (axis,) if isinstance(axis, int) else tuple(axis))
    axes = tuple(a % x.ndim for a in axes)
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    moved = np.transpose(x, rest + axes)
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + axes))


# ndarray methods rather than numpy's module-level wrappers: same result, less overhead.
sum = _reduction("sum", np.ndarray.sum, _sum_vjp)  # noqa: A001
mean = _reduction("mean", np.ndarray.mean, _mean_vjp)
var = _reduction("var", _var_forward, _var_vjp)
amax = _reduction("max", np.ndarray.max, _extremum_vjp)
amin = _reduction("min", np.ndarray.min, _extremum_vjp)
prod = _reduction("prod", np.ndarray.prod, _prod_vjp)
logsumexp = _reduction("logsumexp", _logsumexp_forward, _logsumexp_vjp)


def _softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    _check_axis("softmax", a, axis)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    _check_axis("log_softmax", a, axis)
    shifted = a - np.max(a, axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


softmax = _register("softmax", _softmax_forward,
                    lambda g, out, a, axis=-1: out * (g - (g * out).sum(axis=axis, keepdims=True)))
log_softmax = _register(
    "log_softmax", _log_softmax_forward,
    lambda g, out, a, axis=-1: g - out.exp() * g.sum(axis=axis, keepdims=True))

# ----------------------------------------------------------------------------- shape


def _reshape_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    try:
        return a.reshape(shape)
    except ValueError:
        raise OpError(f"reshape: cannot reshape shape {a.shape} ({a.size} elements) into "
                      f"{shape}; the new shape must hold the same number of elements") from None


def _transpose_forward(a: np.ndarray, axes: Any = None) -> np.ndarray:
    if axes is not None and sorted(ax % max(a.ndim, 1) for ax in axes) != list(range(a.ndim)):
        raise OpError(f"transpose: axes {axes} are not a permutation of the {a.ndim} axes of "
                      f"shape {a.shape}")
    return a.transpose(axes)


def _transpose_vjp(g: Tensor, out: Tensor, a: Tensor, axes: Any = None) -> Tensor:
    if axes is None:
        return g.transpose()
    return g.transpose(*np.argsort([ax % a.ndim for ax in axes]).tolist())


def _broadcast_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    # A filled array instead of np.broadcast_to's read-only view: as fast to make for the
    # sizes gradients have, and the result can be handed out as a writable .grad.
    if a.ndim > len(shape):
        raise OpError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape} (fewer axes)")
    out = np.empty(shape, dtype=a.dtype)
    try:
        out[...] = a
    except ValueError:
        raise OpError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}; "
                      f"{BROADCAST_RULE}") from None
    return out


def _sum_to_forward(a: np.ndarray, shape: tuple) -> np.ndarray:
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    return out.reshape(shape)


reshape = _register("reshape", _reshape_forward, lambda g, out, a, shape: g.reshape(a.shape))
transpose = _register("transpose", _transpose_forward, _transpose_vjp)
swapaxes = _register("swapaxes", lambda a, axis1, axis2: a.swapaxes(axis1, axis2),
                     lambda g, out, a, axis1, axis2: g.swapaxes(axis1, axis2))
broadcast_to = _register("broadcast_to", _broadcast_forward,
                         lambda g, out, a, shape: g.sum_to(a.shape))
sum_to = _register("sum_to", _sum_to_forward, lambda g, out, a, shape: g.broadcast_to(a.shape))

# ----------------------------------------------------------------------------- indexing


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) and np.asarray(p).dtype != bool for p in parts)


def _scatter_forward(g: np.ndarray, shape: tuple, index: Any) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if _is_advanced(index) and not _unique_integer_index(index, shape):
        np.add.at(out, index, g)  # repeated indices accumulate
    else:
        out[index] = g
    return out


def _unique_integer_index(index: Any, shape: tuple) -> bool:
    """True when ``index`` is integer arrays only, addressing no element twice.

    Then plain assignment equals accumulation and is many times faster than
    ``np.add.at`` (the common case: picking one target logit per row).
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not parts or len(parts) > len(shape):
        return False
    arrays = []
    for p in parts:
        a = np.asarray(p)
        if a.dtype.kind not in "iu":
            return False
        arrays.append(a)
    try:
        flat = np.ravel_multi_index(tuple(np.broadcast_arrays(*arrays)),
                                    shape[:len(arrays)], mode="wrap")
    except ValueError:
        return False
    flat = flat.ravel()
    return np.unique(flat).size == flat.size


getitem = _register("getitem", lambda a, index: a[index],
                    lambda g, out, a, index: scatter(g, shape=a.shape, index=index))
scatter = _register("scatter", _scatter_forward,
                    lambda g, out, src, shape, index: g[index])


def _concatenate_forward(*arrays: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.concatenate(arrays, axis=axis)


def _concatenate_vjp(i: int, g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> Tensor:
    sizes = [np.shape(_arr(x))[axis] for x in inputs]
    start = int(np.sum(sizes[:i]))
    index = [slice(None)] * g.ndim
    index[axis] = slice(start, start + sizes[i])
    return g[tuple(index)]


def _stack_vjp(i: int, g: Tensor, out: Tensor, *inputs: Any, axis: int = 0) -> Tensor:
    index = [slice(None)] * g.ndim
    index[axis] = i
    return g[tuple(index)]


concatenate = _register("concatenate", _concatenate_forward, _concatenate_vjp, variadic=True)
stack = _register("stack", lambda *arrays, axis=0: np.stack(arrays, axis=axis), _stack_vjp,
                  variadic=True)


def _pad_forward(a: np.ndarray, pad_width: Any, value: float = 0.0) -> np.ndarray:
    return np.pad(a, pad_width, mode="constant", constant_values=value)


def _pad_vjp(g: Tensor, out: Tensor, a: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (a.ndim, 2))
    index = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, a.shape))
    return g[index]


pad = _register("pad", _pad_forward, _pad_vjp)
