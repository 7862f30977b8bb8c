"""benchmarks/micrograd_demo.py: every contender computes the same losses as micrograd's demo.

Two steps on a 20-point slice of the demo's data keep it fast; nothing here times anything.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

for _module, _switch in (("micrograd", "AUTODIFF_REQUIRE_MICROGRAD"),
                         ("sklearn", "AUTODIFF_REQUIRE_DATA")):
    if importlib.util.find_spec(_module) is None:
        if os.environ.get(_switch) == "1":
            raise ImportError(f"{_module} is not installed but {_switch}=1; "
                              "pip install -e '.[dev,data]'")
        pytest.skip(f"{_module} is not installed", allow_module_level=True)

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> tuple[ModuleType, ModuleType]:
    """(demo_engines, micrograd_demo), imported with benchmarks/ on sys.path only meanwhile."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module("demo_engines"), importlib.import_module("micrograd_demo")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_every_contender_gives_the_same_losses_and_accuracies_for_two_steps(bench) -> None:
    engines, demo = bench
    x, y = engines.make_data()
    res = demo.run(engines.contenders(x[:20], y[:20]), steps=2, use_gc=True, progress=False)
    assert {"micrograd 0.1.0", "autodiff.Value", "autodiff Tensor", "numpy floor"} <= set(res)
    worst, same_accuracy = demo.check(res)
    assert worst <= demo.TOLERANCE
    assert same_accuracy
    losses = res["autodiff.Value"]["loss"]
    assert len(losses) == 2 and losses[1] != losses[0]  # the first SGD step moved the weights


def test_the_check_sees_a_contender_that_starts_from_other_weights(bench) -> None:
    engines, demo = bench
    x, y = engines.make_data(20)
    src, other = engines.initial_weights(), engines.initial_weights()
    other.parameters()[0].data += 1e-6
    steps = {"autodiff.Value": engines.value_step(src, x, y),
             "numpy floor": engines.numpy_step(other, x, y)}
    res = demo.run(steps, steps=2, use_gc=False, progress=False)
    assert demo.check(res)[0] > demo.TOLERANCE


def test_the_demo_data_is_make_moons_with_targets_minus_one_and_one(bench) -> None:
    engines, _ = bench
    x, y = engines.make_data()
    assert x.shape == (100, 2) and sorted(set(y.tolist())) == [-1, 1]
    assert engines.learning_rate(0) == 1.0 and engines.learning_rate(50) == pytest.approx(0.55)
