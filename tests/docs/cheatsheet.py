"""Read the cheat sheets' tables and run both sides of every row, comparing the results.

A table of a cheat sheet is a topic: two columns, the reference library's code on the
left (micrograd or PyTorch) and autodiff's on the right, one inline code span per cell.
An HTML comment right above the table (it renders as nothing) gives each side's setup:

    <!-- cheatsheet
    reference: import torch
    autodiff: import autodiff as ad
    align: model
    -->

Lines of one key add up, in order. The rows of a table run in order, each side in its own
namespace; a row that is a single expression binds its result to ``_``. ``align`` names
objects whose random initial values differ by design (weights, ``randn``): after a row
binds one, the reference side's copy takes autodiff's numbers. After every row each name
bound on both sides is compared, values and gradients (see ``comparable``), and the row
must have made or changed at least one comparable name, so no row checks nothing. Names
with a leading underscore (``_w``, not ``_``) belong to one side and are not compared: a
row may keep one side's numbers there for a later row to compare against. A
reference cell of ``—`` marks a row autodiff alone has; it runs without a comparison.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

NONE = "—"
_CODE = re.compile(r"^`(.+)`$")
_CONTEXT = re.compile(r"^<!--\s*cheatsheet\s*$")
_KEYS = ("reference", "autodiff", "align")


@dataclass(frozen=True)
class Row:
    """One row: the page's line and each side's code (``reference`` None when absent)."""

    line: int
    reference: str | None
    autodiff: str


@dataclass
class Table:
    """One topic: where it is, its column titles, the setup of each side and its rows."""

    page: Path
    line: int
    titles: tuple[str, str]
    setup: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in _KEYS})
    rows: list[Row] = field(default_factory=list)

    @property
    def id(self) -> str:
        """``page:line`` of the table's header."""
        return f"{self.page.name}:{self.line}"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _code(cell: str, where: str) -> str:
    found = _CODE.match(cell)
    if found is None or "`" in found.group(1):
        raise ValueError(f"{where}: a cell holds one inline code span, got {cell!r}")
    return found.group(1)


def _context(lines: list[str], start: int, where: str) -> tuple[dict[str, list[str]], int]:
    setup: dict[str, list[str]] = {k: [] for k in _KEYS}
    i = start + 1
    while i < len(lines) and lines[i].strip() != "-->":
        key, sep, code = lines[i].partition(":")
        if not sep or key.strip() not in _KEYS:
            raise ValueError(f"{where}: setup lines start with one of {_KEYS}, got {lines[i]!r}")
        setup[key.strip()].append(code.strip())
        i += 1
    if i == len(lines):
        raise ValueError(f"{where}: cheatsheet comment never closed")
    return setup, i + 1


def parse_tables(page: Path) -> list[Table]:
    """Every table of ``page`` with the setup comment above it.

    Raises ValueError for a table without a setup comment, a table that is not two
    columns, a cell that is not one code span, or an unknown setup key.
    """
    lines = page.read_text().splitlines()
    tables: list[Table] = []
    setup: dict[str, list[str]] | None = None
    i = 0
    while i < len(lines):
        where = f"{page.name}:{i + 1}"
        if _CONTEXT.match(lines[i].strip()):
            setup, i = _context(lines, i, where)
            continue
        if lines[i].startswith("|"):
            if setup is None:
                raise ValueError(f"{where}: a table needs a cheatsheet setup comment above it")
            titles = _cells(lines[i])
            if len(titles) != 2 or not set(_cells(lines[i + 1])) <= {"---"}:
                raise ValueError(f"{where}: a table has two columns, got {titles}")
            table = Table(page, i + 1, (titles[0], titles[1]), setup)
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells, at = _cells(lines[i]), f"{page.name}:{i + 1}"
                if len(cells) != 2:
                    raise ValueError(f"{at}: a row has two cells, got {len(cells)}")
                ref = None if cells[0] == NONE else _code(cells[0], at)
                table.rows.append(Row(i + 1, ref, _code(cells[1], at)))
                i += 1
            tables.append(table)
            setup = None
            continue
        i += 1
    return tables


@dataclass(frozen=True)
class Arr:
    """A comparable number or array, with its gradient (None for no gradient)."""

    data: np.ndarray
    grad: np.ndarray | None


