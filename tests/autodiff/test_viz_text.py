"""Any text in a label gives valid DOT and well-formed SVG: escaped or cut, never broken."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autodiff as ad
from autodiff.value import Value
from autodiff.viz import render, to_dot
from autodiff.viz.text import MAX_TEXT, clean

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)  # raises ParseError on SVG that is not well-formed
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def dot_accepts(src: str, dot: str) -> subprocess.CompletedProcess:
    return subprocess.run([dot, "-Tsvg"], input=src.encode("utf-8"), capture_output=True,
                          check=False)


CONTROLS = "".join(chr(c) for c in range(1, 32) if c != 10) + "\x7f\x85"


def test_clean_escapes_what_xml_and_utf8_cannot_hold() -> None:
    assert clean("plain name") == "plain name"
    assert clean("a\x00b") == "a\\x00b"
    assert clean("tab\there") == "tab\\there"
    assert clean("line\nbreak") == "line\nbreak"  # stays a line break
    assert clean("\ud800x") == "\\ud800x"
    assert clean("\ufffe\uffff") == "\\ufffe\\uffff"
    assert clean("é ∑ 中") == "é ∑ 中"  # ordinary non-ASCII is kept
    for c in CONTROLS:
        assert len(clean(c)) > 1 and clean(c).startswith("\\")
    long = "x" * (MAX_TEXT + 500)
    assert clean(long) == "x" * MAX_TEXT + f"... ({MAX_TEXT + 500:,} characters)"
    assert clean(long, None) == long


def test_control_characters_give_well_formed_svg(tmp_path, require_dot) -> None:
    a = Value(1.0, label="in" + CONTROLS + "put")
    t = ad.tensor([1.0, 2.0], requires_grad=True, name="bell\x07")
    out = [a * 2.0, (t * 3.0).sum()]
    path = render(out, tmp_path / "controls.svg", title="title\x1b[0m")
    texts = svg_texts(path.read_bytes())
    assert any(s.startswith("in\\x01\\x02") and s.endswith("put") for s in texts)
    assert "bell\\x07" in texts and "title\\x1b[0m" in texts


def test_a_nul_gives_valid_dot(require_dot) -> None:
    a = Value(1.0, label="nul\x00here")
    src = to_dot(a * 2.0, title="and\x00title")
    assert "\x00" not in src
    result = dot_accepts(src, require_dot)
    assert result.returncode == 0, result.stderr
    assert "nul\\x00here" in svg_texts(result.stdout)


def test_a_lone_surrogate_renders(tmp_path, require_dot) -> None:
    a = Value(1.0, label="half\ud83d")
    op = ad.Op("sq\udc00", forward=lambda x: x * x, vjps=(lambda g, out, x: g * 2.0 * x,))
    t = ad.tensor(np.ones(2), requires_grad=True, name="t")
    path = render([a * 2.0, op(t).sum()], tmp_path / "surrogate.svg")
    texts = svg_texts(path.read_bytes())
    assert "half\\ud83d" in texts and "sq\\udc00" in texts


def test_labels_over_16384_characters_are_cut_and_render(tmp_path, require_dot) -> None:
    name = "n" * 20_000
    a = Value(1.0, label=name)
    src = to_dot(a * 2.0, title="t" * 30_000)
    assert name not in src and "... (20,000 characters)" in src
    assert "... (30,000 characters)" in src
    result = dot_accepts(src, require_dot)
    assert result.returncode == 0, result.stderr
    path = render(a * 2.0, tmp_path / "long.svg")
    cut = "n" * MAX_TEXT + "... (20,000 characters)"
    assert cut in svg_texts(path.read_bytes())


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\ud800", "\uffff"])
def test_every_unsafe_character_is_visible_in_the_dot_text(char: str) -> None:
    src = to_dot(Value(1.0, label=f"<{char}>") * 2.0)
    assert char not in src
    assert clean(char) in src.replace("\\\\", "\\")
