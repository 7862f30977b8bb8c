"""Hypothesis strategies, assertions and the op catalogue, shipped for users' own tests.

Strategies (all draw finite floats, no NaN, inf or subnormals)::

    from autodiff import testing as adt
    adt.arrays(shape=(3, 4))                       # float64 ndarrays
    adt.tensors(shape=(3, 4), elements=(0.1, 5))   # Tensors that require grad
    adt.tensors(away_from=0.0)                     # keep clear of a kink (relu, abs)
    adt.broadcastable_tensors(2)                   # (a, b) with mutually broadcastable shapes
    adt.values(elements=(-2, 2))                   # scalars as Values
    adt.graphs(max_nodes=6)                        # (f, inputs): a random expression over ops

The catalogue (``autodiff.testing.opinfo``) holds one ``OpSpec`` per registered op;
``graphs()`` and the fuzz builder (``autodiff.testing.fuzz``) draw from it, and the
project's own op tests read it.

Assertions::

    adt.assert_grad_close(f, [x, w])               # AssertionError carrying gradcheck's report
    adt.check_op(my_op, shapes=[(3, 4), (4,)], domain=(-2, 2))   # a property test in one line

``elements`` is a ``(low, high)`` pair or a hypothesis float strategy; ``away_from`` is a point or
a sequence of points that drawn values keep at least ``margin`` away from (values closer are
pushed out to the margin). ``shape`` is a tuple, an int, a strategy of tuples, or None for a
random shape of ``min_dims..max_dims`` dimensions with sides ``min_side..max_side``.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - hypothesis is a test-time dependency
    raise ImportError("autodiff.testing needs hypothesis: pip install hypothesis "
                      "(or pip install 'autodiff-nn[dev]'; in a checkout: pip install -e "
                      "'.[dev]')") from error

from .assertions import assert_grad_close, check_op, spec_for_op
from .expressions import GRAPH_OPS, KINK_OPS, Graph, graphs
from .opinfo import SPECS, register_spec
from .spec import Expression, OpSpec, Sample
from .strategies import arrays, broadcastable_tensors, floats, tensors, values

__all__ = [
    "GRAPH_OPS",
    "KINK_OPS",
    "SPECS",
    "Expression",
    "Graph",
    "OpSpec",
    "Sample",
    "arrays",
    "assert_grad_close",
    "broadcastable_tensors",
    "check_op",
    "floats",
    "graphs",
    "register_spec",
    "spec_for_op",
    "tensors",
    "values",
]
