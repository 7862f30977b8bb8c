"""Numerical differentiation and gradient checking for Tensor and Value graphs.

``numerical_grad`` takes central differences one element at a time; ``gradcheck`` compares the
analytic Jacobian (one vector-Jacobian product per output element) with the numerical one entry
by entry, ``|analytic - numerical| <= atol + rtol * |numerical|`` (PyTorch's criterion), and
explains a failure with a :class:`~autodiff.gradcheck_report.GradcheckReport`. ``gradgradcheck``
does the same for the gradient itself, built with ``create_graph=True``.

Every check runs on private float64 working copies of the inputs: the caller's arrays are never
written to, so inputs are unchanged afterwards even when ``f`` raises, and float32 inputs are
checked in float64 (with a one-time warning explaining why).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .gradcheck_report import Entry, GradcheckReport, PairSummary, pattern_hints
from .gradcheck_slots import (
    Outputs,
    Slot,
    TensorSlot,
    ValueSlot,
    ad,
    analytic_rows,
    evaluate,
    is_tensor,
    is_value,
    slots_from_inputs,
    slots_from_params,
    working_copies,
)

__all__ = [
    "GradcheckError",
    "gradcheck",
    "gradcheck_report",
    "gradgradcheck",
    "numerical_grad",
]

MAX_FULL_ENTRIES = 5_000_000  # Jacobian entries a full check may build (two float64 arrays)


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when the gradients disagree; ``.report`` holds the details."""

    def __init__(self, report: GradcheckReport):
        super().__init__(str(report))
        self.report = report


# ------------------------------------------------------------------ numerical differentiation


def numerical_grad(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    *,
    grad_output: Any = None,
) -> list[Any] | Any:
    """Gradient of ``f(*inputs)`` by central differences, one input element at a time.

    ``inputs`` is a sequence whose items are Tensors, Values or lists of Values (other items,
    such as arrays or numbers, are passed to ``f`` unchanged and get ``None``); a single Tensor or
    Value may be passed without a list, and then a single gradient is returned. ``f`` must return
    a scalar (a Tensor of size 1, a Value, or a list holding one Value) unless ``grad_output`` (an
    array of the output's shape) is given, in which case the vector-Jacobian product
    ``grad_output^T J`` is returned. Each element x is replaced by x+eps and x-eps in a float64
    working copy; the caller's arrays and floats are restored exactly, even if ``f`` raises.

    Returns a list with, per input: a float64 array of the Tensor's shape, a float for a Value,
    a float64 array of shape (n,) for a list of n Values, None for a constant.
    Raises ValueError for a non-scalar output without ``grad_output`` or a shape mismatch, and
    TypeError for unsupported inputs/outputs.
    """
    single = is_tensor(inputs) or is_value(inputs)
    items = [inputs] if single else list(inputs)
    slots, kinds = slots_from_inputs(items, include_constant_tensors=True)
    call = _caller(f, items)
    with working_copies(slots):
        base = evaluate(call)
        sizes = base.sizes
        if grad_output is None:
            if sum(sizes) != 1:
                raise ValueError(
                    f"numerical_grad: f returned outputs of shapes {base.shapes}; a scalar is "
                    "needed, or pass grad_output=<array of the output's shape> for a "
                    "vector-Jacobian product"
                )
            weights = np.ones(1)
        else:
            weights = np.asarray(grad_output, dtype=np.float64).reshape(-1)
            if weights.size != sum(sizes):
                raise ValueError(
                    f"numerical_grad: grad_output has {weights.size} elements but f's outputs "
                    f"have shapes {base.shapes} ({sum(sizes)} elements)"
                )
        grads = []
        for slot in slots:
            g = np.empty(slot.size)
            for i in range(slot.size):
                plus, minus, _ = _central(call, slot, i, eps)
                g[i] = weights @ (plus - minus) / (2 * eps)
            grads.append(g)
    out: list[Any] = []
    it = iter(grads)
    for kind, slot in zip(kinds, _expand(slots, kinds), strict=True):
        if kind is None:
            out.append(None)
            continue
        g = next(it)
        if kind == "value":
            out.append(float(g[0]))
        else:
            out.append(g.reshape(slot.shape))
    return out[0] if single else out


def _expand(slots: list[Slot], kinds: list[str | None]) -> list[Slot | None]:
    it = iter(slots)
    return [None if k is None else next(it) for k in kinds]


def _caller(f: Callable[..., Any], items: Sequence[Any]) -> Callable[[], Any]:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    return lambda: f(*items)


