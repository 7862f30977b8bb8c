"""Loss functions, each as a function (also in ``nn.functional``) and as a Module.

Two readings of the same formulas (the chapter derives both):

* error minimisation: MSE is the mean squared error, L1 the mean absolute error;
* maximum likelihood: minimising a loss = maximising the likelihood of the targets under
  a model of the noise. MSE = Gaussian negative log-likelihood with a fixed variance, up to
  a scale and a constant: -log N(t | y, s^2) = (t - y)^2 / (2 s^2) + log(s) + log(2 pi)/2.
  L1 = Laplace NLL with a fixed scale, up to constants. Cross-entropy = categorical NLL,
  -log softmax(z)[t]; binary cross-entropy = Bernoulli NLL, -log(p^t (1-p)^(1-t)).
  GaussianNLLLoss learns the variance too.

``reduction`` is "mean" (default), "sum" or "none" (per-element losses). Tensor inputs give
Tensors. MSE, L1, Huber, BCE, BCE-with-logits and cross-entropy also take scalar ``Value``
models: a Value or a list of Values as input (for cross-entropy one list of logits per
sample), numbers as targets; they return a Value (or a list of Values for "none").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Value

from .module import Module

__all__ = ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "gaussian_nll_loss",
           "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss", "GaussianNLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, where: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _is_scalar(x: Any) -> bool:
    if isinstance(x, Value):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and any(_is_scalar(v) for v in x)


def _reduce(loss: ad.Tensor, reduction: str) -> ad.Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _reduce_values(losses: list[Value], reduction: str) -> Any:
    if reduction == "none":
        return losses
    total = losses[0]
    for v in losses[1:]:
        total = total + v
    return total / len(losses) if reduction == "mean" else total


def _pairs(input: Any, target: Any, where: str) -> tuple[list[Any], list[Any]]:
    xs = list(input) if isinstance(input, (list, tuple)) else [input]
    ts = list(target) if isinstance(target, (list, tuple, np.ndarray)) else [target]
    if len(xs) != len(ts):
        raise ValueError(f"{where}: got {len(xs)} predictions but {len(ts)} targets")
    return xs, ts


def _elementwise(input: Any, target: Any, where: str) -> tuple[ad.Tensor, ad.Tensor]:
    from .functional import as_tensor

    x, t = as_tensor(input, where), as_tensor(target, where)
    if x.shape != t.shape:
        raise ValueError(
            f"{where}: input shape {x.shape} and target shape {t.shape} differ; they must be "
            "equal (broadcasting e.g. (N, 1) against (N,) is almost always a bug)"
        )
    return x, t


# ------------------------------------------------------------------------------ regression
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error (y - t)^2: the Gaussian NLL with fixed variance, up to constants.

    Shapes of input and target must be equal (ValueError otherwise).
    """
    _check_reduction(reduction, "mse_loss")
    if _is_scalar(input):
        xs, ts = _pairs(input, target, "mse_loss")
        return _reduce_values([(x - t) ** 2 for x, t in zip(xs, ts, strict=True)], reduction)
    x, t = _elementwise(input, target, "mse_loss")
    return _reduce((x - t) ** 2, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error |y - t|: the Laplace NLL with fixed scale, up to constants."""
    _check_reduction(reduction, "l1_loss")
    if _is_scalar(input):
        xs, ts = _pairs(input, target, "l1_loss")
        return _reduce_values([(x - t).abs() for x, t in zip(xs, ts, strict=True)], reduction)
    x, t = _elementwise(input, target, "l1_loss")
    return _reduce((x - t).abs(), reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2), with d = y - t.

    Quadratic (Gaussian) near the target, linear (Laplace) far away: robust to outliers.
    Raises ValueError unless delta > 0.
    """
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta!r}")
    if _is_scalar(input):
        xs, ts = _pairs(input, target, "huber_loss")
        out = []
        for x, t in zip(xs, ts, strict=True):
            d = x - t
            out.append(0.5 * d * d if abs(d.data) < delta else delta * (d.abs() - 0.5 * delta))
        return _reduce_values(out, reduction)
    x, t = _elementwise(input, target, "huber_loss")
    d = x - t
    a = d.abs()
    return _reduce(ad.where((a < delta).data, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> ad.Tensor:
    """Gaussian NLL with predicted mean ``input`` and variance ``var``:
    0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi) if full].

    ``var`` has the input's shape, or one fewer trailing dim, or a trailing dim of 1 (one
    variance shared by a row). The clamp at ``eps`` lets gradients through unchanged (as
    PyTorch). Raises ValueError for other shapes or a negative variance.
    """
    from .functional import as_tensor

    where = "gaussian_nll_loss"
    _check_reduction(reduction, where)
    x, t = _elementwise(input, target, where)
    v = as_tensor(var, where)
    if v.shape != x.shape:
        if x.ndim >= 1 and v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)
        elif not (x.ndim >= 1 and v.ndim == x.ndim and v.shape[:-1] == x.shape[:-1]
                  and v.shape[-1] == 1):
            raise ValueError(f"{where}: var shape {v.shape} does not fit input shape {x.shape}; "
                             "valid: the input's shape, without its last dim, or with last dim 1")
    if np.any(v.data < 0):
        raise ValueError(f"{where}: var has negative entries (min {v.data.min()})")
    v = v + (np.maximum(v.data, eps) - v.data)  # clamp the value, keep the gradient
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------------------ binary
def _clamped_log(p: Value) -> Value:
    lp = p.log() if p.data > 0 else Value(-100.0)
    return lp if lp.data >= -100.0 else Value(-100.0)


def _softplus_value(z: Value) -> Value:
    """log(1 + e^z) without overflow; derivative sigmoid(z)."""
    if z.data >= 0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """-[t log p + (1 - t) log(1 - p)]: the Bernoulli NLL of targets t in [0, 1].

    Each log is clamped at -100 (PyTorch's rule), so p = 0 or 1 gives a finite loss;
    where the clamp is active the gradient is 0. Raises ValueError if p is outside [0, 1].
    """
    from .functional import as_tensor

    where = "binary_cross_entropy"
    _check_reduction(reduction, where)
    if _is_scalar(input):
        xs, ts = _pairs(input, target, where)
        for p in xs:
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(f"{where}: input probabilities must be in [0, 1], got {p.data}")
        out = [-(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))
               for p, t in zip(xs, ts, strict=True)]
        return _reduce_values(out, reduction)
    p, t = _elementwise(input, target, where)
    if p.size and not (np.all(p.data >= 0) and np.all(p.data <= 1)):
        raise ValueError(f"{where}: input probabilities must be in [0, 1], got values in "
                         f"[{np.nanmin(p.data)}, {np.nanmax(p.data)}]")
    floor = math.exp(-100.0)

    def clamped_log(q: ad.Tensor) -> ad.Tensor:  # log(q) clamped at -100, gradient 0 there
        small = (q.data < floor)
        return ad.where(small, -100.0, ad.where(small, 1.0, q).log())

    loss = -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p))
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """binary_cross_entropy(sigmoid(z), t), computed stably from the logits z:
    (1 - t) z + (1 + (pos_weight - 1) t) softplus(-z). Finite loss and gradient
    sigmoid(z) - t even at z = +-1000. ``pos_weight`` weighs positives (per class)."""
    from .functional import as_tensor

    where = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, where)
    if _is_scalar(input):
        xs, ts = _pairs(input, target, where)
        out = [(1 - t) * z + _softplus_value(-z) for z, t in zip(xs, ts, strict=True)]
        return _reduce_values(out, reduction)
    z, t = _elementwise(input, target, where)
    sp = (-z).softplus()
    if pos_weight is not None:
        sp = sp * (1 + (as_tensor(pos_weight, where) - 1) * t)
    loss = (1 - t) * z + sp
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------------------ categorical
def _class_targets(z: ad.Tensor, target: Any, ignore_index: int, where: str) -> np.ndarray:
    """Validated integer class targets of shape z.shape without the class axis 1."""
    t = target.data if isinstance(target, ad.Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: class-index targets must have an integer dtype, got {t.dtype} of shape "
            f"{t.shape}; cast with .astype(int), or pass class probabilities as a float "
            f"target of the input's shape {z.shape}"
        )
    want = (z.shape[0],) + z.shape[2:] if z.ndim >= 2 else ()
    if t.shape != want:
        raise ValueError(f"{where}: target shape {t.shape} does not match input {z.shape}; "
                         f"expected class indices of shape {want}")
    c = z.shape[1] if z.ndim >= 2 else z.shape[0]
    bad = ((t < 0) | (t >= c)) & (t != ignore_index)
    if np.any(bad):
        raise ValueError(
            f"{where}: target class index {t[bad].flat[0]} is out of range for {c} classes; "
            f"valid: 0..{c - 1} (or ignore_index={ignore_index})"
        )
    return t


