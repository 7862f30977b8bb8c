"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the others alone."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(text: str, heading: str, path: Path = RESULTS) -> None:
    """Replace the section that starts with ``heading`` by ``text`` (append it if absent).

    The file is rewritten through a temporary file and a rename, so a failure leaves the
    previous RESULTS.md intact. Prints the path written.
    """
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find(heading)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(heading))
        new = old[:start] + text + ("" if nxt < 0 else "\n" + old[nxt + 1:])
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new)
    tmp.replace(path)
    print(f"wrote {path}")
