"""Every ```python block of README.md and docs/**/*.md runs as written.

Blocks of one page run in order in one namespace (a block may use what an earlier block on
its page defined), in a temporary working directory of that page, with matplotlib's Agg
backend. Each block is its own test, named ``page:line``. An HTML comment on the line just
before a fence marks the block (the comment renders as nothing, on the forge and on the site):

- ``<!-- not-run: reason -->``: deliberately partial, not run; the reason is required.
- ``<!-- needs: dot -->``: draws with graphviz's ``dot`` (the ``require_dot`` fixture).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!--\s*([\w-]+):(.*?)-->\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([^\s`]*)")
KINDS = ("not-run", "needs")
NEEDS = ("dot",)
MAX_SKIPPED = 3  # deliberately partial blocks, over all pages


@dataclass(frozen=True)
class Block:
    """One fenced Python block: where it is, its code and its markers."""

    page: Path
    line: int  # 1-based line of the opening fence
    code: str
    skip: str | None = None
    needs: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """The page's path, relative to the repository root when it is inside it."""
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return page.as_posix()

    @property
    def id(self) -> str:
        """``page:line``, the test's name."""
        return f"{self.where}:{self.line}"


def parse_blocks(page: Path) -> list[Block]:
    """The ```python blocks of ``page`` in order, with the markers just above each fence.

    Raises ValueError for a marker of an unknown kind, a ``not-run`` without a reason, an
    unknown ``needs``, or a fence that is never closed.
    """
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, lang, start = opening.group(1), opening.group(2).lower(), i
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].startswith(fence[0] * len(fence))
                    and not lines[j].strip(fence[0]).strip()), None)
        if end is None:
            raise ValueError(f"{page}:{start + 1}: code fence never closed")
        if lang in ("python", "py"):
            skip, needs = _markers(page, lines, start)
            blocks.append(Block(page, start + 1, "\n".join(lines[start + 1:end]) + "\n",
                                skip, needs))
        i = end + 1
    return blocks


def _markers(page: Path, lines: list[str], fence: int) -> tuple[str | None, tuple[str, ...]]:
    """Read the marker comments on the lines right above line index ``fence``."""
    skip: str | None = None
    needs: list[str] = []
    j = fence - 1
    while j >= 0 and (found := MARKER.match(lines[j].strip())):
        kind, text = found.group(1), found.group(2).strip()
        where = f"{page}:{j + 1}"
        if kind not in KINDS:
            raise ValueError(f"{where}: unknown block marker {kind!r}; known: {KINDS}")
        if kind == "not-run":
            if not text:
                raise ValueError(f"{where}: a not-run block needs a reason")
            skip = text
        else:
            for need in text.replace(",", " ").split():
                if need not in NEEDS:
                    raise ValueError(f"{where}: unknown need {need!r}; known: {NEEDS}")
                needs.append(need)
        j -= 1
    return skip, tuple(needs)


def docs_pages() -> list[Path]:
    """README.md and every Markdown page of the documentation site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@dataclass
class PageRun:
    """The state of one page's run: its namespace, its folder and how far it got."""

    blocks: list[Block]
    folder: Path
    namespace: dict[str, Any] = field(default_factory=lambda: {"__name__": "__docs__"})
    done: int = 0
    failed: Block | None = None


def run_block(run: PageRun, index: int, request: pytest.FixtureRequest | None = None) -> None:
    """Run the blocks of ``run`` up to and including ``index``, each once, in order.

    A block that needs ``dot`` asks for the ``require_dot`` fixture (through ``request``), so
    without ``dot`` it and the blocks after it skip, or fail under AUTODIFF_REQUIRE_DOT=1.
    """
    for k in range(run.done, index + 1):
        block = run.blocks[k]
        if run.failed is not None:
            pytest.fail(f"an earlier block of this page failed: {run.failed.id}")
        if block.skip is not None:
            run.done = k + 1
            continue
        if "dot" in block.needs and request is not None:
            request.getfixturevalue("require_dot")
        # blank lines in front, so a traceback names the block's own line on its page
        code = compile("\n" * block.line + block.code, block.where, "exec")
        previous = Path.cwd()
        os.chdir(run.folder)
        try:
            exec(code, run.namespace)  # noqa: S102 - running the documentation is the test
        except BaseException:
            run.failed = block
            raise
        finally:
            os.chdir(previous)
            _close_figures()
        run.done = k + 1


def _close_figures() -> None:
    """Close matplotlib figures a block left open (when matplotlib was imported)."""
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def _collect() -> tuple[list[Block], list[str]]:
    """Every page's blocks, and the pages that do not parse (a test fails on those)."""
    blocks: list[Block] = []
    errors: list[str] = []
    for page in docs_pages():
        try:
            blocks += parse_blocks(page)
        except ValueError as error:
            errors.append(str(error))
    return blocks, errors


BLOCKS, PARSE_ERRORS = _collect()
RUNS: dict[Path, PageRun] = {}


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs(block: Block, request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    if block.skip is not None:
        pytest.skip(f"not-run: {block.skip}")
    if block.page not in RUNS:
        page_blocks = [b for b in BLOCKS if b.page == block.page]
        RUNS[block.page] = PageRun(page_blocks, tmp_path_factory.mktemp(block.page.stem))
    run = RUNS[block.page]
    run_block(run, run.blocks.index(block), request)


def test_every_page_is_parsed_and_the_readme_has_blocks() -> None:
    assert PARSE_ERRORS == []
    pages = docs_pages()
    assert ROOT / "docs" / "index.md" in pages and len(pages) >= 10
    assert sum(b.page.name == "README.md" for b in BLOCKS) >= 2
    assert len(BLOCKS) >= 15


def test_skipped_blocks_have_reasons_and_are_few() -> None:
    skipped = [b for b in BLOCKS if b.skip is not None]
    assert all(b.skip and b.skip.strip() for b in skipped)
    assert len(skipped) <= MAX_SKIPPED, [b.id for b in skipped]


def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_a_broken_block_fails_at_its_line_and_later_blocks_see_earlier_ones(
        tmp_path: Path) -> None:
    page = _page(tmp_path, "# t\n\n```python\nx = 1\n```\n\n<!-- not-run: shows a mistake -->\n"
                           "```python\nraise SystemExit\n```\n\n```python\nassert x == 1\n"
                           "y = undefined_name\n```\n")
    blocks = parse_blocks(page)
    assert [b.line for b in blocks] == [3, 8, 12]
    assert blocks[1].skip == "shows a mistake"
    run = PageRun(blocks, tmp_path)
    run_block(run, 1)
    assert run.namespace["x"] == 1
    with pytest.raises(NameError) as error:
        run_block(run, 2)
    assert error.traceback[-1].lineno + 1 == 14  # the page's line of the bad name
    assert run.failed is blocks[2]


def test_blocks_run_in_their_pages_folder(tmp_path: Path) -> None:
    page = _page(tmp_path, "```python\nopen('written.txt', 'w').write('x')\n```\n")
    folder = tmp_path / "work"
    folder.mkdir()
    run_block(PageRun(parse_blocks(page), folder), 0)
    assert (folder / "written.txt").exists()


@pytest.mark.parametrize("marker", ["<!-- not-run: -->", "<!-- notrun: why -->",
                                    "<!-- needs: latex -->"])
def test_a_bad_marker_is_an_error(tmp_path: Path, marker: str) -> None:
    page = _page(tmp_path, f"{marker}\n```python\npass\n```\n")
    with pytest.raises(ValueError, match="page.md:1"):
        parse_blocks(page)
