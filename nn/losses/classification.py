"""Classification losses, each a function (also in ``nn.functional``) beside its Module.

Cross-entropy is the categorical negative log-likelihood: for logits z and class t,
-log softmax(z)[t] = logsumexp(z) - z[t], which is how it is computed (finite at +-1000).
NLL takes log-probabilities instead of logits. Binary cross-entropy is the Bernoulli NLL,
-log(p^t (1-p)^(1-t)), of probabilities p, or (stably) of logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Value
from autodiff.nodes import is_tensor, is_value

from ..inputs import as_tensor
from .options import ignore_index_option, label_smoothing_option
from .order import check_order
from .reduction import _Loss, check_reduction, elementwise, is_scalar, pairs, reduce, reduce_values

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss"]


def _class_targets(z: ad.Tensor, target: Any, ignore_index: int, where: str) -> np.ndarray:
    """Validated integer class targets of shape z.shape without the class axis 1."""
    t = target.data if is_tensor(target) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: class-index targets must have an integer dtype, got {t.dtype} of shape "
            f"{t.shape}; cast with .astype(int), or pass class probabilities as a float "
            f"target of the input's shape {z.shape}"
        )
    want = (z.shape[0],) + z.shape[2:] if z.ndim >= 2 else ()
    if z.ndim >= 2 and t.shape == z.shape:
        raise ValueError(
            f"{where}: integer target of shape {t.shape}, the input's shape, looks like "
            f"one-hot; pass class indices of shape {want} (y.argmax(1)) or class "
            f"probabilities as a float target (y.astype(float))"
        )
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
        z = z.permute(0, *range(2, z.ndim), 1)
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
    total = float(w_y.sum())
    if total == 0:  # every target ignored: the loss is NaN (PyTorch's 0/0) but the gradient
        return per.sum() + np.nan  # 0, so one all-padding batch cannot poison the weights
    return per.sum() / total


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
    where = "cross_entropy"
    check_reduction(reduction, where)
    label_smoothing = label_smoothing_option(label_smoothing, where)
    ignore_index = ignore_index_option(ignore_index, where)
    if is_scalar(input):
        return _scalar_cross_entropy(input, target, ignore_index, reduction, label_smoothing)
    check_order(input, target, where, "float logits")
    z = as_tensor(input, where)
    if z.ndim == 0:
        raise ValueError(f"{where}: input must have a class axis, got a 0-d tensor")
    t_arr = target.data if is_tensor(target) else np.asarray(target)
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
        return reduce(-(p * logp).sum(axis=class_axis), reduction)
    lse = z.logsumexp(axis=1 if z.ndim >= 2 else 0)
    lse = lse.reshape(-1) if z.ndim > 1 else lse.reshape(1)
    return _weighted_nll(z, lse, target, weight, ignore_index, reduction, label_smoothing, where)


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> ad.Tensor:
    """Negative log-likelihood -input[target] of log-probabilities (e.g. log_softmax output).

    Shapes, ``weight`` and ``ignore_index`` as in :func:`cross_entropy` (class indices only).
    """
    check_reduction(reduction, "nll_loss")
    ignore_index = ignore_index_option(ignore_index, "nll_loss")
    check_order(input, target, "nll_loss", "float log-probabilities")
    z = as_tensor(input, "nll_loss")
    if z.ndim == 0:
        raise ValueError("nll_loss: input must have a class axis, got a 0-d tensor")
    return _weighted_nll(z, None, target, weight, ignore_index, reduction, 0.0, "nll_loss")


def _scalar_cross_entropy(input: Any, target: Any, ignore_index: int, reduction: str,
                          smoothing: float) -> Any:
    rows = [list(input)] if is_value(input[0]) else [list(r) for r in input]
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
    return reduce_values(out, reduction)



# ------------------------------------------------------------------------------ binary
#: PyTorch's floor on p (1 - p) in BCELoss's gradient
_BCE_EPS = 1e-12


def _bce_value(p: Value, t: Any) -> Value:
    """One Value term of binary_cross_entropy, with PyTorch's value and gradient rules."""
    t_data = t.data if is_value(t) else float(t)
    if p.data * (1 - p.data) >= _BCE_EPS:
        return -(t * p.log() + (1 - t) * (1 - p).log())
    with np.errstate(divide="ignore"):
        c0 = -(t_data * max(float(np.log(p.data)), -100.0)
               + (1 - t_data) * max(float(np.log1p(-p.data)), -100.0))
    return c0 + ((p - t) ** 2 - (p.data - t_data) ** 2) / (2 * _BCE_EPS)


