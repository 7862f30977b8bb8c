"""The layout rules, enforced on the source tree (see docs/development.md, Architecture).

No package file of 400 lines or more; no import cycle except the inherent one between
the Tensor class and the op table; ``autodiff`` never imports ``nn``; the gradient
checker never imports the drawing package; imports inside functions only for optional
dependencies; the engine's backward loop knows neither Value's slots nor ``nn``.
"""

from __future__ import annotations

import ast

import pytest
from source_tree import ROOT, Module, cycles, function_level_imports, internal_edges, modules

MAX_LINES = 400
#: the one allowed cycle: Tensor's methods call ops, the ops make Tensors
INHERENT = {"autodiff.tensor", "autodiff.tensor_methods", "autodiff.op", "autodiff.ops"}
#: what may be imported inside a function: optional dependencies only
OPTIONAL = ("graphviz", "matplotlib", "tqdm", "scipy", "sklearn", "autodiff.viz")

FOUND = modules()


def _in_inherent_cycle(name: str) -> bool:
    return name in INHERENT or name.startswith("autodiff.ops.")


def _imports_of(module: Module) -> set[str]:
    return {t for site in module.imports for t in site.targets(FOUND)}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_no_package_file_of_400_lines_or_more(name: str) -> None:
    assert FOUND[name].lines < MAX_LINES, f"{FOUND[name].path}: {FOUND[name].lines} lines"


def test_no_import_cycle_but_the_tensor_and_ops_one() -> None:
    found = cycles(internal_edges(FOUND))
    others = [c for c in found if not all(_in_inherent_cycle(m) for m in c)]
    assert others == [], others
    assert len(found) <= 1


def test_autodiff_never_imports_nn() -> None:
    offenders = {m.name: sorted(t for t in _imports_of(m) if t == "nn" or t.startswith("nn."))
                 for m in FOUND.values() if m.name.startswith("autodiff")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_never_imports_viz() -> None:
    checker = [m for m in FOUND.values() if m.name.startswith("autodiff.check")]
    assert checker, "autodiff.check not found"
    for m in checker:
        assert not {t for t in _imports_of(m) if t.startswith("autodiff.viz")}, m.name


def test_imports_inside_functions_are_for_optional_dependencies_only() -> None:
    inner = [(m, line, target) for m, line, target in function_level_imports(FOUND)
             if not target.startswith(OPTIONAL)]
    assert inner == [], inner


def test_the_backward_loop_knows_neither_value_slots_nor_nn() -> None:
    tree = ast.parse((ROOT / "autodiff" / "engine.py").read_text())
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not attributes & {"_a", "_b", "_da", "_db", "_mark"}, attributes
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "Value" not in names
    imported = {t for site in FOUND["autodiff.engine"].imports for t in site.targets(FOUND)}
    assert not {t for t in imported if t == "nn" or t.startswith("nn.")}, imported
    assert "nn" not in (ROOT / "autodiff" / "engine.py").read_text().split()


def test_the_rules_see_a_cycle_and_a_function_level_import(tmp_path: pytest.TempPathFactory,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader itself can fail: two modules importing each other, one inside a function."""
    import source_tree

    package = tmp_path / "autodiff"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from . import a\n    return a\n")
    monkeypatch.setattr(source_tree, "ROOT", tmp_path)
    monkeypatch.setattr(source_tree, "PACKAGES", ("autodiff",))
    found = source_tree.modules()
    assert source_tree.cycles(source_tree.internal_edges(found)) == [["autodiff.a", "autodiff.b"]]
    assert source_tree.function_level_imports(found) == [("autodiff.b", 2, "autodiff")]


def test_a_cycle_through_a_package_init_is_seen(tmp_path: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """x.a imports y.b; y/__init__ imports y.c, which imports x: importing x fails."""
    import source_tree

    for package, files in {"x": {"__init__.py": "from . import a\n", "a.py": "from y import b\n"},
                           "y": {"__init__.py": "from . import c\n", "b.py": "",
                                 "c.py": "import x\n"}}.items():
        (tmp_path / package).mkdir()
        for file, text in files.items():
            (tmp_path / package / file).write_text(text)
    monkeypatch.setattr(source_tree, "ROOT", tmp_path)
    monkeypatch.setattr(source_tree, "PACKAGES", ("x", "y"))
    found = source_tree.modules()
    assert source_tree.cycles(source_tree.internal_edges(found)) == [["x", "x.a", "y", "y.c"]]