def _array(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch.Tensor
        x = x.detach().cpu().numpy()
    elif hasattr(x, "requires_grad") and hasattr(x, "data"):  # an autodiff Tensor grad
        x = x.data
    return np.array(x, dtype=float if np.asarray(x).dtype == object else None)


def comparable(x: Any) -> Any:
    """``x`` as numbers to compare, or None for what is not compared (modules, functions).

    Numbers, arrays and tensors (autodiff, numpy, torch) become :class:`Arr` of their data
    and gradient; a Value (autodiff or micrograd) its ``data`` and ``grad``; a model its
    parameters in order; an optimizer or a scheduler its learning rates; lists of numbers
    one array; other lists, tuples and dicts their items; strings themselves.
    """
    if isinstance(x, type) or inspect.ismodule(x) or inspect.isroutine(x):
        return None
    if isinstance(x, (bool, int, float, complex, np.number, np.bool_, np.ndarray)):
        return Arr(np.asarray(x), None)
    if isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        items = [comparable(v) for v in x]
        if any(v is None for v in items):
            return None
        if items and all(isinstance(v, Arr) and v.grad is None for v in items):
            try:  # numbers, or arrays of one shape: one array, as a tensor of them would be
                return Arr(np.array([v.data for v in items]), None)
            except ValueError:
                pass
        return tuple(items)
    if isinstance(x, dict):
        items = {k: comparable(v) for k, v in x.items()}
        return None if any(v is None for v in items.values()) else items
    kind = type(x).__name__
    if kind in ("Tensor", "Parameter"):
        # torch warns on reading .grad of an interior tensor that does not keep it
        kept = getattr(x, "is_leaf", True) or getattr(x, "retains_grad", True)
        return Arr(_array(x.data if hasattr(x, "requires_grad") else x),
                   _array(x.grad) if kept else None)
    if kind == "Value" and hasattr(x, "grad"):
        return Arr(np.asarray(float(x.data)), np.asarray(float(x.grad)))
    if callable(getattr(x, "get_last_lr", None)):
        return tuple(Arr(np.asarray(lr), None) for lr in x.get_last_lr())
    if hasattr(x, "param_groups"):
        return tuple(Arr(np.asarray(g["lr"]), None) for g in x.param_groups)
    if callable(getattr(x, "parameters", None)) and not isinstance(x, type):
        return tuple(comparable(p) for p in x.parameters())
    return None


def same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """Whether two ``comparable`` results agree; a gradient of None counts as zeros."""
    if isinstance(a, Arr) and isinstance(b, Arr):
        if a.data.shape != b.data.shape:
            return False
        if not np.allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=True):
            return False
        if a.grad is None and b.grad is None:
            return True
        ga = np.zeros(a.data.shape) if a.grad is None else a.grad
        gb = np.zeros(b.data.shape) if b.grad is None else b.grad
        return ga.shape == gb.shape and np.allclose(ga, gb, rtol=rtol, atol=atol, equal_nan=True)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rtol, atol) for k in a)
    return type(a) is type(b) and a == b


def _run(code: str, namespace: dict[str, Any], where: str) -> None:
    try:
        expression = compile(code, where, "eval")
    except SyntaxError:
        exec(compile(code, where, "exec"), namespace)  # noqa: S102 - running the sheet
    else:
        namespace["_"] = eval(expression, namespace)  # noqa: S307 - running the sheet


def _align(reference: Any, autodiff: Any) -> None:
    """Give ``reference`` (a model, a tensor or a Value) the numbers of ``autodiff``."""
    if hasattr(autodiff, "parameters") and callable(autodiff.parameters):
        pairs = list(zip(reference.parameters(), autodiff.parameters(), strict=True))
    else:
        pairs = [(reference, autodiff)]
    for ref, ours in pairs:
        if type(ref).__name__ == "Value":
            ref.data = float(ours.data)
            continue
        import torch

        with torch.no_grad():
            ref.copy_(torch.from_numpy(np.asarray(ours.data)))


def _snapshot(namespace: dict[str, Any]) -> dict[str, Any]:
    found = {k: comparable(v) for k, v in namespace.items() if not k.startswith("__")}
    return {k: v for k, v in found.items() if v is not None}


def _public(found: dict[str, Any]) -> dict[str, Any]:
    """The names compared across the sides: ``_`` and those without a leading ``_``."""
    return {k: v for k, v in found.items() if k == "_" or not k.startswith("_")}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [k for k, v in after.items()
            if k not in before or not same(before[k], v, rtol=0.0, atol=0.0)]


def run_table(table: Table, with_reference: bool, rtol: float, atol: float,
              folder: Path | None = None) -> int:
    """Run every row of ``table``; return how many rows were compared with the reference.

    Raises AssertionError naming the row's line and the names that disagree, or a row
    that made or changed nothing comparable.
    """
    import os

    ref_ns: dict[str, Any] = {"__name__": "__cheatsheet__"}
    ours_ns: dict[str, Any] = {"__name__": "__cheatsheet__"}
    previous = Path.cwd()
    if folder is not None:
        os.chdir(folder)
    try:
        if with_reference:
            _run("\n".join(table.setup["reference"]), ref_ns, f"{table.id} setup")
        _run("\n".join(table.setup["autodiff"]), ours_ns, f"{table.id} setup")
        align = " ".join(table.setup["align"]).split()
        compared = 0
        for row in table.rows:
            where = f"{table.page.name}:{row.line}"
            before = _snapshot(ours_ns)
            identities = {k: id(ours_ns.get(k)) for k in align}
            _run(row.autodiff, ours_ns, where)
            after = _snapshot(ours_ns)
            assert _changed(before, after), f"{where}: the row makes nothing to compare"
            if not with_reference or row.reference is None:
                continue
            _run(row.reference, ref_ns, where)
            for name in align:
                if name in ours_ns and id(ours_ns[name]) != identities[name]:
                    _align(ref_ns[name], ours_ns[name])
            theirs, after = _public(_snapshot(ref_ns)), _public(_snapshot(ours_ns))
            common = sorted(set(theirs) & set(after))
            public = _public(dict.fromkeys(_changed(before, after)))
            assert not public or set(public) & set(common), (
                f"{where}: the row changes no name that both sides have")
            wrong = [k for k in common if not same(theirs[k], after[k], rtol, atol)]
            assert not wrong, (f"{where}: {table.titles[0]} and autodiff disagree on "
                               + ", ".join(f"{k}: {theirs[k]!r} vs {after[k]!r}"
                                           for k in wrong))
            compared += 1
        return compared
    finally:
        os.chdir(previous)
