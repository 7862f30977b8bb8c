"""What :func:`~autodiff.check.diagnose` reports: the flagged nodes and why each was flagged.

Shared by the Tensor-graph and the Value-graph halves of ``diagnose``
(:mod:`autodiff.check.diagnosis`, :mod:`autodiff.check.diagnosis_value`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .report import fmt_shape

__all__ = ["DiagnoseReport", "Finding"]


@dataclass
class Finding:
    """One node whose backward disagrees with central differences of its forward."""

    node: Any
    position: int  # index in topological order
    op: str
    input_index: int  # which input's gradient is wrong (-1: the node as a whole)
    out_shape: tuple[int, ...]
    in_shapes: list[tuple[int, ...]]
    name: str
    site: str | None
    reason: str  # one line, shown next to the node in a rendered graph
    details: list[str] = field(default_factory=list)
    kind: str = "Tensor"

    def describe(self, n_nodes: int) -> list[str]:
        """Lines describing the node and the mismatch."""
        name = f" '{self.name}'" if self.name else ""
        head = f"node #{self.position} of {n_nodes} in topological order: op '{self.op}'{name}"
        if self.kind == "Value":
            return [f"{head} (a Value with {len(self.in_shapes)} parent(s))",
                    f"  {self.reason}", *(f"  {d}" for d in self.details)]
        ins = ", ".join(fmt_shape(s) for s in self.in_shapes)
        lines = [
            f"{head}, inputs {ins} -> output {fmt_shape(self.out_shape)}",
            f"  created at {self.site or '<site not recorded>'}",
            f"  {self.reason}",
        ]
        return lines + [f"  {d}" for d in self.details]


@dataclass
class DiagnoseReport:
    """Outcome of :func:`diagnose`; ``print(report)`` explains it.

    ``ok``: no node disagrees. ``bad_nodes``: the flagged graph nodes, first one first (what
    ``draw_dot(..., diagnosis=report)`` colours red). ``findings``: details per flagged node.
    ``root``: the output of ``f`` that was walked. ``n_nodes``/``n_checked``: op nodes in the
    graph / checked; ``skipped``: why the others were not. ``cut``: every op is locally
    right but the whole gradient is not, and ``findings`` are the ops where the graph is cut.
    """

    ok: bool
    findings: list[Finding]
    n_nodes: int
    n_checked: int
    skipped: list[str]
    root: Any
    atol: float
    rtol: float
    eps: float
    kind: str = "Tensor"
    cut: bool = False  # every op locally right, the graph cut (findings: where)
    bad_nodes: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        how = (f"each node's backward against central differences of its own forward "
               f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}, float64)")
        if self.kind == "Value":
            how = (f"each Value node's recorded local partials against central differences "
                   f"through the chain rule (eps={self.eps:g}, atol={self.atol:g}, "
                   f"rtol={self.rtol:g})")
        if self.cut:
            first = self.findings[0]
            lines = [f"diagnose: every op's backward agrees with its forward, but the graph is "
                     f"cut ({how})", "cut at " + first.describe(self.n_nodes)[0],
                     *first.describe(self.n_nodes)[1:]]
            lines += [f"also cut at {f.describe(self.n_nodes)[0]}" for f in self.findings[1:6]]
        elif self.ok:
            lines = [f"diagnose: no wrong backward found in {self.n_checked} checked ops of "
                     f"{self.n_nodes} ({how})"]
        else:
            lines = [f"diagnose: {len(self.findings)} of {self.n_nodes} ops compute a wrong "
                     f"gradient ({how})", "first wrong " + self.findings[0].describe(
                         self.n_nodes)[0]]
            lines += self.findings[0].describe(self.n_nodes)[1:]
            for f in self.findings[1:6]:
                lines.append("also wrong: " + f.describe(self.n_nodes)[0])
                lines.append(f"  {f.reason}")
            if len(self.findings) > 6:
                lines.append(f"... and {len(self.findings) - 6} more")
        lines += [f"skipped: {s}" for s in self.skipped]
        return "\n".join(lines)