def _central(
    call: Callable[[], Any], slot: Slot, i: int, eps: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Evaluate the flat outputs at x_i + eps and x_i - eps; restore x_i exactly."""
    x = slot.get(i)
    try:
        slot.set(i, x + eps)
        plus = evaluate(call).flat
        slot.set(i, x - eps)
        minus = evaluate(call).flat
    finally:
        slot.set(i, x)
    return plus, minus, x


# ------------------------------------------------------------------ the checks


def gradcheck(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast: bool = False,
) -> bool:
    """Check the analytic gradients of ``f`` against central differences.

    Call as ``gradcheck(f, [x, w])`` (``f(x, w)`` returns a Tensor, a tuple of Tensors, a Value or
    a list of Values; inputs that are Tensors with ``requires_grad=True``, Values or lists of
    Values are checked) or as ``gradcheck(closure, params=model.parameters())`` for a zero-argument
    closure (a Module or ``named_parameters()`` pairs give the report parameter names). Every
    Jacobian entry must satisfy ``|analytic - numerical| <= atol + rtol * |numerical|``.
    ``fast=True`` compares random projections ``v^T J u`` per output/input pair instead (two
    evaluations per input instead of two per element) and builds the full report only on failure.

    Returns True, or False when ``raise_exception=False``; otherwise raises
    :class:`GradcheckError` whose message is the report. Raises ValueError when nothing requires
    grad or the full Jacobian would be too large (use ``fast=True``), TypeError for bad arguments.
    """
    report = gradcheck_report(f, inputs, params=params, eps=eps, atol=atol, rtol=rtol, fast=fast)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def gradcheck_report(
    f: Callable[..., Any],
    inputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast: bool = False,
    title: str = "gradcheck",
) -> GradcheckReport:
    """Run :func:`gradcheck` and return its :class:`GradcheckReport` instead of raising.

    The report is truthy when the check passed; ``print(report)`` shows the details.
    """
    call, slots = _setup(f, inputs, params)
    return _check(call, slots, eps=eps, atol=atol, rtol=rtol, fast=fast, title=title)


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Any = None,
    grad_outputs: Any = None,
    *,
    params: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast: bool = False,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, grad_outputs) -> grad(f, inputs)``.

    The first gradient is built with ``autodiff.grad(..., create_graph=True)`` for the Tensor
    outputs of ``f`` with cotangents ``grad_outputs`` (one array or Tensor per output; random
    normal ones drawn from ``seed`` when None), which are checked as inputs too. Tensor graphs
    only. Returns/raises like :func:`gradcheck`; TypeError for Value inputs.
    """
    call, slots = _setup(f, inputs, params)
    if any(isinstance(s, ValueSlot) for s in slots):
        raise TypeError(
            "gradgradcheck: Value graphs record first derivatives only; use Tensors for "
            "second derivatives"
        )
    leaves = [s.obj for s in slots]
    with working_copies(slots):
        outs = [o for o in _tensor_outputs(call()) if o.requires_grad]
    if not outs:
        raise ValueError("gradgradcheck: no output of f depends on an input that requires grad")
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        gos = [rng.standard_normal(o.shape) for o in outs]
    else:
        gos = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
        gos = [np.asarray(g.data if is_tensor(g) else g, dtype=np.float64) for g in gos]
        if [g.shape for g in gos] != [tuple(o.shape) for o in outs]:
            raise ValueError(
                f"gradgradcheck: grad_outputs have shapes {[g.shape for g in gos]}, the outputs "
                f"that require grad have shapes {[tuple(o.shape) for o in outs]}"
            )
    go_tensors = [
        ad().Tensor(g, requires_grad=True, name=f"grad_output{k}") for k, g in enumerate(gos)
    ]
    go_slots = [TensorSlot(t, f"grad_output{k}", checked=True) for k, t in enumerate(go_tensors)]

    def first_grads() -> tuple[Any, ...]:
        outputs = [o for o in _tensor_outputs(call()) if o.requires_grad]
        gs = ad().grad(outputs, leaves, grad_outputs=go_tensors, create_graph=True,
                       allow_unused=True)
        return tuple(
            ad().zeros(leaf.shape) if g is None else g for g, leaf in zip(gs, leaves, strict=True)
        )

    names = [(f"grad w.r.t. {s.label}", f"grad_{s.short}") for s in slots]
    report = _check(first_grads, slots + go_slots, eps=eps, atol=atol, rtol=rtol, fast=fast,
                    title="gradgradcheck", output_names=names)
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def _tensor_outputs(result: Any) -> list[Any]:
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    bad = [type(o).__name__ for o in items if not is_tensor(o)]
    if bad:
        raise TypeError(f"gradgradcheck: f must return Tensors, got {', '.join(bad)}")
    return items


def _setup(f: Callable[..., Any], inputs: Any, params: Any) -> tuple[Callable[[], Any], list[Slot]]:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if params is not None:
        if inputs is not None:
            raise TypeError("gradcheck: pass either inputs (f(*inputs)) or params= (f()), not both")
        slots = slots_from_params(params)
        call: Callable[[], Any] = f
    else:
        if inputs is None:
            raise TypeError("gradcheck: pass inputs=[...] for f(*inputs) or params=... for f()")
        items = [inputs] if is_tensor(inputs) or is_value(inputs) else list(inputs)
        slots, _ = slots_from_inputs(items, include_constant_tensors=False)
        call = _caller(f, items)
    if not slots:
        raise ValueError(
            "gradcheck: nothing to check - no input is a Tensor with requires_grad=True, a Value "
            "or a list of Values"
        )
    return call, slots


def _check(
    call: Callable[[], Any],
    slots: list[Slot],
    *,
    eps: float,
    atol: float,
    rtol: float,
    fast: bool,
    title: str,
    output_names: list[tuple[str, str]] | None = None,
) -> GradcheckReport:
    notes = _float32_notes(slots)
    with working_copies(slots):
        base = evaluate(call)
        if output_names is not None:
            base.labels = [long for long, _ in output_names]
            base.shorts = [short for _, short in output_names]
        if base.any_float32:
            notes.append(
                "an output was computed in float32 although the inputs were checked in float64: "
                "f uses float32 constants or parameters, which limits the accuracy of the check"
            )
        if fast:
            report = _fast_check(call, slots, base, eps=eps, atol=atol, rtol=rtol, title=title)
            if report.ok or base.total * sum(s.size for s in slots) > MAX_FULL_ENTRIES:
                if not report.ok:
                    report.notes.append(
                        "the full Jacobian is too large for an element-wise report; the failing "
                        "projections are listed instead"
                    )
                report.notes += notes
                return report
            full = _full_check(call, slots, base, eps=eps, atol=atol, rtol=rtol, title=title)
            if full.ok:
                warnings.warn(
                    f"{title}: the fast (projected) check failed but every Jacobian entry is "
                    "within tolerance; treating the gradients as correct",
                    RuntimeWarning,
                    stacklevel=3,
                )
            else:
                full.notes.append("detected by fast mode; the entries above come from the full "
                                  "element-wise check")
            full.notes += notes
            return full
        size = base.total * sum(s.size for s in slots)
        if size > MAX_FULL_ENTRIES:
            raise ValueError(
                f"{title}: the full Jacobian has {size} entries (outputs {base.shapes}, inputs "
                f"{[s.shape for s in slots]}), more than {MAX_FULL_ENTRIES}; use fast=True"
            )
        report = _full_check(call, slots, base, eps=eps, atol=atol, rtol=rtol, title=title)
        report.notes += notes
        return report


_FLOAT32_WARNED = False


def _float32_notes(slots: list[Slot]) -> list[str]:
    global _FLOAT32_WARNED
    low = [f"{s.label} is {s.orig_dtype}" for s in slots
           if s.orig_dtype is not None and s.orig_dtype != np.float64]
    if not low:
        return []
    msg = (
        f"{', '.join(low)}, not float64: checked in float64 copies. Central differences in float32 "
        "lose about half the digits (roundoff ~ 1e-7*|f|/eps, about 10% with eps=1e-6), so a "
        "float32 check fails even for correct gradients"
    )
    if not _FLOAT32_WARNED:
        _FLOAT32_WARNED = True
        warnings.warn(f"gradcheck: {msg}", UserWarning, stacklevel=4)
    return [msg]


def _full_check(
    call: Callable[[], Any],
    slots: list[Slot],
    base: Outputs,
    *,
    eps: float,
    atol: float,
    rtol: float,
    title: str,
) -> GradcheckReport:
    report = GradcheckReport(ok=True, atol=atol, rtol=rtol, eps=eps, mode="full", title=title)
    # numerical: column by column; kink where the one-sided differences disagree
    num = [np.empty((base.total, s.size)) for s in slots]
    kink = [np.zeros((base.total, s.size), dtype=bool) for s in slots]
    for j, slot in enumerate(slots):
        for i in range(slot.size):
            plus, minus, _ = _central(call, slot, i, eps)
            num[j][:, i] = (plus - minus) / (2 * eps)
            right, left = (plus - base.flat) / eps, (base.flat - minus) / eps
            kink[j][:, i] = np.abs(right - left) > 10 * (atol + rtol * (np.abs(right) +
                                                                          np.abs(left)))
    an, problems = analytic_rows(base, slots)
    report.problems += problems
    if problems:
        report.ok = False
        return report
    entries: list[Entry] = []
    offsets = np.cumsum([0, *base.sizes])
    for k, (lo, hi) in enumerate(zip(offsets[:-1], offsets[1:], strict=True)):
        for j, slot in enumerate(slots):
            a, n, kk = an[j][lo:hi], num[j][lo:hi], kink[j][lo:hi]
            tol = atol + rtol * np.abs(n)
            err = np.abs(a - n)
            fail = ~(err <= tol)
            report.n_total += a.size
            nf = int(fail.sum())
            if not nf:
                continue
            report.n_fail += nf
            report.pairs.append(
                PairSummary(
                    output_label=base.labels[k], out_shape=base.shapes[k],
                    input_label=slot.label, in_shape=slot.shape, n_fail=nf, n_total=a.size,
                    max_abs_err=float(np.nanmax(np.where(fail, err, 0.0))),
                    hints=pattern_hints(a, n, fail, kk, slot.shape, tol),
                )
            )
            excess = np.where(fail, np.nan_to_num(err / tol, nan=np.inf), -1.0)
            worst = np.argsort(excess, axis=None)[::-1][: max(1, min(nf, 6))]
            for flat in worst:
                r, c = np.unravel_index(flat, a.shape)
                entries.append((float(excess[r, c]), Entry(
                    output_label=base.shorts[k],
                    out_index=tuple(int(x) for x in np.unravel_index(r, base.shapes[k])),
                    input_label=slot.short,
                    in_index=tuple(int(x) for x in np.unravel_index(c, slot.shape)),
                    analytic=float(a[r, c]), numerical=float(n[r, c]),
                    tolerance=float(tol[r, c]), kink=bool(kk[r, c]),
                )))
    entries.sort(key=lambda pair: -pair[0])
    report.worst = [e for _, e in entries[:6]]
    report.ok = report.n_fail == 0
    return report


def _fast_check(
    call: Callable[[], Any],
    slots: list[Slot],
    base: Outputs,
    *,
    eps: float,
    atol: float,
    rtol: float,
    title: str,
) -> GradcheckReport:
    rng = np.random.default_rng(0)
    us = [_unit(rng.random(s.size)) for s in slots]
    vs = [_unit(rng.random(size)) for size in base.sizes]
    v_all = np.concatenate(vs) if vs else np.zeros(0)
    offsets = np.cumsum([0, *base.sizes])
    num = np.empty((len(vs), len(slots)))
    for j, (slot, u) in enumerate(zip(slots, us, strict=True)):
        x0 = slot.get_all()
        try:
            slot.set_all(x0 + eps * u)
            plus = evaluate(call).flat
            slot.set_all(x0 - eps * u)
            minus = evaluate(call).flat
        finally:
            slot.set_all(x0)
        jvp = (plus - minus) / (2 * eps)
        for k in range(len(vs)):
            num[k, j] = vs[k] @ jvp[offsets[k]:offsets[k + 1]]
    an_vjps, problems = analytic_rows(base, slots, cotangent=v_all)
    report = GradcheckReport(ok=True, atol=atol, rtol=rtol, eps=eps, mode="fast", title=title)
    if problems:
        report.ok = False
        report.problems += problems
        return report
    for k in range(len(vs)):
        for j, u in enumerate(us):
            a = float(an_vjps[j][k] @ u)
            n = float(num[k, j])
            tol = atol * np.abs(u).sum() * np.abs(vs[k]).sum() + rtol * abs(n)
            report.n_total += 1
            if not abs(a - n) <= tol:
                report.n_fail += 1
                report.problems.append(
                    f"fast mode: projection v^T J u of {base.labels[k]} w.r.t. {slots[j].label}: "
                    f"analytic {a:.6g}, numerical {n:.6g}, abs err {abs(a - n):.3g} > tol {tol:.3g}"
                )
    report.ok = report.n_fail == 0
    return report


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x)
    return x / n if n > 0 else x


def named_inputs(inputs: Iterable[Any]) -> list[str]:
    """The labels gradcheck uses for ``inputs`` in its report (for tests and tools)."""
    slots, _ = slots_from_inputs(list(inputs), include_constant_tensors=False)
    return [s.label for s in slots]