def _classes_last(z: ad.Tensor) -> ad.Tensor:
    """(N, C, d1, ...) -> (N*d1*..., C); (C,) -> (1, C)."""
    if z.ndim == 1:
        return z.reshape(1, z.shape[0])
    if z.ndim > 2:
        z = z.transpose(0, *range(2, z.ndim), 1)
    return z.reshape(-1, z.shape[-1])


def _weighted_nll(z: ad.Tensor, lse: ad.Tensor | None, target: Any, weight: Any,
                  ignore_index: int, reduction: str, smoothing: float, where: str) -> ad.Tensor:
    t = _class_targets(z, target, ignore_index, where)
    z2 = _classes_last(z)
    m, c = z2.shape
    tf = t.reshape(m)
    keep = tf != ignore_index
    safe = np.where(keep, tf, 0)
    w = None if weight is None else np.asarray(getattr(weight, "data", weight), dtype=z.dtype)
    if w is not None and w.shape != (c,):
        raise ValueError(f"{where}: weight must have shape ({c},), got {w.shape}")
    w_y = (keep if w is None else w[safe] * keep).astype(z.dtype)
    picked = z2[np.arange(m), safe]
    nll = -picked if lse is None else lse.reshape(m) - picked
    per = nll * w_y
    if smoothing > 0:
        logp = z2 if lse is None else z2 - lse.reshape(m, 1)
        smooth = -(logp.sum(axis=1) if w is None else (logp * w).sum(axis=1)) * keep
        per = (1 - smoothing) * per + (smoothing / c) * smooth
    if reduction == "none":
        return per.reshape(t.shape)
    if reduction == "sum":
        return per.sum()
    return per.sum() / w_y.sum()


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Any:
    """Cross-entropy of unnormalised logits: logsumexp(z) - z[target], the categorical NLL.

    input: (N, C), (C,) or (N, C, d1, ...). target: integer class indices of shape (N,)
    (() or (N, d1, ...)), entries equal to ``ignore_index`` skipped; or class probabilities
    (a float array of the input's shape): -sum_c p_c log softmax(z)_c. ``weight`` (C,)
    rescales classes ("mean" then divides by the summed target weights);
    ``label_smoothing`` mixes the target with the uniform distribution. Finite loss and
    gradient (softmax - onehot) at logits of +-1000. Raises TypeError for float targets of
    another shape, ValueError for out-of-range (including negative) class indices.
    """
    from .functional import as_tensor

    where = "cross_entropy"
    _check_reduction(reduction, where)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if _is_scalar(input):
        return _scalar_cross_entropy(input, target, ignore_index, reduction, label_smoothing)
    z = as_tensor(input, where)
    if z.ndim == 0:
        raise ValueError(f"{where}: input must have a class axis, got a 0-d tensor")
    t_arr = target.data if isinstance(target, ad.Tensor) else np.asarray(target)
    if t_arr.dtype.kind == "f" and t_arr.shape == z.shape:
        class_axis = 1 if z.ndim >= 2 else 0
        c = z.shape[class_axis]
        p = as_tensor(target, where)
        if label_smoothing > 0:
            p = p * (1 - label_smoothing) + label_smoothing / c
        logp = z.log_softmax(axis=class_axis)
        if weight is not None:
            w = np.asarray(getattr(weight, "data", weight), dtype=z.dtype)
            logp = logp * w.reshape((c,) + (1,) * (z.ndim - class_axis - 1))
        return _reduce(-(p * logp).sum(axis=class_axis), reduction)
    lse = z.logsumexp(axis=1 if z.ndim >= 2 else 0)
    lse = lse.reshape(-1) if z.ndim > 1 else lse.reshape(1)
    return _weighted_nll(z, lse, target, weight, ignore_index, reduction, label_smoothing, where)


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> ad.Tensor:
    """Negative log-likelihood -input[target] of log-probabilities (e.g. log_softmax output).

    Shapes, ``weight`` and ``ignore_index`` as in :func:`cross_entropy` (class indices only).
    """
    from .functional import as_tensor

    _check_reduction(reduction, "nll_loss")
    z = as_tensor(input, "nll_loss")
    if z.ndim == 0:
        raise ValueError("nll_loss: input must have a class axis, got a 0-d tensor")
    return _weighted_nll(z, None, target, weight, ignore_index, reduction, 0.0, "nll_loss")


