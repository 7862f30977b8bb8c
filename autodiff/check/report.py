"""Reports of gradient checks: which entries disagree, by how much, and what the pattern suggests.

A report never prints a whole Jacobian. It counts the failing entries, lists the failing
(output, input) pairs, shows the worst few entries by index, and adds hints recognised from the
pattern of the errors (wrong sign, a constant factor, a transposed gradient, a single element,
a non-differentiable point).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_WORST = 6  # entries shown in the "worst entries" table
MAX_PAIRS = 8  # failing (output, input) pairs listed before "... and N more"


def fmt_index(index: tuple[int, ...]) -> str:
    """Format a numpy index tuple as ``[i, j]`` (empty for a 0-d array)."""
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def fmt_shape(shape: tuple[int, ...]) -> str:
    """Format a shape as numpy does: ``(3, 4)``, ``(3,)``, ``()``."""
    return str(tuple(int(s) for s in shape))


@dataclass
class Entry:
    """One Jacobian entry d output[out_index] / d input[in_index] that was compared."""

    output_label: str
    out_index: tuple[int, ...]
    input_label: str
    in_index: tuple[int, ...]
    analytic: float
    numerical: float
    tolerance: float
    kink: bool = False  # one-sided differences disagree: a non-differentiable point

    @property
    def abs_err(self) -> float:
        """|analytic - numerical|."""
        return abs(self.analytic - self.numerical)

    @property
    def rel_err(self) -> float:
        """|analytic - numerical| / max(|numerical|, tiny)."""
        return self.abs_err / max(abs(self.numerical), 1e-300)


@dataclass
class PairSummary:
    """Failure counts of the Jacobian block of one output with respect to one input."""

    output_label: str
    out_shape: tuple[int, ...]
    input_label: str
    in_shape: tuple[int, ...]
    n_fail: int
    n_total: int
    max_abs_err: float
    hints: list[str] = field(default_factory=list)


@dataclass
class GradcheckReport:
    """The outcome of a gradient check; ``str(report)`` is the human-readable report.

    Attributes: ``ok`` (bool), ``n_fail``/``n_total`` (Jacobian entries out of tolerance /
    compared), ``pairs`` (failing output/input blocks), ``worst`` (the worst entries, by how
    many times they exceed the tolerance), ``problems`` (structural failures such as a backward
    pass that raised), ``notes`` (context such as a float32 input or a fast-mode result).
    """

    ok: bool
    atol: float
    rtol: float
    eps: float
    mode: str = "full"
    n_fail: int = 0
    n_total: int = 0
    pairs: list[PairSummary] = field(default_factory=list)
    worst: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = "gradcheck"

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        crit = (
            f"|analytic - numerical| <= atol + rtol*|numerical| with atol={self.atol:g}, "
            f"rtol={self.rtol:g}; central differences, eps={self.eps:g}, in float64"
        )
        if self.ok:
            head = f"{self.title} passed: {self.n_total} Jacobian entries agree ({crit})"
            return "\n".join([head, *(f"note: {n}" for n in self.notes)])
        lines = []
        if self.n_fail:
            lines.append(
                f"{self.title} failed: {self.n_fail} of {self.n_total} Jacobian entries out of "
                f"tolerance ({crit})"
            )
        else:
            lines.append(f"{self.title} failed")
        lines += [f"problem: {p}" for p in self.problems]
        for pair in self.pairs[:MAX_PAIRS]:
            lines.append(
                f"  {pair.output_label} {fmt_shape(pair.out_shape)} w.r.t. {pair.input_label} "
                f"{fmt_shape(pair.in_shape)}: {pair.n_fail} of {pair.n_total} entries fail, "
                f"max abs error {pair.max_abs_err:.3g}"
            )
            lines += [f"    hint: {h}" for h in pair.hints]
        if len(self.pairs) > MAX_PAIRS:
            lines.append(f"  ... and {len(self.pairs) - MAX_PAIRS} more failing output/input pairs")
        if self.worst:
            lines.append(f"worst entries (of {self.n_fail} failing):")
            lines += format_entries(self.worst)
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def format_entries(entries: list[Entry]) -> list[str]:
    """Format entries as an aligned table, one line per entry."""
    wheres = [
        f"d {e.output_label}{fmt_index(e.out_index)} / d {e.input_label}{fmt_index(e.in_index)}"
        for e in entries
    ]
    width = max(len("entry"), *(len(w) for w in wheres))
    head = (
        f"  {'entry':<{width}}  {'analytic':>12}  {'numerical':>12}  {'abs err':>9}  {'rel err':>9}"
    )
    rows = [head]
    for w, e in zip(wheres, entries, strict=True):
        kink = "  (non-differentiable point?)" if e.kink else ""
        rows.append(
            f"  {w:<{width}}  {e.analytic:>12.5g}  {e.numerical:>12.5g}  {e.abs_err:>9.3g}  "
            f"{e.rel_err:>9.3g}{kink}"
        )
    return rows


def pattern_hints(
    analytic: np.ndarray,
    numerical: np.ndarray,
    fail: np.ndarray,
    kink: np.ndarray | None,
    in_shape: tuple[int, ...],
    tol: np.ndarray,
) -> list[str]:
    """Recognise common gradient bugs from a Jacobian block (out_size x in_size arrays).

    ``fail`` and ``kink`` are boolean masks of the same shape, ``tol`` the per-entry tolerance.
    Returns short human-readable hints, most specific first.
    """
    hints: list[str] = []
    a, n = analytic[fail], numerical[fail]
    if a.size == 0:
        return hints
    if kink is not None and kink[fail].any():
        k = int(kink[fail].sum())
        hints.append(
            f"{k} of the failing entries sit at non-differentiable points (the one-sided "
            "differences disagree, e.g. relu/abs at 0 or a tie in max); finite differences mean "
            "nothing there - draw inputs away from kinks (autodiff.testing.tensors(away_from=...))"
        )
        if k == a.size:
            return hints
    if np.isnan(n).any():
        hints.append("the numerical derivative is NaN: f is undefined near the input (domain?)")
    if np.isnan(a).any() or np.isinf(a).any():
        hints.append("the analytic gradient has NaN/inf entries")
    finite = np.isfinite(a) & np.isfinite(n)
    a, n = a[finite], n[finite]
    if a.size == 0:
        return hints
    ftol = tol[fail][finite]
    if np.all(np.abs(a) <= ftol) and np.any(np.abs(n) > ftol):
        hints.append(
            "the analytic gradient is zero where the numerical one is not: a VJP that returns "
            "zeros, or an input detached from the graph (detach, .data, numpy round trip)"
        )
    elif np.allclose(a, -n, rtol=1e-3, atol=float(ftol.max())):
        hints.append("analytic = -numerical: a sign error in a backward function")
    else:
        big = np.abs(n) > 10 * ftol
        if big.sum() >= 1:
            ratios = a[big] / n[big]
            k = float(np.median(ratios))
            if np.allclose(ratios, k, rtol=1e-3) and abs(k - 1) > 1e-3:
                hint = f"analytic = {k:.6g} x numerical: a missing or extra constant factor"
                inv = 1.0 / k if k != 0 else 0.0
                if a.size == 1:
                    pass
                elif k != 0 and abs(inv - round(inv)) < 1e-6 and round(inv) > 1:
                    hint += f" (1/{round(inv)}: a mean where a sum belongs?)"
                elif abs(k - round(k)) < 1e-6 and round(k) > 1:
                    hint += f" ({round(k)}: a term counted {round(k)} times, or a sum where a mean "
                    hint += "belongs?)"
                hints.append(hint)
    if numerical.shape[0] == 1 and len(in_shape) == 2 and in_shape[0] * in_shape[1] > 1:
        if _is_transposed(analytic, numerical, in_shape, tol):
            hints.append(
                "the analytic gradient is the numerical one transposed (for a non-square input: "
                "computed in the transposed layout and reshaped)"
            )
    n_fail = int(fail.sum())
    if n_fail == 1 and fail.size > 1:
        hints.append("only one entry is wrong: look for an index-specific bug (a slice, a mask)")
    return hints


def _is_transposed(
    analytic: np.ndarray, numerical: np.ndarray, in_shape: tuple[int, ...], tol: np.ndarray
) -> bool:
    """True when the analytic gradient equals the numerical one transposed (then flattened)."""
    g_n = numerical.reshape(in_shape)
    if np.allclose(g_n, g_n.T.reshape(in_shape)):
        return False  # symmetric: a transposition cannot be told apart
    candidate = g_n.T.reshape(-1)
    return bool(np.all(np.abs(analytic.reshape(-1) - candidate) <= tol.reshape(-1)))
