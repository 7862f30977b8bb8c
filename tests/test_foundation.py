"""The project's set-up: packaging metadata, the two quick-start commands, CI, require_dot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_declares_both_packages_dependencies_and_extras() -> None:
    tomllib = pytest.importorskip("tomllib")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = meta["project"]
    assert meta["build-system"]["build-backend"] == "setuptools.build_meta"
    assert project["requires-python"] == ">=3.10"
    deps = " ".join(project["dependencies"])
    assert "numpy" in deps and "graphviz" in deps
    extras = project["optional-dependencies"]
    for tool in ("pytest", "hypothesis", "ruff"):
        assert any(tool in d for d in extras["dev"])
    assert any("matplotlib" in d for d in extras["plot"])
    include = meta["tool"]["setuptools"]["packages"]["find"]["include"]
    assert "autodiff" in include and "nn" in include
    assert (ROOT / "autodiff" / "py.typed").exists() and (ROOT / "nn" / "py.typed").exists()


def test_readme_quick_start_is_the_two_make_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]


def test_make_targets_create_the_venv_and_install_dot() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo:", "test:", "dot:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert "ensure_venv.sh" in makefile and "ensure_dot.sh" in makefile
    assert "python examples/house_prices.py" in makefile and "-m pytest" in makefile
    for script in ("ensure_venv.sh", "ensure_dot.sh"):
        assert os.access(ROOT / "scripts" / script, os.X_OK), script


def test_ci_runs_the_readme_test_command_and_requires_dot() -> None:
    ci = ROOT / ".ci" / "run"
    text = ci.read_text()
    assert os.access(ci, os.X_OK)
    assert "set -euo pipefail" in text
    assert "export AUTODIFF_REQUIRE_DOT=1" in text
    assert re.search(r"^make test$", text, re.M)


@pytest.mark.parametrize("require, outcome", [("1", "1 error"), ("", "1 skipped")])
def test_require_dot_fixture_skips_or_fails_without_dot(tmp_path: Path, require: str,
                                                        outcome: str) -> None:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_needs_dot.py").write_text("def test_x(require_dot):\n    pass\n")
    env = {**os.environ, "PATH": str(tmp_path), "AUTODIFF_REQUIRE_DOT": require}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert outcome in proc.stdout, proc.stdout + proc.stderr  # a fixture failure is an error
    assert (proc.returncode != 0) == (require == "1")
