"""to_dot / draw_dot on Value and Tensor graphs: node and edge counts, labels, options."""

from __future__ import annotations

import re
from collections import Counter

import graphviz
import numpy as np
import pytest
from micrograd_expression import readme_expression

import autodiff as ad
from autodiff.value import Value
from autodiff.viz import draw_dot, to_dot
from autodiff.viz.cli import main as cli_main

NODE = re.compile(r"^\s*(n\d+o?|g\d+|legend) \[(.*)\]$")
EDGE = re.compile(r"^\s*(\S+) -> (\S+)$")
LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def parse(src: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node id -> attribute text, and the edges, of a DOT source written by to_dot."""
    nodes, edges = {}, []
    for line in src.splitlines():
        if m := NODE.match(line):
            nodes[m.group(1)] = m.group(2)
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def label(attrs: str) -> str:
    return LABEL.search(attrs).group(1)


def all_values(root: Value) -> list[Value]:
    """Every node reachable from root (a plain stack walk, independent of the library)."""
    seen, out, stack = set(), [], [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        stack.extend(v._prev)
    return out


def test_readme_expression_has_the_expected_nodes_edges_and_values() -> None:
    a, b, g = readme_expression()
    nodes, edges = parse(to_dot(g))
    # 2 leaves + 25 op results (counted by hand from the expression: 14 binary ops, 11
    # with one Value operand); each op result adds an op node
    assert sum(1 for k in nodes if not k.endswith("o")) == 27
    assert sum(1 for k in nodes if k.endswith("o")) == 25
    # one edge per operand (14 * 2 + 11) plus one edge op -> result per op
    assert len(edges) == 14 * 2 + 11 + 25 == 64
    labels = [label(v) for v in nodes.values()]
    assert "{ a | data -4.0000 | grad 138.8338 }" in labels
    assert "{ b | data 2.0000 | grad 645.5773 }" in labels
    assert "{ data 24.7041 | grad 1.0000 }" in labels


def test_every_value_label_carries_its_data_grad_and_op() -> None:
    _, _, g = readme_expression()
    values = all_values(g)
    nodes, _ = parse(to_dot(g))
    records = Counter(label(v) for k, v in nodes.items() if not k.endswith("o"))
    expected = Counter(
        "{ " + (f"{v.label} | " if v.label else "") + f"data {v.data:.4f} | grad {v.grad:.4f} }}"
        for v in values
    )
    assert records == expected
    ops = Counter(label(v) for k, v in nodes.items() if k.endswith("o"))
    assert ops == Counter(v._op for v in values if v._op)


def test_every_edge_joins_declared_nodes_and_ops_feed_their_result() -> None:
    _, _, g = readme_expression()
    nodes, edges = parse(to_dot(g))
    for src, dst in edges:
        assert src in nodes and dst in nodes
        if src.endswith("o"):
            assert dst == src[:-1]
        else:
            assert dst.endswith("o")


def test_show_data_show_grad_and_rankdir() -> None:
    _, _, g = readme_expression()
    src = to_dot(g, show_data=False, rankdir="TB")
    assert "rankdir=TB" in src and "data " not in src and "grad 138.8338" in src
    src = to_dot(g, show_grad=False)
    assert "grad " not in src and "data 24.7041" in src


def test_bad_arguments_raise_naming_the_function() -> None:
    _, _, g = readme_expression()
    with pytest.raises(ValueError, match="to_dot: rankdir"):
        to_dot(g, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(g, max_nodes=3)
    with pytest.raises(TypeError, match="expected a Value or Tensor"):
        to_dot([1.0, 2.0])
    with pytest.raises(ValueError, match="draw_dot: format"):
        draw_dot(g, format="bmpx")
    with pytest.raises(TypeError, match="params"):
        to_dot(g, params=[1.0])


def test_draw_dot_returns_a_digraph_with_the_same_source() -> None:
    _, _, g = readme_expression()
    dot = draw_dot(g, format="png")
    assert isinstance(dot, graphviz.Digraph)
    assert dot.format == "png"
    assert dot.source == to_dot(g)


def test_params_names_and_styles_parameters_and_output() -> None:
    w = Value(0.5)
    x = Value(2.0, label="x")
    y = (w * x).tanh()
    nodes, _ = parse(to_dot(y, params={"weight": w}))
    by_label = {label(v).split(" | ")[0].strip("{ "): v for v in nodes.values()}
    assert "fillcolor=\"#dbe9f6\"" in by_label["weight"]  # the parameter
    assert "#dbe9f6" not in by_label["x"]  # an input is not a parameter
    root = [v for k, v in nodes.items() if "peripheries=2" in v]
    assert len(root) == 1 and f"data {np.tanh(1.0):.4f}" in label(root[0])


def test_a_100k_node_chain_is_drawn_without_recursion() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    nodes, edges = parse(to_dot(y, max_nodes=None))
    assert len(nodes) == 1 + 2 * 100_000 and len(edges) == 2 * 100_000
    nodes, _ = parse(to_dot(y))  # default max_nodes: collapsed
    assert len(nodes) <= 300


def test_tensor_records_show_name_shape_dtype_and_summaries() -> None:
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.normal(size=(4, 3)), name="x")
    w = ad.Tensor(rng.normal(size=(3, 2)).astype(np.float32), requires_grad=True, name="W")
    b = ad.tensor([0.5, -0.5], requires_grad=True, name="b")
    h = (x @ w.astype(np.float64) + b).relu()
    loss = (h * 2).sum(axis=1).mean()
    loss.backward()
    src = to_dot(loss)
    nodes, _ = parse(src)
    labels = {k: label(v) for k, v in nodes.items()}
    assert any(t.startswith("{ x | (4, 3) float64 | data mean ") for t in labels.values())
    assert any(t.startswith("{ W | (3, 2) float32 | ") for t in labels.values())
    b_label = next(t for t in labels.values() if t.startswith("{ b |"))
    g0, g1 = 2 * 0.25 * (h.data > 0).sum(axis=0)  # d mean(sum(2 relu(.), 1)) / d b
    assert b_label == f"{{ b | (2,) float64 | data [0.5000, -0.5000] | grad [{g0:.4f}, {g1:.4f}] }}"
    assert any(t.startswith("{ (4, 2) float64 |") for t in labels.values())
    assert any(t.startswith("{ () float64 | data ") for t in labels.values())
    ops = {t for k, t in labels.items() if k.endswith("o")}
    assert {"matmul", "+", "relu", "* 2", "sum\\naxis=1", "mean"} <= ops
    params = [label(v) for v in nodes.values() if "#dbe9f6" in v]
    assert sorted(p.split(" | ")[0] for p in params) == ["{ W", "{ b"]


def test_tensor_summary_mean_min_max_are_right() -> None:
    t = ad.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, name="t")
    (t * t).sum().backward()
    nodes, _ = parse(to_dot(t))
    assert label(nodes["n0"]) == ("{ t | (3, 4) float64 | data mean 5.5000, min 0.0000, "
                                  "max 11.0000 | grad mean 11.0000, min 0.0000, max 22.0000 }")


def test_multiple_roots_and_shared_nodes_are_drawn_once() -> None:
    a = Value(1.0, label="a")
    b = a * 2.0
    c = b + a
    d = b.relu()
    nodes, edges = parse(to_dot([c, d]))
    assert sum(1 for k in nodes if not k.endswith("o")) == 4
    assert sum("peripheries=2" in v for v in nodes.values()) == 2


def test_cli_writes_dot_text_and_reports_bad_targets(tmp_path, capsys) -> None:
    script = tmp_path / "graph_fn.py"
    script.write_text(
        "from autodiff import Value\n"
        "def neuron():\n"
        "    x, w = Value(2.0, label='x'), Value(-3.0, label='w')\n"
        "    return (x * w).relu()\n"
        "if __name__ == '__main__':\n"
        "    raise SystemExit('the main block must not run')\n"
    )
    out = tmp_path / "g.dot"
    assert cli_main([f"{script}:neuron", "-o", str(out), "--backward"]) == 0
    src = out.read_text()
    assert "{ x | data 2.0000 | grad 0.0000 }" in src and "ReLU" in src
    assert cli_main([f"{script}:neuron", "-o", "-", "--no-grad"]) == 0
    assert "grad" not in capsys.readouterr().out.split("edge [")[1]
    with pytest.raises(SystemExit) as info:
        cli_main([f"{script}:missing"])
    assert info.value.code == 2
    assert "no function 'missing'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["no_colon_here"])
    for output in ("-", str(tmp_path / "small.dot")):  # a usage error, not a traceback
        with pytest.raises(SystemExit) as info:
            cli_main([f"{script}:neuron", "-o", output, "--max-nodes", "5"])
        assert info.value.code == 2 and "max_nodes must be" in capsys.readouterr().err


def test_creation_sites_become_tooltips() -> None:
    x = ad.tensor([1.0, 2.0], requires_grad=True, name="x")
    with ad.detect_anomaly():
        y = x * 2.0
    nodes, _ = parse(to_dot(y))
    assert "test_viz.py" in nodes["n1"] and "tooltip=" in nodes["n1"]
    assert "tooltip=" not in nodes["n0"]  # a leaf has no creation site


def test_cli_accepts_module_function_and_output_model_pairs(tmp_path, monkeypatch,
                                                          capsys) -> None:
    (tmp_path / "viz_cli_target.py").write_text(
        "import nn\n"
        "from autodiff import Value\n"
        "def grouped():\n"
        "    model = nn.MLP(2, [2, 1], rng=0)\n"
        "    return model([Value(1.0), Value(2.0)]), model\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli_main(["viz_cli_target:grouped", "-o", "-", "--rankdir", "TB"]) == 0
    src = capsys.readouterr().out
    assert "rankdir=TB" in src and 'label="layers.0: Layer"' in src
