"""The checker's public paths: what docs/guide/gradcheck.md calls resolves as written."""

from __future__ import annotations

import importlib
import re
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autodiff as ad

ROOT = Path(__file__).resolve().parent.parent.parent
CHECK_DIR = ROOT / "autodiff" / "check"


def _gradcheck_section() -> str:
    return (ROOT / "docs" / "guide" / "gradcheck.md").read_text()


def _resolve(dotted: str) -> Any:
    """Look ``dotted`` up as user code does: attribute access from the ``autodiff`` package,
    importing a submodule only where no attribute of that name exists (``import a.b``)."""
    parts = dotted.split(".")
    obj: Any = ad
    for k, part in enumerate(parts[1:], 1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif isinstance(obj, types.ModuleType):
            obj = importlib.import_module(".".join(["autodiff", *parts[1:k + 1]]))
        else:
            raise AttributeError(f"{dotted}: {'.'.join(parts[:k])} has no attribute {part!r}")
    return obj


def test_the_guides_call_that_returns_the_report_works_as_written() -> None:
    # the guide: "`autodiff.check.gradcheck_report(...)` returns the report object itself"
    found = re.search(r"`((?:ad|autodiff)\.[\w.]+)\(\.\.\.\)` returns the report object itself",
                      _gradcheck_section())
    assert found is not None, "the guide no longer names the call that returns the report"
    gradcheck_report = _resolve(found.group(1))
    cube = ad.Op("cube", lambda a: a ** 3, (lambda g, out, a: 3.0 * g * a,))  # the guide's bug
    x = ad.Tensor([[0.5, -1.0], [2.0, 1.5]], requires_grad=True, name="x")
    report = gradcheck_report(lambda x: cube(x).sum(), [x])
    assert isinstance(report, ad.check.GradcheckReport) and not report
    assert str(report).startswith("gradcheck failed: 4 of 4 Jacobian entries out of tolerance")
    good = gradcheck_report(lambda x: (x ** 3).sum(), [x])
    assert good and str(good).startswith("gradcheck passed")


def test_every_checker_name_in_the_guide_resolves() -> None:
    names = sorted(set(re.findall(r"\b(?:ad|autodiff)(?:\.[A-Za-z_]\w*)+", _gradcheck_section())))
    for name in names:
        _resolve("autodiff" + name[name.index("."):])


def test_top_level_names_are_the_checkers_functions() -> None:
    for name in ("gradcheck", "gradgradcheck", "numerical_grad", "diagnose", "GradcheckError"):
        assert getattr(ad, name) is getattr(ad.check, name), name
        assert not isinstance(getattr(ad, name), types.ModuleType), name
    with pytest.raises(ad.GradcheckError) as error:
        ad.gradcheck(lambda x: ad.Op("neg", lambda a: a, (lambda g, out, a: -g,))(x).sum(),
                     [ad.Tensor(np.ones(2), requires_grad=True)])
    assert isinstance(error.value.report, ad.check.GradcheckReport)


def test_no_checker_module_is_hidden_by_a_function_of_the_same_name() -> None:
    modules = sorted(p.stem for p in CHECK_DIR.glob("*.py") if p.stem != "__init__")
    assert {"numeric", "slots", "compare", "report", "checks"} <= set(modules)
    for name in modules:
        module = getattr(ad.check, name, None) or importlib.import_module(f"autodiff.check.{name}")
        assert isinstance(module, types.ModuleType), f"autodiff.check.{name} is {module!r}"
