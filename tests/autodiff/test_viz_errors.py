"""The command line and render() report bad input in one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autodiff.value import Value
from autodiff.viz import render, to_dot
from autodiff.viz.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m autodiff.viz ARGS`` in a fresh interpreter, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "autodiff.viz", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


SCRIPTS = {
    "needs_args.py": "from autodiff import Value\n"
                     "def f(x, scale=2.0):\n    return Value(x) * scale\n",
    "broken.py": "from autodiff import Value\ndef f(:\n    return 1\n",
    "raises.py": "from autodiff import Value\n"
                 "def helper():\n    return 1 / 0\n"
                 "def f():\n    return Value(helper())\n",
    "raises_on_load.py": "import json\njson.loads('{')\ndef f():\n    return 1\n",
    "vector.py": "import autodiff as ad\n"
                 "def f():\n    return ad.tensor([1.0, 2.0], requires_grad=True) * 2.0\n",
    "no_grad.py": "import autodiff as ad\ndef f():\n    return ad.tensor([1.0]) * 2.0\n",
    "not_a_graph.py": "def f():\n    return 42\n",
}

CASES = [  # script, extra arguments, words the one-line message must hold
    ("needs_args.py", (), ["needs_args.py:f takes arguments (x)", "def graph(): return f(...)"]),
    ("broken.py", (), ["cannot load", "broken.py", "SyntaxError", "line 2"]),
    ("raises.py", (), ["raises.py:f raised ZeroDivisionError: division by zero",
                       "raises.py:3"]),
    ("raises_on_load.py", (), ["cannot load", "JSONDecodeError", "raises_on_load.py:2"]),
    ("vector.py", ("--backward",), ["--backward needs a one-element output", "shape (2,)",
                                    "out.sum()"]),
    ("no_grad.py", ("--backward",), ["--backward on the output of", "does not require grad"]),
    ("not_a_graph.py", (), ["returned int", "expected a Value or Tensor"]),
]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("viz_cli")
    for name, text in SCRIPTS.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("script, extra, words", CASES, ids=[c[0] + " ".join(c[1])
                                                             for c in CASES])
def test_bad_targets_give_one_line_and_a_nonzero_exit(scripts, script, extra, words) -> None:
    proc = run_cli(f"{script}:f", "-o", "-", *extra, cwd=scripts)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("python -m autodiff.viz: error: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert proc.stdout == ""


def test_main_raises_system_exit_2_in_process(scripts, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main([f"{scripts / 'raises.py'}:f", "-o", "-"])
    assert info.value.code == 2
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_a_function_with_default_arguments_runs(scripts, capsys) -> None:
    (scripts / "defaults.py").write_text(
        "from autodiff import Value\ndef f(x=3.0):\n    w = Value(x)\n    return w * 2.0\n")
    assert cli_main([f"{scripts / 'defaults.py'}:f", "-o", "-"]) == 0
    assert "{ w | data 3.0000" in capsys.readouterr().out  # its local names label the leaves


def test_render_to_an_unwritable_folder_names_the_users_path(tmp_path, monkeypatch) -> None:
    out = Value(1.0) * 2.0
    target = tmp_path / "locked" / "graph.dot"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "locked" / ".graph.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        render(out, target)
    message = str(info.value)
    assert repr(str(target)) in message and ".tmp" not in message
    assert "Permission denied" in message and message.count("render:") == 1


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_render_into_proc_names_the_users_path() -> None:
    with pytest.raises(OSError) as info:
        render(Value(1.0) * 2.0, "/proc/graph.dot")
    assert "'/proc/graph.dot'" in str(info.value) and ".tmp" not in str(info.value)


def test_render_below_a_file_says_the_folder_is_a_file(tmp_path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(OSError, match="is a file, not a folder") as info:
        render(Value(1.0) * 2.0, blocker / "sub" / "g.dot")
    assert str(blocker / "sub" / "g.dot") in str(info.value)


def test_cli_reports_an_unwritable_output_in_one_line(scripts) -> None:
    (scripts / "ok.py").write_text("from autodiff import Value\ndef f():\n"
                                   "    return Value(1.0) * 2.0\n")
    (scripts / "a_file").write_text("")
    proc = run_cli("ok.py:f", "-o", "a_file/g.dot", cwd=scripts)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "a_file/g.dot" in proc.stderr and "is a file, not a folder" in proc.stderr
    assert to_dot(Value(1.0)).startswith("digraph")