def _scalar_cross_entropy(input: Any, target: Any, ignore_index: int, reduction: str,
                          smoothing: float) -> Any:
    rows = [input] if not _is_scalar(input[0]) else list(input)
    targets = [target] if isinstance(target, (int, np.integer)) else list(target)
    if len(rows) != len(targets):
        raise ValueError(f"cross_entropy: got {len(rows)} rows of logits but "
                         f"{len(targets)} targets")
    out = []
    for row, y in zip(rows, targets, strict=True):
        if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
            raise TypeError(f"cross_entropy: class targets must be ints, got {y!r}")
        if y == ignore_index:
            continue
        if not 0 <= y < len(row):
            raise ValueError(f"cross_entropy: target class index {y} is out of range for "
                             f"{len(row)} classes; valid: 0..{len(row) - 1}")
        m = max(v.data for v in row)
        s = (row[0] - m).exp()
        for v in row[1:]:
            s = s + (v - m).exp()
        lse = s.log() + m
        loss = lse - row[y]
        if smoothing > 0:
            mean_nll = lse - sum(row[1:], row[0]) / len(row)
            loss = (1 - smoothing) * loss + smoothing * mean_nll
        out.append(loss)
    if not out:
        return Value(float("nan"))
    return _reduce_values(out, reduction)


# ------------------------------------------------------------------------------ modules
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss` (``delta`` = 1.0)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of predictions ``input`` against ``target``."""
        return huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy` (input: probabilities)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of probabilities ``input`` against 0/1 ``target``."""
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits` (input: logits)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against 0/1 ``target``."""
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy` (input: unnormalised logits)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, \
            label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against class indices or probabilities ``target``."""
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss` (input: log-probabilities)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of log-probabilities ``input`` against class indices ``target``."""
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class GaussianNLLLoss(_Loss):
    """Module form of :func:`gaussian_nll_loss`; call it as ``loss(input, target, var)``."""

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Any, target: Any, var: Any) -> Any:
        """Loss of mean ``input`` and variance ``var`` against ``target``."""
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
