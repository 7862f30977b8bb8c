"""The op catalogue is complete and is what every op test, the fuzz and ``graphs()`` read.

Adding an op takes two places: its entry in ``autodiff/ops/<kind>.py`` and its spec in
``autodiff/testing/opinfo/<kind>.py``. These tests prove it with a throwaway op added in
exactly those two places (``throwaway_op.py``).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import Value, ops
from autodiff.testing.opinfo import SPECS, catalogue_gaps

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: the op tests that must pick a new op up (first and second order, gradcheck, float32
#: through backward and through grad), with how many tests each runs per op
CONSUMERS = {"tests/autodiff/test_ops_vjp.py": 1, "tests/autodiff/test_ops_second_order.py": 1,
             "tests/autodiff/test_gradcheck_ops.py": 1, "tests/autodiff/test_tensor_dtypes.py": 2}
#: run with the throwaway op loaded: graphs() and the fuzz builder must draw it
DRAWN_CHECK = """
import numpy as np, throwaway_op
from autodiff.testing import GRAPH_OPS
from autodiff.testing.fuzz import Builder, numpy_picker
assert throwaway_op.NAME in GRAPH_OPS, sorted(GRAPH_OPS)
rng = np.random.default_rng(0)
graph = Builder(numpy_picker(rng), rng).build(200, [throwaway_op.NAME, "mul"])
assert throwaway_op.NAME in graph.ops, graph
print("drawn")
"""


def _env(bug: bool = False) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]),
                THROWAWAY_BUG="1" if bug else "0")


def _run_with_throwaway(*args: str, bug: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "throwaway_op", "-q", "-p", "no:cacheprovider",
         "-k", "softsign_throwaway", *args], cwd=ROOT, env=_env(bug), capture_output=True,
        text=True, timeout=600)


def test_every_differentiable_op_has_a_spec_and_every_spec_an_op() -> None:
    missing, unknown = catalogue_gaps()
    assert missing == [] and unknown == []
    assert set(SPECS) == {n for n, op in ops.REGISTRY.items() if op.differentiable}


def test_an_op_without_a_spec_is_reported() -> None:
    name = "unspecified_probe"
    ops.register(name, np.negative, lambda g, out, a: -g)
    try:
        assert catalogue_gaps()[0] == [name]
    finally:
        del ops.REGISTRY[name]


def test_a_throwaway_op_in_two_places_reaches_every_consumer() -> None:
    """Registered in the op table and the catalogue, the op is tested by every consumer."""
    done = _run_with_throwaway(*CONSUMERS)
    assert done.returncode == 0, done.stdout + done.stderr
    passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
    assert passed == sum(CONSUMERS.values()), done.stdout
    drawn = subprocess.run([sys.executable, "-c", DRAWN_CHECK], cwd=ROOT, env=_env(),
                           capture_output=True, text=True, timeout=600)
    assert drawn.stdout.strip() == "drawn", drawn.stdout + drawn.stderr


def test_a_wrong_vjp_of_the_throwaway_op_is_caught_by_each_gradient_consumer() -> None:
    done = _run_with_throwaway(*list(CONSUMERS)[:3], bug=True)
    failed = re.search(r"(\d+) failed", done.stdout)
    assert failed is not None and int(failed.group(1)) == 3, done.stdout + done.stderr


# ------------------------------------------------------------------------------ Value ops

VALUE_SPECS = sorted(n for n, s in SPECS.items() if s.value is not None)
#: Value methods that are not ops of their own: the backward pass, and aliases of spec'd ops
NOT_OPS = {"backward"}


def test_every_value_operation_names_a_spec() -> None:
    methods = {n for n, v in vars(Value).items() if not n.startswith("_") and callable(v)}
    named = {SPECS[n].value for n in VALUE_SPECS}
    assert methods - NOT_OPS <= named, sorted(methods - NOT_OPS - named)
    for n in VALUE_SPECS:
        assert callable(getattr(Value, SPECS[n].value)), n


@pytest.mark.parametrize("name", VALUE_SPECS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_value_agrees_with_the_tensor_op_element_by_element(name: str,
                                                            data: st.DataObject) -> None:
    """The spec's own call, on Values and on 0-d Tensors: same values, same gradients."""
    sample = SPECS[name].sample(data)
    arrays = np.broadcast_arrays(*sample.arrays)
    for index in list(np.ndindex(arrays[0].shape))[:6]:
        points = [float(a[index]) for a in arrays]
        values = [Value(p) for p in points]
        out_v = sample.call(*values)
        out_v.backward()
        tensors = [ad.Tensor(np.float64(p), requires_grad=True) for p in points]
        out_t = sample.call(*tensors)
        out_t.backward()
        assert math.isclose(out_v.data, out_t.item(), rel_tol=1e-12, abs_tol=1e-12)
        for v, t in zip(values, tensors):
            assert math.isclose(v.grad, float(t.grad), rel_tol=1e-9, abs_tol=1e-12), (name, points)
