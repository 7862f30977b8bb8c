"""Read the package source tree: its modules, their imports, import cycles, file sizes.

Used by ``test_source_tree.py`` to enforce the layout rules, and runnable as
``python tests/source_tree.py`` to print the numbers the rules are about.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autodiff", "nn")


@dataclass
class ImportSite:
    """One import statement: the module it names, the names it takes from it, where it is."""

    module: str
    names: tuple[str, ...]
    line: int
    in_function: bool

    def targets(self, known: set[str] | dict) -> set[str]:
        """The modules this statement loads: each ``module.name`` that is a module, else
        ``module`` itself."""
        found = {f"{self.module}.{n}" for n in self.names if f"{self.module}.{n}" in known}
        if len(found) < len(self.names) or not self.names:
            found.add(self.module)
        return found


@dataclass
class Module:
    """One source file of a package, with its dotted name and its imports."""

    name: str
    path: Path
    lines: int
    imports: list[ImportSite] = field(default_factory=list)


def module_name(path: Path) -> str:
    """``autodiff/ops/__init__.py`` -> ``autodiff.ops``; ``nn/io.py`` -> ``nn.io``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[ImportSite]:
    sites: list[ImportSite] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:  # the else branch does run
                    visit(other, in_function)
                continue  # the body is for annotations only: never executed
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                sites.extend(ImportSite(a.name, (), child.lineno, inside) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                sites.append(ImportSite(_absolute(module, is_package, child),
                                        tuple(a.name for a in child.names), child.lineno, inside))
            visit(child, inside)

    visit(tree, False)
    return sites


def modules() -> dict[str, Module]:
    """Every ``.py`` file of the packages, by dotted module name."""
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = module_name(path)
            text = path.read_text()
            tree = ast.parse(text, filename=str(path))
            found[name] = Module(name, path, len(text.splitlines()),
                                 _imports(tree, name, path.name == "__init__.py"))
    return found


def internal_edges(found: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere in the file).

    ``from .a import b`` is an edge to ``a.b`` when that is a module, else to ``a``.
    Importing ``x.y`` also runs ``x/__init__``: that is an edge too, unless the importer
    lives inside ``x`` (a package importing its own children is how packages are built,
    and by then ``x`` is already being imported).
    """
    edges: dict[str, set[str]] = {name: set() for name in found}
    for name, module in found.items():
        for site in module.imports:
            for target in site.targets(found):
                parts = target.split(".")
                ancestors = {".".join(parts[:i]) for i in range(1, len(parts))}
                for t in {target} | ancestors:
                    if t in found and t != name and not name.startswith(t + "."):
                        edges[name].add(t)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def function_level_imports(found: dict[str, Module]) -> list[tuple[str, int, str]]:
    """(module, line, imported module) for every import statement inside a function."""
    return sorted((m.name, s.line, s.module) for m in found.values()
                  for s in m.imports if s.in_function)


def summary() -> str:
    """The numbers: files per package, the largest files, function-level imports, cycles."""
    found = modules()
    lines = []
    for package in PACKAGES:
        count = sum(1 for n in found if n == package or n.startswith(package + "."))
        lines.append(f"{package}: {count} files")
    largest = sorted(found.values(), key=lambda m: -m.lines)[:5]
    lines.append("largest: " + ", ".join(f"{m.path.relative_to(ROOT)} ({m.lines})"
                                         for m in largest))
    inner = function_level_imports(found)
    lines.append(f"function-level imports: {len(inner)}")
    lines.extend(f"  {m}:{line} {target}" for m, line, target in inner)
    found_cycles = cycles(internal_edges(found))
    lines.append(f"import cycles: {len(found_cycles)}")
    lines.extend("  " + " <-> ".join(c) for c in found_cycles)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(summary() + "\n")
