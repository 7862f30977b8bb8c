"""Every row of the cheat sheets runs, and agrees with micrograd or PyTorch where they exist.

The table format and the comparison are in ``cheatsheet.py``. micrograd
(``micrograd==0.1.0``, the dev extra) and torch (CI installs 2.13.0, CPU) are optional:
without one, that sheet's autodiff side still runs row by row, and the comparison is
skipped (or fails under ``AUTODIFF_REQUIRE_MICROGRAD=1`` / ``AUTODIFF_REQUIRE_TORCH=1``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from cheatsheet import NONE, Row, Table, comparable, parse_tables, run_table, same

ROOT = Path(__file__).resolve().parents[2]
SHEETS = ROOT / "docs" / "cheatsheets"
#: the page, the module its left column needs, its title, and the tolerance (rtol, atol)
REFERENCES = {"micrograd.md": ("micrograd", "micrograd", 1e-12, 1e-12),
              "pytorch.md": ("torch", "PyTorch", 1e-5, 1e-6)}

#: how to install each reference (torch is never a dependency: the CPU build is enough)
INSTALL = {"micrograd": "pip install -e '.[dev]'", "torch": "pip install torch"}

TABLES = [t for page in sorted(SHEETS.glob("*.md")) for t in parse_tables(page)]


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("table", TABLES, ids=[t.id for t in TABLES])
def test_every_row_runs_and_agrees_with_the_reference(
        table: Table, tmp_path: Path) -> None:
    module, title, rtol, atol = REFERENCES[table.page.name]
    assert table.titles == (title, "autodiff")
    with_reference = _has(module)
    compared = run_table(table, with_reference, rtol, atol, tmp_path)
    if with_reference:
        assert compared == sum(r.reference is not None for r in table.rows)
    elif os.environ.get(f"AUTODIFF_REQUIRE_{module.upper()}") == "1":
        how = INSTALL[module]
        pytest.fail(f"{module} is not installed but AUTODIFF_REQUIRE_{module.upper()}=1; "
                    f"install it: {how}")
    else:
        pytest.skip(f"{module} is not installed: autodiff's side ran, without a comparison")


def test_both_sheets_exist_and_most_rows_have_a_reference() -> None:
    pages = sorted(p.name for p in SHEETS.glob("*.md"))
    assert pages == sorted(REFERENCES)
    for page in pages:
        rows = [r for t in TABLES if t.page.name == page for r in t.rows]
        assert len(rows) >= 30, page
        assert sum(r.reference is None for r in rows) <= len(rows) // 4, page


def _table(tmp_path: Path, rows: str, setup: str = "reference: x = 2.0\nautodiff: x = 2.0"
           ) -> Table:
    page = tmp_path / "pytorch.md"
    page.write_text(f"# t\n\n<!-- cheatsheet\n{setup}\n-->\n\n| PyTorch | autodiff |\n"
                    f"| --- | --- |\n{rows}")
    (table,) = parse_tables(page)
    return table


def test_a_row_that_disagrees_fails_at_its_line(tmp_path: Path) -> None:
    table = _table(tmp_path, "| `y = x * 2` | `y = x * 2` |\n| `z = x + 1` | `z = x + 1.5` |\n")
    assert table.rows[0] == Row(10, "y = x * 2", "y = x * 2")
    with pytest.raises(AssertionError, match=r"pytorch.md:11: .* z: "):
        run_table(table, True, 1e-9, 1e-9)


def test_a_row_that_makes_nothing_to_compare_fails(tmp_path: Path) -> None:
    table = _table(tmp_path, "| `import math` | `import math` |\n")
    with pytest.raises(AssertionError, match="makes nothing to compare"):
        run_table(table, True, 1e-9, 1e-9)
    table = _table(tmp_path, "| `a = 1.0` | `b = 1.0` |\n")
    with pytest.raises(AssertionError, match="changes no name that both sides have"):
        run_table(table, True, 1e-9, 1e-9)


def test_a_row_without_reference_runs_alone_and_expressions_bind_underscore(
        tmp_path: Path) -> None:
    table = _table(tmp_path, f"| {NONE} | `x * 3` |\n| `x + 1` | `x + 1` |\n")
    assert table.rows[0].reference is None
    assert run_table(table, True, 1e-9, 1e-9) == 1
    with pytest.raises(AssertionError, match="_: "):
        run_table(_table(tmp_path, "| `x + 1` | `x + 2` |\n"), True, 1e-9, 1e-9)


def test_gradients_are_compared_and_align_copies_autodiff_numbers(tmp_path: Path) -> None:
    import autodiff as ad

    a, b = ad.Value(1.0), ad.Value(1.0)
    a.grad = 2.0
    assert not same(comparable(a), comparable(b), 1e-9, 1e-9)
    assert same(comparable([ad.tensor([1.0, 2.0])]), comparable([[1.0, 2.0]]), 1e-9, 1e-9)
    assert comparable(ad) is None and comparable(ad.Value) is None
    setup = ("reference: import autodiff as ad\nautodiff: import autodiff as ad\n"
             "align: w")
    rows = "| `w = ad.randn(3, rng=1)` | `w = ad.randn(3, rng=2)` |\n"
    table = _table(tmp_path, rows, setup)
    table.setup["align"] = []
    with pytest.raises(AssertionError, match="w: "):
        run_table(table, True, 1e-9, 1e-9)


@pytest.mark.parametrize("text, message", [
    ("| a | b |\n| --- | --- |\n", "needs a cheatsheet setup comment"),
    ("<!-- cheatsheet\nreference: x = 1\n-->\n\n| a | b | c |\n| --- | --- | --- |\n",
     "two columns"),
    ("<!-- cheatsheet\nref: x = 1\n-->\n", "setup lines start with"),
    ("<!-- cheatsheet\nautodiff: x = 1\n-->\n\n| a | b |\n| --- | --- |\n| x | `x` |\n",
     "one inline code span"),
])
def test_a_malformed_table_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(text)
    with pytest.raises(ValueError, match=message):
        parse_tables(page)
