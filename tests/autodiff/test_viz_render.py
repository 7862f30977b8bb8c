"""Rendering with graphviz's dot binary, and the error when it is missing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.value import Value
from autodiff.viz import DotNotFoundError, draw_dot, render, to_dot
from autodiff.viz.cli import main as cli_main

SVG = "{http://www.w3.org/2000/svg}"


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o


def svg_texts(data: bytes | str) -> set[str]:
    root = ET.fromstring(data)
    return {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}


def test_svg_parses_and_contains_every_label(tmp_path, require_dot) -> None:
    o = neuron()
    path = render(o, tmp_path / "neuron.svg")
    texts = svg_texts(path.read_bytes())
    src = to_dot(o)
    fields = set()
    for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', src):
        fields.update(f.strip() for f in label.strip("{} ").split(" | "))
    assert fields <= texts
    assert {"o", "data 0.7071", "grad 1.0000", "w1", "tanh", "+", "*"} <= texts
    assert "grad 0.5000" in texts  # d o / d b = 1 - tanh^2 = 0.5, micrograd's lecture


def test_tensor_and_clustered_svg(tmp_path, require_dot) -> None:
    model = nn.MLP(2, [3, 1], rng=0)
    out = model([Value(1.0, label="x0"), Value(-1.0, label="x1")])
    out.backward()
    svg = draw_dot(out, group_by_module=model, grad_flow=True).pipe(format="svg")
    texts = svg_texts(svg)
    assert {"MLP", "layers.0: Layer", "neurons.2: Neuron", "w.1", "b"} <= texts
    assert "|grad| (log scale)" in texts
    t = ad.tensor(np.ones((2, 3)), requires_grad=True, name="T")
    (t * 3.0).sum().backward()
    texts = svg_texts(draw_dot(t.sum()).pipe(format="svg"))
    assert {"T", "(2, 3) float64", "sum"} <= texts


def test_odd_characters_in_labels_render(tmp_path, require_dot) -> None:
    a = Value(1.0, label='a{b}|<c> "d" \\e')
    path = render(a * 2.0, tmp_path / "odd.svg")
    assert 'a{b}|<c> "d" \\e' in svg_texts(path.read_bytes())


def test_png_pdf_and_digraph_render(tmp_path, require_dot) -> None:
    o = neuron()
    assert render(o, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(o, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert render(o, tmp_path / "noext").name == "noext.svg"
    out = draw_dot(o).render(str(tmp_path / "graph"), format="svg")
    assert out.endswith("graph.svg") and svg_texts(open(out, "rb").read())


def test_notebook_display_is_svg(require_dot) -> None:
    bundle = draw_dot(neuron())._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert {"o", "tanh"} <= svg_texts(bundle["image/svg+xml"].encode())


def test_cli_renders_svg(tmp_path, require_dot, capsys) -> None:
    script = tmp_path / "fn.py"
    script.write_text("from autodiff import Value\n"
                      "def f():\n    return Value(3.0, label='three').tanh()\n")
    out = tmp_path / "cli.svg"
    assert cli_main([f"{script}:f", "-o", str(out), "--backward", "--grad-flow"]) == 0
    assert "three" in svg_texts(out.read_bytes())
    assert str(out) in capsys.readouterr().out


def test_missing_dot_binary_says_how_to_install(tmp_path, monkeypatch, capsys) -> None:
    o = neuron()
    missing = tmp_path / "bin" / "dot"
    with pytest.raises(DotNotFoundError) as info:
        render(o, tmp_path / "g.svg", dot_binary=missing)
    message = str(info.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install" in message and str(missing) in message
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, graphviz.ExecutableNotFound)
    assert not (tmp_path / "g.svg").exists()  # nothing half-written
    monkeypatch.setenv("AUTODIFF_DOT", str(missing))
    with pytest.raises(DotNotFoundError):
        render(o, tmp_path / "g.svg")
    monkeypatch.delenv("AUTODIFF_DOT")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot anywhere on PATH
    with pytest.raises(DotNotFoundError, match="apt-get install graphviz"):
        draw_dot(o).render(str(tmp_path / "graph"), format="svg")
    with pytest.raises(DotNotFoundError, match="brew install graphviz"):
        draw_dot(o).pipe(format="svg")
    assert "digraph" in to_dot(o)  # the DOT text needs no binary
    assert render(o, tmp_path / "g.dot").read_text() == to_dot(o)
    script = tmp_path / "fn.py"
    script.write_text("from autodiff import Value\ndef f():\n    return Value(1.0) * 2.0\n")
    assert cli_main([f"{script}:f", "-o", str(tmp_path / "x.svg")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
