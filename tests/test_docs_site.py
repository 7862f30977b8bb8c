"""The documentation site's set-up: its nav, its API pages, `make docs` and CI.

Building the site itself is `make docs` (mkdocs in strict mode), which `.ci/run` runs; these
tests check, without mkdocs installed, what would make that build or the README go wrong.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def nav_pages() -> list[str]:
    """The page paths (relative to docs/) named in mkdocs.yml's nav."""
    config = (ROOT / "mkdocs.yml").read_text()
    nav = config.split("\nnav:\n", 1)[1]
    return re.findall(r"^\s*- (?:[^:\n]+: )?([\w/.-]+\.md)\s*$", nav, re.M)


def test_the_nav_names_every_page_and_only_pages_that_exist() -> None:
    pages = nav_pages()
    assert "index.md" in pages and len(pages) >= 20
    assert [p for p in pages if not (DOCS / p).is_file()] == []
    present = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert [p for p in present if p not in pages] == []
    assert len(set(pages)) == len(pages)


def test_the_readme_links_to_every_page_but_the_api_reference() -> None:
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\]\((docs/[\w/.-]+\.md)\)", readme))
    wanted = {f"docs/{p}" for p in nav_pages() if not p.startswith("api/") and p != "index.md"}
    assert wanted - linked == set()
    assert "make docs" in readme and "site/index.html" in readme


@pytest.mark.parametrize("page", sorted(p.name for p in (DOCS / "api").glob("*.md")))
def test_every_api_reference_names_an_importable_object(page: str) -> None:
    names = re.findall(r"^::: ([\w.]+)\s*$", (DOCS / "api" / page).read_text(), re.M)
    assert names, f"{page} generates nothing"
    for name in names:
        module, _, attribute = name.rpartition(".")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            assert hasattr(importlib.import_module(module), attribute), name


def test_the_benchmarks_page_includes_the_results_file_instead_of_copying_it() -> None:
    page = (DOCS / "benchmarks.md").read_text()
    assert '--8<-- "benchmarks/RESULTS.md' in page
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    headings = re.findall(r"^##+ .+$", results, re.M)
    assert headings and not any(h in page for h in headings)


def test_make_docs_builds_strictly_and_ci_runs_it_after_the_tests() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    assert "mkdocs build --strict" in recipe and ".docs-installed" in recipe
    assert '-e ".[docs]"' in makefile
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.index("make docs") > ci.index("make test")
    tomllib = pytest.importorskip("tomllib")
    extra = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())
                     ["project"]["optional-dependencies"]["docs"])
    for package in ("mkdocs>=", "mkdocs-material>=", "mkdocstrings[python]>=",
                    "pymdown-extensions>="):
        assert package in extra, package
    assert "site/" in (ROOT / ".gitignore").read_text().splitlines()