def _softplus_value(z: Value) -> Value:
    """log(1 + e^z) without overflow; derivative sigmoid(z)."""
    if z.data >= 0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """-[t log p + (1 - t) log(1 - p)]: the Bernoulli NLL of targets t in [0, 1].

    PyTorch's rules: each log is clamped at -100, so p = 0 or 1 gives a finite loss, and
    the gradient with respect to p is (p - t) / max(p (1 - p), 1e-12) everywhere, so it
    stays finite and points the right way where p saturates. Raises ValueError if p is
    outside [0, 1].
    """
    where = "binary_cross_entropy"
    check_reduction(reduction, where)
    if is_scalar(input):
        xs, ts = pairs(input, target, where)
        for p in xs:
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(f"{where}: input probabilities must be in [0, 1], got {p.data}")
        out = [_bce_value(p, t) for p, t in zip(xs, ts, strict=True)]
        return reduce_values(out, reduction)
    check_order(input, target, where, "float probabilities")
    p, t = elementwise(input, target, where)
    if p.size and not (np.all(p.data >= 0) and np.all(p.data <= 1)):
        raise ValueError(f"{where}: input probabilities must be in [0, 1], got values in "
                         f"[{np.nanmin(p.data)}, {np.nanmax(p.data)}]")
    saturated = p.data * (1 - p.data) < _BCE_EPS
    safe = ad.where(saturated, 0.5, p) if saturated.any() else p
    loss = -(t * safe.log() + (1 - t) * (1 - safe).log())
    if saturated.any():
        # there the value is the clamped formula's and the gradient (p - t) / 1e-12:
        # c0 + ((p - t)^2 - (p0 - t)^2) / 2e-12 has both (and PyTorch's second derivative)
        p0, t0 = p.data, t.data if isinstance(t, ad.Tensor) else np.asarray(t)
        with np.errstate(divide="ignore"):
            c0 = -(t0 * np.maximum(np.log(p0), -100.0)
                   + (1 - t0) * np.maximum(np.log1p(-p0), -100.0))
        quadratic = c0 + ((p - t) ** 2 - (p0 - t0) ** 2) / (2 * _BCE_EPS)
        loss = ad.where(saturated, quadratic, loss)
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """binary_cross_entropy(sigmoid(z), t), computed stably from the logits z:
    (1 - t) z + (1 + (pos_weight - 1) t) softplus(-z). Finite loss and gradient
    sigmoid(z) - t even at z = +-1000. ``pos_weight`` weighs positives (per class)."""
    where = "binary_cross_entropy_with_logits"
    check_reduction(reduction, where)
    if is_scalar(input):
        xs, ts = pairs(input, target, where)
        out = [(1 - t) * z + _softplus_value(-z) for z, t in zip(xs, ts, strict=True)]
        return reduce_values(out, reduction)
    check_order(input, target, where, "float logits")
    z, t = elementwise(input, target, where)
    sp = (-z).softplus()
    if pos_weight is not None:
        sp = sp * (1 + (as_tensor(pos_weight, where) - 1) * t)
    loss = (1 - t) * z + sp
    if weight is not None:
        loss = loss * as_tensor(weight, where)
    return reduce(loss, reduction)



# ------------------------------------------------------------------------------ modules
class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (:func:`binary_cross_entropy`); Bernoulli NLL."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of probabilities ``input`` against 0/1 ``target``."""
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, stable (:func:`binary_cross_entropy_with_logits`)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against 0/1 ``target``."""
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits (:func:`cross_entropy`); the categorical NLL."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index_option(ignore_index, "CrossEntropyLoss")
        self.label_smoothing = label_smoothing_option(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of logits ``input`` against class indices or probabilities ``target``."""
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (:func:`nll_loss`)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index_option(ignore_index, "NLLLoss")

    def forward(self, input: Any, target: Any) -> Any:
        """Loss of log-probabilities ``input`` against class indices ``target``."""
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)

