"""The comparisons behind gradcheck: element-wise (full) and projected (fast) Jacobian checks.

Both run inside :func:`~autodiff.check.slots.working_copies`, so the inputs are float64
copies; both return a :class:`~autodiff.check.report.GradcheckReport`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..anomaly import warn_user
from ..validation import check_real
from .numeric import Central, central_difference
from .outputs import Outputs, analytic_rows, evaluate
from .report import MAX_WORST, Entry, GradcheckReport, PairSummary, pattern_hints
from .slots import Slot, working_copies

__all__ = ["MAX_FULL_ENTRIES", "check", "check_tolerances", "element_difference"]

MAX_FULL_ENTRIES = 5_000_000  # Jacobian entries a full check may build (two float64 arrays)
PROGRESS_MIN_ELEMENTS = 2_000  # a full check perturbing more elements shows a progress bar


def check_tolerances(where: str, eps: float, atol: float, rtol: float) -> None:
    """Raise TypeError unless all three are real numbers, ValueError unless eps is a step in
    (0, 1] and atol, rtol are finite and >= 0."""
    check_real(eps, name="eps (the difference step)", where=where, minimum=0.0, maximum=1.0,
               min_open=True)
    check_real(atol, name="atol", where=where, minimum=0.0)
    check_real(rtol, name="rtol", where=where, minimum=0.0)


def element_difference(call: Callable[[], Any], slot: Slot, i: int, eps: float) -> Central:
    """Central difference of f's flat outputs in flat element ``i`` of ``slot`` (a step of eps).

    ``plus``/``minus`` are float64 arrays of shape (total output size,); element ``i`` is
    restored exactly, even when f raises.
    """
    return central_difference(partial(_flat_outputs, call), partial(slot.set, i), slot.get(i),
                              eps, eps)


def _flat_outputs(call: Callable[[], Any]) -> np.ndarray:
    return evaluate(call).flat


def check(
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
    """Compare analytic and numerical derivatives of ``call()`` w.r.t. ``slots``.

    ``fast``: projected check first, the element-wise one only to explain a failure.
    ``output_names``: (long, short) labels for the outputs (gradgradcheck names them after
    the inputs). Raises ValueError when a full check would build more than MAX_FULL_ENTRIES
    Jacobian entries.
    """
    check_tolerances(title, eps, atol, rtol)
    notes = _float32_notes(slots, title)
    with working_copies(slots):
        base = evaluate(call)
        if output_names is not None:
            base.labels = [long for long, _ in output_names]
            base.shorts = [short for _, short in output_names]
        if not np.all(np.isfinite(base.flat)):
            notes.append(
                "f returned NaN or inf at these inputs (outside a function's domain?); "
                "ad.detect_anomaly() names the op that produced it"
            )
        again = evaluate(call).flat
        if again.shape != base.flat.shape or not np.allclose(again, base.flat, rtol=1e-12,
                                                               atol=0.0, equal_nan=True):
            diff = (float(np.nanmax(np.abs(again - base.flat)))
                    if again.shape == base.flat.shape else float("nan"))
            return GradcheckReport(
                ok=False, atol=atol, rtol=rtol, eps=eps, title=title, notes=notes,
                problems=[f"f is not deterministic: two calls at the same inputs differ (max "
                          f"difference {diff:.3g}); finite differences of a random function are "
                          "meaningless - call model.eval() (dropout) or fix the random seed"])
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
                warn_user(
                    f"{title}: the fast (projected) check failed but every Jacobian entry is "
                    "within tolerance; treating the gradients as correct",
                    RuntimeWarning,
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


def _float32_notes(slots: list[Slot], title: str) -> list[str]:
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
        warn_user(f"{title}: {msg}", UserWarning)
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
    n_elements = sum(s.size for s in slots)
    from tqdm.auto import tqdm  # on use: loading it was ~10% of the time of `import autodiff`

    # disable=None: tqdm shows the bar only on a terminal
    bar = tqdm(total=n_elements, desc=f"{title}: central differences", unit="elem",
               leave=False, disable=None if n_elements >= PROGRESS_MIN_ELEMENTS else True)
    for j, slot in enumerate(slots):
        for i in range(slot.size):
            bar.update()
            difference = element_difference(call, slot, i, eps)
            num[j][:, i] = difference.derivative()
            kink[j][:, i] = difference.kinks(base.flat, atol, rtol)
    bar.close()
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
                    max_abs_err=float(np.max(err[fail])),
                    hints=pattern_hints(a, n, fail, kk, slot.shape, tol),
                )
            )
            excess = np.where(fail, np.nan_to_num(err / tol, nan=np.inf), -1.0)
            worst = np.argsort(excess, axis=None)[::-1][: max(1, min(nf, MAX_WORST))]
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
    report.worst = [e for _, e in entries[:MAX_WORST]]
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
        jvp = central_difference(partial(_flat_outputs, call), slot.set_all, slot.get_all(),
                                 eps * u, eps).derivative()
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


