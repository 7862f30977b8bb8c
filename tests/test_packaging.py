"""The distribution: its name, version, licence, what the sdist carries, lazy imports."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import autodiff

ROOT = Path(__file__).resolve().parent.parent


def test_version_and_metadata_files() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", autodiff.__version__)
    assert f"## {autodiff.__version__}" in (ROOT / "CHANGELOG.md").read_text()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    text = (ROOT / "pyproject.toml").read_text()
    assert 'name = "autodiff-nn"' in text and 'license = "MIT"' in text


def test_every_install_hint_names_the_distribution_not_the_unrelated_pypi_package() -> None:
    """``pip install autodiff`` / ``nn`` fetch other projects: no hint may say so."""
    wrong = re.compile(r"pip install ['\"]?(autodiff|nn)(\[|['\"\s]|$)")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in ROOT.glob("**/*")
                 if p.suffix in (".py", ".md") and ".venv" not in p.parts
                 for i, line in enumerate(p.read_text(errors="ignore").splitlines(), 1)
                 if wrong.search(line) and "do not" not in line]
    assert offenders == [], offenders


def test_importing_the_packages_does_not_import_tqdm_or_matplotlib() -> None:
    """tqdm.auto at import time prints 'IProgress not found' in Jupyter."""
    code = "import sys, autodiff, nn; print(sorted(m for m in ('tqdm', 'matplotlib') " \
           "if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(importlib.util.find_spec("build") is None and
                    os.environ.get("AUTODIFF_REQUIRE_BUILD") != "1",
                    reason="the 'build' package (dev extra) is not installed")
def test_the_sdist_carries_the_tests_their_conftest_and_the_examples(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation",
                           "--outdir", str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (sdist,) = tmp_path.glob("autodiff_nn-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        info = tar.extractfile(next(m for m in tar.getmembers()
                                    if m.name.endswith("/PKG-INFO") and m.name.count("/") == 1))
        metadata = info.read().decode()
    for needed in ("tests/conftest.py", "tests/source_tree.py", "tests/autodiff/numeric.py",
                   "examples/house_prices.py", "LICENSE", "CHANGELOG.md", "autodiff/__init__.py",
                   "nn/__init__.py"):
        assert needed in names, needed
    assert not any(".hypothesis" in n or "__pycache__" in n for n in names)
    assert "Name: autodiff-nn" in metadata and f"Version: {autodiff.__version__}" in metadata
    assert "License-File: LICENSE" in metadata
